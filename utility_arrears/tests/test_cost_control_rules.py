from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import UtilityArrearsCase

# Beijing time is UTC+8: the tests speak in local times, the ORM in UTC
CST = timedelta(hours=8)


def cst(value):
    """A Beijing time ('2026-12-07 10:00') as the ORM's naive UTC datetime."""
    return datetime.fromisoformat(value) - CST


@tagged("post_install", "-at_install")
class TestCostControlRules(UtilityArrearsCase):
    """The rules before a remote switch-off: grace, final notice, working
    time, caring and important customers, and the episode ending when the
    balance recovers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Contract = cls.env["utility.contract"]
        cls.Command = cls.env["utility.meter.command"]
        cls.calendar = cls.env["resource.calendar"].create(
            {
                "name": "County switch-off hours",
                "tz": "Asia/Shanghai",
                "company_id": cls.company.id,
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
        # the Spring Festival 2027, 5 to 13 February (Beijing time)
        cls.env["resource.calendar.leaves"].create(
            {
                "name": "2027 春节",
                "calendar_id": cls.calendar.id,
                "company_id": cls.company.id,
                "date_from": cst("2027-02-05 00:00:00"),
                "date_to": cst("2027-02-13 23:59:59"),
            }
        )
        cls.company.write(
            {
                "utility_cc_threshold": 0.0,
                "utility_cc_grace_hours": 24,
                "utility_cc_notice_hours": 24,
                "utility_cc_calendar_id": cls.calendar.id,
            }
        )
        cls.headend = cls.env["utility.headend"].create(
            {"name": "County HES", "code": "HES-CC", "company_id": cls.company.id}
        )
        cls.headend.state = "test"
        cls.meter.write({"headend_id": cls.headend.id, "remote_capable": True})
        cls.contract.billing_mode = "prepaid"
        cls.customer.phone = "+8613800000001"
        cls.manager = new_test_user(
            cls.env,
            login="cc_manager",
            groups="utility_billing.group_utility_manager",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.cashier = new_test_user(
            cls.env,
            login="cc_cashier",
            groups="utility_billing.group_utility_cashier",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )

    def _value(self, balance, at):
        """The valuation's result, as the valuation helper stores it."""
        live = self.contract._utility_balance_now()[self.contract.id]
        unbilled = self.contract.valued_unbilled_amount + live - balance
        with self.contract._utility_protected_write():
            self.contract.write(
                {"valued_balance": balance, "valued_at": at, "valued_unbilled_amount": unbilled}
            )

    def _episode(self, low_since, notice_at=None):
        with self.contract._utility_protected_write():
            self.contract.write({"cc_low_since": low_since, "cc_final_notice_at": notice_at})

    def _run(self, at):
        """Run the hourly rules at ``at`` (UTC); returns the switch-offs."""
        with freeze_time(at), trap_jobs() as trap:
            self.Contract._cron_utility_cost_control(now=at)
        self.env.invalidate_all()
        self.trap = trap
        return self._switch_offs()

    def _switch_offs(self):
        return self.Command.search(
            [("meter_id", "=", self.meter.id), ("action", "=", "switch_off")]
        )

    def _low_and_noticed(self, notice_local="2026-12-08 09:30:00"):
        """Balance low since a day before the notice, notice sent at
        ``notice_local`` (a Tuesday by default)."""
        notice = cst(notice_local)
        self._value(-12.3, notice - timedelta(days=1))
        self._episode(notice - timedelta(days=1), notice)

    def test_contract_is_cost_controlled(self):
        self.assertTrue(self.contract.cost_control)
        self.assertEqual(self.contract.cc_status, "normal")

    def test_within_the_grace_nothing_happens(self):
        self._value(-5.0, cst("2026-12-07 09:00:00"))
        self.assertFalse(self._run(cst("2026-12-07 09:00:00")))
        self.assertEqual(self.contract.cc_low_since, cst("2026-12-07 09:00:00"))
        self.assertEqual(self.contract.cc_status, "low")
        # 23 hours later: still within the grace of 24 hours
        self.assertFalse(self._run(cst("2026-12-08 08:00:00")))
        self.assertFalse(self.contract.cc_final_notice_at)
        self.assertEqual(self.contract.cc_low_since, cst("2026-12-07 09:00:00"))

    def test_final_notice_is_sent_once_with_balance_amount_and_time(self):
        self._value(-12.3, cst("2026-12-07 09:00:00"))
        self._run(cst("2026-12-07 09:00:00"))
        messages_before = len(self.contract.message_ids)
        self.assertFalse(self._run(cst("2026-12-08 09:30:00")), "no switch-off at the notice")
        self.assertEqual(self.contract.cc_final_notice_at, cst("2026-12-08 09:30:00"))
        self.assertEqual(self.contract.cc_status, "notice")
        # the earliest switch-off: 24 hours later, Wednesday 09:30, working time
        self.assertEqual(self.contract.cc_switch_off_earliest, cst("2026-12-09 09:30:00"))
        self.assertEqual(self.contract.cc_amount_to_pay, 12.31)
        sms = self.env["sms.sms"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(sms), 1)
        self.assertIn("12.30", sms.body)
        self.assertIn("12.31", sms.body)
        mail = self.contract.message_ids.filtered(
            lambda m: m.message_type == "comment" and "12.31" in (m.body or "")
        )
        self.assertEqual(len(mail), 1, "the final notice, e-mailed and in the chatter")
        self.assertEqual(mail.partner_ids, self.customer)
        self.assertIn("12.30", mail.body)
        # the next hour: not sent again
        self._run(cst("2026-12-08 10:30:00"))
        self.assertEqual(self.contract.cc_final_notice_at, cst("2026-12-08 09:30:00"))
        self.assertEqual(
            len(self.env["sms.sms"].search([("partner_id", "=", self.customer.id)])), 1
        )
        self.assertEqual(len(self.contract.message_ids), messages_before + 2)  # SMS log + mail

    def test_switch_off_on_a_working_day_once(self):
        self._low_and_noticed()
        # Wednesday 09:00: the notice period has not run out
        self.assertFalse(self._run(cst("2026-12-09 09:00:00")))
        command = self._run(cst("2026-12-09 10:00:00"))
        self.assertEqual(len(command), 1)
        self.assertEqual(
            (command.state, command.reason, command.balance), ("queued", "balance", -12.3)
        )
        self.assertEqual(len(self.trap.enqueued_jobs), 1)
        self.assertFalse(self.trap.enqueued_jobs[0].eta, "working time: sent at once")
        self.assertEqual(self.contract.cc_status, "queued")
        # the next hours: never twice, even when the first one failed
        self.assertEqual(self._run(cst("2026-12-09 11:00:00")), command)
        with command._utility_protected_write():
            command.state = "failed"
        self.assertEqual(self._run(cst("2026-12-09 15:00:00")), command)
        self.assertFalse(self.trap.enqueued_jobs)

    def test_no_switch_off_at_night(self):
        self._low_and_noticed()
        self.assertFalse(self._run(cst("2026-12-09 22:00:00")))
        self.assertFalse(self._run(cst("2026-12-10 07:00:00")))
        self.assertFalse(self._run(cst("2026-12-09 12:30:00")), "nor at lunch time")
        self.assertEqual(len(self._run(cst("2026-12-10 08:30:00"))), 1)

    def test_no_switch_off_on_a_saturday(self):
        self._low_and_noticed("2026-12-10 16:00:00")  # a Thursday
        self.assertFalse(self._run(cst("2026-12-12 10:00:00")))
        self.assertFalse(self._run(cst("2026-12-13 10:00:00")))
        self.assertEqual(len(self._run(cst("2026-12-14 09:00:00"))), 1)

    def test_no_switch_off_on_a_spring_festival_holiday(self):
        self._low_and_noticed("2027-02-03 10:00:00")
        # Monday 8 February 2027, 10:00: a working hour of a working day, but a holiday
        self.assertFalse(self._run(cst("2027-02-08 10:00:00")))
        self.assertEqual(
            self.Contract._utility_cc_next_working_time(self.company, cst("2027-02-08 10:00:00")),
            cst("2027-02-15 08:30:00"),
        )
        self.assertEqual(len(self._run(cst("2027-02-15 08:30:00"))), 1)

    def test_working_time_helpers(self):
        Contract = self.Contract
        self.assertTrue(Contract._utility_cc_working_time(self.company, cst("2026-12-07 10:00:00")))
        self.assertFalse(
            Contract._utility_cc_working_time(self.company, cst("2026-12-07 22:00:00"))
        )
        self.assertEqual(
            Contract._utility_cc_next_working_time(self.company, cst("2026-12-07 12:10:00")),
            cst("2026-12-07 14:00:00"),
        )
        self.assertEqual(
            Contract._utility_cc_next_working_time(self.company, cst("2026-12-11 17:45:00")),
            cst("2026-12-14 08:30:00"),
        )

    def test_caring_customer_needs_approval_and_visit(self):
        profile = self.env["utility.care.profile"].create(
            {
                "partner_id": self.customer.id,
                "care_type": "elderly_alone",
                "company_id": self.company.id,
            }
        )
        self._low_and_noticed()
        self.assertFalse(self._run(cst("2026-12-09 10:00:00")))
        self.assertEqual(self.contract.cc_status, "approval")
        activities = self.contract.activity_ids.filtered(
            lambda a: (
                a.activity_type_id == self.env.ref("utility_arrears.mail_activity_type_cc_approval")
            )
        )
        self.assertIn(self.manager, activities.user_id)
        self._run(cst("2026-12-09 11:00:00"))
        self.assertEqual(len(self.contract.activity_ids), len(activities), "asked once")
        # no approval without a visit since the balance ran low
        with self.assertRaisesRegex(UserError, "record a visit first"):
            self.contract.with_user(self.manager).action_cc_approve_switch_off()
        self.env["utility.care.visit"].create({"profile_id": profile.id, "date": "2026-12-09"})
        with freeze_time(cst("2026-12-09 11:10:00")):
            self.contract.with_user(self.manager).action_cc_approve_switch_off()
        self.assertEqual(self.contract.cc_approved_by_id, self.manager)
        self.assertFalse(self.contract.activity_ids, "the requests are closed by the approval")
        self.assertEqual(len(self._run(cst("2026-12-09 14:00:00"))), 1)

    def test_visit_before_the_episode_does_not_count(self):
        profile = self.env["utility.care.profile"].create(
            {
                "partner_id": self.customer.id,
                "care_type": "disability",
                "company_id": self.company.id,
            }
        )
        self.env["utility.care.visit"].create({"profile_id": profile.id, "date": "2026-11-20"})
        self._low_and_noticed()
        # an approval given, but the only visit is older than the episode
        with self.contract._utility_protected_write():
            self.contract.cc_approved_by_id = self.manager
        self.assertFalse(self._run(cst("2026-12-09 10:00:00")))
        self.assertEqual(self.contract.cc_status, "approval")

    def test_important_customer_gets_an_activity_then_approval(self):
        self.customer.utility_important = True
        self._low_and_noticed()
        self.assertFalse(self._run(cst("2026-12-09 10:00:00")))
        self.assertTrue(
            self.contract.activity_ids.filtered(lambda a: a.user_id == self.manager),
            "the Collection Managers are asked",
        )
        self.contract.with_user(self.manager).action_cc_approve_switch_off()
        self.assertEqual(len(self._run(cst("2026-12-09 11:00:00"))), 1)

    def test_a_cashier_cannot_approve(self):
        self.customer.utility_important = True
        self._low_and_noticed()
        with self.assertRaises(AccessError):
            self.contract.with_user(self.cashier).action_cc_approve_switch_off()
        with self.assertRaises(AccessError):
            self.contract.with_user(self.cashier).write({"cc_approved_by_id": self.cashier.id})
        with self.assertRaises(AccessError):
            self.contract.with_user(self.manager).write({"cc_low_since": False})
        self.assertFalse(self.contract.cc_approved_by_id)

    def test_balance_topped_up_clears_the_episode(self):
        self.customer.utility_important = True
        self._low_and_noticed()
        self._run(cst("2026-12-09 10:00:00"))
        self.contract.with_user(self.manager).action_cc_approve_switch_off()
        self._value(35.0, cst("2026-12-09 10:20:00"))
        self.assertFalse(self._run(cst("2026-12-09 11:00:00")))
        self.assertFalse(self.contract.cc_low_since)
        self.assertFalse(self.contract.cc_final_notice_at)
        self.assertFalse(self.contract.cc_approved_by_id, "an approval is for one episode")
        self.assertEqual(self.contract.cc_status, "normal")
        # a new episode starts from the beginning: grace, then notice
        self._value(-1.0, cst("2026-12-10 09:00:00"))
        self.assertFalse(self._run(cst("2026-12-10 10:00:00")))
        self.assertEqual(self.contract.cc_low_since, cst("2026-12-10 09:00:00"))
        self.assertFalse(self.contract.cc_final_notice_at)

    def _cost_controlled(self, count, start):
        contracts = self.Contract
        for index in range(count):
            contract, meter = self._new_customer(f"09{start + index:08d}")
            meter.write({"headend_id": self.headend.id, "remote_capable": True})
            contract.billing_mode = "prepaid"
            contracts |= contract
        return contracts

    def _queries_of_a_run(self, contracts, at):
        with contracts._utility_protected_write():
            contracts.write({"valued_balance": -3.0, "valued_at": at - timedelta(hours=1)})
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        self.Contract._cron_utility_cost_control(now=at)
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_the_rules_run_in_a_few_queries_whatever_the_number_of_contracts(self):
        few = self._queries_of_a_run(self._cost_controlled(3, 1), cst("2026-12-07 09:00:00"))
        many = self._queries_of_a_run(self._cost_controlled(30, 100), cst("2026-12-07 09:00:00"))
        self.assertLessEqual(many, few + 3, "episodes opened in a batch, not per contract")

    def test_no_switch_off_of_a_meter_already_off(self):
        self._low_and_noticed()
        self.meter._utility_set_supply("off")
        self.assertFalse(self._run(cst("2026-12-09 10:00:00")))
        self.assertEqual(self.contract.cc_status, "off")

    def test_approval_of_a_user_no_longer_manager_is_asked_again(self):
        self.customer.utility_important = True
        self._low_and_noticed()
        self.contract.with_user(self.manager).action_cc_approve_switch_off()
        self.manager.group_ids -= self.env.ref("utility_billing.group_utility_manager")
        self.assertFalse(self._run(cst("2026-12-09 10:00:00")))
        self.assertEqual(self.contract.cc_status, "approval")

    def test_contract_no_longer_cost_controlled_ends_the_episode(self):
        self._low_and_noticed()
        self.contract.billing_mode = "postpaid"
        self.assertFalse(self._run(cst("2026-12-09 10:00:00")))
        self.assertFalse(self.contract.cc_low_since)
        self.assertFalse(self.contract.cc_final_notice_at)

    def test_switch_off_queued_outside_working_time_waits(self):
        with freeze_time(cst("2026-12-12 10:00:00")), trap_jobs() as trap:
            off = self.Command._utility_queue(self.meter, "switch_off", "arrears")
        self.assertEqual(trap.enqueued_jobs[0].eta, cst("2026-12-14 08:30:00"))
        self.assertEqual(off.next_attempt_at, cst("2026-12-14 08:30:00"))
        with freeze_time(cst("2026-12-12 10:00:00")), trap_jobs() as trap:
            on = self.Command._utility_queue(self.meter, "switch_on", "payment")
        self.assertFalse(trap.enqueued_jobs[0].eta, "a switch-on never waits")
        self.assertEqual(on.state, "queued")

    def test_send_time_recheck_cancels_or_postpones(self):
        self._low_and_noticed()
        command = self._run(cst("2026-12-09 10:00:00"))
        job = self.trap.enqueued_jobs[0]
        # a retry falling at night: postponed to the next working time
        with freeze_time(cst("2026-12-09 22:00:00")), trap_jobs() as trap:
            job.perform()
        self.assertEqual(command.state, "queued")
        self.assertEqual(trap.enqueued_jobs[0].eta, cst("2026-12-10 08:30:00"))
        # the balance recovered meanwhile: cancelled, nothing sent
        self._value(20.0, cst("2026-12-10 07:00:00"))
        with freeze_time(cst("2026-12-10 08:30:00")):
            trap.enqueued_jobs[0].perform()
        self.assertEqual(command.state, "cancelled")
        self.assertFalse(command.sent_at)

    def test_switch_off_is_sent_in_working_time(self):
        self._low_and_noticed()
        command = self._run(cst("2026-12-09 10:00:00"))
        with freeze_time(cst("2026-12-09 10:00:00")):
            self.trap.enqueued_jobs[0].perform()
        self.assertEqual(command.state, "sent")
