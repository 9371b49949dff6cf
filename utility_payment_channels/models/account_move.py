from odoo import api, models


class AccountMove(models.Model):
    _inherit = "account.move"

    @api.model
    def _utility_late_fee_as_of(self, bills, date):
        """Late fee each of ``bills`` would bear if paid on ``date``.

        What the channels show a customer has to pay (terminal API, counters,
        rounds, agency file matching): returns ``{bill.id: fee}``. No fee
        here; ``utility_arrears`` adds its arrears policies' fee. Charging
        the fee is not done from here but in the hook every booking path
        calls, ``account.payment._utility_before_reconcile``."""
        return dict.fromkeys(bills.ids, 0.0)

    def _utility_receipt_label(self):
        """What a receipt calls this bill among those a payment settled:
        its number here; ``utility_arrears`` names its late-fee invoices."""
        self.ensure_one()
        if self.utility_entry_kind == "deposit":
            return self.env._("Security deposit %s", self.name)
        return self.name
