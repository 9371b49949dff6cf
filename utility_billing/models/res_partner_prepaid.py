from odoo import fields, models


class ResPartner(models.Model):
    """Prepaid figures of the customer, taken from their active prepaid
    contracts."""

    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    utility_prepaid_balance = fields.Monetary(
        string="Prepaid Balance",
        compute="_compute_utility_prepaid",
        currency_field="currency_id",
        help="Payments not yet applied to a bill (credit on the receivable).",
    )
    utility_avg_daily_consumption = fields.Float(
        string="Average Daily Consumption (kWh)",
        compute="_compute_utility_prepaid",
        digits=(16, 2),
    )
    utility_estimated_days_left = fields.Integer(
        string="Estimated Days Left",
        compute="_compute_utility_prepaid",
        help="Days the prepaid balance lasts at the recent consumption; -1 when unknown.",
    )
    utility_is_prepaid = fields.Boolean(
        compute="_compute_utility_prepaid",
        help="The customer has an active prepaid contract.",
    )

    def _compute_utility_prepaid(self):
        contracts = self.env["utility.contract"].search(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("state", "=", "active"),
                ("billing_mode", "=", "prepaid"),
            ]
        )
        by_partner = {}
        for contract in contracts:
            by_partner.setdefault(contract.partner_id.id, contract)
        for partner in self:
            contract = by_partner.get(partner.commercial_partner_id.id)
            partner.utility_is_prepaid = bool(contract)
            partner.utility_prepaid_balance = contract.prepaid_balance if contract else 0.0
            partner.utility_avg_daily_consumption = (
                contract.avg_daily_consumption if contract else 0.0
            )
            partner.utility_estimated_days_left = contract.estimated_days_left if contract else -1
