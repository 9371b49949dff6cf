from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import UtilityPaymentCase


@tagged("post_install", "-at_install")
class TestPaymentAllocation(UtilityPaymentCase):
    def _pay(self, amount, **kwargs):
        return self.env["account.payment"]._utility_pay(self.customer, amount, self.hall, **kwargs)

    def test_partial_payment_settles_the_oldest_bill_first(self):
        payment = self._pay(150.0)
        jan, feb, mar = self.bills
        self.assertEqual(jan.payment_state, "paid")
        self.assertEqual(feb.amount_residual, 70.0)
        self.assertEqual(mar.amount_residual, 80.0)
        self.assertEqual(payment.utility_bill_ids, jan | feb)
        self.assertEqual(payment.utility_channel, "hall")
        self.assertEqual(payment.utility_collection_point_id, self.hall)
        self.assertEqual(payment.journal_id, self.cash_journal)

    def test_named_bills_are_paid_in_the_order_named(self):
        jan, feb, mar = self.bills
        self._pay(80.0, bills=mar | jan)
        self.assertEqual(mar.payment_state, "paid")
        self.assertEqual(jan.amount_residual, 100.0)

    def test_over_payment_stays_as_credit_on_the_receivable(self):
        payment = self._pay(350.0)
        self.assertTrue(all(bill.payment_state == "paid" for bill in self.bills))
        credit = payment._utility_receivable_line()
        self.assertEqual(credit.amount_residual, -50.0)
        self.assertEqual(self.customer.credit, -50.0)

    def test_same_transaction_id_is_never_booked_twice(self):
        first = self._pay(100.0, external_txn_id="T-1", txn_scope="terminal:1")
        second = self._pay(100.0, external_txn_id="T-1", txn_scope="terminal:1")
        self.assertEqual(first, second)
        self.assertEqual(self.bills[1].amount_residual, 120.0)
        # the same id from another terminal is another transaction
        other = self._pay(100.0, external_txn_id="T-1", txn_scope="terminal:2")
        self.assertNotEqual(other, first)

    def test_zero_negative_and_sub_fen_amounts_are_refused(self):
        for amount in (0.0, -5.0, 10.005):
            with self.assertRaises(UserError):
                self._pay(amount)
        self.assertEqual(sum(self.bills.mapped("amount_residual")), 300.0)

    def test_payer_and_operator_are_recorded(self):
        committee = self.env["res.partner"].create({"name": "Zhangwan village committee"})
        payment = self._pay(100.0, payer=committee)
        self.assertEqual(payment.utility_payer_id, committee)
        self.assertEqual(payment.utility_operator_id, self.env.user)
        self.assertEqual(payment.partner_id, self.customer)
