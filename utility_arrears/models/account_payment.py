from collections import defaultdict

from odoo import api, models


class AccountPayment(models.Model):
    """Charge the regulated late fee when a utility payment settles overdue
    bills, whatever the channel: the fee on the part of each bill paid now
    is invoiced separately (late-fee income account) and settled by the same
    payment, right before its bill."""

    _inherit = "account.payment"

    @api.model
    def _utility_before_reconcile(self, settlements):  # pylint: disable=missing-return
        super()._utility_before_reconcile(settlements)
        # a kept installment plan's bills first, then the late fees, then the
        # recovery of written-off bills with what the payment has left
        self._utility_order_plan_bills(settlements)
        self._utility_charge_settlement_late_fees(settlements)
        self._utility_recover_written_off(settlements)

    @api.model
    def _utility_order_plan_bills(self, settlements):
        """Put a kept installment plan's bills first, in plan order, in the
        settlements whose bills the payer did not name (installment plans)."""

    @api.model
    def _utility_recover_written_off(self, settlements):
        """Recover the payer's written-off bills with what each settlement
        leaves once its bills are paid (bad-debt write-off)."""

    @api.model
    def _utility_charge_settlement_late_fees(self, settlements):
        """Charge the late fee of the part of each overdue bill the
        settlements pay, right before its bill."""
        Move = self.env["account.move"]
        # the part of each bill each payment settles, by payment day: one
        # late-fee query and one charge per day for all the payments
        by_date = defaultdict(list)
        for settlement in settlements:
            if settlement.bills:
                by_date[settlement.date].append(settlement)
        for on_date, group in by_date.items():
            proportional = Move.concat(*(s.bills for s in group if s.parts is None))
            fees = Move._utility_late_fee_as_of(proportional, on_date) if proportional else {}
            parts = [
                (s, s.parts if s.parts is not None else self._utility_late_fee_parts(s, fees))
                for s in group
            ]
            charged = {bill: amount for _s, amounts in parts for bill, amount in amounts.items()}
            if not charged:
                continue
            # each fee linked to the payment charging it, which takes it
            # back when it is cancelled or reversed (empty for an online
            # transaction: Odoo creates its payment after the hook)
            payers = {bill: s.payment for s, amounts in parts for bill in amounts}
            fee_moves = Move._utility_charge_late_fees(
                Move.browse([bill.id for bill in charged]),
                on_date,
                amounts=charged,
                payments=payers,
            )
            # the fee invoices of the day by their bill, looked up per bill
            # below instead of filtering all of them once per bill
            fees_by_bill = fee_moves.grouped("utility_late_fee_bill_id")
            for settlement, amounts in parts:
                if not amounts:
                    continue
                # each late fee right before its bill
                ordered = Move
                for bill in settlement.bills:
                    ordered |= fees_by_bill.get(bill, Move)
                    ordered |= bill
                settlement.bills = ordered

    @api.model
    def _utility_late_fee_parts(self, settlement, fees):
        """The part of each of ``settlement``'s bills bearing a late fee
        (``fees``: {bill id: fee if settled in full}) that its payment
        settles: the bills in order, each with its fee, principal and fee in
        proportion for the last one reached (the fee is charged only on the
        part of the bill paid)."""
        currency = settlement.currency
        remaining = settlement.amount
        amounts = {}
        for bill in settlement.bills:
            if currency.compare_amounts(remaining, 0.0) <= 0:
                break
            residual = bill.amount_residual
            fee = fees.get(bill.id, 0.0)
            if currency.is_zero(fee):
                remaining -= residual
                continue
            if currency.compare_amounts(remaining, residual + fee) >= 0:
                amounts[bill] = residual
                remaining -= residual + fee
            else:
                amounts[bill] = currency.round(remaining * residual / (residual + fee))
                remaining = 0.0
        return amounts

    def _utility_cancel_charges(self, reason, reversal_date=None):
        """The late fees these payments charged are taken back with them:
        the late-fee invoices cancelled (same day) or reversed by a credit
        note of ``reversal_date``, so that the bill's late fee is charged
        again, the same, by the payment that finally settles it."""
        result = super()._utility_cancel_charges(reason, reversal_date=reversal_date)
        fees = self.env["account.move"].search(
            [("utility_late_fee_payment_id", "in", self.ids), ("state", "=", "posted")]
        )
        if not fees:
            return result
        if reversal_date:
            # the credit note, reconciled with the fee, marks it "reversed":
            # no longer charged (see _utility_late_fee_details)
            fees._reverse_moves(
                [
                    {
                        "date": reversal_date,
                        "invoice_date": reversal_date,
                        "ref": self.env._(
                            "Reversal of %(invoice)s: %(reason)s", invoice=fee.name, reason=reason
                        ),
                    }
                    for fee in fees
                ],
                cancel=True,
            )
        else:
            fees.button_cancel()
        for fee in fees:
            fee.message_post(
                body=self.env._(
                    "Late fee taken back with payment %(payment)s: %(reason)s",
                    payment=fee.utility_late_fee_payment_id.name,
                    reason=reason,
                )
            )
        return result
