from odoo import fields
from odoo.tests import tagged

from odoo.addons.utility_payment_channels.tests.agency_common import UtilityAgencyCase
from odoo.addons.utility_payment_channels.tests.common_counter import UtilityCounterCase


@tagged("post_install", "-at_install")
class TestLateFeeTakenBackWithItsPayment(UtilityCounterCase):
    """A residential bill of 300.00 overdue for 20 days carries 6.00 of late
    fee (1 per mille a day), charged by the payment that settles it. When
    that payment is cancelled (same session) or reversed (after the session
    closed), its late fee goes with it: the customer owes the 300.00 as
    before, and the payment that finally settles the bill is charged the
    same 6.00 again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = fields.Date.context_today(cls.env.user)
        cls.li = cls.env["res.partner"].create(
            {
                "name": "Li Na",
                "utility_customer_number": "0100000003",
                "utility_category": "residential",
            }
        )
        cls.overdue = cls._utility_bill(cls.li, 300.0, fields.Date.subtract(today, days=20))

    def _fees(self):
        return self.env["account.move"].search(
            [("utility_late_fee_bill_id", "=", self.overdue.id)], order="id"
        )

    def _posted_balance(self, accounts):
        """Balance of the posted journal items of ``accounts`` for Li Na."""
        lines = self.env["account.move.line"].search(
            [
                ("partner_id", "=", self.li.id),
                ("account_id", "in", accounts.ids),
                ("parent_state", "=", "posted"),
            ]
        )
        return self.currency.round(sum(lines.mapped("balance")))

    def _fee_accounts(self, fee):
        """The late-fee income and VAT accounts of the fee invoice."""
        return (
            fee.line_ids - fee.line_ids.filtered(lambda line: line.display_type == "payment_term")
        ).account_id

    def _assert_as_before_the_payment(self, fee):
        receivable = self.overdue.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        ).account_id
        self.assertEqual(self.overdue.amount_residual, 300.0)
        self.assertEqual(self.overdue.payment_state, "not_paid")
        self.assertEqual(self._posted_balance(receivable), 300.0, "owed as before the payment")
        self.assertEqual(self._posted_balance(self._fee_accounts(fee)), 0.0, "no fee income left")
        self.assertEqual(
            self.overdue._utility_late_fee(fields.Date.context_today(self.env.user)), 6.0
        )

    def test_cancelled_counter_payment_cancels_the_late_fee_it_charged(self):
        payment = self.session.with_user(self.cashier)._utility_pay(self.li, 306.0)
        fee = self._fees()
        self.assertEqual((fee.amount_total, fee.payment_state), (6.0, "paid"))
        self.assertEqual(fee.utility_late_fee_payment_id, payment)
        payment.with_user(self.cashier).action_utility_cancel(reason="Wrong customer")
        self.assertEqual(payment.state, "canceled")
        self.assertEqual(fee.state, "cancel", "kept, cancelled, never deleted")
        self.assertIn("Wrong customer", fee.message_ids[0].body)
        self._assert_as_before_the_payment(fee)
        again = self.session.with_user(self.cashier)._utility_pay(self.li, 306.0)
        new_fee = self._fees() - fee
        self.assertEqual(new_fee.amount_total, 6.0, "the same fee as the first time")
        self.assertEqual(new_fee.utility_late_fee_payment_id, again)
        self.assertEqual(self.overdue.payment_state, "paid")

    def test_reversed_payment_reverses_the_late_fee_it_charged(self):
        payment = self.env["account.payment"]._utility_pay(self.li, 306.0, self.hall)
        fee = self._fees()
        payment.with_user(self.manager).action_utility_reverse(reason="Paid the wrong account")
        self.assertEqual(fee.state, "posted", "kept as booked")
        self.assertEqual(fee.payment_state, "reversed")
        credit_note = fee.reversal_move_ids
        self.assertEqual((credit_note.state, credit_note.amount_total), ("posted", 6.0))
        self._assert_as_before_the_payment(fee)
        self.env["account.payment"]._utility_pay(self.li, 306.0, self.hall)
        self.assertEqual(self._fees().mapped("amount_total"), [6.0, 6.0])
        self.assertEqual(self.overdue.payment_state, "paid")

    def test_part_payment_cancelled_leaves_the_minimum_rule_as_before(self):
        # 102.00 pays 100.00 of the bill and 2.00 of fee; cancelled, the
        # bill's fee in full is 6.00 again, not 6.00 minus the 2.00 charged
        payment = self.session.with_user(self.cashier)._utility_pay(self.li, 102.0)
        self.assertEqual(self._fees().amount_total, 2.0)
        payment.with_user(self.cashier).action_utility_cancel(reason="Wrong amount")
        self._assert_as_before_the_payment(self._fees())


@tagged("post_install", "-at_install")
class TestLateFeeOfAReversedApiPayment(UtilityAgencyCase):
    """A biller pays 306.00 through the terminal API for a bill of 300.00
    overdue for 20 days: 6.00 of late fee, 13% VAT included (5.31 of
    income, 0.69 of VAT). Its reversal the same day leaves the customer's
    receivable, the biller's clearing account and the late-fee income and
    VAT exactly as before the payment."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agency.kind = "biller"
        cls.gateway = cls.env["utility.payment.terminal"].create(
            {"name": "WeChat life payment", "collection_point_id": cls.outlet_cg.id}
        )
        today = fields.Date.context_today(cls.env.user)
        cls.zhao = cls.env["res.partner"].create(
            {
                "name": "Zhao Min",
                "utility_customer_number": "0100000009",
                "utility_category": "residential",
            }
        )
        cls.overdue = cls._utility_bill(cls.zhao, 300.0, fields.Date.subtract(today, days=20))

    def _balances(self, fee):
        """{account code: posted balance} of Zhao Min's items, and the
        biller's clearing account."""
        lines = self.env["account.move.line"].search(
            [("partner_id", "=", self.zhao.id), ("parent_state", "=", "posted")]
        )
        accounts = fee.line_ids.account_id | self.agency.clearing_account_id
        return {
            account.code: self.env.company.currency_id.round(
                sum(lines.filtered(lambda line, a=account: line.account_id == a).mapped("balance"))
            )
            for account in accounts
        }

    def test_reversal_leaves_receivable_clearing_late_fee_income_and_vat_as_before(self):
        receipt = self.gateway._utility_api_pay("0100000009", 306.0, "WX-0001")
        fee = self.env["account.move"].search([("utility_late_fee_bill_id", "=", self.overdue.id)])
        self.assertEqual(fee.amount_total, 6.0)
        self.assertEqual((fee.amount_untaxed, fee.amount_tax), (5.31, 0.69))
        self.assertEqual(fee.utility_late_fee_payment_id.id, receipt["payment_id"])
        receivable = self.zhao.property_account_receivable_id
        income = fee.invoice_line_ids.account_id
        vat = fee.line_ids.filtered("tax_line_id").account_id
        clearing = self.agency.clearing_account_id
        paid = self._balances(fee)
        self.assertEqual(paid[receivable.code], 0.0)
        self.assertEqual(paid[income.code], -5.31)
        self.assertEqual(paid[vat.code], -0.69)
        self.assertEqual(paid[clearing.code], 306.0)

        answer = self.gateway._utility_api_reverse("WX-0001", "微信扣款失败")
        self.assertEqual(answer["status"], "canceled")
        self.assertEqual(answer["receipt"]["balance_due"], 306.0, "the bill and its fee of today")
        after = self._balances(fee)
        self.assertEqual(after[receivable.code], 300.0)
        self.assertEqual(after[income.code], 0.0)
        self.assertEqual(after[vat.code], 0.0)
        self.assertEqual(after[clearing.code], 0.0)
        self.assertEqual(fee.state, "cancel")
        self.assertIn("微信扣款失败", " ".join(fee.message_ids.mapped("body")))
        self.assertEqual(
            (self.overdue.amount_residual, self.overdue.payment_state), (300.0, "not_paid")
        )

        # paid again (a new transaction id): charged the same fee as before
        self.gateway._utility_api_pay("0100000009", 306.0, "WX-0002")
        fees = self.env["account.move"].search(
            [("utility_late_fee_bill_id", "=", self.overdue.id), ("state", "=", "posted")]
        )
        self.assertEqual(fees.amount_total, 6.0)
        self.assertEqual(self.overdue.payment_state, "paid")
