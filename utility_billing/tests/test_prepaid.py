from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from .common import UtilityBillingCase


class UtilityPrepaidCase(UtilityBillingCase):
    """Helpers shared by the prepaid, warning and portal tests: counter
    top-ups as plain customer payments and bills as posted invoices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract.billing_mode = "prepaid"
        cls.bank_journal = cls.company_data["default_journal_bank"]

    @classmethod
    def _topup(cls, amount, date=None, partner=None):
        payment = cls.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": (partner or cls.customer).id,
                "amount": amount,
                "date": date or fields.Date.today(),
                "journal_id": cls.bank_journal.id,
                "company_id": cls.company.id,
            }
        )
        payment.action_post()
        return payment

    @classmethod
    def _bill(cls, amount, contract=None, due=None, date=None):
        contract = contract or cls.contract
        vals = {
            "move_type": "out_invoice",
            "partner_id": contract.partner_id.id,
            "invoice_date": date or fields.Date.today(),
            "company_id": cls.company.id,
            "invoice_line_ids": [
                fields.Command.create(
                    {"name": "Electricity", "quantity": 1, "price_unit": amount, "tax_ids": []}
                )
            ],
        }
        if due:
            vals["invoice_date_due"] = due
        move = cls.env["account.move"].create(vals)
        if "utility_contract_id" in move._fields:
            move.utility_contract_id = contract
        if due:
            move.invoice_date_due = due
        move.action_post()
        return move

    @classmethod
    def _demo_provider(cls):
        """Odoo's demo payment provider of the test company, published in
        test mode and paying into the bank journal; None without
        payment_demo (installed e.g. through the utility_scenarios test
        add-on)."""
        if not cls.env["ir.module.module"].search_count(
            [("name", "=", "payment_demo"), ("state", "=", "installed")]
        ):
            return None
        Provider = cls.env["payment.provider"].sudo()
        provider = Provider.search(
            [("code", "=", "demo"), ("company_id", "=", cls.company.id)], limit=1
        )
        if not provider:
            provider = (
                cls.env.ref("payment.payment_provider_demo")
                .sudo()
                .copy({"company_id": cls.company.id})
            )
        provider.write({"state": "test", "is_published": True})
        if not provider.journal_id:
            provider.journal_id = cls.bank_journal
        return provider

    @classmethod
    def _portal_user(cls, login, partner):
        return cls.env["res.users"].create(
            {
                "login": login,
                "password": login,
                "partner_id": partner.id,
                "company_id": cls.company.id,
                "company_ids": [fields.Command.set(cls.company.ids)],
                "group_ids": [fields.Command.set([cls.env.ref("base.group_portal").id])],
            }
        )

    @staticmethod
    def _receivable_line(payment):
        return payment.move_id.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )


@tagged("post_install", "-at_install")
class TestPrepaid(UtilityPrepaidCase):
    def test_topups_become_the_prepaid_balance_of_the_contract_and_partner(self):
        self._topup(100.0)
        self._topup(50.0)
        self.assertEqual(self.contract.prepaid_balance, 150.0)
        self.assertEqual(self.customer.utility_prepaid_balance, 150.0)
        self.assertTrue(self.customer.utility_is_prepaid)

    def test_new_bill_draws_the_balance_down_oldest_credit_first(self):
        today = fields.Date.today()
        older = self._topup(100.0, date=fields.Date.subtract(today, days=10))
        newer = self._topup(50.0, date=today)
        bill = self._bill(120.0)
        self.assertEqual(bill.amount_residual, 0.0, "the bill is paid from the credit at posting")
        self.assertIn(bill.payment_state, ("paid", "in_payment"))
        # the oldest top-up is used up first, the newer one keeps 30
        self.assertTrue(self._receivable_line(older).reconciled)
        self.assertEqual(self._receivable_line(newer).amount_residual, -30.0)
        self.contract.invalidate_recordset(["prepaid_balance"])
        self.assertEqual(self.contract.prepaid_balance, 30.0)

    def test_bill_larger_than_the_balance_stays_partly_open(self):
        self._topup(40.0)
        bill = self._bill(100.0)
        self.assertEqual(bill.amount_residual, 60.0)
        self.assertEqual(bill.payment_state, "partial")
        self.contract.invalidate_recordset(["prepaid_balance"])
        self.assertEqual(self.contract.prepaid_balance, 0.0)

    def test_after_post_hook_applies_credit_received_after_the_bill(self):
        bill = self._bill(80.0)
        self.assertEqual(bill.amount_residual, 80.0)
        self._topup(100.0)
        paid = bill._utility_after_post_bills()
        self.assertEqual(paid, bill)
        self.assertEqual(bill.amount_residual, 0.0)
        self.contract.invalidate_recordset(["prepaid_balance"])
        self.assertEqual(self.contract.prepaid_balance, 20.0)

    def test_credit_of_another_customer_is_never_used(self):
        other = self.customer.copy({"utility_customer_number": "0100000099"})
        self._topup(500.0, partner=other)
        bill = self._bill(100.0)
        self.assertEqual(bill.amount_residual, 100.0)

    def test_average_consumption_and_days_left_follow_validated_readings(self):
        if "utility.meter.reading" not in self.env:
            self.skipTest("meter readings not installed")
        self.meter.install_date = fields.Date.subtract(fields.Date.today(), days=200)
        today = fields.Date.today()
        Reading = self.env["utility.meter.reading"]
        readings = Reading.create(
            [
                {
                    "meter_id": self.meter.id,
                    "reading_date": fields.Date.subtract(today, days=70),
                    "value": 100.0,
                },
                {
                    "meter_id": self.meter.id,
                    "reading_date": fields.Date.subtract(today, days=40),
                    "value": 250.0,
                },
                {
                    "meter_id": self.meter.id,
                    "reading_date": fields.Date.subtract(today, days=10),
                    "value": 400.0,
                },
            ]
        )
        # test set-up: validated as the review would (no abnormal-use check)
        with readings._utility_protected_write():
            readings.write({"state": "validated"})
        self._topup(84.0)
        contract = self.contract
        contract.invalidate_recordset()
        # the periods within the last 90 days: 150 kWh in 30 days twice (the
        # first reading's period began at the installation, 200 days ago)
        self.assertEqual(readings[0].period_days, 130)
        expected_avg = 300.0 / 60
        self.assertAlmostEqual(contract.avg_daily_consumption, expected_avg, places=2)
        # 150 kWh a month sits in the first block: 0.56 per kWh
        price = contract._get_unit_price(expected_avg * 30)
        self.assertAlmostEqual(contract.current_unit_price, price, places=4)
        self.assertEqual(contract.estimated_days_left, int(84.0 // (expected_avg * price)))

    def test_daily_use_leaves_out_the_first_period_since_installation(self):
        """A meter installed 1,300 days ago, read monthly since: the first
        reading's period (1,300+ days for one month's use) would make the
        average 0.5 kWh/day instead of about 10, and the balance last years."""
        if "utility.meter.reading" not in self.env:
            self.skipTest("meter readings not installed")
        today = fields.Date.today()
        self.meter.write(
            {"install_date": fields.Date.subtract(today, days=1360), "initial_reading": 0.0}
        )
        readings = self.env["utility.meter.reading"].create(
            [
                {
                    "meter_id": self.meter.id,
                    "reading_date": fields.Date.subtract(today, days=days),
                    "value": value,
                }
                for days, value in ((60, 300.0), (30, 610.0), (0, 900.0))
            ]
        )
        with readings._utility_protected_write():
            readings.write({"state": "validated"})
        self.assertEqual(readings[0].period_days, 1300)
        self._topup(100.0)
        contract = self.contract
        contract.invalidate_recordset()
        self.assertAlmostEqual(contract.avg_daily_consumption, 600.0 / 60, places=2)
        # 300 kWh a month: 180 x 0.56 + 80 x 0.61 + 40 x 0.86 = 184.0 yuan,
        # 6.13 yuan a day: 16 days (not 246 at 0.66 kWh/day)
        self.assertAlmostEqual(contract.current_unit_price, 184.0 / 300, places=2)
        self.assertEqual(contract.estimated_days_left, 16)

    def test_daily_use_of_a_new_meter_counts_from_its_installation(self):
        if "utility.meter.reading" not in self.env:
            self.skipTest("meter readings not installed")
        today = fields.Date.today()
        self.meter.write({"install_date": fields.Date.subtract(today, days=40)})
        reading = self.env["utility.meter.reading"].create(
            {
                "meter_id": self.meter.id,
                "reading_date": fields.Date.subtract(today, days=10),
                "value": self.meter.initial_reading + 360.0,
            }
        )
        with reading._utility_protected_write():
            reading.write({"state": "validated"})
        self.contract.invalidate_recordset()
        self.assertAlmostEqual(self.contract.avg_daily_consumption, 12.0, places=2)

    def test_unit_price_weights_the_blocks(self):
        # 200 kWh: 180 x 0.56 + 20 x 0.61 = 113.0 -> 0.565 per kWh
        self.assertAlmostEqual(self.contract._get_unit_price(200.0), 0.565, places=6)
        self.assertAlmostEqual(self.contract._get_unit_price(100.0), 0.56, places=6)

    def test_days_left_is_unknown_without_consumption(self):
        self._topup(50.0)
        self.assertEqual(self.contract.estimated_days_left, -1)

    def test_refund_of_an_ended_contract_pays_back_the_balance(self):
        self._topup(100.0)
        self._bill(70.0)
        self.contract.action_terminate()
        self.contract.invalidate_recordset(["prepaid_balance"])
        self.assertEqual(self.contract.prepaid_balance, 30.0)
        action = self.contract.action_open_prepaid_refund()
        wizard = Form(self.env["utility.prepaid.refund"].with_context(**action["context"])).save()
        self.assertEqual(wizard.amount, 30.0)
        result = wizard.action_refund()
        # one path for every refund: a request, reserved at once, paid once
        # another Collection Manager approved it
        request = self.env["utility.refund.request"].browse(result["res_id"])
        self.assertEqual(
            (request.state, request.reason, request.amount), ("to_approve", "move_out", 30.0)
        )
        self.contract.invalidate_recordset(["prepaid_balance"])
        self.assertEqual(self.contract.prepaid_balance, 0.0)
        approver = new_test_user(
            self.env,
            login="prepaid_refund_approver",
            groups="utility_billing.group_utility_manager",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )
        request.with_user(approver).action_approve()
        request.action_pay()
        refund = request.refund_payment_id
        self.assertEqual(refund.payment_type, "outbound")
        self.assertEqual(refund.partner_type, "customer")
        self.assertEqual(refund.amount, 30.0)
        self.assertIn(refund.state, ("in_process", "paid"))
        payable = self.company.utility_refund_payable_account_id
        self.assertTrue(
            refund.move_id.line_ids.filtered(lambda line: line.account_id == payable).reconciled
        )
        self.contract.invalidate_recordset(["prepaid_balance"])
        self.assertEqual(self.contract.prepaid_balance, 0.0)

    def test_refund_is_refused_above_the_balance_or_while_the_contract_runs(self):
        self._topup(20.0)
        wizard = self.env["utility.prepaid.refund"].create(
            {"contract_id": self.contract.id, "journal_id": self.bank_journal.id}
        )
        with self.assertRaises(UserError):
            wizard.action_refund()  # contract still active
        self.contract.action_terminate()
        wizard.amount = 25.0
        with self.assertRaises(UserError):
            wizard.action_refund()
        self.assertFalse(
            self.env["account.payment"].search(
                [("partner_id", "=", self.customer.id), ("payment_type", "=", "outbound")]
            )
        )
