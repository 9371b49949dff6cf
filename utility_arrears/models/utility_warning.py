from odoo import models


class UtilityWarning(models.Model):
    """The balance warning of a cost-controlled contract tells its valued
    balance, and a payment clears it on that balance, valued again with the
    payment."""

    _inherit = "utility.warning"

    def _get_message(self):
        contract = self.contract_id
        if (
            self.cleared_at
            or self.kind not in ("balance_amount", "balance_days")
            or not (contract.cost_control and contract.valued_at)
        ):
            return super()._get_message()
        # an open warning tells today's figure, the one the contract shows
        if self.kind == "balance_amount":
            return self.env._(
                "The prepaid balance of contract %(contract)s is low: %(amount)s. Please top up.",
                contract=contract.name,
                amount=self.currency_id.format(contract.valued_balance),
            )
        days = contract.valued_days_left if contract.valued_days_left >= 0 else int(self.value)
        return self.env._(
            "The prepaid balance of contract %(contract)s lasts about %(days)s more "
            "days. Please top up.",
            contract=contract.name,
            days=days,
        )

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
