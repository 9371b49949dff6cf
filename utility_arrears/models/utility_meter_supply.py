from odoo import api, fields, models


class UtilityMeter(models.Model):
    """The supply state of a remotely switched meter, as its head-end last
    acknowledged it, and its switching history."""

    _inherit = "utility.meter"  # pylint: disable=consider-merging-classes-inherited

    supply_state = fields.Selection(
        selection=[("unknown", "Unknown"), ("on", "On"), ("off", "Off")],
        default="unknown",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
        help="Whether the supply is on or off, as the head-end last acknowledged it.",
    )
    supply_changed_at = fields.Datetime(
        string="Supply Changed At",
        readonly=True,
        help="When the meter last switched, as the head-end reported it.",
    )
    supply_off_days = fields.Float(
        string="Days Off",
        compute="_compute_supply_off_days",
        digits=(16, 1),
        help="How long the supply has been off.",
    )
    meter_command_ids = fields.Many2many(
        comodel_name="utility.meter.command",
        string="Switching Commands",
        compute="_compute_meter_command_ids",
    )

    def _compute_meter_command_ids(self):
        # computed, not a one2many: the commands are made by their own
        # entry point only, never through this record
        commands = self.env["utility.meter.command"].search(
            [("meter_id", "in", self.ids)], order="id desc"
        )
        for record in self:
            record.meter_command_ids = commands.filtered(lambda c, r=record: c.meter_id == r)

    @api.model
    def _utility_protected_fields(self):
        # only the head-end's acknowledgement sets the supply state
        return super()._utility_protected_fields() | {"supply_state", "supply_changed_at"}

    @api.depends("supply_state", "supply_changed_at")
    def _compute_supply_off_days(self):
        now = fields.Datetime.now()
        for meter in self:
            if meter.supply_state == "off" and meter.supply_changed_at:
                meter.supply_off_days = (now - meter.supply_changed_at).total_seconds() / 86400
            else:
                meter.supply_off_days = 0.0

    def _utility_set_supply(self, state, when=None):
        """Record the supply state a head-end acknowledged."""
        # sudo: called by the acknowledgement of the meter's own command
        meters = self.sudo()
        with meters._utility_protected_write():
            meters.write(
                {"supply_state": state, "supply_changed_at": when or fields.Datetime.now()}
            )
