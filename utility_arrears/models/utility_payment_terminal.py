from odoo import models


class UtilityPaymentTerminal(models.Model):
    """The bills query of a cost-controlled customer also tells their
    valued balance, so that a terminal can show what to pay."""

    _inherit = "utility.payment.terminal"

    def _utility_api_bills(self, customer_number):
        answer = super()._utility_api_bills(customer_number)
        terminal = self._utility_api_as_booking_user()
        partner = terminal._utility_api_customer(customer_number)
        contract = terminal.env["utility.contract"].search(
            [
                ("partner_id", "=", partner.commercial_partner_id.id),
                ("company_id", "=", terminal.company_id.id),
                ("state", "=", "active"),
                ("cost_control", "=", True),
            ],
            order="id",
            limit=1,
        )
        if contract:
            answer["cost_control"] = contract._utility_valuation_summary()
        return answer
