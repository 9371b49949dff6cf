from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from odoo.addons.utility_billing.tests.test_prepaid import UtilityPrepaidCase


@tagged("post_install", "-at_install")
class TestLateFeeOnline(UtilityPrepaidCase, HttpCase):
    """Online payment of an overdue bill with Odoo's demo provider
    (payment_demo, installed through the utility_scenarios test add-on). A
    residential bill of 300.00 overdue for 20 days carries 6.00 of late fee
    (1 per mille a day): the portal proposes 306.00, which pays the bill and
    its late-fee invoice, as at the counter, the terminals and the agencies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract.billing_mode = "postpaid"
        cls.provider = cls._demo_provider()
        if not cls.provider:
            return
        cls.today = fields.Date.context_today(cls.env.user)
        cls.bill = cls._bill(
            300.0,
            due=fields.Date.subtract(cls.today, days=20),
            date=fields.Date.subtract(cls.today, days=50),
        )
        # the customer's day is the test's day (late days are counted in the
        # time zone of whoever pays: here both sides agree on "today")
        cls._portal_user("portal_late", cls.customer).tz = cls.env.user.tz or "UTC"

    def setUp(self):
        super().setUp()
        if not self.provider:
            self.skipTest("payment_demo is not installed")

    def _pay_online(self, amount, invoices):
        """A demo transaction of ``amount`` for ``invoices``, confirmed and
        post-processed as the payment status page does."""
        tx = self.env["payment.transaction"].create(
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.provider.payment_method_ids[:1].id,
                "amount": amount,
                "currency_id": self.company.currency_id.id,
                "partner_id": invoices.partner_id[:1].id,
                "invoice_ids": [Command.set(invoices.ids)],
                "reference": self.env["payment.transaction"]._compute_reference(
                    "demo", invoice_ids=[Command.set(invoices.ids)]
                ),
                "operation": "online_direct",
            }
        )
        tx._set_done()
        tx._post_process()
        return tx

    def _fee_invoice(self):
        return self.env["account.move"].search([("utility_late_fee_bill_id", "=", self.bill.id)])

    def test_portal_proposes_the_bill_with_its_late_fee_of_the_day(self):
        values = self.bill._get_invoice_next_payment_values()
        self.assertEqual(
            (values["amount_due"], values["next_amount_to_pay"], values["utility_late_fee"]),
            (306.0, 306.0, 6.0),
        )
        # an amount of the customer's own choice is left as it is
        custom = self.bill._get_invoice_next_payment_values(custom_amount=100.0)
        self.assertEqual(custom["next_amount_to_pay"], 100.0)
        self.assertNotIn("utility_late_fee", custom)
        # a bill not yet due, and an ordinary invoice overdue, bear no fee
        not_due = self._bill(80.0, due=fields.Date.add(self.today, days=10))
        self.assertEqual(not_due._get_invoice_next_payment_values()["amount_due"], 80.0)
        invoice = self.init_invoice(
            "out_invoice",
            partner=self.partner_a,
            invoice_date=fields.Date.subtract(self.today, days=50),
            amounts=[300.0],
            taxes=[],
        )
        invoice.invoice_date_due = fields.Date.subtract(self.today, days=20)
        invoice.action_post()
        self.assertEqual(invoice._get_invoice_next_payment_values()["amount_due"], 300.0)
        self.assertFalse(self._pay_online(300.0, invoice).invoice_ids - invoice)
        self.assertEqual(invoice.payment_state, "paid")

    def test_payment_link_sent_from_the_bill_asks_for_the_bill_and_its_fee(self):
        wizard = (
            self.env["payment.link.wizard"]
            .with_context(active_model="account.move", active_id=self.bill.id)
            .create({})
        )
        self.assertEqual((wizard.amount, wizard.amount_max), (306.0, 306.0))

    def test_payment_of_the_amount_proposed_settles_the_bill_and_its_fee(self):
        tx = self._pay_online(306.0, self.bill)
        fee = self._fee_invoice()
        self.assertEqual(fee.amount_total, 6.0)
        self.assertEqual(fee.invoice_date, self.today)
        self.assertEqual(tx.invoice_ids, self.bill | fee)
        self.assertEqual(tx.payment_id.amount, 306.0)
        self.assertEqual((self.bill.payment_state, fee.payment_state), ("paid", "paid"))
        # every amount reconciles with journal items: the payment's
        # receivable line is fully used by the bill and the fee
        receivable = self._receivable_line(tx.payment_id)
        self.assertTrue(receivable.reconciled)
        self.assertEqual(sum(receivable.matched_debit_ids.mapped("amount")), 306.0)

    def test_payment_of_the_bill_alone_leaves_its_fee_to_pay(self):
        self._pay_online(300.0, self.bill)
        fee = self._fee_invoice()
        self.assertEqual(self.bill.payment_state, "paid")
        self.assertEqual((fee.amount_residual, fee.payment_state), (6.0, "not_paid"))

    def test_part_payment_is_charged_the_fee_of_the_part_paid(self):
        """100.00 of the 300.00 paid 20 days late: 2.00 of fee (the 1.00
        minimum applies to the bill's fees in all, once it is settled)."""
        self._pay_online(100.0, self.bill)
        fee = self._fee_invoice()
        self.assertEqual(fee.amount_total, 2.0)
        self.assertEqual(self.bill.amount_residual, 200.0)
        # paid later with its fee of the day: 4.00 on the 200.00 left
        values = self.bill._get_invoice_next_payment_values()
        self.assertEqual((values["amount_due"], values["utility_late_fee"]), (204.0, 4.0))

    def test_a_bill_paid_on_time_online_bears_no_fee(self):
        bill = self._bill(80.0, due=fields.Date.add(self.today, days=10))
        tx = self._pay_online(80.0, bill)
        self.assertEqual(tx.invoice_ids, bill)
        self.assertEqual(bill.payment_state, "paid")
        self.assertFalse(
            self.env["account.move"].search([("utility_late_fee_bill_id", "=", bill.id)])
        )

    def test_pay_overdue_bills_page_proposes_them_with_their_fees(self):
        """Two overdue bills, 300.00 and 100.00, 20 days late: 8.00 of fees;
        the page proposes 408.00, which pays the bills and both fees."""
        second = self._bill(
            100.0,
            due=fields.Date.subtract(self.today, days=20),
            date=fields.Date.subtract(self.today, days=50),
        )
        self.authenticate("portal_late", "portal_late")
        response = self.url_open("/my/invoices/overdue")
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_utility_late_fee", response.text)
        self.assertIn('data-amount="408.0"', response.text)
        tx = self._pay_online(408.0, self.bill | second)
        fees = self.env["account.move"].search(
            [("utility_late_fee_bill_id", "in", (self.bill | second).ids)]
        )
        self.assertEqual(sorted(fees.mapped("amount_total")), [2.0, 6.0])
        self.assertEqual(tx.invoice_ids, self.bill | second | fees)
        self.assertEqual(set((self.bill | second | fees).mapped("payment_state")), {"paid"})

    def test_tour_portal_customer_pays_an_overdue_bill_and_its_fee(self):
        self.start_tour("/my/invoices", "utility_portal_pay_overdue_bill", login="portal_late")
        fee = self._fee_invoice()
        self.assertEqual(self.bill.payment_state, "paid")
        # the fee of the day paid: 20 days, unless midnight fell between the
        # page proposing 306.00 and the payment (then 6.30, 0.30 left to pay)
        days = (fee.invoice_date - self.bill.invoice_date_due).days
        self.assertEqual(fee.amount_total, round(300.0 * days / 1000.0, 2))
        self.assertEqual(fee.amount_residual, round(300.0 * (days - 20) / 1000.0, 2))
