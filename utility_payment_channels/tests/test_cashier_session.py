from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .common_counter import UtilityCounterCase


@tagged("post_install", "-at_install")
class TestCashierSession(UtilityCounterCase):
    def _take_day_of_payments(self):
        """150 and 120 yuan in cash, 30 yuan by card: 770 yuan expected in the drawer."""
        session = self.session.with_user(self.cashier)
        session._utility_pay(self.customer, 150.0)
        session._utility_pay(self.customer, 120.0)
        session._utility_pay(self.customer, 30.0, "card")
        return session

    def _lines(self, move, account):
        lines = move.line_ids.filtered(lambda line: line.account_id == account)
        return sum(lines.mapped("debit")), sum(lines.mapped("credit"))

    def test_expected_cash_is_opening_float_plus_cash_payments_only(self):
        session = self._take_day_of_payments()
        self.assertEqual(session.payment_count, 3)
        self.assertEqual(session.payment_total, 300.0)
        self.assertEqual(session.cash_payment_total, 270.0)
        self.assertEqual(session.cash_register_balance_end, 770.0)
        self.assertTrue(all(p.utility_cashier_session_id == session for p in session.payment_ids))

    def test_shortage_needs_reason_and_manager_approval_then_posts_to_loss_account(self):
        session = self._take_day_of_payments()
        # 7 x 100 + 1 x 50 + 1 x 10 + 9 x 1 = 769: one yuan short
        self._count(session, {"100": 7, "50": 1, "10": 1, "1": 9})
        self.assertEqual(session.cash_register_balance_end_real, 769.0)
        self.assertEqual(session.cash_register_difference, -1.0)
        with self.assertRaises(UserError):
            session.action_close()  # no reason given
        session.difference_reason = "Counterfeit 1 yuan coin found"
        session.action_close()
        self.assertEqual(session.state, "closing_control")
        self.assertEqual(session.difference_state, "to_approve")
        with self.assertRaises(AccessError):
            session.action_approve_difference()
        session.with_user(self.manager).action_approve_difference()
        self.assertEqual(session.state, "closed")
        self.assertEqual(session.difference_approved_by_id, self.manager)
        move = session.difference_move_id
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.journal_id, self.cash_journal)
        self.assertEqual(self._lines(move, self.cash_journal.loss_account_id), (1.0, 0.0))
        self.assertEqual(self._lines(move, self.cash_journal.default_account_id), (0.0, 1.0))

    def test_surplus_posts_to_profit_account(self):
        session = self._take_day_of_payments()
        # 771.50: one yuan five jiao too much
        self._count(session, {"100": 7, "50": 1, "20": 1, "1": 1, "0.5": 1})
        self.assertEqual(session.cash_register_difference, 1.5)
        session.difference_reason = "Customer left the change"
        session.with_user(self.manager).action_close()
        self.assertEqual(session.state, "closed")
        move = session.difference_move_id
        self.assertEqual(self._lines(move, self.cash_journal.profit_account_id), (0.0, 1.5))
        self.assertEqual(self._lines(move, self.cash_journal.default_account_id), (1.5, 0.0))

    def test_exact_count_closes_without_difference_entry(self):
        session = self._take_day_of_payments()
        self._count(session, {"100": 7, "50": 1, "20": 1})
        self.assertEqual(session.cash_register_difference, 0.0)
        session.action_close()
        self.assertEqual(session.state, "closed")
        self.assertFalse(session.difference_move_id)

    def test_bank_deposit_leaves_cash_through_the_liquidity_transfer_account(self):
        session = self._take_day_of_payments()
        self._count(session, {"100": 7, "50": 1, "20": 1})
        session.write({"deposit_amount": 700.0, "deposit_journal_id": self.bank_journal.id})
        session.action_close()
        move = session.deposit_move_id
        transfer = self.company_data["company"].transfer_account_id
        self.assertEqual(self._lines(move, transfer), (700.0, 0.0))
        self.assertEqual(self._lines(move, self.cash_journal.default_account_id), (0.0, 700.0))

    def test_deposit_above_counted_cash_is_refused(self):
        session = self._take_day_of_payments()
        self._count(session, {"100": 7, "50": 1, "20": 1})
        session.write({"deposit_amount": 800.0, "deposit_journal_id": self.bank_journal.id})
        with self.assertRaises(UserError):
            session.action_close()

    def test_closed_session_is_read_only(self):
        session = self._take_day_of_payments()
        self._count(session, {"100": 7, "50": 1, "20": 1})
        session.action_close()
        with self.assertRaises(UserError):
            session.cash_register_balance_start = 0.0
        with self.assertRaises(UserError):
            session.count_line_ids[0].quantity = 99
        with self.assertRaises(UserError):
            session._utility_pay(self.customer, 10.0)
        with self.assertRaises(UserError):
            session.with_user(self.manager).action_reopen()
        # the chatter stays open
        session.message_post(body="Checked by the accountant")

    def test_manager_reopens_a_session_in_closing_control(self):
        session = self._take_day_of_payments()
        session.action_closing_control()
        with self.assertRaises(AccessError):
            session.action_reopen()
        session.with_user(self.manager).action_reopen()
        self.assertEqual(session.state, "opened")
        session._utility_pay(self.customer, 10.0)
        self.assertEqual(session.cash_register_balance_end, 780.0)

    def test_negative_count_is_refused(self):
        session = self.session.with_user(self.cashier)
        session.action_closing_control()
        with self.assertRaises(ValidationError):
            session.count_line_ids[0].quantity = -1

    def test_one_session_at_a_time_per_cashier(self):
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            with self.cr.savepoint():
                self._open_session(self.cashier, self.hall)

    def test_cashier_sees_only_sessions_and_payments_of_own_halls(self):
        payment = self.session.with_user(self.cashier)._utility_pay(self.customer, 50.0)
        session_b = self._open_session(self.cashier_b, self.hall_b, 100.0)
        Session = self.env["utility.cashier.session"]
        self.assertEqual(Session.with_user(self.cashier_b).search([]), session_b)
        self.assertEqual(Session.with_user(self.cashier).search([]), self.session)
        self.assertEqual(Session.with_user(self.manager).search([]), self.session | session_b)
        with self.assertRaises(AccessError):
            self.session.with_user(self.cashier_b).read(["cash_register_balance_start"])
        Payment = self.env["account.payment"].with_user(self.cashier_b)
        self.assertFalse(Payment.search([("id", "=", payment.id)]))
        with self.assertRaises(AccessError):
            payment.with_user(self.cashier_b).read(["amount"])
        # a colleague of the same hall sees it
        self.assertEqual(payment.with_user(self.cashier_a2).amount, 50.0)
        # and a cashier cannot take payments in someone else's session
        with self.assertRaises(UserError):
            self.session.with_user(self.cashier_a2)._utility_pay(self.customer, 10.0)

    def test_closing_report_shows_expected_counted_and_difference(self):
        session = self._take_day_of_payments()
        self._count(session, {"100": 7, "50": 1, "10": 1, "1": 9})
        session.difference_reason = "Counterfeit 1 yuan coin found"
        session.action_close()
        session.with_user(self.manager).action_approve_difference()
        content, _type = (
            self.env["ir.actions.report"]
            .with_user(self.manager)
            ._render_qweb_pdf(
                "utility_payment_channels.action_report_utility_cashier_session", session.ids
            )
        )
        html = content.decode() if isinstance(content, bytes) else content
        self.assertIn(session.name, html)
        self.assertIn("Counterfeit 1 yuan coin found", html)
        for figure in ("770.00", "769.00", "300.00", "270.00", "500.00"):
            self.assertIn(figure, html)

    # -- opening a session from the form (issue 21) ----------------------------
    def _halls_offered(self, user):
        """The halls the open-session form offers ``user``: the hall field's
        domain, as the web client evaluates it on a new session, searched as
        the user (what the dropdown lists)."""
        Session = self.env["utility.cashier.session"].with_user(user)
        new_session = Session.new({})
        field = Session._fields["collection_point_id"]
        domain = safe_eval(
            field._description_domain(Session.env),
            {
                "allowed_collection_point_ids": new_session.allowed_collection_point_ids.ids,
                "company_id": new_session.company_id.id,
                "uid": user.id,
            },
        )
        return self.env["utility.collection.point"].with_user(user).search(domain), new_session

    def test_open_session_form_offers_the_cashiers_own_hall(self):
        """Before: the domain kept to halls of the (still empty) company of
        the new session and the dropdown listed nothing."""
        self.assertFalse(
            self.env["utility.cashier.session"].search([("user_id", "=", self.cashier_b.id)])
        )
        halls, new_session = self._halls_offered(self.cashier_b)
        self.assertEqual(halls, self.hall_b)
        # the only hall of the cashier is proposed, and the session opens there
        self.assertEqual(new_session.collection_point_id, self.hall_b)
        session = (
            self.env["utility.cashier.session"]
            .with_user(self.cashier_b)
            .create({"collection_point_id": halls.id, "cash_register_balance_start": 200.0})
        )
        self.assertEqual(session.state, "opened")
        self.assertEqual(session.journal_id, self.cash_journal_b)
        # name_search as the dropdown does it finds the hall by its code
        names = (
            self.env["utility.collection.point"]
            .with_user(self.cashier_b)
            .name_search("LZ", domain=[("id", "in", halls.ids)])
        )
        self.assertEqual([hall_id for hall_id, _name in names], self.hall_b.ids)

    def test_open_session_form_offers_every_hall_to_a_manager(self):
        halls, new_session = self._halls_offered(self.manager)
        self.assertEqual(halls, self.hall | self.hall_b)
        self.assertFalse(new_session.collection_point_id)  # two halls: the manager picks

    # -- closing with a count (issue 21) ----------------------------------------
    def test_an_empty_count_is_closed_only_once_confirmed(self):
        session = self._take_day_of_payments()
        session.action_closing_control()
        self.assertEqual(session.cash_register_balance_end_real, 0.0)
        with self.assertRaisesRegex(UserError, "No cash was counted"):
            session.action_close()
        self.assertEqual(session.state, "closing_control")
        session.difference_reason = "Drawer stolen during lunch"
        session.with_context(utility_confirm_empty_count=True).action_close()
        self.assertEqual(session.difference_state, "to_approve")
        self.assertEqual(session.cash_register_difference, -770.0)
        session.with_user(self.manager).action_approve_difference()
        self.assertEqual(session.state, "closed")
        self.assertEqual(session.difference_move_id.amount_total, 770.0)

    def test_count_cannot_change_once_its_difference_awaits_approval(self):
        """The manager approves and posts the figure the cashier submitted."""
        session = self._take_day_of_payments()
        self._count(session, {"100": 7, "50": 1, "10": 1, "1": 9})  # 769: one yuan short
        session.difference_reason = "Counterfeit 1 yuan coin found"
        session.action_close()
        self.assertEqual(session.difference_state, "to_approve")
        line_100 = session.count_line_ids.filtered(lambda line: line.denomination == "100")
        with self.assertRaisesRegex(UserError, "approval"):
            line_100.quantity = 1
        with self.assertRaisesRegex(UserError, "approval"):
            session.write(
                {"count_line_ids": [Command.create({"denomination": "5", "quantity": 3})]}
            )
        session.with_user(self.manager).action_approve_difference()
        self.assertEqual(session.state, "closed")
        self.assertEqual(session.cash_register_difference, -1.0)
        self.assertEqual(session.difference_move_id.amount_total, 1.0)
