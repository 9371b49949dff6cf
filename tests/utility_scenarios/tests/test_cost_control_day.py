"""A day of remote cost control (远程费控), end to end, against a real server.

The head-end system is outside the product: a stand-in HTTP server started
by the test receives the switching commands the product sends (over HTTP,
with its bearer token) and calls the product's acknowledgement route back
with its own key. Nothing inside the product is mocked: payments come over
the terminal API, commands are queue_job jobs performed as queue_job's
runner performs them, acknowledgements arrive over HTTP.

Each step is a method, so that the valuation, warning and switch-off rules
can be played before the steps here: ``_switch_off_for_balance`` stands for
the rules' switch-off until they run in this scenario.

Figures: Zhang Wei, prepaid, cost-controlled, threshold 0.00; the
valuation found 30.00 of unbilled consumption and no credit (balance
-30.00): switched off. He pays 100.00 at a self-service terminal: balance
70.00, above the threshold: switched back on."""

import json
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from odoo.tests import HttpCase, tagged

from odoo.addons.queue_job.job import Job
from odoo.addons.utility_arrears.tests.common import UtilityArrearsCase
from odoo.addons.utility_arrears.tests.test_meter_command import StandInHeadend

API = "/utility/api/v1"


class CallingBackHeadend(StandInHeadend):
    """The stand-in head-end: it accepts the commands it receives (or
    refuses them while ``status`` is not 200) and, once it has executed
    them, calls back each accepted command's acknowledgement URL."""

    def __init__(self, test, key):
        super().__init__(test)
        self.key = key
        self.answered = set()

    def accepted(self):
        """The bodies of the commands it accepted and has not answered yet."""
        bodies = {}
        for _auth, body in self.received:
            bodies[body["reference"]] = body
        return [body for reference, body in bodies.items() if reference not in self.answered]

    def call_back(self, status="acknowledged", **extra):
        """Acknowledge every accepted command not answered yet, over HTTP.
        Returns the answers."""
        answers = []
        for body in self.accepted():
            response = self.acknowledge(body, self.key, status=status, **extra)
            self.answered.add(body["reference"])
            answers.append(response)
        return answers

    def replay(self, reference, status="acknowledged", **extra):
        """Send an acknowledgement again, as a head-end retrying does."""
        body = next(body for _auth, body in self.received if body["reference"] == reference)
        return self.acknowledge(body, self.key, status=status, **extra)


