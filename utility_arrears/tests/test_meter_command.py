import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import UtilityArrearsCase


class StandInHeadend:
    """A head-end system outside the product: an HTTP server receiving the
    commands, answering each with ``status`` (its reference on 200), and
    acknowledging them through the product's callback route."""

    def __init__(self, test):
        self.test = test
        self.received = []
        self.status = 200
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                standin.received.append((self.headers.get("Authorization"), body))
                if standin.status == 200:
                    answer = {"reference": f"HES-{len(standin.received)}"}
                else:
                    answer = {"message": "meter gateway down"}
                data = json.dumps(answer).encode()
                self.send_response(standin.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hes/commands"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def acknowledge(self, payload, key, status="acknowledged", **extra):
        """Call the callback URL of a received command, as the head-end does
        (on the test server's address)."""
        path = urlsplit(payload["callback_url"]).path
        return self.test.url_open(
            path,
            json={"status": status, **extra},
            headers={"Authorization": f"Bearer {key}"},
            method="POST",
        )


@tagged("post_install", "-at_install")
class TestMeterCommand(UtilityArrearsCase, HttpCase):
    """Remote switching: commands queued, sent to a stand-in head-end over
    HTTP, acknowledged through the callback route, retried and turned into
    field orders."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Command = cls.env["utility.meter.command"]
        cls.env["ir.config_parameter"].sudo().set_param("utility_api.auth_delay_seconds", "0")
        cls.headend = cls.env["utility.headend"].create(
            {
                "name": "County HES",
                "code": "HES-CMD",
                "company_id": cls.company.id,
                "state": "enabled",
                "max_attempts": 3,
                "retry_minutes": 2,
                "api_token": "outbound-token",
            }
        )
        cls.key = cls.headend.action_generate_key()["params"]["message"]
        cls.other_headend = cls.env["utility.headend"].create(
            {"name": "Other HES", "code": "HES-OTHER", "company_id": cls.company.id}
        )
        cls.other_key = cls.other_headend.action_generate_key()["params"]["message"]
        cls.other_headend.state = "enabled"
        cls.manager = new_test_user(
            cls.env,
            login="cmd_manager",
            groups="utility_billing.group_utility_manager",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.officer = new_test_user(
            cls.env,
            login="cmd_officer",
            groups="utility_billing.group_utility_billing_officer",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )

    def setUp(self):
        super().setUp()
        self.standin = StandInHeadend(self)
        self.addCleanup(self.standin.stop)
        self.headend.api_url = self.standin.url

    def _queue(self, action, meters=None, **kwargs):
        with trap_jobs() as trap:
            commands = self.Command._utility_queue(
                meters or self.meter,
                action,
                kwargs.pop("reason", "balance"),
                headend=self.headend,
                **kwargs,
            )
        return commands, trap

    def test_switch_off_then_on_acknowledged_sets_the_supply(self):
        command, trap = self._queue("switch_off", balance=-3.5)
        self.assertEqual(command.state, "queued")
        self.assertEqual(command.headend_id, self.headend)
        self.assertEqual(len(trap.enqueued_jobs), 1)
        self.assertFalse(trap.enqueued_jobs[0].eta, "sent at once")
        trap.enqueued_jobs[0].perform()
        self.assertEqual(command.state, "sent")
        self.assertEqual(command.headend_reference, "HES-1")
        auth, body = self.standin.received[0]
        self.assertEqual(auth, "Bearer outbound-token")
        self.assertEqual(
            {k: body[k] for k in ("reference", "meter_serial", "action", "reason")},
            {
                "reference": command.name,
                "meter_serial": "M0001",
                "action": "switch_off",
                "reason": "balance",
            },
        )
        self.assertTrue(body["callback_url"].endswith(f"/meter-commands/{command.name}/ack"))

        response = self.standin.acknowledge(
            body, self.key, executed_at="2026-12-06T09:30:00+08:00", reference="HES-1"
        )
        self.assertEqual(response.status_code, 200, response.text)
        answer = response.json()
        self.assertEqual(
            answer, {"reference": command.name, "state": "acknowledged", "supply_state": "off"}
        )
        self.env.invalidate_all()
        self.assertEqual(command.state, "acknowledged")
        self.assertEqual(self.meter.supply_state, "off")
        self.assertEqual(str(self.meter.supply_changed_at), "2026-12-06 01:30:00")

        # the acknowledgement replayed: the same answer, nothing changed
        acknowledged_at = command.acknowledged_at
        replay = self.standin.acknowledge(body, self.key, executed_at="2026-12-07T00:00:00Z")
        self.assertEqual(replay.status_code, 200)
        self.assertEqual(replay.json(), answer)
        self.env.invalidate_all()
        self.assertEqual(command.acknowledged_at, acknowledged_at)
        self.assertEqual(str(self.meter.supply_changed_at), "2026-12-06 01:30:00")

        switch_on, trap = self._queue("switch_on", reason="payment")
        trap.enqueued_jobs[0].perform()
        on_body = self.standin.received[-1][1]
        self.assertEqual(on_body["action"], "switch_on")
        self.assertEqual(self.standin.acknowledge(on_body, self.key).status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(switch_on.state, "acknowledged")
        self.assertEqual(self.meter.supply_state, "on")
        self.assertEqual(self.meter.meter_command_ids, command | switch_on)

    def test_failing_headend_is_retried_with_backoff_then_opens_a_field_order(self):
        self.standin.status = 500
        bill = self._make_bill(self.customer, 80.0, "2025-03-01")
        command, trap = self._queue("switch_off", reason="arrears")
        etas = []
        job = trap.enqueued_jobs[0]
        for _attempt in range(3):
            before = fields.Datetime.now()
            with trap_jobs() as trap:
                job.perform()
            if command.state == "failed":
                self.assertFalse(trap.enqueued_jobs)
                break
            self.assertEqual(command.state, "queued")
            job = trap.enqueued_jobs[0]
            etas.append(round((job.eta - before).total_seconds() / 60))
        self.assertEqual(etas, [2, 4], "the delay doubles from the head-end's first retry")
        self.assertEqual(len(self.standin.received), 3)
        self.assertEqual(command.state, "failed")
        self.assertEqual(command.attempts, 3)
        self.assertIn("500", command.last_error)
        order = command.field_order_id
        self.assertEqual(order.kind, "disconnection")
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.meter_command_id, command)
        self.assertEqual(order.bill_ids, bill, "the customer's overdue bills")
        self.assertIn(command.name, order.message_ids[0].body)

    def test_failed_switch_on_opens_a_reconnection_order(self):
        self.headend.max_attempts = 1
        self.standin.status = 503
        command, trap = self._queue("switch_on", reason="payment")
        trap.enqueued_jobs[0].perform()
        self.assertEqual(command.state, "failed")
        self.assertEqual(command.field_order_id.kind, "reconnection")
        self.assertEqual(command.field_order_id.state, "scheduled")

    def test_a_failed_command_of_an_open_order_hands_that_order_to_the_field(self):
        self.headend.max_attempts = 1
        self.standin.status = 500
        bill = self._make_bill(self.customer, 80.0, "2025-03-01")
        order = self.env["utility.disconnection.order"].create(
            {"partner_id": self.customer.id, "company_id": self.company.id}
        )
        order.action_notify()
        command, trap = self._queue("switch_off", reason="arrears", origin=order)
        trap.enqueued_jobs[0].perform()
        self.assertEqual(command.state, "failed")
        self.assertEqual(command.field_order_id, order, "no second order")
        self.assertEqual(order.meter_command_id, command)
        self.assertEqual(order.bill_ids, bill)
        self.assertEqual(
            self.env["utility.disconnection.order"].search_count(
                [("partner_id", "=", self.customer.id)]
            ),
            1,
        )

    def test_failed_acknowledgement_goes_through_the_retries(self):
        command, trap = self._queue("switch_off")
        trap.enqueued_jobs[0].perform()
        body = self.standin.received[0][1]
        with trap_jobs() as retry:
            response = self.standin.acknowledge(body, self.key, status="failed", message="relay")
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.json()["state"], "queued")
            self.assertEqual(len(retry.enqueued_jobs), 1)
        self.env.invalidate_all()
        self.assertEqual(command.attempts, 2)
        self.assertEqual(command.last_error, "relay")
        # replayed: no further attempt counted
        self.standin.acknowledge(body, self.key, status="failed", message="relay")
        self.env.invalidate_all()
        self.assertEqual(command.attempts, 2)

    def test_test_mode_sends_nothing_and_disabled_neither(self):
        self.headend.state = "test"
        command, trap = self._queue("switch_off")
        trap.enqueued_jobs[0].perform()
        self.assertEqual(command.state, "sent")
        self.assertEqual(command.headend_reference, f"TEST-{command.name}")
        self.assertIn("Test mode", command.message_ids[0].body)
        self.assertFalse(self.standin.received)
        self.headend.state = "disabled"
        with command._utility_protected_write():
            command.state = "queued"
        command.invalidate_recordset()
        command._utility_send_job()
        self.assertEqual(command.state, "queued")
        self.assertIn("disabled", command.last_error)
        self.assertFalse(self.standin.received)

    def test_an_other_headends_key_gets_404_and_bad_bodies_422(self):
        command, trap = self._queue("switch_off")
        trap.enqueued_jobs[0].perform()
        body = self.standin.received[0][1]
        response = self.standin.acknowledge(body, self.other_key)
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json()["code"], "command_not_found")
        response = self.standin.acknowledge(body, "wrong-key")
        self.assertEqual(response.status_code, 401)
        response = self.standin.acknowledge(body, self.key, status="done")
        self.assertEqual((response.status_code, response.json()["code"]), (422, "invalid_status"))
        response = self.standin.acknowledge(body, self.key, executed_at="yesterday")
        self.assertEqual(response.json()["code"], "invalid_executed_at")
        self.env.invalidate_all()
        self.assertEqual(command.state, "sent")
        self.assertEqual(self.meter.supply_state, "unknown")

    def test_switch_on_supersedes_a_queued_switch_off_and_no_duplicates(self):
        switch_off, off_trap = self._queue("switch_off")
        again, trap = self._queue("switch_off")
        self.assertEqual(again, switch_off, "no second command for the same meter and action")
        self.assertFalse(trap.enqueued_jobs)
        switch_on, on_trap = self._queue("switch_on", reason="payment")
        self.assertEqual(switch_off.state, "cancelled")
        self.assertEqual(switch_on.state, "queued")
        # the superseded command's job, run later, sends nothing
        off_trap.enqueued_jobs[0].perform()
        on_trap.enqueued_jobs[0].perform()
        self.assertEqual(switch_off.state, "cancelled")
        self.assertEqual([body["action"] for _auth, body in self.standin.received], ["switch_on"])

    def test_only_the_actions_write_the_life_cycle_and_a_manager_retries(self):
        self.headend.max_attempts = 1
        self.standin.status = 500
        command, trap = self._queue("switch_off")
        trap.enqueued_jobs[0].perform()
        self.assertEqual(command.state, "failed")
        for vals in ({"state": "acknowledged"}, {"attempts": 0}, {"headend_reference": "X"}):
            with self.assertRaises(AccessError):
                command.with_user(self.manager).write(vals)
        with self.assertRaises(AccessError):
            self.meter.with_user(self.manager).write({"supply_state": "off"})
        with self.assertRaises(AccessError):
            command.with_user(self.officer).write({"reason_note": "x"})
        with self.assertRaises(UserError):
            command.with_user(self.officer).action_retry()
        self.assertEqual(command.with_user(self.officer).state, "failed", "officers read")
        self.standin.status = 200
        with trap_jobs() as trap:
            command.with_user(self.manager).action_retry()
        self.assertEqual((command.state, command.attempts), ("queued", 0))
        trap.enqueued_jobs[0].perform()
        self.assertEqual(command.state, "sent")
        command.with_user(self.manager).action_cancel()
        self.assertEqual(command.state, "cancelled")
        self.assertTrue(fields.Datetime.now() - command.write_date < timedelta(minutes=1))
