from odoo import models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _reconcile_plan(self, reconciliation_plan):
        """Every reconciliation (payment register, counter, agency, bank
        statement) goes through here: once done, the bills involved may be
        paid, which changes arrears and may trigger a reconnection."""
        res = super()._reconcile_plan(reconciliation_plan)
        lines = self.browse()
        stack = list(reconciliation_plan)
        while stack:
            item = stack.pop()
            if isinstance(item, models.BaseModel):
                lines |= item
            else:
                stack.extend(item)
        lines.move_id._utility_on_reconciliation()
        return res
