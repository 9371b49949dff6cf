from odoo import models


class UtilityWarning(models.Model):
    """A payment clears the balance warning of a cost-controlled contract
    on its valued balance, valued again with the payment."""

    _inherit = "utility.warning"

    def _utility_still_crossed(self):
        contract = self.contract_id
        if not (contract.cost_control and contract.valued_at):
            return super()._utility_still_crossed()
        # value again now: the payment that calls this changed the credit
        contract._utility_value_balances()
        if self.kind == "balance_amount":
            return (
                contract.currency_id.compare_amounts(
                    contract.valued_balance, self.rule_id.threshold_amount
                )
                < 0
            )
        return 0 <= contract.valued_days_left < self.rule_id.threshold_days
