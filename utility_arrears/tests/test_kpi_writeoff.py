import base64
from datetime import date

from odoo import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.utility_billing.tools.protected import protected_write

from .common import UtilityArrearsCase


@tagged("post_install", "-at_install")
class TestKpiWriteoff(UtilityArrearsCase):
    """The recovery rate with and without written-off debt, hand-computed:
    March 2025 billed 600 + 300 + 100 = 1000; collected 600 + 100 = 700;
    the 100 bill written off as a bad debt. Recovery rate 700 / 1000 =
    70.00 %; without the written-off debt 700 / (1000 - 100) = 77.78 %."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(
            cls.env,
            login="kpi_wo_accountant",
            groups="utility_billing.group_utility_accountant",
            company_id=cls.company.id,
            company_ids=cls.company.ids,
        )
        cls.manager = new_test_user(
            cls.env,
            login="kpi_wo_manager",
            groups="utility_billing.group_utility_manager",
            company_id=cls.company.id,
            company_ids=cls.company.ids,
        )
        cls.hall_journal = cls.bank_journal
        cls.env["utility.collection.point"].create(
            {
                "name": "Hall",
                "code": "H-WO",
                "kind": "hall",
                "journal_id": cls.hall_journal.id,
                "company_id": cls.company.id,
            }
        )
        cls.heir = cls._make_customer("王五", "0290000001")
        cls.bill_paid = cls._make_bill(cls.customer, 600.0, "2025-03-20", invoice_date="2025-03-05")
        cls.bill_part = cls._make_bill(cls.customer, 300.0, "2025-03-20", invoice_date="2025-03-05")
        cls.bill_bad = cls._make_bill(cls.heir, 100.0, "2025-03-20", invoice_date="2025-03-05")
        cls._pay(cls, cls.bill_paid, date="2025-03-21")
        cls._pay(cls, cls.bill_part, amount=100.0, date="2025-03-21")
        batch = (
            cls.env["utility.writeoff.batch"]
            .with_user(cls.accountant)
            .create(
                {
                    "reason": "vanished",
                    "reason_note": "户主下落不明",
                    "partner_ids": [Command.set(cls.heir.ids)],
                }
            )
        )
        batch.action_add_bills()
        batch.evidence_attachment_ids = [
            Command.create(
                {
                    "name": "催收记录.pdf",
                    "datas": base64.b64encode(b"%PDF-1.4"),
                    "res_model": "utility.writeoff.batch",
                }
            )
        ]
        batch.action_submit()
        batch.with_user(cls.manager).action_approve()
        batch.action_post()
        cls.batch = batch

    def test_recovery_rate_with_and_without_written_off_debt(self):
        self.assertEqual(self.batch.line_ids.bill_id, self.bill_bad)
        domain = [("company_id", "=", self.company.id), ("month", "=", "2025-03-01")]
        [(billed, collected, written_off, rate, rate_net)] = self.env[
            "utility.collection.kpi"
        ]._read_group(
            domain,
            [],
            [
                "amount_billed:sum",
                "amount_collected:sum",
                "amount_written_off:sum",
                "recovery_rate:avg",
                "recovery_rate_net:avg",
            ],
        )
        self.assertEqual((billed, collected, written_off), (1000.0, 700.0, 100.0))
        # the written-off bill owes nothing but is not a paid bill
        [(paid,)] = self.env["utility.collection.kpi"]._read_group(domain, [], ["paid_count:sum"])
        self.assertEqual(paid, 1)
        self.assertAlmostEqual(rate, 70.00, places=2)
        self.assertAlmostEqual(rate_net, 77.78, places=2)
        # the recovery report: the write-off is a row of its own, no collection
        Recovery = self.env["utility.collection.recovery"]
        rows = Recovery.search([("bill_id", "=", self.bill_bad.id)])
        self.assertEqual(
            sorted((r.kind, r.amount_collected, r.amount_written_off) for r in rows),
            [("billed", 0.0, 0.0), ("written_off", 0.0, 100.0)],
        )
        [(rate, rate_net)] = Recovery._read_group(
            [("company_id", "=", self.company.id), ("bill_month", "=", "2025-03-01")],
            [],
            ["recovery_rate:avg", "recovery_rate_net:avg"],
        )
        self.assertEqual((rate, rate_net), (70.0, 77.78))
        # the dashboard and the xlsx show both rates
        dashboard = self.env["utility.collection.dashboard"].create(
            {"company_id": self.company.id, "month": date(2025, 3, 1)}
        )
        self.assertEqual(
            (
                dashboard.amount_billed,
                dashboard.amount_collected,
                dashboard.amount_written_off,
                dashboard.recovery_rate,
                dashboard.recovery_rate_net,
            ),
            (1000.0, 700.0, 100.0, 70.0, 77.78),
        )
        xlsx = self.env["report.utility_arrears.collection_kpi_xlsx"]
        rows = xlsx._recovery_rows(dashboard, "bill_month:month", "-")
        self.assertEqual(rows, [["2025-03", 3, 1000.0, 700.0, 70.0, 100.0, 77.78]])

    def test_a_recovery_is_a_collection_and_the_rest_stays_written_off(self):
        self.env["account.payment"]._utility_pay(
            self.heir,
            40.0,
            self.env["utility.collection.point"].search([("code", "=", "H-WO")]),
            date=date(2026, 3, 1),
        )
        [(collected, written_off)] = self.env["utility.collection.kpi"]._read_group(
            [("company_id", "=", self.company.id), ("month", "=", "2025-03-01")],
            [],
            ["amount_collected:sum", "amount_written_off:sum"],
        )
        self.assertEqual((collected, written_off), (740.0, 60.0))

    def test_writeoff_is_not_a_centralized_collection(self):
        figures = self.env["utility.collection.kpi"]._three_hundred_percent(
            self.company, date(2025, 1, 1), date.today()
        )
        # all 700 collected went through the hall: the write-off is no payment
        self.assertEqual(figures["centralized"], 100.0)
        Figures = self.env["utility.collection.three.figures"]
        [(collected,)] = Figures._read_group(
            [("company_id", "=", self.company.id)], [], ["amount_collected:sum"]
        )
        self.assertEqual(collected, 700.0)

    def test_deposit_invoice_is_not_a_bill(self):
        # (an invoice marked as a deposit, as the contract's activation issues it)
        deposit = self._make_bill(self.customer, 200.0, "2025-03-20", invoice_date="2025-03-05")
        with protected_write(deposit):
            deposit.utility_entry_kind = "deposit"
        self.env.flush_all()
        self.assertFalse(
            self.env["utility.collection.recovery"].search([("bill_id", "=", deposit.id)])
        )
        [(billed,)] = self.env["utility.collection.kpi"]._read_group(
            [("company_id", "=", self.company.id), ("month", "=", "2025-03-01")],
            [],
            ["amount_billed:sum"],
        )
        self.assertEqual(billed, 1000.0)
