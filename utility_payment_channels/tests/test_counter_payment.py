from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common_counter import UtilityCounterCase


@tagged("post_install", "-at_install")
class TestCounterPayment(UtilityCounterCase):
    def _counter(self, user=None):
        return Form(self.env["utility.counter.payment"].with_user(user or self.cashier))

    def test_counter_finds_customer_by_number_name_phone_or_meter_serial(self):
        self.customer.phone = "13803710002"
        station = self.env["utility.supply.station"].create({"name": "Chengguan", "code": "CG"})
        point = self.env["utility.service.point"].create(
            {"name": "Wang Fang", "station_id": station.id, "partner_id": self.customer.id}
        )
        self.env["utility.meter"].create({"serial": "DB23000002", "service_point_id": point.id})
        for term in ("0100000002", "Wang Fang", "13803710002", "DB23000002"):
            counter = self._counter()
            counter.search_term = term
            self.assertEqual(counter.partner_id, self.customer, term)
            self.assertEqual(counter.amount_due, 300.0)
            self.assertEqual(len(counter.line_ids), 3)

    def test_open_bills_of_any_station_are_shown_oldest_first(self):
        counter = self._counter()
        counter.search_term = "0100000002"
        bills = [counter.line_ids.edit(index).bill_id for index in range(len(counter.line_ids))]
        self.assertEqual(bills, list(self.bills))

    def test_cash_payment_gives_change_and_settles_the_oldest_bill_first(self):
        counter = self._counter()
        counter.search_term = "0100000002"
        counter.amount = 150.0
        counter.amount_tendered = 200.0
        self.assertEqual(counter.amount_change, 50.0)
        wizard = counter.save()
        wizard.action_confirm()
        jan, feb, mar = self.bills
        self.assertEqual(wizard.state, "done")
        self.assertEqual(jan.payment_state, "paid")
        self.assertEqual(feb.amount_residual, 70.0)
        self.assertEqual(mar.amount_residual, 80.0)
        payment = wizard.payment_id
        self.assertEqual(payment.amount, 150.0)
        self.assertEqual(payment.utility_cashier_session_id, self.session)
        self.assertEqual(payment.utility_operator_id, self.cashier)
        self.assertEqual(payment.journal_id, self.cash_journal)
        self.assertEqual(payment.utility_balance_after, 150.0)
        self.assertEqual(self.session.cash_register_balance_end, 650.0)

    def test_bills_paid_at_the_counter_track_their_payment_status(self):
        """As when Odoo registers a payment, the chatter of each bill the
        payment reaches says how its payment status changed."""
        # the bills were created in a transaction of their own (records
        # created in the current one are not tracked)...
        self.env.cr.precommit.clear()
        # ... and the web client does not disable tracking as the test classes do
        counter = Form(
            self.env["utility.counter.payment"]
            .with_context(tracking_disable=False, mail_notrack=False)
            .with_user(self.cashier)
        )
        counter.search_term = "0100000002"
        counter.amount = 150.0
        wizard = counter.save()
        wizard.action_confirm()
        # what is left to compute is computed as the request does, then the
        # tracking values are written, as at commit
        wizard.env.flush_all()
        wizard.env.cr.precommit.run()

        def tracked(bill):
            return bill.message_ids.tracking_value_ids.filtered(
                lambda value: value.field_id.name == "payment_state"
            )

        jan, feb, mar = self.bills
        for bill, status in ((jan, "Paid"), (feb, "Partially Paid")):
            self.assertEqual(tracked(bill).mapped("new_value_char"), [status], bill.name)
            self.assertEqual(tracked(bill).old_value_char, "Not Paid")
        self.assertFalse(tracked(mar), "a bill the payment did not reach tracks nothing")

    def test_ticked_bills_are_paid_instead_of_the_oldest(self):
        counter = self._counter()
        counter.search_term = "0100000002"
        with counter.line_ids.edit(2) as line:
            line.selected = True
        self.assertEqual(counter.amount_due, 80.0)
        self.assertEqual(counter.amount, 80.0)
        counter.payment_method = "card"
        wizard = counter.save()
        wizard.action_confirm()
        jan, _feb, mar = self.bills
        self.assertEqual(mar.payment_state, "paid")
        self.assertEqual(jan.amount_residual, 100.0)
        self.assertEqual(wizard.payment_id.journal_id, self.bank_journal)
        # card money is not cash in the drawer
        self.assertEqual(self.session.cash_register_balance_end, 500.0)

    def test_over_payment_becomes_prepaid_credit(self):
        counter = self._counter()
        counter.search_term = "0100000002"
        counter.amount = 350.0
        counter.amount_tendered = 400.0
        self.assertEqual(counter.amount_credit, 50.0)
        self.assertEqual(counter.amount_change, 50.0)
        wizard = counter.save()
        wizard.action_confirm()
        self.assertTrue(all(bill.payment_state == "paid" for bill in self.bills))
        self.assertEqual(wizard.payment_id.utility_balance_after, -50.0)
        self.assertEqual(self.customer.credit, -50.0)

    def test_counter_refuses_to_pay_without_an_open_session(self):
        counter = self._counter(self.cashier_b)
        counter.search_term = "0100000002"
        wizard = counter.save()
        self.assertFalse(wizard.session_id)
        with self.assertRaises(UserError):
            wizard.action_confirm()
        self.assertEqual(sum(self.bills.mapped("amount_residual")), 300.0)

    def test_cash_tendered_below_the_amount_is_refused(self):
        counter = self._counter()
        counter.search_term = "0100000002"
        counter.amount_tendered = 100.0
        wizard = counter.save()
        with self.assertRaises(UserError):
            wizard.action_confirm()

    def test_payment_method_not_configured_on_the_hall_is_refused(self):
        counter = self._counter()
        counter.search_term = "0100000002"
        counter.payment_method = "qr"
        wizard = counter.save()
        with self.assertRaises(UserError):
            wizard.action_confirm()

    def test_extra_due_hook_adds_nothing_without_arrears(self):
        wizard = self.env["utility.counter.payment"].with_user(self.cashier).create({})
        self.assertEqual(wizard._utility_extra_due(self.bills, "2025-06-01"), 0.0)

    def test_counter_menu_opens_a_screen_in_the_open_session(self):
        action = self.env["utility.counter.payment"].with_user(self.cashier).action_open_counter()
        wizard = (
            self.env["utility.counter.payment"]
            .with_user(self.cashier)
            .with_context(**action["context"])
            .create({})
        )
        self.assertEqual(wizard.session_id, self.session)
        # a cashier without a session is sent to open one
        action = self.env["utility.counter.payment"].with_user(self.cashier_b).action_open_counter()
        self.assertEqual(action["res_model"], "utility.cashier.session")

    # -- what the screen shows (issue 21) ---------------------------------------
    def test_screen_after_paying_what_is_due_shows_no_prepaid_credit(self):
        """Before: once the bills were paid the due amount on the screen fell
        to 0.00 and the whole payment showed as prepaid credit."""
        counter = self._counter()
        counter.search_term = "0100000002"
        counter.amount_tendered = 350.0
        wizard = counter.save()
        self.assertTrue(wizard.action_confirm())  # the same screen reloads: no new breadcrumb
        self.assertTrue(all(bill.payment_state == "paid" for bill in self.bills))
        self.assertEqual(wizard.amount_due, 300.0)
        self.assertEqual(wizard.amount, 300.0)
        self.assertEqual(wizard.amount_credit, 0.0)
        self.assertEqual(wizard.amount_change, 50.0)
        self.assertEqual(sum(wizard.line_ids.mapped("amount_residual")), 300.0)
        self.assertEqual(wizard.payment_id.utility_balance_after, 0.0)

    def test_screen_after_over_payment_shows_the_real_credit(self):
        counter = self._counter()
        counter.search_term = "0100000002"
        counter.amount = 350.0
        wizard = counter.save()
        wizard.action_confirm()
        self.assertEqual(wizard.amount_credit, 50.0)

    def test_partial_customer_number_lists_candidates_and_unknown_number_says_so(self):
        other = self.env["res.partner"].create(
            {
                "name": "Li Lei",
                "utility_customer_number": "0100000003",
                "utility_category": "residential",
            }
        )
        counter = self._counter()
        counter.search_term = "01000000"
        self.assertEqual(counter.candidate_ids[:], self.customer | other)
        self.assertFalse(counter.partner_id)
        self.assertIn("2", counter.search_message)
        counter.search_term = "00000003"
        self.assertEqual(counter.partner_id, other)
        self.assertFalse(counter.search_message)
        counter.search_term = "0999999999"
        self.assertFalse(counter.partner_id)
        self.assertIn("No customer found", counter.search_message)

    def test_next_customer_replaces_the_screen_instead_of_stacking_breadcrumbs(self):
        wizard = self.env["utility.counter.payment"].with_user(self.cashier).create({})
        action = wizard.action_next_customer()
        self.assertEqual(action["target"], "main")
        # an empty screen: a new record (the search box gets the focus)
        self.assertNotIn("res_id", action)
        self.assertEqual(action["context"], {"default_session_id": self.session.id})

    def test_breadcrumb_names_the_counter_or_its_customer_not_a_technical_id(self):
        wizard = self.env["utility.counter.payment"].with_user(self.cashier).create({})
        self.assertEqual(wizard.display_name, "Counter")
        counter = self._counter()
        counter.search_term = "0100000002"
        self.assertEqual(counter.save().display_name, "Wang Fang")
