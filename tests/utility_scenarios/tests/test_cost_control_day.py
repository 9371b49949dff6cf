"""A day of remote cost control (远程费控), end to end, against a real server.

The head-end system is outside the product: a stand-in HTTP server started
by the test receives the switching commands the product sends (over HTTP,
with its bearer token) and calls the product's acknowledgement route back
with its own key. Nothing inside the product is mocked: payments come over
the terminal API, commands are queue_job jobs performed as queue_job's
runner performs them, acknowledgements arrive over HTTP.

Each step is a method. The last scenario plays the whole chain with the
product's own code: daily readings posted by the head-end, the valuation,
the balance warning, the switch-off rules in the company's working time
(grace, final notice, not at night, not on a holiday, not for a caring
customer without a visit and an approval), the switch-off, the payment and
the switch-on; the others start from a stored valuation and the rules.

Figures: Zhang Wei, prepaid, cost-controlled, threshold 0.00; the
valuation found 30.00 of unbilled consumption and no credit (balance
-30.00): switched off. He pays 100.00 at a self-service terminal: balance
70.00, above the threshold: switched back on."""

import json
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.queue_job.job import Job
from odoo.addons.utility_arrears.tests.common import UtilityArrearsCase
from odoo.addons.utility_arrears.tests.test_meter_command import StandInHeadend

API = "/utility/api/v1"
# Beijing time is UTC+8: the scenario speaks in local times, the ORM in UTC
CST = timedelta(hours=8)


