from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import UtilityArrearsCase
from .test_meter_command import StandInHeadend


@tagged("post_install", "-at_install")
class TestDisconnectionRemote(UtilityArrearsCase, HttpCase):
    """A postpaid customer's disconnection order, past its notice period,
    executed through the meter's head-end; paid, its reconnection goes out
    remotely by itself. The head-end is a stand-in HTTP server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("utility_api.auth_delay_seconds", "0")
        cls.headend = cls.env["utility.headend"].create(
            {
                "name": "County HES",
                "code": "HES-DISC",
                "company_id": cls.company.id,
                "state": "enabled",
                "max_attempts": 2,
            }
        )
        cls.key = cls.headend.action_generate_key()["params"]["message"]
        cls.meter.write({"remote_capable": True, "headend_id": cls.headend.id})
        cls.meter._utility_set_supply("on")
        cls.bill = cls._make_bill(cls.customer, 150.0, "2025-01-10")
        cls.field_staff = new_test_user(
            cls.env,
            login="remote_field_staff",
            groups="utility_billing.group_utility_field_collector",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.officer = new_test_user(
            cls.env,
            login="remote_officer",
            groups="utility_billing.group_utility_billing_officer",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )

    def setUp(self):
        super().setUp()
        self.standin = StandInHeadend(self)
        self.addCleanup(self.standin.stop)
        self.headend.api_url = self.standin.url

    def _scheduled_order(self, days_ago=7):
        order = self.env["utility.disconnection.order"].create(
            {"partner_id": self.customer.id, "company_id": self.company.id}
        )
        order.action_notify()
        notice = fields.Datetime.now() - timedelta(days=days_ago, minutes=5)
        # test set-up: the notice given days ago, as the actions stamp it
        with order._utility_protected_write():
            order.write({"notice_date": notice, "scheduled_date": notice + timedelta(days=7)})
        order.action_schedule()
        return order

    def _execute_remote(self, order, user=None):
        with trap_jobs() as trap:
            order.with_user(user or self.field_staff).action_execute_remote()
        return trap

    def _ack_last(self, **kwargs):
        response = self.standin.acknowledge(self.standin.received[-1][1], self.key, **kwargs)
        self.assertEqual(response.status_code, 200, response.text)
        self.env.invalidate_all()
        return response

    def test_executed_remotely_then_paid_and_reconnected_remotely(self):
        order = self._scheduled_order()
        self.assertTrue(order.remote_executable)
        trap = self._execute_remote(order)
        command = order.meter_command_ids
        self.assertEqual(
            (command.action, command.reason, command.balance, command.meter_id),
            ("switch_off", "arrears", -150.0, self.meter),
        )
        self.assertEqual(order.state, "scheduled", "executed when the head-end says so")
        self.assertFalse(order.remote_executable, "a command is on its way")
        with self.assertRaises(UserError):
            self._execute_remote(order)
        trap.enqueued_jobs[0].perform()
        self.assertEqual(self.standin.received[0][1]["reason"], "arrears")
        self._ack_last(executed_at="2026-12-07T10:00:00+08:00")
        self.assertEqual(order.state, "executed")
        self.assertEqual(str(order.executed_date), "2026-12-07 02:00:00")
        self.assertEqual(order.executed_by_id, self.field_staff)
        self.assertEqual(self.meter.supply_state, "off")
        # replayed: nothing changes
        self._ack_last()
        self.assertEqual(str(order.executed_date), "2026-12-07 02:00:00")

        # paid: the reconnection order goes out as a remote switch-on at once
        with trap_jobs() as trap:
            self._pay(self.bill)
        reconnection = order.reconnection_order_id
        self.assertEqual((reconnection.kind, reconnection.state), ("reconnection", "scheduled"))
        switch_on = reconnection.meter_command_ids
        self.assertEqual((switch_on.action, switch_on.reason), ("switch_on", "payment"))
        self.assertEqual(len(trap.enqueued_jobs), 1)
        self.assertFalse(trap.enqueued_jobs[0].eta)
        trap.enqueued_jobs[0].perform()
        self._ack_last()
        self.assertEqual(reconnection.state, "executed")
        self.assertEqual(order.state, "reconnected")
        self.assertEqual(self.meter.supply_state, "on")
        self._ack_last()
        self.assertEqual(order.state, "reconnected")

    def test_the_execution_rules_hold_for_the_remote_execution(self):
        # the notice period not over
        order = self._scheduled_order(days_ago=3)
        with self.assertRaisesRegex(UserError, "notice period"):
            self._execute_remote(order)
        order.action_cancel()
        order = self._scheduled_order()
        # only field staff (and managers) execute
        with self.assertRaises(AccessError):
            self._execute_remote(order, self.officer)
        # a meter the head-end cannot switch: in the field
        self.meter.remote_capable = False
        self.assertFalse(order.remote_executable)
        with self.assertRaisesRegex(UserError, "in the field"):
            self._execute_remote(order)
        self.assertFalse(order.meter_command_ids)

    def test_a_failed_remote_switch_off_hands_the_order_to_the_field(self):
        self.standin.status = 500
        order = self._scheduled_order()
        trap = self._execute_remote(order)
        command = order.meter_command_ids
        with trap_jobs() as retry:
            trap.enqueued_jobs[0].perform()
        retry.enqueued_jobs[0].perform()
        self.assertEqual(command.state, "failed")
        self.assertEqual(command.field_order_id, order, "no second order")
        self.assertEqual(order.state, "scheduled")
        self.assertIn(command.name, order.message_ids[0].body)
        # the field staff then record it by hand
        order.with_user(self.field_staff).action_execute()
        self.assertEqual(order.state, "executed")
        self.assertEqual(self.meter.supply_state, "on", "nobody told the head-end")
        # a field-executed order's reconnection is a field order too
        self._pay(self.bill)
        self.assertFalse(order.reconnection_order_id.meter_command_ids)
