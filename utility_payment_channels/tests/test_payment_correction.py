from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common_counter import UtilityCounterCase


@tagged("post_install", "-at_install")
class TestPaymentCorrection(UtilityCounterCase):
    def _pay(self, amount=150.0, user=None):
        session = self.session.with_user(user or self.cashier)
        return session._utility_pay(self.customer, amount)

    def _close_session(self):
        self._count(self.session, {"100": 6, "50": 1})
        self.session.action_close()
        self.assertEqual(self.session.state, "closed")

    def test_cashier_cancels_own_payment_in_open_session_with_a_reason(self):
        payment = self._pay()
        jan, feb, _mar = self.bills
        with self.assertRaises(UserError):
            payment.action_utility_cancel(reason=" ")
        wizard_action = payment.action_utility_cancel()
        self.assertEqual(wizard_action["res_model"], "utility.payment.cancel")
        wizard = (
            self.env["utility.payment.cancel"]
            .with_user(self.cashier)
            .with_context(**wizard_action["context"])
            .create({"reason": "Customer paid twice by mistake"})
        )
        wizard.action_confirm()
        self.assertEqual(payment.state, "canceled")
        self.assertEqual(payment.move_id.state, "cancel")
        self.assertEqual(jan.amount_residual, 100.0)
        self.assertEqual(feb.amount_residual, 120.0)
        self.assertEqual(self.session.cash_register_balance_end, 500.0)
        self.assertIn("Customer paid twice by mistake", payment.message_ids[0].body)
        self.assertTrue(payment.exists())

    def test_cashier_cannot_cancel_a_colleague_payment(self):
        payment = self._pay()
        with self.assertRaises(UserError):
            payment.with_user(self.cashier_a2).action_utility_cancel(reason="Wrong customer")
        self.assertNotEqual(payment.state, "canceled")

    def test_after_closing_only_a_manager_reverses_with_a_reason(self):
        payment = self._pay()
        self._close_session()
        jan = self.bills[0]
        with self.assertRaises(UserError):
            payment.action_utility_cancel(reason="Too late")
        with self.assertRaises(AccessError):
            payment.action_utility_reverse(reason="Too late")
        payment.with_user(self.manager).action_utility_reverse(reason="Wrong customer number")
        reversal = payment.utility_reversal_move_id
        self.assertEqual(reversal.state, "posted")
        self.assertEqual(jan.amount_residual, 100.0)
        self.assertEqual(sum(self.bills.mapped("amount_residual")), 300.0)
        cash = self.cash_journal.default_account_id
        cash_lines = reversal.line_ids.filtered(lambda line: line.account_id == cash)
        self.assertEqual(sum(cash_lines.mapped("credit")), 150.0)
        # the payment and the closed session are kept as they were
        self.assertEqual(payment.state, "paid")
        self.assertEqual(self.session.cash_register_balance_end, 650.0)
        self.assertIn("Wrong customer number", payment.message_ids[0].body)
        with self.assertRaises(UserError):
            payment.with_user(self.manager).action_utility_reverse(reason="Twice")

    def test_utility_payments_are_never_deleted(self):
        payment = self._pay()
        with self.assertRaises(UserError):
            payment.sudo().unlink()
        payment.action_utility_cancel(reason="Wrong amount")
        with self.assertRaises(UserError):
            payment.sudo().unlink()
