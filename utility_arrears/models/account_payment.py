from odoo import models


class AccountPayment(models.Model):
    """Charge the regulated late fee when a utility payment settles overdue
    bills: the fee on the part of each bill paid now is invoiced separately
    (late-fee income account) and settled by the same payment, right before
    its bill."""

    _inherit = "account.payment"

    def _utility_allocate(self, bills):
        self.ensure_one()
        if not bills:
            return super()._utility_allocate(bills)
        Move = self.env["account.move"]
        currency = self.currency_id
        fees = Move._utility_late_fee_as_of(bills, self.date)
        remaining = self.amount
        amounts = {}
        for bill in bills:
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
                # pay principal and fee in proportion: the fee is charged only
                # on the part of the bill this payment settles
                amounts[bill] = currency.round(remaining * residual / (residual + fee))
                remaining = 0.0
        if not amounts:
            return super()._utility_allocate(bills)
        fee_moves = Move._utility_charge_late_fees(
            Move.browse([bill.id for bill in amounts]), self.date, amounts=amounts
        )
        ordered = Move
        for bill in bills:
            ordered |= fee_moves.filtered(lambda m, b=bill: m.utility_late_fee_bill_id == b)
            ordered |= bill
        return super()._utility_allocate(ordered)
