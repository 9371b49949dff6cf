from odoo import fields, models

from .utility_payment_service import Settlement


class PaymentTransaction(models.Model):
    """Online payments from the portal are booked by Odoo's payment module,
    not by the payment service; they record their channel and the
    provider's transaction like every other channel's payment, and pass
    through the same hook before Odoo reconciles them with the
    transaction's invoices (``account.payment._utility_before_reconcile``,
    where utility_arrears charges the late fee of the day)."""

    _inherit = "payment.transaction"

    def _create_payment(self, **extra_create_values):
        self.ensure_one()
        if "utility_channel" not in extra_create_values:
            extra_create_values["utility_channel"] = "online"
            extra_create_values["utility_external_txn_id"] = (
                self.provider_reference or self.reference
            )
        # a partial capture pays its source transaction's invoices, prepared
        # with the first capture
        if not self.source_transaction_id and self.amount > 0:
            self._utility_before_reconcile()
        payment = super()._create_payment(**extra_create_values)
        # reconciled with the transaction's invoices by Odoo's payment module
        self.env["account.payment"]._utility_after_reconcile(payment)
        return payment

    def _utility_before_reconcile(self):
        """Call the payment service's hook for what this transaction pays:
        the utility bills among its invoices, oldest due first as Odoo's
        reconciliation takes them, each for the part the amount reaches.
        The moves the hook adds (late-fee invoices) join the transaction's
        invoices, which Odoo then reconciles with the payment."""
        self.ensure_one()
        Move = self.env["account.move"]
        bills = (
            self.invoice_ids._utility_is_bill()
            .filtered(lambda bill: bill.currency_id == self.currency_id)
            .sorted(lambda bill: (bill.invoice_date_due, bill.id))
        )
        currency = self.currency_id
        remaining = self.amount
        parts = {}
        for bill in bills:
            if currency.compare_amounts(remaining, 0.0) <= 0:
                break
            parts[bill] = min(remaining, bill.amount_residual)
            remaining -= parts[bill]
        reached = Move.browse([bill.id for bill in parts])
        settlement = Settlement(
            # Odoo's payment module creates the payment after the hook
            payment=self.env["account.payment"],
            bills=reached,
            amount=self.amount,
            date=fields.Date.context_today(self),
            currency=currency,
            parts=parts,
        )
        self.env["account.payment"]._utility_before_reconcile([settlement])
        added = settlement.bills - reached
        if added:
            self.invoice_ids = [fields.Command.link(move.id) for move in added]
        return added
