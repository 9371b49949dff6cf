from odoo import fields, models


class UtilityCounterPayment(models.TransientModel):
    """The counter shows the late fee to date of the bills being paid, the
    same fee the payment then charges (see account.payment._utility_before_reconcile)."""

    _inherit = "utility.counter.payment"

    amount_extra = fields.Monetary(
        string="Late Fee",
        help="Late fee to date of the bills being paid (违约金), charged with them.",
    )

    def _utility_extra_due(self, bills, date):
        date = fields.Date.to_date(date)
        fees = self.env["account.move"]._utility_late_fee_as_of(bills, date)
        currency = self.currency_id or bills.currency_id[:1] or self.env.company.currency_id
        return currency.round(sum(fees.values()))
