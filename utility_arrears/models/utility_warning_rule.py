from odoo import models
from odoo.fields import Domain


class UtilityWarningRule(models.Model):
    """Balance warnings of cost-controlled contracts fire on their valued
    balance (prepaid credit minus open bills minus the consumption read
    since the last bill), not on the bare prepaid credit."""

    _inherit = "utility.warning.rule"

    def _valued_contracts(self):
        """The active cost-controlled contracts of the rule's scope that the
        daily valuation has valued."""
        return self.env["utility.contract"].search(
            self._company_domain()
            & Domain("state", "=", "active")
            & Domain("billing_mode", "=", "prepaid")
            & Domain("cost_control", "=", True)
            & Domain("valued_at", "!=", False)
        )

    def _get_crossings_balance_amount(self):
        crossings = super()._get_crossings_balance_amount()
        for contract in self._valued_contracts():
            crossings.pop((contract.id, False), None)
            if (
                contract.currency_id.compare_amounts(contract.valued_balance, self.threshold_amount)
                < 0
            ):
                crossings[(contract.id, False)] = contract.valued_balance
        return crossings

    def _get_crossings_balance_days(self):
        crossings = super()._get_crossings_balance_days()
        for contract in self._valued_contracts():
            crossings.pop((contract.id, False), None)
            days = contract.valued_days_left
            if 0 <= days < self.threshold_days:
                crossings[(contract.id, False)] = days
        return crossings
