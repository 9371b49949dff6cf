"""A set of bills computed by hand, booked through the product's own paths
(issue 24's "Done when"): the billing run (the batch path) bills a block
tariff, a time-of-use tariff and a social allowance; a counter payment
made late charges the late fee on its own invoice; the bill cancellation
wizard credits the first bill. Every journal item is compared with amounts
written here, worked out on paper from the tariffs below, never
recomputed by the test.

The company's prices include a 13% output VAT (energy) and a 0.02/kWh
government fund (a fixed price-included tax on a liability account,
outside the VAT base): VAT = (amount - fund) x 13 / 113, revenue = amount
- fund - VAT. Amounts are rounded half-up to the fen."""

from odoo import fields
from odoo.fields import Command
from odoo.tests import tagged

from odoo.addons.utility_billing.tests.common import UtilityBillingCase
from odoo.addons.utility_billing.tests.common_taxes import UtilityTaxedBillMixin

# 1. Henan blocks, 300 kWh (0.56 / 0.61 / 0.86, limits 180 / 260 a month)
#    180 x 0.56 = 100.80: fund 3.60, VAT 97.20 x 13/113 = 11.182301 -> 11.18, net 86.02
#     80 x 0.61 =  48.80: fund 1.60, VAT 47.20 x 13/113 =  5.430088 ->  5.43, net 41.77
#     40 x 0.86 =  34.40: fund 0.80, VAT 33.60 x 13/113 =  3.865487 ->  3.87, net 29.73
#     total 184.00 = revenue 157.52 + VAT 20.48 + fund 6.00
#     (globally: 178.00 x 13/113 = 20.477876 -> 20.48, the same split)
BLOCKS_RECEIVABLE, BLOCKS_REVENUE, BLOCKS_VAT, BLOCKS_FUND = 184.00, 157.52, 20.48, 6.00

# 2. Time of use, residential: registers peak 0.60 / flat 0.50 / valley 0.38
#    and the block tariff's tier surcharges above the first block's 0.56
#    (0.61 - 0.56 = 0.05 from 181 kWh, 0.86 - 0.56 = 0.30 from 261 kWh); the
#    fund is on the register kWh only (a surcharge line counts no kWh twice).
#    Peak 160, flat 140, valley 100 kWh = 400 kWh:
#      peak    160 x 0.60 = 96.00: fund 3.20, VAT 92.80 x 13/113 = 10.676106 -> 10.68, net 82.12
#      flat    140 x 0.50 = 70.00: fund 2.80, VAT 67.20 x 13/113 =  7.730973 ->  7.73, net 59.47
#      valley  100 x 0.38 = 38.00: fund 2.00, VAT 36.00 x 13/113 =  4.141593 ->  4.14, net 31.86
#      181-260  80 x 0.05 =  4.00: no fund,   VAT  4.00 x 13/113 =  0.460177 ->  0.46, net  3.54
#      >260    140 x 0.30 = 42.00: no fund,   VAT 42.00 x 13/113 =  4.831858 ->  4.83, net 37.17
#      total 250.00 = revenue 214.16 + VAT 27.84 + fund 8.00
#      (globally: 242.00 x 13/113 = 27.840708 -> 27.84, the same split)
TOU_RECEIVABLE, TOU_REVENUE, TOU_VAT, TOU_FUND = 250.00, 214.16, 27.84, 8.00

