from odoo import api, fields, models
from odoo.exceptions import UserError


class UtilityContractChangeReading(models.Model):
    """One meter's reading of an account change: the final reading of a
    move-out or transfer (``move_out``) or the opening reading of a move-in
    (``move_in``), dated the change's day. "Enter Readings" turns each line
    into a ``utility.meter.reading`` validated like any other one."""

    _name = "utility.contract.change.reading"
    _description = "Account Change Meter Reading"
    _inherit = ["utility.protected.fields.mixin"]
    _order = "change_id, id"

    change_id = fields.Many2one(
        comodel_name="utility.contract.change",
        string="Account Change",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="change_id.company_id", store=True)
    meter_id = fields.Many2one(
        comodel_name="utility.meter",
        required=True,
        domain="[('service_point_id', '=', parent.service_point_id)]",
    )
    register_type = fields.Selection(related="meter_id.register_type")
    previous_value = fields.Float(
        string="Previous Reading",
        compute="_compute_previous_value",
        digits=(16, 2),
        help="The meter's latest reading before the change's day (or its initial "
        "reading): the new value counts from it.",
    )
    value = fields.Float(
        string="Reading",
        digits=(16, 2),
        help="Register value read on the day of the change (total register).",
    )
    value_peak = fields.Float(string="Peak Register", digits=(16, 2))
    value_flat = fields.Float(string="Flat Register", digits=(16, 2))
    value_valley = fields.Float(string="Valley Register", digits=(16, 2))
    reading_id = fields.Many2one(
        comodel_name="utility.meter.reading",
        string="Meter Reading",
        readonly=True,
        copy=False,
        help="The meter reading entered from this line.",
    )
    reading_state = fields.Selection(related="reading_id.state", string="Reading Status")
    consumption = fields.Float(
        related="reading_id.consumption", string="Consumption (kWh)", digits=(16, 2)
    )

    @api.depends("meter_id", "change_id.change_date", "reading_id")
    def _compute_previous_value(self):
        Reading = self.env["utility.meter.reading"]
        for line in self:
            if line.reading_id:
                line.previous_value = line.reading_id.previous_value
                continue
            meter = line.meter_id
            domain = [("meter_id", "=", meter.id), ("state", "!=", "cancelled")]
            if line.change_id.change_date:
                domain.append(("reading_date", "<=", line.change_id.change_date))
            last = Reading.search(domain, order="reading_date desc, id desc", limit=1)
            line.previous_value = last.value if last else meter.initial_reading

    @api.model
    def _utility_protected_fields(self):
        # the reading entered by "Enter Readings"
        return {"reading_id"}

    @api.model
    def _utility_create_only_fields(self):
        return {"change_id"}

    def write(self, vals):
        values = {"meter_id", "value", "value_peak", "value_flat", "value_valley"}
        if values.intersection(vals) and not self._utility_has_protected_write():
            self.change_id._utility_check_draft()
            entered = self.filtered("reading_id")
            if entered:
                raise self.env["utility.contract.change"]._utility_readings_entered_error(entered)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if self.filtered(lambda line: line.change_id.state != "draft" or line.reading_id):
            raise UserError(
                self.env._(
                    "The readings of a confirmed account change, or a reading already "
                    "entered, cannot be deleted."
                )
            )
