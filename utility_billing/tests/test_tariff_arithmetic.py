from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import UtilityBillingCase


@tagged("post_install", "-at_install")
class TestTariffArithmetic(UtilityBillingCase):
    """Charge lines of the approved tariffs: blocks, annual blocks, time of
    use, fixed charges and periods spanning two versions."""

    def _bill(self, tariff, consumption, date_from="2025-03-01", date_to="2025-03-31", **kw):
        lines = tariff._compute_charge_lines(date_from, date_to, consumption=consumption, **kw)
        return lines, self.company.currency_id.round(sum(line["amount"] for line in lines))

    def _make_tariff(self, code, category="residential", **version_vals):
        tariff = self.env["utility.tariff"].create(
            {"name": code, "code": code, "category": category, "company_id": self.company.id}
        )
        version = self.env["utility.tariff.version"].create(
            dict(tariff_id=tariff.id, date_from="2024-01-01", **version_vals)
        )
        version.action_approve()
        return tariff

    def test_300_kwh_residential_henan_bills_184_yuan(self):
        lines, total = self._bill(self.tariff, 300)
        self.assertEqual(total, 184.00)
        self.assertEqual(
            [
                (line["name"], line["quantity"], line["price_unit"], line["amount"])
                for line in lines
            ],
            [
                ("Block 1", 180, 0.56, 100.80),
                ("Block 2", 80, 0.61, 48.80),
                ("Block 3", 40, 0.86, 34.40),
            ],
        )
        self.assertEqual({line["version_id"] for line in lines}, {self.tariff_version.id})

    def test_block_boundaries_180_181_260_261_kwh(self):
        expected = {180: 100.80, 181: 101.41, 260: 149.60, 261: 150.46}
        for consumption, amount in expected.items():
            with self.subTest(consumption=consumption):
                lines, total = self._bill(self.tariff, consumption)
                self.assertAlmostEqual(total, amount, places=2)
                self.assertAlmostEqual(sum(line["quantity"] for line in lines), consumption)
        lines, __ = self._bill(self.tariff, 181)
        self.assertEqual([line["quantity"] for line in lines], [180, 1])
        lines, __ = self._bill(self.tariff, 261)
        self.assertEqual([line["quantity"] for line in lines], [180, 80, 1])

    def test_annual_blocks_accumulate_over_the_calendar_year(self):
        tariff = self._make_tariff(
            "RES-ANNUAL",
            block_basis="annual",
            block_ids=[
                (0, 0, {"sequence": 1, "name": "Tier 1", "limit_to": 2160, "price": 0.56}),
                (0, 0, {"sequence": 2, "name": "Tier 2", "limit_to": 4200, "price": 0.61}),
                (0, 0, {"sequence": 3, "name": "Tier 3", "limit_to": 0, "price": 0.86}),
            ],
        )
        # 2100 kWh already billed this year: 60 kWh left in tier 1
        lines, total = self._bill(tariff, 200, year_to_date=2100)
        self.assertEqual([line["quantity"] for line in lines], [60, 140])
        self.assertEqual(total, 119.00)  # 60 x 0.56 + 140 x 0.61
        # early in the year the same 200 kWh stay in tier 1
        __, total = self._bill(tariff, 200, year_to_date=0)
        self.assertEqual(total, 112.00)
        # crossing into tier 3
        __, total = self._bill(tariff, 100, year_to_date=4150)
        self.assertEqual(total, 73.50)  # 50 x 0.61 + 50 x 0.86

    def test_time_of_use_registers_at_their_prices_with_fixed_charge(self):
        tariff = self._make_tariff(
            "IND-TOU",
            category="industrial",
            price_peak=1.025,
            price_flat=0.675,
            price_valley=0.325,
            fixed_charge=120.0,
        )
        registers = {"peak": 100, "flat": 200, "valley": 300}
        lines, total = self._bill(tariff, 600, registers=registers)
        self.assertEqual(
            [(line["register"], line["amount"]) for line in lines if line["kind"] == "register"],
            [("peak", 102.50), ("flat", 135.00), ("valley", 97.50)],
        )
        self.assertEqual(total, 455.00)  # 102.50 + 135.00 + 97.50 + 120 fixed
        # second half of June: half the fixed monthly charge
        lines, total = self._bill(
            tariff, 600, date_from="2025-06-16", date_to="2025-06-30", registers=registers
        )
        fixed = [line for line in lines if line["kind"] == "fixed"]
        self.assertEqual(fixed[0]["amount"], 60.00)
        self.assertEqual(total, 395.00)

    def test_time_of_use_meter_on_a_block_tariff_pays_the_tier_surcharges(self):
        """Blocks 180 / 260 kWh at 0.56 / 0.61 / 0.86 and time-of-use prices
        0.60 / 0.55 / 0.30. A time-of-use meter reading 350 kWh (peak 100,
        flat 150, valley 100) pays its registers at their prices, 172.50,
        and the kWh above the first block their block's surcharge: 80 kWh of
        block 2 at 0.05 and 90 of block 3 at 0.30, 31.00; 203.50 in all. A
        single-register meter on the same version pays the blocks: 184.00 +
        50 x 0.86 = 227.00."""
        tariff = self._make_tariff(
            "RES-TOU",
            block_ids=[
                (0, 0, {"sequence": 1, "name": "Block 1", "limit_to": 180, "price": 0.56}),
                (0, 0, {"sequence": 2, "name": "Block 2", "limit_to": 260, "price": 0.61}),
                (0, 0, {"sequence": 3, "name": "Block 3", "limit_to": 0, "price": 0.86}),
            ],
            price_peak=0.60,
            price_flat=0.55,
            price_valley=0.30,
        )
        registers = {"peak": 100, "flat": 150, "valley": 100}
        lines, total = self._bill(tariff, 350, registers=registers)
        self.assertEqual(
            [
                (line["kind"], line["name"], line["quantity"], line["price_unit"], line["amount"])
                for line in lines
            ],
            [
                ("register", "Peak energy", 100, 0.60, 60.00),
                ("register", "Flat energy", 150, 0.55, 82.50),
                ("register", "Valley energy", 100, 0.30, 30.00),
                ("surcharge", "Block 2 surcharge", 80, 0.05, 4.00),
                ("surcharge", "Block 3 surcharge", 90, 0.30, 27.00),
            ],
        )
        self.assertEqual(total, 203.50)
        # within the first block: the register prices alone
        lines, total = self._bill(tariff, 150, registers={"peak": 50, "flat": 50, "valley": 50})
        self.assertEqual([line["kind"] for line in lines], ["register"] * 3)
        self.assertEqual(total, 72.50)
        # a single-register meter on the same version: the blocks
        __, total = self._bill(tariff, 350)
        self.assertEqual(total, 227.00)

    def test_period_spanning_two_versions_is_billed_pro_rata_by_days(self):
        new_version = self.env["utility.tariff.version"].create(
            {
                "tariff_id": self.tariff.id,
                "date_from": "2025-06-16",
                "block_ids": [(0, 0, {"name": "Single price", "limit_to": 0, "price": 0.60})],
            }
        )
        new_version.action_approve()
        lines, total = self._bill(self.tariff, 300, date_from="2025-06-01", date_to="2025-06-30")
        old_lines = [line for line in lines if line["version_id"] == self.tariff_version.id]
        new_lines = [line for line in lines if line["version_id"] == new_version.id]
        # 15 days each: 150 kWh per version, old block limits halved (90/130 kWh)
        self.assertEqual([line["quantity"] for line in old_lines], [90, 40, 20])
        self.assertEqual(sum(line["amount"] for line in old_lines), 92.00)
        self.assertEqual([(line["quantity"], line["amount"]) for line in new_lines], [(150, 90.00)])
        self.assertEqual(total, 182.00)

    def test_no_approved_version_for_the_period_is_a_clear_error(self):
        self.assertIn(
            "No approved version", self.tariff._get_billing_issue("2023-12-01", "2023-12-31")
        )
        self.assertFalse(self.tariff._get_billing_issue("2024-01-01", "2024-01-31"))
        with self.assertRaises(UserError):
            self.tariff._compute_charge_lines("2023-12-15", "2024-01-14", consumption=100)

    def test_amounts_are_rounded_by_the_currency(self):
        tariff = self._make_tariff(
            "AGR", category="agricultural", block_ids=[(0, 0, {"name": "Energy", "price": 0.4870})]
        )
        lines, total = self._bill(tariff, 333)
        self.assertEqual(lines[0]["price_unit"], 0.4870)
        self.assertEqual(lines[0]["amount"], 162.17)  # 162.171
        self.assertEqual(total, 162.17)
