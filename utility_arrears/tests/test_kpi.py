from datetime import date, timedelta

from odoo import fields
from odoo.tests import tagged

from .common import UtilityArrearsCase


@tagged("post_install", "-at_install")
class TestCollectionKpi(UtilityArrearsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.station_2 = cls.env["utility.supply.station"].create(
            {"name": "Lizhuang", "code": "LZ", "company_id": cls.company.id}
        )
        cls.shop = cls._make_customer(
            "Li Shop", "0200000001", "commercial", utility_station_id=cls.station_2.id
        )

    def test_recovery_rate_by_station_category_and_month(self):
        # Chengguan, residential, March 2025: billed 100 + 200, collected 100 + 50
        bill_1 = self._make_bill(self.customer, 100.0, "2025-03-20", invoice_date="2025-03-05")
        bill_2 = self._make_bill(self.customer, 200.0, "2025-03-25", invoice_date="2025-03-10")
        # Lizhuang, commercial, March 2025: billed 400, collected 400
        bill_3 = self._make_bill(self.shop, 400.0, "2025-03-25", invoice_date="2025-03-10")
        # April 2025: billed 50, nothing collected
        self._make_bill(self.customer, 50.0, "2025-04-25", invoice_date="2025-04-10")
        self._pay(bill_1, date="2025-03-21")
        self._pay(bill_2, amount=50.0, date="2025-03-26")
        self._pay(bill_3, date="2025-03-26")
        # a late-fee invoice is not a bill: it is left out of the rate
        self.env["account.move"]._utility_charge_late_fees(
            self.shop_bill_unused(), date(2025, 3, 1)
        )
        Kpi = self.env["utility.collection.kpi"]
        domain = [("company_id", "=", self.company.id)]
        by_station = {
            station: (billed, collected, rate)
            for station, billed, collected, rate in Kpi._read_group(
                domain + [("month", "=", "2025-03-01")],
                ["station_id"],
                ["amount_billed:sum", "amount_collected:sum", "recovery_rate:avg"],
            )
        }
        self.assertEqual(by_station[self.station], (300.0, 150.0, 50.0))
        self.assertEqual(by_station[self.station_2], (400.0, 400.0, 100.0))
        # March as a whole: 550 / 700, the ratio of the sums, not the mean of the rates
        [(billed, collected, rate)] = Kpi._read_group(
            domain + [("month", "=", "2025-03-01")],
            [],
            ["amount_billed:sum", "amount_collected:sum", "recovery_rate:avg"],
        )
        self.assertEqual((billed, collected), (700.0, 550.0))
        self.assertAlmostEqual(rate, 78.57, places=2)
        by_category = dict(
            Kpi._read_group(
                domain + [("month", "=", "2025-03-01")], ["category"], ["recovery_rate:avg"]
            )
        )
        self.assertEqual(by_category, {"residential": 50.0, "commercial": 100.0})
        april = Kpi.search(domain + [("month", "=", "2025-04-01")])
        self.assertEqual((april.amount_billed, april.recovery_rate), (50.0, 0.0))

    def shop_bill_unused(self):
        """An old bill of the shop, overdue: its late fee gets charged."""
        return self._make_bill(self.shop, 10.0, "2025-02-01", invoice_date="2025-02-01")

    def test_ageing_buckets_per_customer(self):
        today = fields.Date.today()
        ages = {10: 100.0, 45: 200.0, 75: 300.0, 120: 400.0}
        for days, amount in ages.items():
            self._make_bill(self.customer, amount, today - timedelta(days=days))
        self._make_bill(self.customer, 20.0, today + timedelta(days=5))
        self._make_bill(self.customer, 500.0, date(today.year - 1, 6, 30))
        expected = {
            "amount_not_due": 20.0,
            "amount_0_30": 0.0,
            "amount_31_60": 0.0,
            "amount_61_90": 0.0,
            "amount_over_90": 0.0,
            "amount_earlier_years": 500.0,
        }
        buckets = {10: "amount_0_30", 45: "amount_31_60", 75: "amount_61_90", 120: "amount_over_90"}
        for days, amount in ages.items():
            # early in the year, an old bill belongs to the earlier years
            due = today - timedelta(days=days)
            key = buckets[days] if due.year == today.year else "amount_earlier_years"
            expected[key] += amount
        self.env.flush_all()
        ageing = self.env["utility.arrears.ageing"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(ageing), 1)
        self.assertEqual({key: ageing[key] for key in expected}, expected)
        self.assertEqual(ageing.amount_overdue, 1500.0)
        self.assertEqual(ageing.amount_total, 1520.0)

    def test_three_hundred_percent_figures(self):
        # the base contract is not signed; a second, signed one: 50% signed
        point_2 = self.env["utility.service.point"].create(
            {
                "name": "Second house",
                "station_id": self.station.id,
                "partner_id": self.customer.id,
                "company_id": self.company.id,
            }
        )
        contract_2 = self.env["utility.contract"].create(
            {
                "partner_id": self.customer.id,
                "service_point_id": point_2.id,
                "tariff_id": self.tariff.id,
                "company_id": self.company.id,
                "date_start": "2024-01-01",
                "signed_date": "2024-01-01",
            }
        )
        contract_2.action_activate()
        # 300 paid at the hall (centralized), 100 collected door to door
        hall_journal = self.bank_journal
        field_journal = self.company_data["default_journal_cash"]
        Point = self.env["utility.collection.point"]
        Point.create(
            {
                "name": "Hall",
                "code": "H1",
                "kind": "hall",
                "journal_id": hall_journal.id,
                "company_id": self.company.id,
            }
        )
        Point.create(
            {
                "name": "Round",
                "code": "F1",
                "kind": "field",
                "journal_id": field_journal.id,
                "company_id": self.company.id,
            }
        )
        bill_1 = self._make_bill(self.customer, 300.0, "2025-03-20")
        bill_2 = self._make_bill(self.customer, 100.0, "2025-03-20")
        self._pay(bill_1, date="2025-03-21", journal=hall_journal)
        self._pay(bill_2, date="2025-03-22", journal=field_journal)
        figures = self.env["utility.collection.kpi"]._three_hundred_percent(
            self.company, date(2025, 3, 1), date(2025, 3, 31)
        )
        self.assertEqual(figures["signing"], 50.0)
        self.assertEqual(figures["centralized"], 75.0)
