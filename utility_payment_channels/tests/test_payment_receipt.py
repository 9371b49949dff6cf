from odoo import fields
from odoo.tests import Form, tagged

from .common_counter import UtilityCounterCase


@tagged("post_install", "-at_install")
class TestPaymentReceipt(UtilityCounterCase):
    def _print(self, payment, user=None):
        """Print as the cashier does (button), then render what is printed."""
        action = payment.with_user(user or self.cashier).action_utility_print_receipt()
        self.assertEqual(action["report_name"], "utility_payment_channels.report_utility_receipt")
        report = self.env["ir.actions.report"].with_user(user or self.cashier)
        content, _type = report._render_qweb_pdf(
            "utility_payment_channels.action_report_utility_receipt", payment.ids
        )
        return content.decode() if isinstance(content, bytes) else content

    def test_amount_in_chinese_capitals(self):
        words = self.currency._utility_amount_to_words
        self.assertEqual(words(184.0), "壹佰捌拾肆元整")
        self.assertEqual(words(105.05), "壹佰零伍元零伍分")

    def test_receipt_shows_customer_amount_in_capitals_cashier_hall_bills_and_balance(self):
        payment = self.session.with_user(self.cashier)._utility_pay(self.customer, 184.0)
        html = self._print(payment)
        self.assertIn("壹佰捌拾肆元整", html)
        self.assertIn("0100000002", html)
        self.assertIn("Wang Fang", html)
        self.assertIn(self.cashier.name, html)
        self.assertIn("Chengguan hall", html)
        for bill in self.bills[:2]:
            self.assertIn(bill.name, html)
        # 300 billed - 184 paid: 116 still owed
        self.assertEqual(payment.utility_balance_after, 116.0)
        self.assertIn("Still owed", html)
        self.assertNotIn("Reprint", html)

    def test_prepaid_credit_is_printed_as_balance_left(self):
        payment = self.session.with_user(self.cashier)._utility_pay(self.customer, 320.0)
        html = self._print(payment)
        self.assertIn("Prepaid credit", html)
        self.assertIn("贰佰", self._print(self.session._utility_pay(self.customer, 200.0)))

    def test_reprints_are_counted_and_logged(self):
        payment = self.session.with_user(self.cashier)._utility_pay(self.customer, 100.0)
        self._print(payment)
        self.assertEqual(payment.utility_receipt_print_count, 1)
        messages_before = len(payment.message_ids)
        html = self._print(payment)
        self._print(payment, self.cashier_a2)
        self.assertIn("Reprint", html)
        self.assertEqual(payment.utility_receipt_print_count, 3)
        logs = payment.message_ids[: len(payment.message_ids) - messages_before]
        self.assertEqual(len(logs), 2)
        self.assertIn(self.cashier_a2.name, logs[0].body)
        self.assertIn("reprinted", logs[1].body)

    def test_receipt_has_letterhead_tendered_and_change_in_the_county_time(self):
        """Printed by a cashier whose own time zone is UTC, the receipt gives
        the company's (county's) local time."""
        company = self.company_data["company"]
        company.write({"street": "人民路1号", "city": "新源县", "phone": "0371-95598"})
        company.partner_id.tz = "Asia/Shanghai"
        self.cashier.tz = "UTC"
        counter = Form(self.env["utility.counter.payment"].with_user(self.cashier))
        counter.search_term = "0100000002"
        counter.amount_tendered = 400.0
        wizard = counter.save()
        wizard.action_confirm()
        payment = wizard.payment_id
        self.assertEqual(payment.utility_amount_tendered, 400.0)
        html = self._print(payment)
        self.assertIn(company.name, html)
        self.assertIn("人民路1号", html)
        self.assertIn("Cash tendered", html)
        self.assertRegex(html, r"400\.00")
        self.assertRegex(html, r"100\.00")  # change
        shanghai = fields.Datetime.context_timestamp(
            payment.with_context(tz="Asia/Shanghai"), payment.utility_paid_at
        )
        self.assertIn(shanghai.strftime("%Y-%m-%d %H:%M"), html)
