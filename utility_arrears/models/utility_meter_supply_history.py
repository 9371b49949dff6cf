from odoo import fields, models


class UtilityMeter(models.Model):
    """What the office sees of a switched meter: its switching commands
    (smart button), the village and contract in force, and what its
    customer owes to be switched back on (cost-control dashboard)."""

    _inherit = "utility.meter"  # pylint: disable=consider-merging-classes-inherited

    meter_command_count = fields.Integer(
        string="Switching Commands Count", compute="_compute_meter_command_count"
    )
    supply_village = fields.Char(string="Village", related="service_point_id.village")
    supply_contract_id = fields.Many2one(
        comodel_name="utility.contract",
        string="Contract in Force",
        compute="_compute_supply_amount_to_pay",
    )
    supply_currency_id = fields.Many2one(related="company_id.currency_id")
    supply_amount_to_pay = fields.Monetary(
        string="Amount to Pay",
        currency_field="supply_currency_id",
        compute="_compute_supply_amount_to_pay",
        help="What the customer pays to be switched back on: the amount lifting the "
        "estimated balance above the switch-off threshold plus the overdue bills.",
    )

    def _compute_meter_command_count(self):
        counts = dict(
            self.env["utility.meter.command"]._read_group(
                [("meter_id", "in", self.ids)], ["meter_id"], ["__count"]
            )
        )
        for meter in self:
            meter.meter_command_count = counts.get(meter, 0)

    def _compute_supply_amount_to_pay(self):
        for meter in self:
            contracts = meter.service_point_id.contract_ids
            contract = contracts.filtered(lambda c: c.state == "active")[:1]
            meter.supply_contract_id = contract
            meter.supply_amount_to_pay = (
                contract._utility_amount_to_switch_on() if contract else 0.0
            )

    def action_view_meter_commands(self):
        """The meter's switching commands, newest first."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "utility_arrears.action_utility_meter_command"
        )
        action["domain"] = [("meter_id", "=", self.id)]
        action["context"] = {"default_meter_id": self.id}
        return action
