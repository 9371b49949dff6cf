from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.utility_billing.tools.new_name import is_new_name


class UtilityServicePoint(models.Model):
    """A place that is supplied: an address in a village, served by a supply
    station, where one or more meters are installed."""

    _name = "utility.service.point"
    _description = "Service Point"
    _inherit = ["mail.thread", "utility.protected.fields.mixin"]
    _order = "station_id, village, code"

    name = fields.Char(required=True)
    code = fields.Char(
        required=True,
        copy=False,
        default=lambda self: self.env._("New"),
        help="Service point number, given by sequence when left empty.",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    station_id = fields.Many2one(
        comodel_name="utility.supply.station",
        string="Supply Station",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        index=True,
        tracking=True,
    )
    street = fields.Char()
    village = fields.Char(index=True)
    route = fields.Char(
        index=True,
        help="Meter-reading and collection route; readings are entered route by route.",
    )
    meter_ids = fields.One2many(comodel_name="utility.meter", inverse_name="service_point_id")
    current_meter_id = fields.Many2one(
        comodel_name="utility.meter",
        compute="_compute_current_meter",
        help="The meter installed now (not removed).",
    )
    contract_ids = fields.One2many(comodel_name="utility.contract", inverse_name="service_point_id")
    has_active_contract = fields.Boolean(
        compute="_compute_has_active_contract",
        help="A contract of the point is in force: a new customer moves in through a "
        "transfer of ownership, not a move-in.",
    )

    _code_company_uniq = models.Constraint(
        "UNIQUE(code, company_id)",
        "A service point number must be unique per company.",
    )

    @api.depends("meter_ids.state")
    def _compute_current_meter(self):
        for point in self:
            installed = point.meter_ids.filtered(lambda m: m.state == "installed")
            point.current_meter_id = installed[:1]

    @api.depends("contract_ids.state")
    def _compute_has_active_contract(self):
        for point in self:
            point.has_active_contract = "active" in point.contract_ids.mapped("state")

    def action_move_in(self):
        """Open a draft move-in (入户) of a new customer on the point."""
        self.ensure_one()
        if self.has_active_contract:
            raise UserError(
                self.env._(
                    "Service point %s has an active contract: transfer it to the new "
                    "customer instead.",
                    self.display_name,
                )
            )
        return {
            "type": "ir.actions.act_window",
            "res_model": "utility.contract.change",
            "view_mode": "form",
            "target": "current",
            "context": {
                "default_kind": "move_in",
                "default_service_point_id": self.id,
                "default_company_id": self.company_id.id,
                "default_credit_action": "keep",
                # the tariff of the point's last contract, as a proposal
                "default_new_tariff_id": self.contract_ids.sorted("date_start")[-1:].tariff_id.id,
            },
        }

    @api.model_create_multi
    def create(self, vals_list):
        new_label = self.env._("New")
        seq = self.env["ir.sequence"]
        for vals in vals_list:
            if is_new_name(self, vals.get("code")):
                vals["code"] = seq.next_by_code("utility.service.point") or new_label
        return super().create(vals_list)

    @api.depends("code", "name")
    def _compute_display_name(self):
        for point in self:
            # a new point has neither yet: no "False" in the title
            point.display_name = " ".join(part for part in (point.code, point.name) if part)