def cst(value):
    """A Beijing time ('2026-09-28 10:00') as the ORM's naive UTC datetime."""
    return datetime.fromisoformat(value) - CST


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
    def _value_balance(self, unbilled, at):
        """The valuation's outcome for the contract, no credit: what
        ``_utility_value_balances`` stores (the whole chain, with readings,
        is played by the last scenario)."""
        with self.contract._utility_protected_write():
            self.contract.write(
                {
                    "valued_at": at,
                    "valued_unbilled_amount": unbilled,
                    "valued_balance": -unbilled,
                }
            )
        return self.contract._utility_balance_now()[self.contract.id]

    def _rules_since(self, hours):
        """The hourly rules' cron, ``hours`` ago (no working calendar here:
        any time is working time)."""
        now = datetime.now().replace(microsecond=0)
        self.env["utility.contract"]._cron_utility_cost_control(now=now - timedelta(hours=hours))
        self.env.invalidate_all()

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
        now = datetime.now().replace(microsecond=0)
        balance = self._value_balance(30.0, now - timedelta(hours=48))
        self.assertEqual(balance, -30.0)
        # the rules: the balance low for the grace (24 hours), the final
        # notice, then its 24 hours
        self._rules_since(48)
        self._rules_since(24)
        self.assertTrue(self.contract.cc_final_notice_at)
        self.assertFalse(self._commands("switch_off"))
        self._rules_since(0)
        switch_off = self._commands("switch_off")
        self.assertEqual((switch_off.state, switch_off.balance), ("queued", -30.0))
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

    # -- the whole chain, with the product's own rules -------------------------
    def _working_calendar(self):
        """The county's switch-off hours: Monday to Friday 08:30-12:00 and
        14:00-17:30, Beijing time, the Mid-Autumn Festival (Friday 25
        September 2026) off."""
        calendar = self.env["resource.calendar"].create(
            {
                "name": "城关供电所停电作业时间",
                "tz": "Asia/Shanghai",
                "company_id": self.company.id,
                "attendance_ids": [Command.clear()]
                + [
                    Command.create(
                        {
                            "name": f"{day} {period}",
                            "dayofweek": str(day),
                            "hour_from": start,
                            "hour_to": end,
                            "day_period": period,
                        }
                    )
                    for day in range(5)
                    for period, start, end in (("morning", 8.5, 12.0), ("afternoon", 14.0, 17.5))
                ],
            }
        )
        self.env["resource.calendar.leaves"].create(
            {
                "name": "2026 中秋节",
                "calendar_id": calendar.id,
                "company_id": self.company.id,
                "date_from": cst("2026-09-25 00:00:00"),
                "date_to": cst("2026-09-25 23:59:59"),
            }
        )
        return calendar

    def _billed_reading(self, meter, day, value):
        """The reading the customer's last bill used."""
        reading = self.env["utility.meter.reading"].create(
            {"meter_id": meter.id, "reading_date": day, "value": value}
        )
        reading.action_validate()
        with reading._utility_protected_write():
            reading.state = "billed"
        return reading

    def _headend_posts_readings(self, readings):
        """The head-end sends its meters' daily readings, with its own key."""
        response = self.url_open(
            API + "/readings",
            data=json.dumps({"readings": readings}),
            headers={
                "Authorization": f"Bearer {self.headend_key}",
                "Content-Type": "application/json",
            },
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.env.invalidate_all()
        return response.json()

    def _rules_run(self, local):
        """The hourly rules' cron at ``local`` Beijing time (the product's
        clock stopped there, for the switching jobs' working-time checks).
        Returns the switch-off commands in force afterwards."""
        with freeze_time(cst(local)):
            self.env["utility.contract"]._cron_utility_cost_control(now=cst(local))
            self.env.flush_all()
        self.env.invalidate_all()
        return self.env["utility.meter.command"].search(
            [("action", "=", "switch_off"), ("meter_id", "in", (self.meter | self.care_meter).ids)]
        )

    def _sms_to(self, partner):
        return self.env["sms.sms"].search([("partner_id", "=", partner.id)], order="id")

    def test_a_day_of_cost_control_from_the_readings_to_the_switch_on(self):
        """Readings in, valuation, warning, final notice, the switch-off on
        a working day (not at night, not on a holiday, not for a caring
        customer), then the terminal payment and the switch-on.

        Figures. Zhang Wei (prepaid, no credit) was billed on 31 August
        2026 at 1300 kWh; the head-end reads 1345 on 21 and 1350 on 22
        September (22:00): 50 kWh over 1-22 September, within the first
        block prorated to 22 days (180 x 22 / 30 = 132 kWh) at 0.56:
        50 x 0.56 = 28.00 unbilled, estimated balance -28.00. Li Nainai, a
        caring customer, billed at 800: 840 on 22 September, 40 x 0.56 =
        22.40, balance -22.40. Zhang Wei pays 100.00 at a terminal: 100.00 -
        28.00 = 72.00, above the threshold 0.00: switched on."""
        self.company.write(
            {
                "utility_cc_threshold": 0.0,
                "utility_cc_grace_hours": 24,
                "utility_cc_notice_hours": 12,
                "utility_cc_calendar_id": self._working_calendar().id,
            }
        )
        self.customer.phone = "+86 138 0371 0001"
        self.meter.install_date = "2024-01-01"
        care_contract, self.care_meter = self._new_customer("0100000002", initial_reading=500)
        care_contract.billing_mode = "prepaid"
        self.care_meter.write({"remote_capable": True, "headend_id": self.headend.id})
        self.care_meter._utility_set_supply("on")
        care_partner = care_contract.partner_id
        care_partner.write({"name": "李奶奶", "phone": "+86 138 0371 0002"})
        self.env["utility.care.profile"].create(
            {
                "partner_id": care_partner.id,
                "company_id": self.company.id,
                "care_type": "elderly_alone",
                "user_id": self.env.user.id,
            }
        )
        self.assertTrue(care_partner.utility_is_care)
        self.assertTrue(self.contract.cost_control and care_contract.cost_control)
        self._billed_reading(self.meter, "2026-08-31", 1300)
        self._billed_reading(self.care_meter, "2026-08-31", 800)

        # 1. the daily readings come in over HTTP, with the head-end's key
        answer = self._headend_posts_readings(
            [
                {"meter_serial": "M0001", "read_at": "2026-09-21T22:00:00+08:00", "value": 1345},
                {"meter_serial": "M0001", "read_at": "2026-09-22T22:00:00+08:00", "value": 1350},
                {
                    "meter_serial": "M0100000002",
                    "read_at": "2026-09-22T22:00:00+08:00",
                    "value": 840,
                },
            ]
        )
        self.assertEqual(answer["totals"]["accepted"], 3, answer)

        # 2. the night's valuation: estimated balances, nothing booked
        moves_before = self.env["account.move"].search_count([])
        valued_at = cst("2026-09-23 00:30:00")
        contracts = self.contract | care_contract
        balances = contracts._utility_value_balances(at=valued_at)
        self.assertEqual(balances, {self.contract.id: -28.0, care_contract.id: -22.4})
        self.assertEqual(
            (
                self.contract.valued_unbilled_kwh,
                self.contract.valued_unbilled_amount,
                self.contract.valued_balance,
            ),
            (50.0, 28.0, -28.0),
        )
        self.assertEqual(self.contract.valued_reading_at, cst("2026-09-22 22:00:00"))
        self.assertEqual(care_contract.valued_unbilled_amount, 22.4)
        self.assertEqual(self.env["account.move"].search_count([]), moves_before)

        # 3. the balance warning fires on the valued balance, by SMS
        rule = self.env["utility.warning.rule"].create(
            {
                "name": "余额不足 10 元",
                "kind": "balance_amount",
                "threshold_amount": 10.0,
                "company_id": self.company.id,
                "notify_email": False,
                "sms_template_id": self.env.ref("utility_billing.sms_template_utility_warning").id,
            }
        )
        warnings = rule._evaluate()
        warning = warnings.filtered(lambda w: w.contract_id == self.contract)
        self.assertEqual(warning.value, -28.0)
        self.assertEqual(len(self._sms_to(self.customer)), 1, "the warning SMS")
        self.assertIn("28.00", self._sms_to(self.customer).body, "the valued balance")

        # 4. the rules: grace, final notice, then the switch-off in working time
        self.assertFalse(self._rules_run("2026-09-23 09:00:00"), "within the grace")
        self.assertEqual(self.contract.cc_low_since, valued_at)
        self.assertEqual(self.contract.cc_status, "low")
        self.assertFalse(self._rules_run("2026-09-24 09:00:00"), "the final notice only")
        self.assertEqual(self.contract.cc_final_notice_at, cst("2026-09-24 09:00:00"))
        self.assertEqual(care_contract.cc_final_notice_at, cst("2026-09-24 09:00:00"))
        notice_sms = self._sms_to(self.customer)[1:]
        self.assertEqual(len(notice_sms), 1, "the final notice SMS")
        self.assertIn("28.01", notice_sms.body, "the least amount to pay")
        self.assertEqual(len(self._sms_to(care_partner)), 2, "warning and final notice")
        # 12 hours of notice end on Thursday 21:00: the earliest working time
        # is Monday 28 September 08:30 (Friday is the Mid-Autumn Festival)
        self.assertEqual(self.contract.cc_switch_off_earliest, cst("2026-09-28 08:30:00"))
        self.assertFalse(self._rules_run("2026-09-24 22:00:00"), "due, but not at night")
        self.assertFalse(self._rules_run("2026-09-25 10:00:00"), "nor on the holiday")
        self.assertFalse(self._rules_run("2026-09-26 10:00:00"), "nor on a Saturday")
        switch_off = self._rules_run("2026-09-28 10:00:00")
        self.assertEqual(switch_off.meter_id, self.meter, "not the caring customer's meter")
        self.assertEqual(
            (switch_off.state, switch_off.reason, switch_off.balance), ("queued", "balance", -28.0)
        )
        self.assertEqual(care_contract.cc_status, "approval")
        self.assertTrue(
            care_contract.activity_ids.filtered(
                lambda a: (
                    a.activity_type_id
                    == self.env.ref("utility_arrears.mail_activity_type_cc_approval")
                )
            ),
            "the Collection Managers are asked",
        )
        # the job, performed as the runner performs it, on Monday 10:00
        with freeze_time(cst("2026-09-28 10:00:00")):
            self.assertEqual(self._run_jobs(), 1)
        self.assertEqual(switch_off.state, "sent")
        auth, body = self.hes.received[-1]
        self.assertEqual(auth, "Bearer hes-outbound-token")
        self.assertEqual(
            (body["reference"], body["meter_serial"], body["action"], body["reason"]),
            (switch_off.name, "M0001", "switch_off", "balance"),
        )
        self._headend_executes()
        self.assertEqual(switch_off.state, "acknowledged")
        self.assertEqual(self.meter.supply_state, "off")
        self.assertEqual(self.contract.cc_status, "off")
        self.assertEqual(self.care_meter.supply_state, "on")
        # the hours after: never a second switch-off
        self.assertEqual(self._rules_run("2026-09-28 11:00:00"), switch_off)

        # 5. the terminal payment, then the switch-on within the minute
        started = datetime.now()
        receipt = self._terminal_pays(100.0, "ATM-CC-0100")
        self.assertEqual((receipt["credit"], receipt["switch_on"]), (100.0, "queued"))
        switch_on = self._commands("switch_on")
        self.assertEqual(
            (switch_on.state, switch_on.reason, switch_on.balance), ("queued", "payment", 72.0)
        )
        self.assertEqual(self._run_jobs(), 1)
        (ack,) = self._headend_executes()
        self.assertEqual(
            ack.json(), {"reference": switch_on.name, "state": "acknowledged", "supply_state": "on"}
        )
        self.assertEqual(self.meter.supply_state, "on")
        self.assertLess(self.meter.supply_changed_at - started, timedelta(minutes=1))
        # replayed acknowledgements change nothing
        changed_at = self.meter.supply_changed_at
        self.assertEqual(self.hes.replay(switch_off.name).status_code, 200)
        self.assertEqual(self.hes.replay(switch_on.name).json(), ack.json())
        self.env.invalidate_all()
        self.assertEqual(
            (self.meter.supply_state, self.meter.supply_changed_at), ("on", changed_at)
        )
        self.assertEqual(self.env["account.move"].search_count([]), moves_before + 1)
        # the payment valued the balance again (the warning was open): the
        # next run of the rules ends the episode
        self.assertEqual(self.contract.valued_balance, 72.0)
        self.env["utility.contract"]._cron_utility_cost_control()
        self.env.invalidate_all()
        self.assertFalse(self.contract.cc_low_since or self.contract.cc_final_notice_at)
        self.assertEqual(self.contract.cc_status, "normal")

        # 6. the caring customer: approved only after a visit, then switched off
        manager = new_test_user(
            self.env,
            login="cc_day_manager",
            groups="utility_billing.group_utility_manager",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        with self.assertRaises(UserError):
            care_contract.with_user(manager).action_cc_approve_switch_off()
        self.assertEqual(care_contract.cc_status, "approval")
        self.env["utility.care.visit"].create(
            {
                "profile_id": care_partner.utility_care_profile_ids[:1].id,
                "date": "2026-09-28",
                "user_id": self.env.user.id,
                "note": "已上门告知缴费方式",
            }
        )
        care_contract.with_user(manager).action_cc_approve_switch_off()
        care_off = self._rules_run("2026-09-28 14:00:00") - switch_off
        self.assertEqual(
            (care_off.meter_id, care_off.state, care_off.balance),
            (self.care_meter, "queued", -22.4),
        )
        with freeze_time(cst("2026-09-28 14:00:00")):
            self.assertEqual(self._run_jobs(), 1)
        self._headend_executes()
        self.assertEqual(care_off.state, "acknowledged")
        self.assertEqual(self.care_meter.supply_state, "off")
        self.assertEqual(self.meter.supply_state, "on")