# 3. Social allowance, 10 free kWh of a low-income household on 300 kWh:
#    the blocks bill 290 kWh (180 / 80 / 30), the allowance line shows the
#    10 kWh at the first block's price and bears its VAT and fund, its offset
#    books the same amount on the government receivable (no tax):
#    180 x 0.56 = 100.80: fund 3.60, VAT 97.20 x 13/113 = 11.182301 -> 11.18, net 86.02
#     80 x 0.61 =  48.80: fund 1.60, VAT 47.20 x 13/113 =  5.430088 ->  5.43, net 41.77
#     30 x 0.86 =  25.80: fund 0.60, VAT 25.20 x 13/113 =  2.899115 ->  2.90, net 22.30
#     10 x 0.56 =   5.60: fund 0.20, VAT  5.40 x 13/113 =  0.621239 ->  0.62, net  4.78
#    offset -5.60 on the government receivable
#    customer owes 175.40; revenue 154.87, VAT 20.13, fund 6.00, government 5.60
#    (globally: 175.00 x 13/113 = 20.132743 -> 20.13, the same split)
#    debit 175.40 + 5.60 = 181.00 = credit 154.87 + 20.13 + 6.00
ALW_RECEIVABLE, ALW_REVENUE, ALW_VAT, ALW_FUND, ALW_GOVERNMENT = (
    175.40,
    154.87,
    20.13,
    6.00,
    5.60,
)

# 4. The time-of-use bill (250.00, due 2025-04-17) paid at the counter on
#    2025-05-27, 40 days late: 250.00 x 1 per mille x 40 days = 10.00 of
#    late fee (residential policy), VAT included: 10.00 x 13/113 = 1.150442
#    -> 1.15, late-fee income 8.85
FEE_RECEIVABLE, FEE_REVENUE, FEE_VAT = 10.00, 8.85, 1.15

# 5. The credit note of bill 1: every amount of bill 1 reversed.

# 6. Decimal kWh over a partial period: 200.37 kWh in March 2025 on a tariff
#    whose prices become 0.58 / 0.63 / 0.88 on the 16th. The kWh and the
#    monthly block limits are split by days (15/31 and 16/31, to 0.01 kWh):
#    1-15:  96.95 kWh, limits 87.10 / 125.81: 87.10 x 0.56 = 48.776, 9.85 x 0.61 = 6.0085
#    16-31: 103.42 kWh, limits 92.90 / 134.19: 92.90 x 0.58 = 53.882, 10.52 x 0.63 = 6.6276
#    fund 0.02 x kWh: 1.742, 0.197, 1.858, 0.2104 (sum 4.0074)
#    Rounded per line (each line's amount to the fen, its taxes from it):
#      48.78: fund 1.74, VAT 47.04 x 13/113 = 5.411681 -> 5.41, net 41.63
#       6.01: fund 0.20, VAT  5.81 x 13/113 = 0.668407 -> 0.67, net  5.14
#      53.88: fund 1.86, VAT 52.02 x 13/113 = 5.984602 -> 5.98, net 46.04
#       6.63: fund 0.21, VAT  6.42 x 13/113 = 0.738584 -> 0.74, net  5.68
#      receivable 115.30, revenue 98.49, VAT 12.80, fund 4.01
#    Rounded globally (Odoo rounds the sums of the unrounded amounts):
#      receivable 115.2941 -> 115.29, fund 4.0074 -> 4.01,
#      VAT (115.2941 - 4.0074) x 13/113 = 12.802895 -> 12.80,
#      revenue 111.2867 x 100/113 = 98.483805 -> 98.48
#    (so the customer owes 0.01 less than the sum of the rounded lines,
#    115.30, in a round_globally company; the Chinese chart of accounts
#    rounds per line)
PARTIAL_PER_LINE = (115.30, 98.49, 12.80, 4.01)
PARTIAL_GLOBALLY = (115.29, 98.48, 12.80, 4.01)

# all the moves above together, per tax (the tax report's figures):
#   VAT  -20.48 - 27.84 - 20.13 - 1.15 + 20.48 = -49.12
#   base -157.52 - 214.16 - 154.87 - 8.85 + 157.52 = -377.88
#   fund -6.00 - 8.00 - 6.00 + 6.00 = -14.00
TOTAL_VAT, TOTAL_VAT_BASE, TOTAL_FUND = -49.12, -377.88, -14.00


