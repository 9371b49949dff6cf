from odoo import fields, models


class PaymentTransaction(models.Model):
    """An online payment of overdue bills pays their late fee, as at the
    counter, the terminals and the agencies: before Odoo books the payment
    and reconciles it with the transaction's invoices, the fee on the part of
    each overdue bill the transaction pays is charged as a late-fee invoice
    dated the payment day, and added to the transaction's invoices. Odoo
    then settles the bills first (oldest due first) and the late-fee
    invoices with what is left: the portal proposes the bill and its fee of
    the day (``account.move._get_invoice_next_payment_values``), which pays
    both; a payment of the bill alone leaves its fee to pay."""

    _inherit = "payment.transaction"

    def _create_payment(self, **extra_create_values):
        self.ensure_one()
        # a partial capture pays its source transaction's invoices: its fee
        # was charged with the first capture
        if not self.source_transaction_id and self.amount > 0:
            self._utility_charge_late_fees()
        return super()._create_payment(**extra_create_values)

    def _utility_charge_late_fees(self):
        """Charge the late fees of the overdue utility bills this transaction
        pays, on the part of each it pays (bills taken oldest due first, as
        Odoo's reconciliation takes them), and add the late-fee invoices to
        the transaction's invoices. Returns the late-fee invoices."""
        self.ensure_one()
        Move = self.env["account.move"]
        on_date = fields.Date.context_today(self)
        # (the late-fee rules charge nothing on the bills not yet past due)
        bills = (
            self.invoice_ids._utility_is_bill()
            .filtered(lambda bill: bill.currency_id == self.currency_id)
            .sorted(lambda bill: (bill.invoice_date_due, bill.id))
        )
        currency = self.currency_id
        remaining = self.amount
        amounts = {}
        for bill in bills:
            if currency.compare_amounts(remaining, 0.0) <= 0:
                break
            amounts[bill] = min(remaining, bill.amount_residual)
            remaining -= amounts[bill]
        if not amounts:
            return Move
        fee_moves = Move._utility_charge_late_fees(
            Move.browse([bill.id for bill in amounts]), on_date, amounts=amounts
        )
        if fee_moves:
            self.invoice_ids = [fields.Command.link(move.id) for move in fee_moves]
        return fee_moves
