from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import UtilityArrearsCase
from .test_meter_command import StandInHeadend


@tagged("post_install", "-at_install")
class TestMeterCommandAckTimeout(UtilityArrearsCase, HttpCase):
    """A head-end accepts a command and never acknowledges it: after its
    acknowledgement timeout (20 minutes here) the command is sent again, and
    after the last attempt it fails and becomes a field order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Command = cls.env["utility.meter.command"]
        cls.env["ir.config_parameter"].sudo().set_param("utility_api.auth_delay_seconds", "0")
        cls.headend = cls.env["utility.headend"].create(
            {
                "name": "County HES",
                "code": "HES-TMO",
                "company_id": cls.company.id,
                "state": "enabled",
                "max_attempts": 3,
                "retry_minutes": 2,
                "ack_timeout_minutes": 20,
            }
        )
        cls.key = cls.headend.action_generate_key()["params"]["message"]

    def setUp(self):
        super().setUp()
        self.standin = StandInHeadend(self)
        self.addCleanup(self.standin.stop)
        self.headend.api_url = self.standin.url

    def _sent(self, action="switch_off", minutes_ago=0):
        with trap_jobs() as trap:
            command = self.Command._utility_queue(
                self.meter, action, "balance", headend=self.headend
            )
        trap.enqueued_jobs[0].perform()
        self.assertEqual(command.state, "sent")
        self._age(command, minutes_ago)
        return command

    def _age(self, command, minutes_ago):
        with command._utility_protected_write():
            command.sent_at = fields.Datetime.now() - timedelta(minutes=minutes_ago)

    def _cron(self):
        with trap_jobs() as trap:
            timed_out = self.Command._cron_utility_ack_timeout()
        return timed_out, trap

    def test_a_command_within_its_timeout_is_left_waiting(self):
        command = self._sent(minutes_ago=19)
        timed_out, trap = self._cron()
        self.assertFalse(timed_out)
        self.assertEqual((command.state, command.attempts), ("sent", 1))
        self.assertFalse(trap.enqueued_jobs)

    def test_no_acknowledgement_is_a_failed_attempt_retried_then_a_field_order(self):
        command = self._sent(minutes_ago=21)
        timed_out, trap = self._cron()
        self.assertEqual(timed_out, command)
        self.assertEqual(command.state, "queued")
        self.assertEqual(command.attempts, 2)
        self.assertIn("20", command.last_error)
        self.assertEqual(len(trap.enqueued_jobs), 1)
        self.assertEqual(
            round((trap.enqueued_jobs[0].eta - fields.Datetime.now()).total_seconds() / 60), 4
        )
        # sent again, and again never acknowledged: the last attempt
        trap.enqueued_jobs[0].perform()
        self.assertEqual((command.state, command.attempts), ("sent", 3))
        self.assertEqual(len(self.standin.received), 2)
        self._age(command, 25)
        _timed_out, trap = self._cron()
        self.assertEqual(command.state, "failed")
        self.assertFalse(trap.enqueued_jobs)
        order = command.field_order_id
        self.assertEqual((order.kind, order.meter_command_id), ("disconnection", command))
        # the cron again: nothing more
        timed_out, _trap = self._cron()
        self.assertFalse(timed_out)

    def test_a_late_acknowledgement_still_wins_and_its_replay_changes_nothing(self):
        command = self._sent("switch_on", minutes_ago=45)
        _timed_out, trap = self._cron()
        self.assertEqual(command.state, "queued")
        body = self.standin.received[0][1]
        response = self.standin.acknowledge(body, self.key, reference="HES-LATE")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["state"], "acknowledged")
        self.env.invalidate_all()
        self.assertEqual(self.meter.supply_state, "on")
        acknowledged_at = command.acknowledged_at
        # the retry queued by the timeout finds it acknowledged: nothing sent
        trap.enqueued_jobs[0].perform()
        self.assertEqual(len(self.standin.received), 1)
        replay = self.standin.acknowledge(body, self.key, status="failed", message="late")
        self.assertEqual(replay.status_code, 409)
        replay = self.standin.acknowledge(body, self.key)
        self.assertEqual(replay.json(), response.json())
        self.env.invalidate_all()
        self.assertEqual(
            (command.state, command.acknowledged_at), ("acknowledged", acknowledged_at)
        )
        self.assertEqual(command.attempts, 2)
        self.assertFalse(self._cron()[0])

    def test_a_head_end_without_timeout_waits_for_ever(self):
        self.headend.ack_timeout_minutes = 0
        command = self._sent(minutes_ago=60 * 24)
        self.assertFalse(self._cron()[0])
        self.assertEqual(command.state, "sent")
