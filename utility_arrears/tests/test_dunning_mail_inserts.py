from datetime import date
from unittest.mock import patch

from odoo import Command
from odoo.tests import tagged

from odoo.addons.mail.models.mail_thread import MailThread

from ..models import utility_dunning_action
from .common import UtilityArrearsCase


@tagged("post_install", "-at_install")
class TestDunningMailInserts(UtilityArrearsCase):
    """The dunning channels write activities, followers and notes of a whole
    batch in SQL or with one ``create``: a collector assigned a call hears of
    it as from Odoo's ``mail.activity.create``, and a column or an override
    the shortcut does not know sends the batch to Odoo's own path."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.collector = cls.env["res.users"].create(
            {"name": "Field Collector", "login": "insert_collector", "email": "fc@example.com"}
        )
        cls.policy = cls.env["utility.arrears.policy"].create(
            {
                "name": "Calls and letters",
                "company_id": cls.company.id,
                "category": "residential",
                "level_ids": [
                    Command.create(
                        {
                            "name": "Call",
                            "days_overdue": 10,
                            "action": "phone",
                            "user_id": cls.collector.id,
                        }
                    ),
                    Command.create({"name": "Letter", "days_overdue": 20, "action": "letter"}),
                ],
            }
        )
        cls.other = cls._make_customer("Wang Fang", "0100000002")
        cls.bills = cls._make_bill(cls.customer, 120.0, "2025-03-01") | cls._make_bill(
            cls.other, 80.5, "2025-03-01"
        )

    def _run(self, on_date):
        run = self.env["utility.dunning.run"].create(
            {"company_id": self.company.id, "date": on_date}
        )
        run.with_context(queue_job__no_delay=True).action_run()
        self.assertEqual(set(run.action_ids.mapped("state")), {"done"})
        return run

    def _assignment_notices(self, bills):
        return self.env["mail.message"].search(
            [
                ("model", "=", "account.move"),
                ("res_id", "in", bills.ids),
                ("message_type", "=", "user_notification"),
            ]
        )

    def _notice_values(self, notice):
        """What a notice tells whom, without what names its own bill."""
        bill = self.env["account.move"].browse(notice.res_id)
        return (
            notice.subject.replace(bill.display_name, "BILL"),
            notice.subtype_id,
            notice.author_id,
            notice.partner_ids,
            notice.notification_ids.mapped("res_partner_id"),
            notice.notification_ids.mapped("notification_type"),
        )

    def test_a_collector_assigned_a_call_is_notified_as_odoo_notifies(self):
        self.assertNotEqual(self.env.user, self.collector)
        self._run(date(2025, 3, 13))
        notices = self._assignment_notices(self.bills)
        self.assertEqual(sorted(notices.mapped("res_id")), sorted(self.bills.ids))
        for notice in notices:
            bill = self.env["account.move"].browse(notice.res_id)
            self.assertEqual(notice.partner_ids, self.collector.partner_id)
            self.assertEqual(notice.subject, f'"{bill.display_name}: Arrears call" assigned to you')
        # the notice Odoo's create sends for the same call on another bill
        third = self._make_bill(self._make_customer("Li Na", "0100000003"), 50.0, "2025-03-01")
        third.activity_schedule(
            "mail.mail_activity_data_call",
            date_deadline=date(2025, 3, 13),
            summary="Arrears call",
            user_id=self.collector.id,
        )
        odoo_notice = self._assignment_notices(third)
        self.assertEqual(len(odoo_notice), 1)
        for notice in notices:
            self.assertEqual(self._notice_values(notice), self._notice_values(odoo_notice))

    def test_a_call_for_the_user_running_the_dunning_notifies_nobody(self):
        call_level = self.policy.level_ids.filtered(lambda level: level.action == "phone")
        call_level.user_id = self.env.user
        self._run(date(2025, 3, 13))
        self.assertEqual(len(self.bills.activity_ids), 2)
        self.assertFalse(self._assignment_notices(self.bills))

    def test_an_activity_column_the_insert_does_not_know_sends_the_calls_to_odoo(self):
        Action = self.env["utility.dunning.action"]
        self.assertTrue(Action._activity_insert_allowed())
        # as if a module had added a column to activities (here: one the
        # insert writes, taken off its list)
        known = utility_dunning_action.ACTIVITY_COLUMNS - {"user_tz"}
        create_activities = type(Action)._create_activities
        with (
            patch.object(utility_dunning_action, "ACTIVITY_COLUMNS", known),
            patch.object(
                type(Action), "_create_activities", autospec=True, side_effect=create_activities
            ) as by_odoo,
        ):
            self.assertFalse(Action._activity_insert_allowed())
            self._run(date(2025, 3, 13))
        self.assertEqual(by_odoo.call_count, 1)
        for bill in self.bills:
            self.assertEqual(bill.activity_ids.user_id, self.collector)
            self.assertEqual(bill.activity_ids.summary, "Arrears call")
            self.assertTrue(bill.activity_ids.automated)
            self.assertIn(self.collector.partner_id, bill.message_partner_ids)
        self.assertEqual(len(self._assignment_notices(self.bills)), 2)

    def test_notes_are_logged_through_an_override_of_odoos_batch_log(self):
        Bill = type(self.env["account.move"])
        with patch.object(
            Bill, "_message_log_batch", autospec=True, side_effect=MailThread._message_log_batch
        ) as log:
            self._run(date(2025, 3, 25))
        self.assertEqual(log.call_count, 2, "one note per bill, through the override")
        for bill in self.bills:
            letters = bill.message_ids.filtered(lambda m: "overdue" in (m.subject or ""))
            self.assertEqual(len(letters), 1)
            self.assertIn(bill.name, letters.subject)
            self.assertIn(bill.partner_id.utility_customer_number, letters.body)
            self.assertEqual(letters.subtype_id, self.env.ref("mail.mt_note"))
