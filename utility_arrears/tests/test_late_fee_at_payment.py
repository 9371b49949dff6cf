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