@tagged("post_install", "-at_install")
class TestCostControlDay(UtilityArrearsCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("utility_api.auth_delay_seconds", "0")
        cls.company.utility_cc_threshold = 0.0
        cls.headend = cls.env["utility.headend"].create(
            {
                "name": "县公司用电信息采集主站",
                "code": "HES-DAY",
                "company_id": cls.company.id,
                "state": "enabled",
                "max_attempts": 3,
                "retry_minutes": 2,
                "api_token": "hes-outbound-token",
            }
        )
        cls.headend_key = cls.headend.action_generate_key()["params"]["message"]
        cls.contract.billing_mode = "prepaid"
        cls.meter.write({"remote_capable": True, "headend_id": cls.headend.id})
        cls.meter._utility_set_supply("on")
        atm_point = cls.env["utility.collection.point"].create(
            {
                "name": "城关营业厅自助缴费终端",
                "code": "ATM-CC",
                "kind": "terminal",
                "journal_id": cls.company_data["default_journal_bank"].id,
            }
        )
        cls.atm = cls.env["utility.payment.terminal"].create(
            {"name": "ATM CC", "collection_point_id": atm_point.id}
        )
        cls.atm_key = cls.atm.action_generate_key()["params"]["message"]

    def setUp(self):
        super().setUp()
        self.hes = CallingBackHeadend(self, self.headend_key)
        self.addCleanup(self.hes.stop)
        self.headend.api_url = self.hes.url

    # -- steps ----------------------------------------------------------------
    def _value_balance(self, unbilled):
        """The valuation's outcome for the contract (the valuation's own
        step replaces this once it runs in the scenario)."""
        with self.contract._utility_protected_write():
            self.contract.valued_unbilled_amount = unbilled
        return self.contract._utility_balance_now()[self.contract.id]

    def _switch_off_for_balance(self, balance):
        """The switch-off the rules send for an exhausted balance."""
        return self.env["utility.meter.command"]._utility_queue(
            self.meter, "switch_off", "balance", balance=balance
        )

    def _run_jobs(self):
        """Perform the switching jobs now due, as queue_job's runner does
        (each set started, performed, set done). Returns how many ran."""
        self.env.flush_all()
        # the runner's side: it reads every job, and runs each as its user
        records = (
            self.env["queue.job"]
            .sudo()
            .search(
                [
                    ("state", "=", "pending"),
                    ("model_name", "=", "utility.meter.command"),
                    ("method_name", "=", "_utility_send_job"),
                    "|",
                    ("eta", "=", False),
                    ("eta", "<=", datetime.now()),
                ],
                order="id",
            )
        )
        for record in records:
            job = Job.load(record.env, record.uuid)
            job.set_started()
            job.store()
            job.perform()
            job.set_done()
            job.store()
        self.env.invalidate_all()
        return len(records)

    def _let_time_pass(self, minutes):
        """The runner's clock moves on: jobs due within ``minutes`` are due."""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE queue_job SET eta = eta - %s WHERE state = 'pending' AND eta IS NOT NULL",
            [timedelta(minutes=minutes)],
        )

    def _headend_executes(self, status="acknowledged", **extra):
        """The head-end executes what it accepted and calls back."""
        answers = self.hes.call_back(status=status, **extra)
        for response in answers:
            self.assertEqual(response.status_code, 200, response.text)
        self.env.invalidate_all()
        return answers

    def _terminal_pays(self, amount, txn_id):
        """A self-service terminal takes the customer's money over the API."""
        response = self.url_open(
            API + "/payments",
            data=json.dumps(
                {
                    "customer_number": self.customer.utility_customer_number,
                    "amount": amount,
                    "terminal_txn_id": txn_id,
                    "allow_prepaid": True,
                }
            ),
            headers={
                "Authorization": f"Bearer {self.atm_key}",
                "Content-Type": "application/json",
            },
            method="POST",
        )
        self.assertEqual(response.status_code, 201, response.text)
        self.env.invalidate_all()
        return response.json()

    def _commands(self, action):
        return self.env["utility.meter.command"].search(
            [("meter_id", "=", self.meter.id), ("action", "=", action)], order="id"
        )

    def _switched_off(self):
        """Balance exhausted: switched off through the head-end."""
        balance = self._value_balance(30.0)
        self.assertEqual(balance, -30.0)
        switch_off = self._switch_off_for_balance(balance)
        self.assertEqual(self._run_jobs(), 1)
        self._headend_executes()
        self.assertEqual(switch_off.state, "acknowledged")
        self.assertEqual(self.meter.supply_state, "off")
        return switch_off

    # -- the scenarios --------------------------------------------------------
    def test_a_terminal_payment_switches_the_meter_on_within_the_minute(self):
        self._switched_off()
        started = datetime.now()
        receipt = self._terminal_pays(100.0, "ATM-CC-0001")
        self.assertEqual(receipt["credit"], 100.0)
        self.assertEqual(receipt["switch_on"], "queued")
        # queued in the payment's own transaction, to be sent at once
        switch_on = self._commands("switch_on")
        self.assertEqual(
            (switch_on.state, switch_on.reason, switch_on.balance), ("queued", "payment", 70.0)
        )
        self.assertEqual(self._run_jobs(), 1)
        self.assertEqual(switch_on.state, "sent")
        auth, body = self.hes.received[-1]
        self.assertEqual(auth, "Bearer hes-outbound-token")
        self.assertEqual(
            (body["reference"], body["meter_serial"], body["action"], body["reason"]),
            (switch_on.name, "M0001", "switch_on", "payment"),
        )
        (answer,) = self._headend_executes()
        self.assertEqual(
            answer.json(),
            {"reference": switch_on.name, "state": "acknowledged", "supply_state": "on"},
        )
        self.assertEqual(switch_on.state, "acknowledged")
        self.assertEqual(self.meter.supply_state, "on")
        self.assertLess(switch_on.acknowledged_at - started, timedelta(minutes=1))
        self.assertLess(self.meter.supply_changed_at - started, timedelta(minutes=1))
        # the same payment retried by the terminal: no second switch-on
        self.url_open(
            API + "/payments",
            data=json.dumps(
                {
                    "customer_number": "0100000001",
                    "amount": 100.0,
                    "terminal_txn_id": "ATM-CC-0001",
                    "allow_prepaid": True,
                }
            ),
            headers={"Authorization": f"Bearer {self.atm_key}"},
            method="POST",
        )
        self.assertEqual(self._commands("switch_on"), switch_on)

    def test_a_command_the_head_end_refuses_becomes_a_field_order(self):
        self._switched_off()
        self.hes.status = 503
        self._terminal_pays(100.0, "ATM-CC-0002")
        switch_on = self._commands("switch_on")
        for attempt in range(1, 4):
            self.assertEqual(self._run_jobs(), 1, f"attempt {attempt}")
            self.assertEqual(switch_on.attempts, attempt)
            self._let_time_pass(2 ** (attempt - 1) * 2)
        self.assertEqual(self._run_jobs(), 0, "no fourth attempt")
        self.assertEqual(len([b for _a, b in self.hes.received if b["action"] == "switch_on"]), 3)
        self.assertEqual(switch_on.state, "failed")
        self.assertIn("503", switch_on.last_error)
        order = switch_on.field_order_id
        self.assertEqual((order.kind, order.state), ("reconnection", "scheduled"))
        self.assertEqual(order.partner_id, self.customer)
        self.assertEqual(self.meter.supply_state, "off")

    def test_replayed_acknowledgements_change_nothing(self):
        switch_off = self._switched_off()
        acknowledged_at = switch_off.acknowledged_at
        self._terminal_pays(100.0, "ATM-CC-0003")
        self._run_jobs()
        first = self._headend_executes()[0].json()
        switch_on = self._commands("switch_on")
        on_changed_at = self.meter.supply_changed_at
        # the switch-off's acknowledgement replayed after the switch-on
        replay = self.hes.replay(switch_off.name, executed_at="2030-01-01T00:00:00Z")
        self.assertEqual(replay.status_code, 200, replay.text)
        self.assertEqual(replay.json()["state"], "acknowledged")
        # the switch-on's, twice, and reported failed after the fact
        self.assertEqual(self.hes.replay(switch_on.name).json(), first)
        self.assertEqual(self.hes.replay(switch_on.name).json(), first)
        refused = self.hes.replay(switch_on.name, status="failed", message="late")
        self.assertEqual(refused.status_code, 409)
        self.assertEqual(refused.json()["code"], "command_closed")
        self.env.invalidate_all()
        self.assertEqual(switch_off.acknowledged_at, acknowledged_at)
        self.assertEqual(switch_on.state, "acknowledged")
        self.assertEqual(switch_on.attempts, 1)
        self.assertEqual(self.meter.supply_state, "on", "the old switch-off does not win")
        self.assertEqual(self.meter.supply_changed_at, on_changed_at)
        self.assertEqual(self._run_jobs(), 0)
        self.assertFalse(switch_on.field_order_id)
        self.assertEqual(
            urlsplit(self.hes.received[-1][1]["callback_url"]).path,
            f"{API}/meter-commands/{switch_on.name}/ack",
        )
