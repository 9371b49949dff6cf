from odoo import fields
from odoo.tests import tagged

from odoo.addons.sms.tests.common import MockSMS

from .test_prepaid import UtilityPrepaidCase


@tagged("post_install", "-at_install")
class TestWarning(UtilityPrepaidCase, MockSMS):
    """Warnings reach the customer (SMS, e-mail, portal) and the staff
    (activity) once per threshold crossing. Only the SMS gateway — an
    external IAP service — is mocked."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"phone": "+86 138 0371 0001", "email": "zhang.wei@example.com"})
        cls.officer = cls.env["res.users"].create(
            {
                "name": "Prepaid Officer",
                "login": "prepaid_officer",
                "company_id": cls.company.id,
                "company_ids": [fields.Command.set(cls.company.ids)],
                "group_ids": [
                    fields.Command.set(
                        [cls.env.ref("utility_billing.group_utility_billing_officer").id]
                    )
                ],
            }
        )
        cls.rule = cls.env["utility.warning.rule"].create(
            {
                "name": "Balance below 20",
                "kind": "balance_amount",
                "threshold_amount": 20.0,
                "company_id": cls.company.id,
                "responsible_user_id": cls.officer.id,
                "sms_template_id": cls.env.ref("utility_billing.sms_template_utility_warning").id,
                "mail_template_id": cls.env.ref("utility_billing.mail_template_utility_warning").id,
            }
        )

    def _activities(self):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "utility.contract"),
                ("res_id", "=", self.contract.id),
                ("user_id", "=", self.officer.id),
            ]
        )

    def _mails(self):
        return self.env["mail.mail"].search(
            [("model", "=", "utility.warning"), ("recipient_ids", "in", self.customer.ids)]
        )

    def _evaluate(self):
        self.contract.invalidate_recordset()
        with self.mockSMSGateway():
            created = self.rule._evaluate()
            # what the SMS queue cron does, for the SMS queued by this run
            outgoing = self._new_sms.filtered(lambda sms: sms.state == "outgoing")
            if outgoing:
                outgoing._send()
        return created

    def test_low_balance_notifies_every_channel_once_per_crossing(self):
        self._topup(15.0)
        created = self._evaluate()
        self.assertEqual(len(created), 1)
        self.assertEqual(created.contract_id, self.contract)
        self.assertEqual(created.value, 15.0)
        self.assertEqual(created.state, "open")
        self.assertEqual(len(self._sms), 1, "one SMS went to the gateway")
        self.assertIn("low", self._sms[0]["body"])
        self.assertEqual(len(self._activities()), 1)
        self.assertEqual(len(self._mails()), 1)

        # still below the threshold: nothing new
        created = self._evaluate()
        self.assertFalse(created)
        self.assertEqual(len(self._sms), 0)
        self.assertEqual(len(self._activities()), 1)
        self.assertEqual(len(self._mails()), 1)

        # topped up above the threshold: the warning clears
        self._topup(100.0)
        self._evaluate()
        warnings = self.env["utility.warning"].search([("rule_id", "=", self.rule.id)])
        self.assertEqual(len(warnings), 1)
        self.assertEqual(warnings.state, "cleared")
        self.assertTrue(warnings.cleared_at)

        # a bill draws the balance down below the threshold again: second crossing
        self._bill(105.0)
        created = self._evaluate()
        self.assertEqual(len(created), 1)
        self.assertEqual(created.value, 10.0)
        self.assertEqual(len(self._sms), 1)
        self.assertEqual(len(self._activities()), 2)
        self.assertEqual(len(self._mails()), 2)
        self.assertEqual(
            self.env["utility.warning"].search_count([("rule_id", "=", self.rule.id)]), 2
        )

    def test_postpaid_contracts_get_no_balance_warning(self):
        self.contract.billing_mode = "postpaid"
        self.assertFalse(self._evaluate())

    def test_overdue_bill_warns_until_it_is_paid(self):
        self.contract.billing_mode = "postpaid"
        overdue_rule = self.rule.copy(
            {"name": "Overdue", "kind": "bill_overdue", "threshold_days": 0}
        )
        today = fields.Date.today()
        bill = self._bill(
            60.0,
            date=fields.Date.subtract(today, days=30),
            due=fields.Date.subtract(today, days=5),
        )
        with self.mockSMSGateway():
            created = overdue_rule._evaluate()
        self.assertEqual(created.move_id, bill)
        self.assertEqual(created.value, 60.0)
        self.assertIn(bill.name, created.message)
        with self.mockSMSGateway():
            self.assertFalse(overdue_rule._evaluate())
        self._topup(60.0)
        bill._utility_after_post_bills()
        self.assertEqual(bill.amount_residual, 0.0)
        with self.mockSMSGateway():
            self.assertFalse(overdue_rule._evaluate())
        self.assertEqual(created.state, "cleared")

    def _register_payment(self, bills, amount=None):
        """Pay ``bills`` through Odoo's payment register, as at a counter."""
        values = {"journal_id": self.bank_journal.id}
        if amount is not None:
            values["amount"] = amount
        return (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=bills.ids)
            .create(values)
            ._create_payments()
        )

    def test_overdue_warning_clears_with_the_payment_not_at_the_next_evaluation(self):
        """The portal banner "overdue, please pay" goes with the payment that
        settles the bill, not an hour later with the scheduled evaluation; a
        part payment leaves it."""
        self.contract.billing_mode = "postpaid"
        overdue_rule = self.rule.copy(
            {"name": "Overdue", "kind": "bill_overdue", "threshold_days": 0}
        )
        today = fields.Date.today()
        bills = self._bill(
            60.0, date=fields.Date.subtract(today, days=30), due=fields.Date.subtract(today, days=5)
        ) | self._bill(
            40.0,
            date=fields.Date.subtract(today, days=60),
            due=fields.Date.subtract(today, days=35),
        )
        with self.mockSMSGateway():
            warnings = overdue_rule._evaluate()
        self.assertEqual(warnings.move_id, bills)
        self._register_payment(bills[0], amount=20.0)
        self.assertEqual(set(warnings.mapped("state")), {"open"}, "part paid: still overdue")
        self._register_payment(bills)
        self.assertEqual(set(warnings.mapped("state")), {"cleared"})
        self.assertTrue(all(warnings.mapped("cleared_at")))

    def test_low_balance_warning_clears_with_the_top_up(self):
        self._topup(15.0)
        warning = self._evaluate()
        self.assertEqual(warning.state, "open")
        self._topup(3.0)
        self.assertEqual(warning.state, "open", "18.00 is still below 20.00")
        self._topup(10.0)
        self.assertEqual(warning.state, "cleared")

    def test_open_balance_warning_tells_todays_balance(self):
        """The banner and the contract card show the same balance: the
        warning raised at 15.00 says 5.00 once a bill drew 10.00 from it."""
        self._topup(15.0)
        warning = self._evaluate()
        self._bill(10.0)
        self.contract.invalidate_recordset(["prepaid_balance"])
        warning.invalidate_recordset(["message"])
        self.assertEqual(self.contract.prepaid_balance, 5.0)
        self.assertIn(self.company.currency_id.format(5.0), warning.message)
        self.assertEqual(warning.value, 15.0, "the crossing itself is kept")

    def test_bill_due_soon_warns_before_the_due_date(self):
        self.contract.billing_mode = "postpaid"
        due_rule = self.rule.copy({"name": "Due soon", "kind": "bill_due", "threshold_days": 3})
        today = fields.Date.today()
        soon = self._bill(30.0, due=fields.Date.add(today, days=2))
        self._bill(40.0, due=fields.Date.add(today, days=20))
        with self.mockSMSGateway():
            created = due_rule._evaluate()
        self.assertEqual(created.move_id, soon)

    def test_cron_evaluates_all_rules(self):
        self._topup(5.0)
        with self.mockSMSGateway():
            self.env["utility.warning.rule"]._cron_evaluate()
        self.assertTrue(
            self.env["utility.warning"].search(
                [("rule_id", "=", self.rule.id), ("contract_id", "=", self.contract.id)]
            )
        )

    def test_staff_activity_is_written_in_the_staff_language(self):
        """A scheduled action runs without a language: the activity it leaves
        for the officer is written in the officer's, not in English."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.officer.lang = "zh_CN"
        self.rule.with_context(lang="zh_CN").name = "余额低于20元"
        self._topup(15.0)
        self.contract.invalidate_recordset()
        with self.mockSMSGateway():
            self.env["utility.warning.rule"].with_context(lang=None)._cron_evaluate()
        activity = self._activities()
        self.assertEqual(activity.summary, "余额低于20元")
        self.assertIn("预付费余额不足", str(activity.note))
