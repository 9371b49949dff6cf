import io
from datetime import date, timedelta

import openpyxl

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import UtilityArrearsCase


@tagged("post_install", "-at_install")
class TestCollectionKpiDashboard(UtilityArrearsCase):
    """A small hand-computed data set (all in 2025):

    Station A: March bills 100 (residential), 200 (residential), 300 (commercial);
    100 paid at the hall counter on 21 March, 150 of the 300 through the
    post-office agency on 2 April. Station B: April bills 400 and 50
    (commercial); 50 of the 400 collected door to door on 10 April, the 50
    credited by a 20 credit note (not a collection).

    Recovery (by billing month): A/March 250 / 600 = 41.67%, B/April
    50 / 450 = 11.11%, all 300 / 1050 = 28.57%; channels: hall 100, agency
    150, field 50. Centralized share: March 100 / 100, April 150 / 200 = 75%.
    Contracts: A has the unsigned base contract and a signed one, B one
    contract signed on 15 April: March 1 / 3, April 2 / 3. Bills held: March
    2 of 3, April 1 of 2."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company
        cls.station_b = cls.env["utility.supply.station"].create(
            {"name": "Lizhuang", "code": "LZ", "company_id": company.id}
        )
        cls.shop_a = cls._make_customer("Wang Shop", "0100000091", "commercial")
        cls.shop_b = cls._make_customer(
            "Li Mill", "0200000091", "commercial", utility_station_id=cls.station_b.id
        )
        Journal = cls.env["account.journal"]
        Point = cls.env["utility.collection.point"]
        cls.journals = {}
        for kind, code in (("hall", "HAL"), ("agency", "AGY"), ("field", "FLD")):
            journal = Journal.create(
                {
                    "name": f"KPI {kind}",
                    "type": "bank" if kind == "agency" else "cash",
                    "code": code,
                    "company_id": company.id,
                }
            )
            Point.create(
                {
                    "name": f"KPI {kind}",
                    "code": f"K{code}",
                    "kind": kind,
                    "journal_id": journal.id,
                    "company_id": company.id,
                }
            )
            cls.journals[kind] = journal
        # contracts: A = base contract (unsigned) + a signed one; B signed in April
        cls.contract_a2 = cls._make_contract(cls.shop_a, cls.station, "2024-01-01", "2024-01-01")
        cls.contract_b = cls._make_contract(cls.shop_b, cls.station_b, "2025-03-01", "2025-04-15")

        cls.bill_1 = cls._make_bill(cls.customer, 100.0, "2025-03-25", invoice_date="2025-03-05")
        cls.bill_2 = cls._make_bill(cls.customer, 200.0, "2025-03-30", invoice_date="2025-03-10")
        cls.bill_3 = cls._make_bill(cls.shop_a, 300.0, "2025-03-30", invoice_date="2025-03-10")
        cls.bill_4 = cls._make_bill(cls.shop_b, 400.0, "2025-04-25", invoice_date="2025-04-05")
        cls.bill_5 = cls._make_bill(cls.shop_b, 50.0, "2025-04-25", invoice_date="2025-04-05")
        cls.bills = cls.bill_1 | cls.bill_2 | cls.bill_3 | cls.bill_4 | cls.bill_5
        cls._pay_cls(cls.bill_1, None, "2025-03-21", cls.journals["hall"])
        cls._pay_cls(cls.bill_3, 150.0, "2025-04-02", cls.journals["agency"])
        cls._pay_cls(cls.bill_4, 50.0, "2025-04-10", cls.journals["field"])
        refund = cls.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": cls.shop_b.id,
                "company_id": company.id,
                "invoice_date": "2025-04-20",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Meter error",
                            "quantity": 1.0,
                            "price_unit": 20.0,
                            "account_id": cls.income_account.id,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        refund.action_post()
        (cls.bill_5 | refund).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).reconcile()
        # bill delivery: portal, counter (by a cashier), e-mail
        cls.bill_1._utility_mark_bill_delivered("portal", date(2025, 3, 6))
        cls.cashier = new_test_user(
            cls.env,
            login="kpi_cashier",
            groups="utility_billing.group_utility_cashier",
            company_id=company.id,
        )
        cls.bill_2.with_user(cls.cashier).action_utility_mark_delivered_counter()
        cls.bill_4._utility_mark_bill_delivered("email", date(2025, 4, 6))
        cls.env.flush_all()

    @classmethod
    def _make_contract(cls, partner, station, date_start, signed_date):
        point = cls.env["utility.service.point"].create(
            {
                "name": f"{partner.name} premises",
                "station_id": station.id,
                "partner_id": partner.id,
                "company_id": cls.company.id,
            }
        )
        if not getattr(cls, "commercial_tariff", None):
            cls.commercial_tariff = cls.env["utility.tariff"].create(
                {
                    "name": "Commercial tariff",
                    "code": "COM",
                    "category": "commercial",
                    "company_id": cls.company.id,
                }
            )
            cls.env["utility.tariff.version"].create(
                {
                    "tariff_id": cls.commercial_tariff.id,
                    "date_from": "2024-01-01",
                    "block_ids": [
                        Command.create({"sequence": 1, "name": "Flat", "limit_to": 0, "price": 0.8})
                    ],
                }
            ).action_approve()
        tariff = cls.commercial_tariff
        contract = cls.env["utility.contract"].create(
            {
                "partner_id": partner.id,
                "service_point_id": point.id,
                "tariff_id": tariff.id,
                "company_id": cls.company.id,
                "date_start": date_start,
                "signed_date": signed_date,
            }
        )
        contract.action_activate()
        return contract

    @classmethod
    def _pay_cls(cls, bills, amount, date_, journal):
        values = {"payment_date": fields.Date.to_date(date_), "journal_id": journal.id}
        if amount is not None:
            values["amount"] = amount
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=bills.ids)
            .create(values)
            ._create_payments()
        )

    def _recovery(self, groupby, domain=()):
        return {
            key: (billed, collected, rate)
            for key, billed, collected, rate in self.env["utility.collection.recovery"]._read_group(
                [("company_id", "=", self.company.id), *domain],
                [groupby],
                ["amount_billed:sum", "amount_collected:sum", "recovery_rate:avg"],
            )
        }

    def _dashboard(self, month, user=None):
        Dashboard = self.env["utility.collection.dashboard"]
        if user:
            Dashboard = Dashboard.with_user(user)
        return Dashboard.create({"company_id": self.company.id, "month": month})

    def test_recovery_by_station_category_and_month(self):
        self.assertEqual(
            self._recovery("station_id"),
            {self.station: (600.0, 250.0, 41.67), self.station_b: (450.0, 50.0, 11.11)},
        )
        self.assertEqual(
            self._recovery("bill_month:month"),
            {date(2025, 3, 1): (600.0, 250.0, 41.67), date(2025, 4, 1): (450.0, 50.0, 11.11)},
        )
        self.assertEqual(
            self._recovery("category", [("bill_month", "=", "2025-03-01")]),
            {"residential": (300.0, 100.0, 33.33), "commercial": (300.0, 150.0, 50.0)},
        )
        [(billed, collected, rate)] = self.env["utility.collection.recovery"]._read_group(
            [("company_id", "=", self.company.id)],
            [],
            ["amount_billed:sum", "amount_collected:sum", "recovery_rate:avg"],
        )
        self.assertEqual((billed, collected, rate), (1050.0, 300.0, 28.57))

    def test_recovery_by_channel_reconciles_with_journal_items(self):
        by_channel = self._recovery("channel", [("kind", "=", "collected")])
        self.assertEqual(
            {channel: collected for channel, (_b, collected, _r) in by_channel.items()},
            {"hall": 100.0, "agency": 150.0, "field": 50.0},
        )
        # station A's March bills: counter 100, agency 150
        station_a = self._recovery(
            "channel", [("kind", "=", "collected"), ("station_id", "=", self.station.id)]
        )
        self.assertEqual(
            {channel: collected for channel, (_b, collected, _r) in station_a.items()},
            {"hall": 100.0, "agency": 150.0},
        )
        # the collected amounts are the partial reconciliations with payments;
        # the 20 credit note is reconciled with bill 5 but is not a collection
        receivable = self.bills.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        payment_partials = receivable.matched_credit_ids.filtered(
            lambda partial: partial.credit_move_id.move_id.origin_payment_id
        )
        self.assertEqual(sum(payment_partials.mapped("amount")), 300.0)
        self.assertEqual(sum(receivable.mapped("balance")), 1050.0)
        self.assertEqual(self.bill_5.amount_residual, 30.0)
        points = self.env["utility.collection.recovery"]._read_group(
            [("company_id", "=", self.company.id), ("kind", "=", "collected")],
            ["collection_point_id"],
            ["amount_collected:sum"],
        )
        self.assertEqual(
            sorted((point.kind, amount) for point, amount in points),
            [("agency", 150.0), ("field", 50.0), ("hall", 100.0)],
        )

    def test_collection_rate_and_recovery_reports_agree(self):
        """The two reports give the same figures for the same bills: the 20
        credit note on station B's April bill is no collection in either."""
        domain = [("company_id", "=", self.company.id)]
        kpi = {
            (station, month): (billed, collected)
            for station, month, billed, collected in self.env["utility.collection.kpi"]._read_group(
                domain, ["station_id", "month:month"], ["amount_billed:sum", "amount_collected:sum"]
            )
        }
        recovery = {
            (station, month): (billed, collected)
            for station, month, billed, collected in self.env[
                "utility.collection.recovery"
            ]._read_group(
                domain,
                ["station_id", "bill_month:month"],
                ["amount_billed:sum", "amount_collected:sum"],
            )
        }
        self.assertEqual(kpi, recovery)
        self.assertEqual(kpi[self.station_b, date(2025, 4, 1)], (450.0, 50.0))
        april_b = self.env["utility.collection.kpi"].search(
            [*domain, ("station_id", "=", self.station_b.id)]
        )
        # still owed: 350 of the 400 bill, 30 of the credited 50 bill
        self.assertEqual(
            (april_b.bill_count, april_b.paid_count, april_b.amount_outstanding), (2, 0, 380.0)
        )

    def test_three_hundred_percent_figures_by_station_and_month(self):
        Figures = self.env["utility.collection.three.figures"]
        rows = {
            (row.station_id, row.month): row
            for row in Figures.search([("company_id", "=", self.company.id)])
        }
        march_a = rows[self.station, date(2025, 3, 1)]
        self.assertEqual((march_a.contract_count, march_a.contracts_signed), (2, 1))
        self.assertEqual(march_a.signing_rate, 50.0)
        self.assertEqual((march_a.amount_collected, march_a.amount_centralized), (100.0, 100.0))
        self.assertEqual((march_a.bill_count, march_a.bills_held), (3, 2))
        self.assertEqual(march_a.bill_holding_rate, 66.67)
        march_b = rows[self.station_b, date(2025, 3, 1)]
        self.assertEqual((march_b.contract_count, march_b.contracts_signed), (1, 0))
        april_a = rows[self.station, date(2025, 4, 1)]
        self.assertEqual((april_a.amount_collected, april_a.centralized_rate), (150.0, 100.0))
        april_b = rows[self.station_b, date(2025, 4, 1)]
        self.assertEqual((april_b.contracts_signed, april_b.signing_rate), (1, 100.0))
        self.assertEqual((april_b.amount_collected, april_b.centralized_rate), (50.0, 0.0))
        self.assertEqual((april_b.bill_count, april_b.bill_holding_rate), (2, 50.0))
        # the company's April: ratios of the sums
        [(signing, centralized, holding)] = Figures._read_group(
            [("company_id", "=", self.company.id), ("month", "=", "2025-04-01")],
            [],
            ["signing_rate:avg", "centralized_rate:avg", "bill_holding_rate:avg"],
        )
        self.assertEqual((signing, centralized, holding), (66.67, 75.0, 50.0))
        figures = self.env["utility.collection.kpi"]._three_hundred_percent(
            self.company, date(2025, 3, 1), date(2025, 3, 31)
        )
        self.assertAlmostEqual(figures["bill_holding"], 66.67, places=2)

    def test_bill_delivery_keeps_the_first_channel(self):
        self.assertEqual(
            (self.bill_1.utility_bill_delivery, self.bill_1.utility_bill_delivered_date),
            ("portal", date(2025, 3, 6)),
        )
        self.assertEqual(self.bill_2.utility_bill_delivery, "counter")
        self.assertTrue(self.bill_2.utility_bill_held)
        self.bill_1._utility_mark_bill_delivered("paper")
        self.assertEqual(self.bill_1.utility_bill_delivery, "portal")
        self.assertFalse(self.bill_3.utility_bill_held)

    def test_dashboard_shows_the_month_against_the_previous_one(self):
        today = fields.Date.today()
        due = today - timedelta(days=45)
        self._make_bill(self.customer, 80.0, due, invoice_date=due)
        self.env.flush_all()
        dashboard = self._dashboard(date(2025, 4, 17))
        self.assertEqual(dashboard.month_start, date(2025, 4, 1))
        self.assertEqual(
            (dashboard.signing_rate, dashboard.centralized_rate, dashboard.bill_holding_rate),
            (66.67, 75.0, 50.0),
        )
        self.assertEqual(
            (dashboard.amount_billed, dashboard.amount_collected, dashboard.recovery_rate),
            (450.0, 50.0, 11.11),
        )
        self.assertEqual(dashboard.recovery_rate_previous, 41.67)
        self.assertAlmostEqual(dashboard.recovery_rate_change, -30.56, places=2)
        self.assertEqual(len(dashboard.figure_ids), 2)
        # ageing as of today: the 2025 bills are earlier years (200 + 150 + 350 + 30)
        recent = "amount_31_60" if due.year == today.year else "amount_earlier_years"
        expected = dict.fromkeys(
            ("amount_0_30", "amount_31_60", "amount_61_90", "amount_over_90"), 0.0
        )
        expected["amount_earlier_years"] = 730.0
        expected[recent] += 80.0
        self.assertEqual({key: dashboard[key] for key in expected}, expected)
        self.assertEqual((dashboard.amount_overdue, dashboard.amount_total), (810.0, 810.0))
        # the signing rate is also there for the current month, bills or not
        self.assertEqual(self._dashboard(today).signing_rate, 66.67)
        action = dashboard.action_open_recovery()
        self.assertEqual(action["res_model"], "utility.collection.recovery")
        # the breadcrumb names the dashboard by its month, not by a technical id
        self.assertEqual(dashboard.display_name, "Collection KPIs 2025-04")
        self.assertEqual(
            self.env["utility.collection.dashboard"].new({"month": today}).display_name,
            f"Collection KPIs {today.strftime('%Y-%m')}",
        )

    def test_xlsx_export_has_the_dashboard_figures(self):
        dashboard = self._dashboard(date(2025, 4, 1))
        content, file_type = self.env["ir.actions.report"]._render(
            "utility_arrears.collection_kpi_xlsx", dashboard.ids
        )
        self.assertEqual(file_type, "xlsx")
        workbook = openpyxl.load_workbook(io.BytesIO(content))

        def table(title):
            sheet = workbook[title]
            return {
                row[0]: list(row[1:])
                for row in sheet.iter_rows(min_row=4, values_only=True)
                if row[0] is not None
            }

        # (bills, billed, collected, recovery rate, written off, recovery
        # rate without the written-off debt)
        self.assertEqual(
            table("Recovery by Station"),
            {
                self.station.display_name: [3, 600, 250, 41.67, 0, 41.67],
                self.station_b.display_name: [2, 450, 50, 11.11, 0, 11.11],
            },
        )
        self.assertEqual(
            table("Recovery by Month"),
            {"2025-03": [3, 600, 250, 41.67, 0, 41.67], "2025-04": [2, 450, 50, 11.11, 0, 11.11]},
        )
        self.assertEqual(
            table("Recovery by Category"),
            {
                "Residential": [2, 300, 100, 33.33, 0, 33.33],
                "Commercial": [3, 750, 200, 26.67, 0, 26.67],
            },
        )
        # the cells hold the rounded shares they show, not 33.333333...
        self.assertEqual(
            table("Recovery by Channel"),
            {
                "Service hall counter": [100, 33.33, 9.52],
                "Agency": [150, 50.0, 14.29],
                "Door-to-door collection": [50, 16.67, 4.76],
            },
        )
        self.assertEqual(
            table("Three 100% Figures")[self.station_b.display_name],
            [1, 1, 100, 50, 0, 0, 2, 1, 50],
        )
        self.assertEqual(
            table("Ageing Buckets"),
            {
                self.station.display_name: [0, 0, 0, 0, 0, 350, 350, 350],
                self.station_b.display_name: [0, 0, 0, 0, 0, 380, 380, 380],
            },
        )

    def test_cashiers_cannot_read_manager_kpis(self):
        accountant = new_test_user(
            self.env,
            login="kpi_accountant",
            groups="utility_billing.group_utility_accountant",
            company_id=self.company.id,
        )
        manager = new_test_user(
            self.env,
            login="kpi_manager",
            groups="utility_billing.group_utility_manager",
            company_id=self.company.id,
        )
        for model in ("utility.collection.recovery", "utility.collection.three.figures"):
            with self.assertRaises(AccessError):
                self.env[model].with_user(self.cashier).search([])
            self.assertTrue(self.env[model].with_user(accountant).search_count([]))
        with self.assertRaises(AccessError):
            self._dashboard(date(2025, 4, 1), user=self.cashier)
        with self.assertRaises(AccessError):
            self._dashboard(date(2025, 4, 1), user=accountant)
        dashboard = self._dashboard(date(2025, 4, 1), user=manager)
        self.assertEqual(dashboard.recovery_rate, 11.11)
        content, __ = (
            self.env["ir.actions.report"]
            .with_user(manager)
            ._render("utility_arrears.collection_kpi_xlsx", dashboard.ids)
        )
        self.assertTrue(content.startswith(b"PK"))
