from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import UtilityArrearsCase


@tagged("post_install", "-at_install")
class TestDisconnection(UtilityArrearsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.factory = cls._make_customer("Hongxing Mill", "0300000001", "industrial")
        cls.home_bill = cls._make_bill(cls.customer, 150.0, "2025-01-10")
        cls.factory_bill = cls._make_bill(cls.factory, 5000.0, "2025-01-10")
        cls.authority = cls.env["res.partner"].create({"name": "Power Administration"})
        cls.company.utility_authority_partner_id = cls.authority

    def _order(self, partner, bills, **values):
        return self.env["utility.disconnection.order"].create(
            {
                "partner_id": partner.id,
                "company_id": self.company.id,
                "bill_ids": bills.ids,
                **values,
            }
        )

    def _backdate(self, order, days):
        """Pretend the notice was given ``days`` ago, the date now reached."""
        notice = fields.Datetime.now() - timedelta(days=days, minutes=5)
        # test set-up: the permission of the actions, not a client's write
        with order._utility_protected_write():
            order.write({"notice_date": notice, "scheduled_date": notice + timedelta(days=days)})

    def test_residential_customer_gets_seven_days_written_notice(self):
        order = self._order(self.customer, self.home_bill)
        order.action_notify()
        self.assertEqual(order.state, "notified")
        self.assertEqual(order.scheduled_date - order.notice_date, timedelta(days=7))
        with self.assertRaises(AccessError):
            order.scheduled_date = order.notice_date + timedelta(days=6)
        # the notice period holds even for the actions
        with order._utility_protected_write(), self.assertRaises(ValidationError):
            order.scheduled_date = order.notice_date + timedelta(days=6)
        self.assertIn(self.customer, order.message_ids[0].partner_ids)

    def test_other_customers_get_three_days_and_a_second_notice_an_hour_before(self):
        order = self._order(self.factory, self.factory_bill)
        order.action_notify()
        self.assertEqual(order.scheduled_date - order.notice_date, timedelta(days=3))
        order.action_schedule()
        self._backdate(order, 3)
        with self.assertRaises(UserError):
            order.action_execute()  # no second notice yet
        order.action_send_second_notice()
        self.assertTrue(order.second_notice_date)
        with self.assertRaises(UserError):
            order.action_execute()  # second notice less than an hour ago
        with order._utility_protected_write():
            order.second_notice_date = fields.Datetime.now() - timedelta(hours=1, minutes=10)
        order.action_execute()
        self.assertEqual(order.state, "executed")
        self.assertEqual(order.executed_by_id, self.env.user)

    def test_disconnection_cannot_be_executed_before_the_scheduled_date(self):
        order = self._order(self.customer, self.home_bill)
        order.action_notify()
        order.action_schedule()
        with self.assertRaises(UserError):
            order.action_execute()

    def test_important_customer_notice_is_copied_to_the_authority(self):
        self.factory.utility_important = True
        order = self._order(self.factory, self.factory_bill)
        order.action_notify()
        self.assertEqual(order.authority_partner_id, self.authority)
        self.assertIn(self.authority, order.message_ids[0].partner_ids)

    def test_caring_customer_needs_approval_and_a_visit_before_scheduling(self):
        profile = self.env["utility.care.profile"].create(
            {
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "care_type": "disability",
            }
        )
        order = self._order(self.customer, self.home_bill)
        order.action_notify()
        with self.assertRaises(UserError):
            order.action_schedule()
        order.action_approve_care()
        with self.assertRaises(UserError):
            order.action_schedule()  # approved but nobody visited
        order.care_visit_id = self.env["utility.care.visit"].create(
            {"profile_id": profile.id, "note": "Son will pay on Friday"}
        )
        order.action_schedule()
        self.assertEqual(order.state, "scheduled")

    def test_paying_the_arrears_creates_the_reconnection_order(self):
        order = self._order(self.customer, self.home_bill)
        order.action_notify()
        order.action_schedule()
        self._backdate(order, 7)
        order.action_execute()
        self._pay(self.home_bill, amount=100.0)
        self.assertFalse(order.reconnection_order_id, "partial payment: still disconnected")
        self._pay(self.home_bill)
        self.assertIn(self.home_bill.payment_state, ("paid", "in_payment"))
        reconnection = order.reconnection_order_id
        self.assertEqual(reconnection.kind, "reconnection")
        self.assertEqual(reconnection.state, "scheduled")
        self.assertEqual(reconnection.partner_id, self.customer)
        reconnection.action_execute()
        self.assertEqual(reconnection.state, "executed")
        self.assertEqual(order.state, "reconnected")

    def test_paying_before_execution_cancels_the_disconnection(self):
        order = self._order(self.factory, self.factory_bill)
        order.action_notify()
        self._pay(self.factory_bill)
        self.assertEqual(order.state, "cancelled")
        self.assertFalse(order.reconnection_order_id)

    def test_order_made_by_hand_names_the_customers_overdue_bills(self):
        """A manager creating an order for a customer gets it for that
        customer's overdue bills (not their bills not yet due, not another
        customer's), with their amount."""
        not_due = self._make_bill(
            self.customer, 30.0, fields.Date.today() + timedelta(days=10), fields.Date.today()
        )
        order = self.env["utility.disconnection.order"].create(
            {"partner_id": self.customer.id, "company_id": self.company.id}
        )
        self.assertEqual(order.bill_ids, self.home_bill)
        self.assertNotIn(not_due, order.bill_ids)
        self.assertEqual(order.amount_overdue, 150.0)

    def test_order_without_overdue_bills_cannot_be_created(self):
        """No overdue bill, no order: 0.00 arrears is nothing to disconnect for."""
        punctual = self._make_customer("Punctual Wang", "0100000099")
        with self.assertRaises(ValidationError):
            self.env["utility.disconnection.order"].create(
                {"partner_id": punctual.id, "company_id": self.company.id}
            )
        with self.assertRaises(ValidationError):
            self._order(self.customer, self.factory_bill)  # another customer's bill

    def test_order_whose_bills_are_paid_cannot_be_notified_scheduled_or_executed(self):
        """The actions check the arrears themselves, whatever cancelled the
        order or not (here the cancellation at payment is switched off)."""
        Order = type(self.env["utility.disconnection.order"])
        draft = self._order(self.customer, self.home_bill)
        notified = self._order(self.customer, self.home_bill)
        notified.action_notify()
        scheduled = self._order(self.customer, self.home_bill)
        scheduled.action_notify()
        scheduled.action_schedule()
        self._backdate(scheduled, 7)
        with patch.object(Order, "_utility_check_arrears_paid", lambda orders: None):
            self._pay(self.home_bill)
        self.assertEqual(scheduled.amount_overdue, 0.0)
        for order, action in (
            (draft, draft.action_notify),
            (notified, notified.action_schedule),
            (scheduled, scheduled.action_execute),
        ):
            state = order.state
            with self.assertRaisesRegex(UserError, "are paid"):
                action()
            self.assertEqual(order.state, state)

    def test_paying_the_bills_cancels_orders_in_every_open_state(self):
        draft = self._order(self.customer, self.home_bill)
        scheduled = self._order(self.customer, self.home_bill)
        scheduled.action_notify()
        scheduled.action_schedule()
        self._pay(self.home_bill)
        self.assertEqual(draft.state, "cancelled")
        self.assertEqual(scheduled.state, "cancelled")

    def test_counter_payment_of_the_bills_cancels_a_scheduled_order(self):
        order = self._order(self.factory, self.factory_bill)
        order.action_notify()
        order.action_schedule()
        self._pay(self.factory_bill, amount=4000.0)
        self.assertEqual(order.state, "scheduled", "part paid: the order stands")
        self._pay(self.factory_bill, amount=1000.0)
        self.assertEqual(order.state, "cancelled")
        self.assertIn("Arrears paid", order.message_ids[0].body)

    def test_care_profile_plans_the_next_visit_for_the_responsible(self):
        profile = self.env["utility.care.profile"].create(
            {
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "care_type": "elderly_alone",
                "visit_interval_days": 30,
            }
        )
        activity = profile.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.env.user)
        self.assertEqual(activity.date_deadline, profile.next_visit_date)
        self.env["utility.care.visit"].create(
            {"profile_id": profile.id, "date": fields.Date.today() + timedelta(days=2)}
        )
        self.assertEqual(profile.next_visit_date, fields.Date.today() + timedelta(days=32))
        self.assertEqual(profile.activity_ids.date_deadline, profile.next_visit_date)