@tagged("post_install", "-at_install")
class TestHandComputedBills(UtilityBillingCase, UtilityTaxedBillMixin):
    """Bills of a block tariff, a time-of-use tariff and a social
    allowance, a late fee and a credit note, booked through the billing
    run, the counter payment and the cancellation wizard: every journal
    item is the hand-computed amount (see the module's comments), in both
    tax rounding modes; and a partial period of decimal kWh, where the two
    modes differ."""

    HENAN_BLOCKS = [
        Command.create({"sequence": 1, "name": "Block 1", "limit_to": 180, "price": 0.56}),
        Command.create({"sequence": 2, "name": "Block 2", "limit_to": 260, "price": 0.61}),
        Command.create({"sequence": 3, "name": "Block 3", "limit_to": 0, "price": 0.86}),
    ]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._utility_make_bill_taxes(cls.company)
        cls.government_account = cls.env["account.account"].create(
            {
                "name": "Allowance receivable from the government",
                "code": "123199",
                "account_type": "asset_current",
                "company_ids": [Command.set(cls.company.ids)],
            }
        )
        cls.company.utility_late_fee_tax_ids = cls.vat13
        cls.term_15 = cls.env.ref("account.account_payment_term_15days")
        cls.hall = cls.env["utility.collection.point"].create(
            {
                "name": "Chengguan hall",
                "code": "CG-HC",
                "kind": "hall",
                "journal_id": cls.company_data["default_journal_cash"].id,
            }
        )
        cls.components = components = [
            Command.create({"kind": "energy", "name": "Energy", "tax_id": cls.vat13.id}),
            Command.create({"kind": "fund", "name": "Fund", "tax_id": cls.fund.id}),
        ]
        cls.block_tariff = cls._taxed_tariff(
            "RES-HC",
            {
                "allowance_kwh_low_income": 10,
                "allowance_account_id": cls.government_account.id,
                "block_ids": cls.HENAN_BLOCKS,
                "component_ids": components,
            },
        )
        cls.tou_tariff = cls._taxed_tariff(
            "TOU-HC",
            {
                "price_peak": 0.60,
                "price_flat": 0.50,
                "price_valley": 0.38,
                "block_ids": cls.HENAN_BLOCKS,
                "component_ids": components,
            },
        )
        cls.revenue_account = (
            cls.env["account.move"]._utility_get_bill_journal(cls.company).default_account_id
        )

    @classmethod
    def _taxed_tariff(cls, code, version_vals):
        tariff = cls.env["utility.tariff"].create(
            {
                "name": f"Tariff {code}",
                "code": code,
                "category": "residential",
                "company_id": cls.company.id,
            }
        )
        cls.env["utility.tariff.version"].create(
            {"tariff_id": tariff.id, "date_from": "2024-01-01", **version_vals}
        ).action_approve()
        return tariff

    def _customer(self, number, tariff, reading, tou=False):
        contract, meter = self._new_customer(
            number, tariff=tariff, initial_reading=1000, payment_term=self.term_15
        )
        if tou:
            meter.write(
                {
                    "register_type": "tou",
                    "initial_reading_peak": 300,
                    "initial_reading_flat": 400,
                    "initial_reading_valley": 300,
                }
            )
        self.env["utility.meter.reading"].create(
            {"meter_id": meter.id, "reading_date": "2025-03-31", **reading}
        ).action_validate()
        return contract

    def _balances(self, move):
        """{account: balance}, the amounts booked by ``move``."""
        balances = {}
        for line in move.line_ids:
            balances[line.account_id] = move.currency_id.round(
                balances.get(line.account_id, 0.0) + line.balance
            )
        return balances

    def _assert_vat_base(self, move, revenue_account, revenue):
        """The VAT line's base (``tax_base_amount``, signed as Odoo stores it:
        negative on an invoice) is the revenue booked."""
        vat_line = move.line_ids.filtered(lambda line: line.tax_line_id == self.vat13)
        self.assertEqual(len(vat_line), 1)
        self.assertAlmostEqual(vat_line.tax_base_amount, revenue, places=2)
        self.assertAlmostEqual(
            self._balances(move)[revenue_account], vat_line.tax_base_amount, places=2
        )

    def _assert_tax_summary(self, move, total, revenue, vat, fund, untaxed=None):
        """What the bill shows (Odoo's tax summary, in the document's sign):
        the untaxed amount (``revenue`` unless given), the VAT on the
        revenue and the funds."""
        totals = move.tax_totals
        self.assertAlmostEqual(totals["total_amount_currency"], total, places=2)
        self.assertAlmostEqual(
            totals["base_amount_currency"], revenue if untaxed is None else untaxed, places=2
        )
        groups = {
            group["group_name"]: group
            for subtotal in totals["subtotals"]
            for group in subtotal["tax_groups"]
        }
        self.assertAlmostEqual(groups["VAT"]["tax_amount_currency"], vat, places=2)
        self.assertAlmostEqual(groups["VAT"]["base_amount_currency"], revenue, places=2)
        if fund:
            self.assertAlmostEqual(
                groups["Government funds"]["tax_amount_currency"], fund, places=2
            )
        else:
            self.assertNotIn("Government funds", groups)

    def _run_hand_computed_set(self, prefix):
        blocks = self._customer(f"{prefix}00001", self.block_tariff, {"value": 1300})
        tou = self._customer(
            f"{prefix}00002",
            self.tou_tariff,
            {"value": 1400, "value_peak": 460, "value_flat": 540, "value_valley": 400},
            tou=True,
        )
        allowance = self._customer(f"{prefix}00003", self.block_tariff, {"value": 1300})
        self.env["utility.allowance.certificate"].create(
            {
                "number": f"MZ-{prefix}",
                "partner_id": allowance.partner_id.id,
                "kind": "low_income",
                "date_from": "2024-01-01",
                "date_to": "2026-12-31",
                "company_id": self.company.id,
            }
        )
        run = self.env["utility.billing.run"].create(
            {
                "company_id": self.company.id,
                "date_from": "2025-03-01",
                "date_to": "2025-03-31",
                "invoice_date": "2025-04-02",
            }
        )
        run._run_batch((blocks | tou | allowance).ids)
        bills = {move.utility_contract_id: move for move in run.move_ids}
        self.assertEqual(len(bills), 3)
        self.assertEqual(set(run.move_ids.mapped("state")), {"posted"})

        # 1. blocks
        bill = bills[blocks]
        receivable = blocks.partner_id.property_account_receivable_id
        self.assertEqual(
            self._balances(bill),
            {
                receivable: BLOCKS_RECEIVABLE,
                self.revenue_account: -BLOCKS_REVENUE,
                self.vat_account: -BLOCKS_VAT,
                self.fund_account: -BLOCKS_FUND,
            },
        )
        self._assert_vat_base(bill, self.revenue_account, -BLOCKS_REVENUE)
        self._assert_tax_summary(bill, BLOCKS_RECEIVABLE, BLOCKS_REVENUE, BLOCKS_VAT, BLOCKS_FUND)
        self.assertEqual(
            bill.invoice_line_ids.sorted("price_unit").mapped("price_subtotal"),
            [86.02, 41.77, 29.73],
        )

        # 2. time of use
        tou_bill = bills[tou]
        self.assertEqual(
            sorted(
                (line.utility_charge_kind, line.quantity, line.price_unit, line.price_total)
                for line in tou_bill.invoice_line_ids
            ),
            sorted(
                [
                    ("register", 160, 0.60, 96.00),
                    ("register", 140, 0.50, 70.00),
                    ("register", 100, 0.38, 38.00),
                    ("surcharge", 80, 0.05, 4.00),
                    ("surcharge", 140, 0.30, 42.00),
                ]
            ),
        )
        self.assertEqual(
            sorted(tou_bill.invoice_line_ids.mapped("price_subtotal")),
            [3.54, 31.86, 37.17, 59.47, 82.12],
        )
        self.assertEqual(
            self._balances(tou_bill),
            {
                receivable: TOU_RECEIVABLE,
                self.revenue_account: -TOU_REVENUE,
                self.vat_account: -TOU_VAT,
                self.fund_account: -TOU_FUND,
            },
        )
        self._assert_vat_base(tou_bill, self.revenue_account, -TOU_REVENUE)
        self._assert_tax_summary(tou_bill, TOU_RECEIVABLE, TOU_REVENUE, TOU_VAT, TOU_FUND)

        # 3. social allowance
        alw_bill = bills[allowance]
        self.assertEqual(
            sorted(
                (
                    line.utility_charge_kind,
                    line.quantity,
                    line.price_total,
                    line.price_subtotal,
                    line.account_id == self.government_account,
                )
                for line in alw_bill.invoice_line_ids
            ),
            sorted(
                [
                    ("block", 180, 100.80, 86.02, False),
                    ("block", 80, 48.80, 41.77, False),
                    ("block", 30, 25.80, 22.30, False),
                    ("allowance", 10, 5.60, 4.78, False),
                    ("allowance_offset", 10, -5.60, -5.60, True),
                ]
            ),
        )
        self.assertEqual(alw_bill.amount_total, ALW_RECEIVABLE)
        self.assertEqual(
            self._balances(alw_bill),
            {
                receivable: ALW_RECEIVABLE,
                self.government_account: ALW_GOVERNMENT,
                self.revenue_account: -ALW_REVENUE,
                self.vat_account: -ALW_VAT,
                self.fund_account: -ALW_FUND,
            },
        )
        self._assert_vat_base(alw_bill, self.revenue_account, -ALW_REVENUE)
        # the offset line, untaxed, is in the untaxed amount shown (154.87 -
        # 5.60 = 149.27), not in the VAT base (154.87)
        self._assert_tax_summary(
            alw_bill, ALW_RECEIVABLE, ALW_REVENUE, ALW_VAT, ALW_FUND, untaxed=149.27
        )

        # 4. the time-of-use bill paid at the counter 40 days late
        self.assertEqual(tou_bill.invoice_date_due, fields.Date.to_date("2025-04-17"))
        self.env["account.payment"]._utility_pay(
            tou.partner_id, TOU_RECEIVABLE + FEE_RECEIVABLE, self.hall, date="2025-05-27"
        )
        fee = tou_bill.utility_late_fee_move_ids
        self.assertEqual(len(fee), 1)
        self.assertEqual((fee.state, fee.payment_state), ("posted", "paid"))
        self.assertEqual(tou_bill.payment_state, "paid")
        self.assertEqual(tou_bill.amount_total, TOU_RECEIVABLE, "the fee is not in the bill")
        fee_account = self.company.utility_late_fee_account_id
        self.assertTrue(fee_account)
        self.assertEqual(
            self._balances(fee),
            {
                receivable: FEE_RECEIVABLE,
                fee_account: -FEE_REVENUE,
                self.vat_account: -FEE_VAT,
            },
        )
        self._assert_vat_base(fee, fee_account, -FEE_REVENUE)
        self._assert_tax_summary(fee, FEE_RECEIVABLE, FEE_REVENUE, FEE_VAT, 0.0)

        # 5. bill 1 cancelled by credit note
        action = (
            self.env["utility.bill.cancel"]
            .create(
                {
                    "move_ids": [Command.set(bill.ids)],
                    "reason": "Meter read twice",
                    "date": "2025-04-10",
                }
            )
            .action_confirm()
        )
        credit_note = self.env["account.move"].search(action["domain"])
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.state, "posted")
        self.assertEqual(
            self._balances(credit_note),
            {
                receivable: -BLOCKS_RECEIVABLE,
                self.revenue_account: BLOCKS_REVENUE,
                self.vat_account: BLOCKS_VAT,
                self.fund_account: BLOCKS_FUND,
            },
        )
        self._assert_vat_base(credit_note, self.revenue_account, BLOCKS_REVENUE)
        self._assert_tax_summary(
            credit_note, BLOCKS_RECEIVABLE, BLOCKS_REVENUE, BLOCKS_VAT, BLOCKS_FUND
        )
        self.assertEqual(bill.payment_state, "reversed")

        # what Odoo's tax report reads: tax lines grouped by tax
        moves = run.move_ids | fee | credit_note
        per_tax = {
            tax: (balance, base)
            for tax, balance, base in self.env["account.move.line"]._read_group(
                [("move_id", "in", moves.ids), ("tax_line_id", "!=", False)],
                ["tax_line_id"],
                ["balance:sum", "tax_base_amount:sum"],
            )
        }
        self.assertEqual(set(per_tax), {self.vat13, self.fund})
        self.assertAlmostEqual(per_tax[self.vat13][0], TOTAL_VAT, places=2)
        self.assertAlmostEqual(per_tax[self.vat13][1], TOTAL_VAT_BASE, places=2)
        self.assertAlmostEqual(per_tax[self.fund][0], TOTAL_FUND, places=2)
        # the base lines bearing the VAT sum to the same base
        base_lines = self.env["account.move.line"].search(
            [("move_id", "in", moves.ids), ("tax_ids", "in", self.vat13.ids)]
        )
        self.assertAlmostEqual(sum(base_lines.mapped("balance")), TOTAL_VAT_BASE, places=2)

    def _partial_period_bill(self, prefix):
        """Case 6: the bill of 200.37 kWh over a month whose prices change on
        the 16th (see PARTIAL_*)."""
        tariff = self._taxed_tariff(
            f"PP-{prefix}",
            {"block_ids": self.HENAN_BLOCKS, "component_ids": self.components},
        )
        self.env["utility.tariff.version"].create(
            {
                "tariff_id": tariff.id,
                "date_from": "2025-03-16",
                "block_ids": [
                    Command.create(
                        {"sequence": 1, "name": "Block 1", "limit_to": 180, "price": 0.58}
                    ),
                    Command.create(
                        {"sequence": 2, "name": "Block 2", "limit_to": 260, "price": 0.63}
                    ),
                    Command.create(
                        {"sequence": 3, "name": "Block 3", "limit_to": 0, "price": 0.88}
                    ),
                ],
                "component_ids": self.components,
            }
        ).action_approve()
        contract = self._customer(f"{prefix}00009", tariff, {"value": 1200.37})
        run = self.env["utility.billing.run"].create(
            {
                "company_id": self.company.id,
                "date_from": "2025-03-01",
                "date_to": "2025-03-31",
                "invoice_date": "2025-04-02",
            }
        )
        run._run_batch(contract.ids)
        bill = run.move_ids
        self.assertEqual(bill.state, "posted")
        self.assertEqual(
            [(line.quantity, line.price_unit) for line in bill.invoice_line_ids],
            [(87.10, 0.56), (9.85, 0.61), (92.90, 0.58), (10.52, 0.63)],
        )
        return bill

    def _assert_partial_period(self, bill, receivable, revenue, vat, fund):
        self.assertEqual(
            self._balances(bill),
            {
                bill.partner_id.property_account_receivable_id: receivable,
                self.revenue_account: -revenue,
                self.vat_account: -vat,
                self.fund_account: -fund,
            },
        )
        self._assert_vat_base(bill, self.revenue_account, -revenue)

    def test_hand_computed_bills_round_per_line(self):
        self.company.tax_calculation_rounding_method = "round_per_line"
        self._run_hand_computed_set("0971")
        bill = self._partial_period_bill("0971")
        self._assert_partial_period(bill, *PARTIAL_PER_LINE)
        self.assertEqual(bill.invoice_line_ids.mapped("price_total"), [48.78, 6.01, 53.88, 6.63])
        self.assertEqual(bill.invoice_line_ids.mapped("price_subtotal"), [41.63, 5.14, 46.04, 5.68])

    def test_hand_computed_bills_round_globally(self):
        self.company.tax_calculation_rounding_method = "round_globally"
        self._run_hand_computed_set("0972")
        self._assert_partial_period(self._partial_period_bill("0972"), *PARTIAL_GLOBALLY)
