from odoo import fields
from odoo.tests import tagged

from odoo.addons.utility_payment_channels.tests.common import UtilityPaymentCase


@tagged("post_install", "-at_install")
class TestLateFeeAtPayment(UtilityPaymentCase):
    """A residential bill of 300.00 overdue for 20 days carries 6.00 of late
    fee (1 per mille a day) which the counter payment charges and settles."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = fields.Date.context_today(cls.env.user)
        cls.overdue = cls._utility_bill(
            cls.env["res.partner"].create(
                {
                    "name": "Li Na",
                    "utility_customer_number": "0100000003",
                    "utility_category": "residential",
                }
            ),
            300.0,
            fields.Date.subtract(today, days=20),
        )
        cls.customer_li = cls.overdue.partner_id

    def _fee_invoices(self):
        return self.env["account.move"].search([("utility_late_fee_bill_id", "=", self.overdue.id)])

    def test_full_payment_charges_the_fee_as_a_separate_invoice(self):
        payment = self.env["account.payment"]._utility_pay(self.customer_li, 306.0, self.hall)
        fee = self._fee_invoices()
        self.assertEqual(len(fee), 1)
        self.assertEqual(fee.amount_total, 6.0)
        self.assertEqual(fee.state, "posted")
        self.assertEqual(fee.payment_state, "paid")
        self.assertEqual(self.overdue.payment_state, "paid")
        self.assertEqual(self.overdue.amount_total, 300.0, "the fee is never hidden in the bill")
        self.assertFalse(payment._utility_receivable_line(), "nothing left over")
        # the fee is booked on the late-fee income account, not the bill's
        fee_account = fee.invoice_line_ids.account_id
        self.assertNotIn(fee_account, self.overdue.invoice_line_ids.account_id)

    def test_partial_payment_is_charged_the_fee_on_the_part_paid_only(self):
        # 102.00 pays 100.00 of the bill and 2.00 of fee (100 x 1 per mille x 20 days)
        self.env["account.payment"]._utility_pay(self.customer_li, 102.0, self.hall)
        fee = self._fee_invoices()
        self.assertEqual(fee.amount_total, 2.0)
        self.assertEqual(fee.payment_state, "paid")
        self.assertEqual(self.overdue.amount_residual, 200.0)

    def test_bills_not_yet_due_carry_no_fee(self):
        self.env["account.payment"]._utility_pay(self.customer, 100.0, self.hall)
        fees = self.env["account.move"].search([("utility_late_fee_bill_id", "in", self.bills.ids)])
        self.assertFalse(fees)
        self.assertEqual(self.bills[0].payment_state, "paid")

    def test_counter_shows_the_fee_that_the_payment_charges(self):
        counter = self.env["utility.counter.payment"]
        fee = counter._utility_extra_due(self.overdue, fields.Date.context_today(self.env.user))
        self.assertEqual(fee, 6.0)
        self.assertEqual(
            counter._utility_extra_due(self.bills, fields.Date.context_today(self.env.user)), 0.0
        )

    def _bill_of(self, number, amount, due):
        customer = self.env["res.partner"].create(
            {
                "name": f"Customer {number}",
                "utility_customer_number": number,
                "utility_category": "residential",
            }
        )
        return self._utility_bill(customer, amount, due)

    def test_a_fee_rounding_to_nothing_is_still_the_minimum(self):
        # 4.00 one day late: 0.004 of fee, charged as 1.00
        today = fields.Date.context_today(self.env.user)
        bill = self._bill_of("0100000031", 4.0, fields.Date.subtract(today, days=1))
        self.env["account.payment"]._utility_pay(bill.partner_id, 5.0, self.hall)
        fee = self.env["account.move"].search([("utility_late_fee_bill_id", "=", bill.id)])
        self.assertEqual(fee.amount_total, 1.0)
        self.assertEqual((bill.payment_state, fee.payment_state), ("paid", "paid"))

    def test_the_minimum_applies_to_the_bill_s_late_fees_in_all(self):
        """300.00 due three days ago: 100.00 paid two days late is charged
        the 0.20 of fee accrued on the 99.80 it settles; the 200.20 left,
        paid three days late, accrues 0.60 (0.80 in all): the payment
        settling the bill brings the fees up to the 1.00 minimum (0.80)."""
        today = fields.Date.context_today(self.env.user)
        bill = self._bill_of("0100000032", 300.0, fields.Date.subtract(today, days=3))
        Payment = self.env["account.payment"]
        Payment._utility_pay(
            bill.partner_id, 100.0, self.hall, date=fields.Date.subtract(today, days=1)
        )
        fees = self.env["account.move"].search([("utility_late_fee_bill_id", "=", bill.id)])
        self.assertEqual(fees.mapped("amount_total"), [0.2])
        self.assertEqual(bill.amount_residual, 200.2)
        self.assertEqual(bill._utility_late_fee(today), 0.8)
        Payment._utility_pay(bill.partner_id, 201.0, self.hall)
        fees = self.env["account.move"].search(
            [("utility_late_fee_bill_id", "=", bill.id)], order="id"
        )
        self.assertEqual(fees.mapped("amount_total"), [0.2, 0.8])
        self.assertEqual(fees.mapped("utility_late_fee_accrued"), [0.2, 0.6])
        self.assertEqual(bill.payment_state, "paid")
        self.assertFalse(bill.partner_id.credit, "nothing left over")
