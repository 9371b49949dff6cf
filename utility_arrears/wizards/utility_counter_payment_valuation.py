from odoo import api, fields, models


class UtilityCounterPayment(models.TransientModel):
    """The counter shows a cost-controlled customer's valued balance and
    days left, so the cashier can tell them what their meter will need."""

    _inherit = "utility.counter.payment"  # pylint: disable=consider-merging-classes-inherited

    utility_cost_control = fields.Boolean(
        string="Remote Cost Control", compute="_compute_utility_valuation"
    )
    utility_valued_balance = fields.Monetary(
        string="Estimated Balance",
        compute="_compute_utility_valuation",
        help="The customer's prepaid credit minus open bills minus the consumption read "
        "since the last bill, as of the last daily valuation.",
    )
    utility_valued_days_left = fields.Integer(
        string="Days Left",
        compute="_compute_utility_valuation",
        help="Days the estimated balance lasts at the average consumption; -1 when unknown.",
    )
    utility_valued_at = fields.Datetime(string="Valued At", compute="_compute_utility_valuation")

    @api.depends("partner_id")
    def _compute_utility_valuation(self):
        contracts = self.env["utility.contract"].search(
            [
                # _origin: in the form, the customer is a new record's copy
                ("partner_id", "in", self.partner_id._origin.commercial_partner_id.ids),
                ("state", "=", "active"),
                ("cost_control", "=", True),
            ],
            order="id",
        )
        by_partner = {}
        for contract in contracts:
            by_partner.setdefault(contract.partner_id.id, contract)
        for wizard in self:
            contract = by_partner.get(wizard.partner_id._origin.commercial_partner_id.id)
            wizard.utility_cost_control = bool(contract)
            wizard.utility_valued_balance = contract.valued_balance if contract else 0.0
            wizard.utility_valued_days_left = (
                contract.valued_days_left if contract and contract.valued_at else -1
            )
            wizard.utility_valued_at = contract.valued_at if contract else False
