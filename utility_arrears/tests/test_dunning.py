from datetime import date, timedelta

from psycopg2 import IntegrityError

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import UtilityArrearsCase


@tagged("post_install", "-at_install")
class TestDunning(UtilityArrearsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls.env["utility.arrears.policy"].create(
            {
                "name": "Residential",
                "company_id": cls.company.id,
                "category": "residential",
                "late_fee_current_rate": 1.0,
                "late_fee_earlier_rate": 1.0,
                "level_ids": [
                    (0, 0, {"name": "SMS", "days_overdue": 3, "action": "sms"}),
                    (0, 0, {"name": "Call", "days_overdue": 10, "action": "phone"}),
                    (0, 0, {"name": "Letter", "days_overdue": 20, "action": "letter"}),
                    (
                        0,
                        0,
                        {
                            "name": "Disconnection",
                            "days_overdue": 35,
                            "action": "disconnection_notice",
                        },
                    ),
                ],
            }
        )
        cls.sms_level, cls.call_level, cls.letter_level, cls.cut_level = cls.policy.level_ids
        cls.customer.phone = "+8613800000001"
        cls.bill = cls._make_bill(cls.customer, 120.0, "2025-03-01")

    def _run(self, on_date):
        run = self.env["utility.dunning.run"].create(
            {"company_id": self.company.id, "date": on_date}
        )
        run.with_context(queue_job__no_delay=True).action_run()
        return run

    def test_each_level_is_applied_once_per_bill(self):
        first = self._run(date(2025, 3, 5))  # 4 days overdue: SMS
        self.assertEqual(first.action_ids.level_id, self.sms_level)
        self.assertEqual(first.action_ids.state, "done")
        self.assertEqual(first.state, "done")
        # same level still the highest reached a day later: nothing new
        second = self._run(date(2025, 3, 6))
        self.assertFalse(second.action_ids)
        # 12 days overdue: the call, once
        third = self._run(date(2025, 3, 13))
        self.assertEqual(third.action_ids.level_id, self.call_level)
        self.assertTrue(
            self.bill.activity_ids.filtered(
                lambda a: a.activity_type_id == self.env.ref("mail.mail_activity_data_call")
            )
        )
        self.assertFalse(self._run(date(2025, 3, 14)).action_ids)
        self.assertEqual(
            self.bill.utility_dunning_action_ids.level_id, self.sms_level | self.call_level
        )

    def test_database_refuses_a_second_action_of_the_same_level_on_a_bill(self):
        self._run(date(2025, 3, 5))
        Action = self.env["utility.dunning.action"]
        # even the run itself (its permission open) cannot apply a level twice
        with (
            Action.browse()._utility_protected_write(),
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
        ):
            Action.create(
                {
                    "bill_id": self.bill.id,
                    "partner_id": self.customer.id,
                    "level_id": self.sms_level.id,
                    "channel": "sms",
                }
            )

    def test_actions_leave_room_to_record_their_outcome_in_place(self):
        """The jobs update every action of a run once: its table pages are
        half empty, so that PostgreSQL updates them without their indexes."""
        self.env.cr.execute(
            "SELECT reloptions FROM pg_class WHERE relname = %s",
            [self.env["utility.dunning.action"]._table],
        )
        self.assertEqual(self.env.cr.fetchone()[0], ["fillfactor=50"])

    def test_preview_lists_the_actions_without_doing_them(self):
        run = self.env["utility.dunning.run"].create(
            {"company_id": self.company.id, "date": date(2025, 3, 25)}
        )
        run.action_preview()
        # 24 days overdue, nothing done yet: the highest level reached, the letter
        self.assertEqual(run.action_ids.level_id, self.letter_level)
        self.assertEqual(run.action_ids.state, "draft")
        self.assertFalse(self.bill.message_ids.filtered(lambda m: "overdue" in (m.subject or "")))
        run.with_context(queue_job__no_delay=True).action_run()
        self.assertEqual(run.action_ids.state, "done")
        self.assertTrue(self.bill.message_ids.filtered(lambda m: "overdue" in (m.subject or "")))

    def test_run_is_split_into_queue_jobs(self):
        other = self._make_customer("Wang Fang", "0100000002", phone="+8613800000002")
        self._make_bill(other, 80.0, "2025-03-01")
        run = self.env["utility.dunning.run"].create(
            {"company_id": self.company.id, "date": date(2025, 3, 5), "batch_size": 1}
        )
        with trap_jobs() as trap:
            run.action_run()
            trap.assert_jobs_count(2)
            self.assertEqual(run.state, "running")
            trap.perform_enqueued_jobs()
        self.assertEqual(set(run.action_ids.mapped("state")), {"done"})
        self.assertEqual(run.state, "done")

    def test_disconnection_notice_comes_only_after_a_reminder(self):
        # first seen 40 days overdue: the reminder (letter) first, not the notice
        first = self._run(date(2025, 4, 10))
        self.assertEqual(first.action_ids.level_id, self.letter_level)
        self.assertFalse(
            self.env["utility.disconnection.order"].search([("partner_id", "=", self.customer.id)])
        )
        second = self._run(date(2025, 4, 11))
        self.assertEqual(second.action_ids.level_id, self.cut_level)
        order = second.action_ids.disconnection_order_id
        self.assertEqual(order.state, "notified")
        self.assertEqual(order.bill_ids, self.bill)
        self.assertEqual(order.scheduled_date, order.notice_date + timedelta(days=7))

    def test_disconnection_notices_of_a_run_are_queued_for_the_mail_cron(self):
        self.customer.email = "li.lei@example.com"
        self._run(date(2025, 4, 10))  # the letter first
        run = self._run(date(2025, 4, 11))
        order = run.action_ids.disconnection_order_id
        notice = order.message_ids.filtered(lambda m: "disconnection" in (m.subject or "").lower())
        self.assertEqual(len(notice), 1)
        self.assertIn(self.customer, notice.partner_ids)
        mails = self.env["mail.mail"].sudo().search([("mail_message_id", "=", notice.id)])
        self.assertTrue(mails, "the written notice is e-mailed to the customer")
        self.assertEqual(set(mails.mapped("state")), {"outgoing"}, "queued, not sent in the job")
        self.assertIn(self.customer, mails.recipient_ids)

    def test_caring_customer_gets_only_gentle_actions(self):
        self.env["utility.care.profile"].create(
            {
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "care_type": "elderly_alone",
            }
        )
        self.assertTrue(self.customer.utility_is_care)
        letter_run = self._run(date(2025, 3, 25))
        self.assertEqual(letter_run.action_ids.state, "skipped")
        cut_run = self._run(date(2025, 4, 10))
        self.assertEqual(cut_run.action_ids.level_id, self.cut_level)
        self.assertEqual(cut_run.action_ids.state, "skipped")
        self.assertFalse(
            self.env["utility.disconnection.order"].search([("partner_id", "=", self.customer.id)])
        )

    def test_sms_without_phone_number_is_logged_as_an_error(self):
        self.customer.phone = False
        run = self._run(date(2025, 3, 5))
        self.assertEqual(run.action_ids.state, "error")
        self.assertIn("phone", run.action_ids.message)

    def test_tv_notice_puts_the_customer_in_the_operator_feed(self):
        self.sms_level.action = "tv"
        self.customer.utility_tv_account = "TV-1"
        operator = self.env["utility.tv.operator"].create(
            {"name": "Cable TV", "company_id": self.company.id}
        )
        run = self._run(date(2025, 3, 5))
        self.assertEqual(run.action_ids.state, "done")
        self.assertEqual(run.action_ids.message, "TV notice queued for account TV-1.")
        self.assertEqual([row["tv_account"] for row in operator._feed(run.create_date)], ["TV-1"])

    def test_tv_notice_without_tv_account_falls_back_to_sms_then_letter(self):
        """15 of 16 customers have no TV account: the level still reaches
        them, by SMS when they have a phone, else by letter."""
        self.sms_level.action = "tv"
        no_phone = self._make_customer("Wang Fang", "0100000002")
        opted_out = self._make_customer(
            "Li Qiang", "0100000003", phone="+8613800000003", utility_tv_account="TV-3"
        )
        opted_out.utility_tv_opt_out = True
        bills = {
            partner: self._make_bill(partner, 80.0, "2025-03-01")
            for partner in (no_phone, opted_out)
        }
        run = self._run(date(2025, 3, 5))
        by_partner = {action.partner_id: action for action in run.action_ids}
        sms = by_partner[self.customer]
        self.assertEqual((sms.state, sms.channel), ("done", "sms"))
        self.assertIn("No TV account", sms.message)
        self.assertIn("+8613800000001", sms.message)
        self.assertTrue(self.env["sms.sms"].sudo().search([("number", "=", "+8613800000001")]))
        self.assertEqual(by_partner[opted_out].channel, "sms")
        letter = by_partner[no_phone]
        self.assertEqual((letter.state, letter.channel), ("done", "letter"))
        self.assertIn("letter", letter.message.lower())
        self.assertTrue(
            bills[no_phone].message_ids.filtered(lambda m: m.message_type == "comment"),
            "the letter to print is on the bill",
        )
        self.assertEqual(set(run.action_ids.level_id.mapped("action")), {"tv"})

    def test_tv_notice_is_stamped_for_the_feed_when_its_transaction_commits(self):
        """A TV notice made early in a long transaction (a batch of a
        dunning run) would carry a time older than a poll made meanwhile,
        which could not see it."""
        self.sms_level.action = "tv"
        self.customer.utility_tv_account = "TV-1"
        self.env.cr.flush()  # what the set-up left to do at its commit
        run = self.env["utility.dunning.run"].create(
            {"company_id": self.company.id, "date": date(2025, 3, 5)}
        )
        run.action_preview()
        run.action_ids._action_tv()
        self.assertEqual(run.action_ids.state, "done")
        # the batch goes on, long after the notice, and commits
        polled_at = self._commit_after_a_poll(self.customer)
        self.assertGreaterEqual(self.customer.utility_arrears_changed_at, polled_at)

    def test_reminder_letter_prints_the_amount_due_and_customer_number(self):
        html, _format = self.env["ir.actions.report"]._render_qweb_html(
            "utility_arrears.report_arrears_letter", self.bill.ids
        )
        html = html.decode()
        self.assertIn("0100000001", html)
        self.assertIn("120.00", html)


@tagged("post_install", "-at_install")
class TestDunningChannelsInBatch(UtilityArrearsCase):
    """The channels carry out a whole batch of bills at once: each bill still
    gets its own SMS, letter or call, with its own text, in its own chatter."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls.env["utility.arrears.policy"].create(
            {
                "name": "Batch channels",
                "company_id": cls.company.id,
                "category": "residential",
                "level_ids": [
                    (0, 0, {"name": "SMS", "days_overdue": 3, "action": "sms"}),
                    (0, 0, {"name": "Call", "days_overdue": 10, "action": "phone"}),
                    (0, 0, {"name": "Letter", "days_overdue": 20, "action": "letter"}),
                ],
            }
        )
        cls.customer.phone = "+8613800000001"
        cls.other = cls._make_customer("Wang Fang", "0100000002", phone="+8613800000002")
        cls.bill = cls._make_bill(cls.customer, 120.0, "2025-03-01")
        cls.other_bill = cls._make_bill(cls.other, 80.5, "2025-03-01")
        cls.bills = cls.bill | cls.other_bill

    def _run(self, on_date):
        run = self.env["utility.dunning.run"].create(
            {"company_id": self.company.id, "date": on_date}
        )
        run.with_context(queue_job__no_delay=True).action_run()
        self.assertEqual(run.state, "done")
        self.assertEqual(len(run.action_ids), 2, "one action per bill, in one batch")
        self.assertEqual(set(run.action_ids.mapped("state")), {"done"})
        return run

    def test_each_bill_of_a_batch_gets_its_own_queued_sms_and_chatter_trace(self):
        run = self._run(date(2025, 3, 5))
        sms_all = (
            self.env["sms.sms"].sudo().search([("partner_id", "in", self.bills.partner_id.ids)])
        )
        self.assertEqual(len(sms_all), 2)
        self.assertEqual(set(sms_all.mapped("state")), {"outgoing"}, "queued for the SMS cron")
        for bill, number in ((self.bill, "+8613800000001"), (self.other_bill, "+8613800000002")):
            sms = sms_all.filtered(lambda s, b=bill: s.partner_id == b.partner_id)
            self.assertEqual(sms.number, number)
            self.assertIn(bill.name, sms.body)
            self.assertIn(bill.partner_id.utility_customer_number, sms.body)
            self.assertIn(str(bill.amount_residual), sms.body)
            message = sms.mail_message_id
            self.assertEqual((message.model, message.res_id), ("account.move", bill.id))
            self.assertEqual(message.message_type, "sms")
            self.assertEqual(message.partner_ids, bill.partner_id)
            self.assertIn(bill.name, message.body)
            self.assertIn(message, bill.message_ids)
            self.assertEqual(message.notification_ids.sms_id_int, sms.id)
            self.assertEqual(message.notification_ids.notification_status, "ready")
            action = run.action_ids.filtered(lambda a, b=bill: a.bill_id == b)
            self.assertEqual(action.message, f"SMS sent to {number}.")

    def test_each_bill_of_a_batch_gets_its_own_reminder_letter(self):
        run = self._run(date(2025, 3, 25))
        self.assertEqual(run.action_ids.level_id.action, "letter")
        for bill in self.bills:
            letters = bill.message_ids.filtered(lambda m: "overdue" in (m.subject or ""))
            self.assertEqual(len(letters), 1)
            self.assertIn(bill.name, letters.subject)
            self.assertIn(bill.partner_id.utility_customer_number, letters.body)
            self.assertIn(bill.partner_id.name, letters.body)
            self.assertEqual(letters.subtype_id, self.env.ref("mail.mt_note"))
            action = run.action_ids.filtered(lambda a, b=bill: a.bill_id == b)
            self.assertEqual(
                action.message, f"Reminder letter to print for {bill.partner_id.name}."
            )

    def test_each_bill_of_a_batch_gets_a_call_for_the_responsible_who_follows_it(self):
        collector = self.env["res.users"].create(
            {"name": "Field Collector", "login": "batch_collector", "email": "fc@example.com"}
        )
        self.policy.level_ids.filtered(lambda lv: lv.action == "phone").user_id = collector
        # already following one of the bills: that subscription is kept as it is
        self.bill.message_subscribe(partner_ids=collector.partner_id.ids)
        before = self.env["mail.followers"].search(
            [
                ("res_model", "=", "account.move"),
                ("res_id", "=", self.bill.id),
                ("partner_id", "=", collector.partner_id.id),
            ]
        )
        self._run(date(2025, 3, 13))
        call = self.env.ref("mail.mail_activity_data_call")
        for bill in self.bills:
            activities = bill.activity_ids
            self.assertEqual(len(activities), 1)
            self.assertEqual(activities.activity_type_id, call)
            self.assertEqual(activities.user_id, collector)
            self.assertEqual(activities.summary, "Arrears call")
            self.assertEqual(activities.date_deadline, date(2025, 3, 13))
            self.assertEqual(activities.res_name, bill.display_name)
            self.assertIn(collector.partner_id, bill.message_partner_ids)
        # one subscription per bill: the existing one kept, none added twice
        self.assertEqual(
            self.env["mail.followers"].search_count(
                [
                    ("res_model", "=", "account.move"),
                    ("res_id", "in", self.bills.ids),
                    ("partner_id", "=", collector.partner_id.id),
                ]
            ),
            2,
        )
        self.assertTrue(before.exists())
