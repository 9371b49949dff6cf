"""Property-based tests (hypothesis) on the money arithmetic and the file parsers.

Each property runs on at most 50 generated examples without deadline; every
example that writes to the database runs inside a savepoint that is rolled
back, so examples cannot see each other's records.
"""

import base64
import contextlib
import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import float_compare, float_round

from odoo.addons.utility_payment_channels.tests.agency_common import UtilityAgencyCase

BOUNDED = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)

CONSUMPTION = st.decimals(min_value=0, max_value=20000, places=2, allow_nan=False).map(float)
AMOUNT = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False).map(float)
JANUARY = (date(2025, 1, 1), date(2025, 1, 31))

# an arbitrary block tariff: 1 to 5 rising block limits, the last block open-ended
BLOCK_TARIFF = st.tuples(
    st.lists(st.integers(min_value=1, max_value=2000), min_size=0, max_size=4, unique=True),
    st.lists(st.decimals(min_value=0, max_value=5, places=4).map(float), min_size=5, max_size=5),
)


# the amount grammar, written out independently of the code under test:
# ASCII digits, optional comma thousands, an optional decimal point
AMOUNT_GRAMMAR = re.compile(r"(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]+)?")
AMOUNT_TEXT = st.one_of(
    st.text(alphabet="0123456789.,+-eE \u0661\u0662\uff11NaIfity", max_size=10),
    st.sampled_from(["12", "12.5", "1,000.25", "0.01", "١٢", "5e1", "+5", " 5.00 ", "1e308"]),
)


def agency_money_file():
    """Lines of an agency file reusing a few transaction ids for a few
    customers (one unknown) and amounts, as (txn, customer, amount) rows."""
    line = st.tuples(
        st.sampled_from(["M-1", "M-2", "M-3"]),
        st.sampled_from(["0100000002", "0100000003", "0109999999"]),
        st.sampled_from(["10.00", "20.00", "60.00", "35.50"]),
    )
    return st.lists(line, min_size=1, max_size=6)


def agency_file_bytes():
    """Raw bytes, or a CSV with the expected header and hostile cells."""
    cell = st.one_of(
        st.text(max_size=12),
        st.sampled_from(["", "0", "-5", "1e9", "NaN", "Infinity", "12.345", "2025-01-10 09:00:00"]),
    )
    row = st.lists(cell, min_size=0, max_size=8).map(
        lambda cells: ",".join(c.replace("\n", " ").replace(",", " ") for c in cells)
    )
    csv_text = st.lists(row, max_size=5).map(
        lambda rows: "\n".join(
            ["txn_id,paid_at,customer_number,bill_number,amount,outlet_code", *rows]
        ).encode("utf-8")
    )
    return st.one_of(st.binary(min_size=1, max_size=400), csv_text)


def reading_file_bytes():
    cell = st.one_of(
        st.text(max_size=12),
        st.sampled_from(["", "M0001", "2025-01-31", "-1", "99999", "1e9", "nan", "12,5"]),
    )
    row = st.lists(cell, min_size=0, max_size=4).map(
        lambda cells: ",".join(c.replace("\n", " ").replace(",", " ") for c in cells)
    )
    csv_text = st.lists(row, max_size=5).map(
        lambda rows: "\n".join(["meter_serial,reading_date,value", *rows]).encode("utf-8")
    )
    return st.one_of(st.binary(min_size=1, max_size=400), csv_text, st.just(b"PK\x03\x04broken"))


@tagged("post_install", "-at_install")
class TestHostileInputProperties(UtilityAgencyCase):
    """Tariffs, late fees and file parsers hold their promises on any input."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the Henan residential block tariff (as in utility_billing's common case)
        cls.tariff = cls.env["utility.tariff"].create(
            {
                "name": "Residential block tariff",
                "code": "RES",
                "category": "residential",
                "company_id": cls.company.id,
            }
        )
        cls.env["utility.tariff.version"].create(
            {
                "tariff_id": cls.tariff.id,
                "date_from": "2024-01-01",
                "block_ids": [
                    (0, 0, {"sequence": 1, "name": "Block 1", "limit_to": 180, "price": 0.56}),
                    (0, 0, {"sequence": 2, "name": "Block 2", "limit_to": 260, "price": 0.61}),
                    (0, 0, {"sequence": 3, "name": "Block 3", "limit_to": 0, "price": 0.86}),
                ],
            }
        ).action_approve()
        cls.currency = cls.tariff.currency_id
        cls.policy = cls.env["utility.arrears.policy"].create(
            {
                "name": "Property policy",
                "company_id": cls.company.id,
                "late_fee_current_rate": 1.0,
                "late_fee_earlier_rate": 3.0,
                "late_fee_minimum": 1.0,
                "grace_days": 5,
            }
        )

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def _rolled_back(self):
        """A savepoint that is always rolled back at the end of the block."""
        return contextlib.closing(self.env.cr.savepoint())

    def _total(self, lines):
        return self.currency.round(sum(line["amount"] for line in lines))

    def _charge(self, tariff, consumption):
        return tariff._compute_charge_lines(
            *JANUARY, consumption=consumption, registers=None, year_to_date=0
        )

    def _assert_block_lines(self, lines, consumption, limits, prices):
        """The lines are the blocks the consumption falls in, each amount
        rounded by the currency, and the total is their sum."""
        qty_digits = self.env["decimal.precision"].precision_get("Product Unit")
        expected_total = 0.0
        lower = 0.0
        for limit, price in zip([*limits, None], prices, strict=False):
            upper = consumption if limit is None else min(consumption, limit)
            quantity = float_round(max(upper - lower, 0.0), precision_digits=qty_digits)
            expected_total += self.currency.round(quantity * price)
            if limit is None or limit >= consumption:
                break
            lower = limit
        block_lines = [line for line in lines if line["kind"] == "block"]
        for line in block_lines:
            self.assertEqual(
                self.currency.compare_amounts(line["amount"], self.currency.round(line["amount"])),
                0,
                "every line amount is rounded by the currency",
            )
        self.assertEqual(
            float_compare(
                sum(line["quantity"] for line in block_lines),
                consumption,
                precision_digits=qty_digits,
            ),
            0,
            "the block quantities add up to the consumption",
        )
        self.assertEqual(
            self.currency.compare_amounts(self._total(lines), self.currency.round(expected_total)),
            0,
            "the total is the sum of the block amounts",
        )

    # ------------------------------------------------------------------
    # tariff arithmetic
    # ------------------------------------------------------------------
    @BOUNDED
    @given(consumption=CONSUMPTION)
    def test_henan_block_tariff_total_is_the_sum_of_its_blocks(self, consumption):
        lines = self._charge(self.tariff, consumption)
        self._assert_block_lines(lines, consumption, [180, 260], [0.56, 0.61, 0.86])

    @BOUNDED
    @given(first=CONSUMPTION, second=CONSUMPTION)
    def test_henan_block_tariff_never_decreases_with_consumption(self, first, second):
        low, high = sorted((first, second))
        total_low = self._total(self._charge(self.tariff, low))
        total_high = self._total(self._charge(self.tariff, high))
        self.assertLessEqual(self.currency.compare_amounts(total_low, total_high), 0)

    @BOUNDED
    @given(tariff_spec=BLOCK_TARIFF, first=CONSUMPTION, second=CONSUMPTION)
    def test_any_block_tariff_sums_its_blocks_and_never_decreases(self, tariff_spec, first, second):
        limits, prices = sorted(tariff_spec[0]), tariff_spec[1][: len(tariff_spec[0]) + 1]
        with self._rolled_back():
            tariff = self.env["utility.tariff"].create(
                {
                    "name": "Generated tariff",
                    "code": "GEN",
                    "category": "residential",
                    "company_id": self.company.id,
                }
            )
            version = self.env["utility.tariff.version"].create(
                {
                    "tariff_id": tariff.id,
                    "date_from": "2024-01-01",
                    "block_ids": [
                        (
                            0,
                            0,
                            {
                                "sequence": index,
                                "name": f"Block {index + 1}",
                                "limit_to": limit or 0,
                                "price": price,
                            },
                        )
                        for index, (limit, price) in enumerate(
                            zip([*limits, None], prices, strict=True)
                        )
                    ],
                }
            )
            version.action_approve()
            low, high = sorted((first, second))
            lines_low = self._charge(tariff, low)
            lines_high = self._charge(tariff, high)
            self._assert_block_lines(lines_low, low, limits, prices)
            self._assert_block_lines(lines_high, high, limits, prices)
            self.assertLessEqual(
                self.currency.compare_amounts(self._total(lines_low), self._total(lines_high)), 0
            )

    # ------------------------------------------------------------------
    # social allowance
    # ------------------------------------------------------------------
    def _allowance_tariff(self, free_kwh):
        """The Henan blocks with ``free_kwh`` free kWh a month for low-income
        households (inside a rolled-back savepoint)."""
        account = self.env["account.account"].create(
            {
                "name": "Allowance receivable",
                "code": "123199",
                "account_type": "asset_current",
                "company_ids": [(6, 0, self.company.ids)],
            }
        )
        tariff = self.env["utility.tariff"].create(
            {
                "name": "Allowance tariff",
                "code": "ALW",
                "category": "residential",
                "company_id": self.company.id,
            }
        )
        self.env["utility.tariff.version"].create(
            {
                "tariff_id": tariff.id,
                "date_from": "2024-01-01",
                "allowance_kwh_low_income": free_kwh,
                "allowance_account_id": account.id,
                "block_ids": [
                    (0, 0, {"sequence": 1, "name": "Block 1", "limit_to": 180, "price": 0.56}),
                    (0, 0, {"sequence": 2, "name": "Block 2", "limit_to": 260, "price": 0.61}),
                    (0, 0, {"sequence": 3, "name": "Block 3", "limit_to": 0, "price": 0.86}),
                ],
            }
        ).action_approve()
        return tariff

    @BOUNDED
    @given(
        free_kwh=st.sampled_from([10, 15, 12.5]),
        first=st.decimals(min_value=0, max_value=400, places=2).map(float),
        second=CONSUMPTION,
        valid_from=st.integers(min_value=0, max_value=40),
        valid_days=st.integers(min_value=0, max_value=60),
    )
    @example(free_kwh=10, first=300, second=300, valid_from=0, valid_days=60)
    @example(free_kwh=15, first=3, second=9.99, valid_from=0, valid_days=60)
    def test_allowance_never_above_consumption_and_total_never_decreases(
        self, free_kwh, first, second, valid_from, valid_days
    ):
        """With a certificate in force for any part of the month: the free kWh
        never exceed the consumption nor the month's allowance, the allowance
        and its offset cancel out, the total is the sum of the lines and the
        price of the billable kWh alone, and it never decreases with the
        consumption."""
        start = JANUARY[0] - timedelta(days=20) + timedelta(days=valid_from)
        allowances = [("low_income", start, start + timedelta(days=valid_days))]
        allowances = [
            (kind, max(a, JANUARY[0]), min(b, JANUARY[1]))
            for kind, a, b in allowances
            if a <= JANUARY[1] and b >= JANUARY[0]
        ]
        with self._rolled_back():
            tariff = self._allowance_tariff(free_kwh)
            totals = []
            for consumption in sorted((first, second)):
                lines = tariff._compute_charge_lines(
                    *JANUARY, consumption=consumption, allowances=allowances
                )
                free = sum(line["quantity"] for line in lines if line["kind"] == "allowance")
                self.assertLessEqual(
                    float_compare(free, consumption, precision_digits=2), 0, "free <= consumption"
                )
                self.assertLessEqual(float_compare(free, free_kwh, precision_digits=2), 0)
                self.assertEqual(
                    self.currency.compare_amounts(
                        sum(
                            line["amount"]
                            for line in lines
                            if line["kind"] in ("allowance", "allowance_offset")
                        ),
                        0.0,
                    ),
                    0,
                    "the allowance and its offset cancel out",
                )
                total = self._total(lines)
                self.assertEqual(
                    self.currency.compare_amounts(
                        total, sum(self.currency.round(line["amount"]) for line in lines)
                    ),
                    0,
                    "the total is the sum of the lines",
                )
                billable = float_round(consumption - free, precision_digits=2)
                self.assertEqual(
                    self.currency.compare_amounts(
                        total, self._total(self._charge(tariff, billable))
                    ),
                    0,
                    "the customer pays the billable kWh only",
                )
                totals.append(total)
            self.assertLessEqual(self.currency.compare_amounts(totals[0], totals[1]), 0)

    # ------------------------------------------------------------------
    # late fees
    # ------------------------------------------------------------------
    @BOUNDED
    @given(
        amount=AMOUNT,
        due_date=st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 12, 31)),
        days=st.integers(min_value=-30, max_value=1500),
        more_days=st.integers(min_value=0, max_value=800),
    )
    def test_late_fee_never_decreases_with_days_overdue(self, amount, due_date, days, more_days):
        on_date = due_date + timedelta(days=days)
        fee = self.policy._compute_late_fee(amount, due_date, on_date)
        later_fee = self.policy._compute_late_fee(
            amount, due_date, on_date + timedelta(days=more_days)
        )
        self.assertGreaterEqual(fee, 0.0)
        self.assertEqual(self.currency.compare_amounts(fee, self.currency.round(fee)), 0)
        self.assertLessEqual(self.currency.compare_amounts(fee, later_fee), 0)

    @BOUNDED
    @given(
        first=AMOUNT,
        second=AMOUNT,
        due_date=st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 12, 31)),
        days=st.integers(min_value=0, max_value=1500),
    )
    def test_late_fee_never_decreases_with_the_amount(self, first, second, due_date, days):
        low, high = sorted((first, second))
        on_date = due_date + timedelta(days=days)
        fee_low = self.policy._compute_late_fee(low, due_date, on_date)
        fee_high = self.policy._compute_late_fee(high, due_date, on_date)
        self.assertLessEqual(self.currency.compare_amounts(fee_low, fee_high), 0)

    # ------------------------------------------------------------------
    # file parsers
    # ------------------------------------------------------------------

    @BOUNDED
    @given(content=agency_file_bytes())
    @example(
        content=b"txn_id,paid_at,customer_number,bill_number,amount,outlet_code\n\x00,x,y,,1,z"
    )
    @example(content=b"txn_id,paid_at,customer_number,bill_number,amount,outlet_code\nT,x,y,,nan,z")
    @example(content=b"txn_id,paid_at,customer_number,bill_number,amount,outlet_code\n\r0")
    def test_agency_file_import_gives_a_result_or_a_clear_error(self, content):
        with self._rolled_back():
            payments_before = self.env["account.payment"].search_count([])
            file = self.env["utility.agency.import"].create(
                {
                    "agency_id": self.agency.id,
                    "file": base64.b64encode(content),
                    "filename": "hostile.csv",
                }
            )
            try:
                with self.env.cr.savepoint():
                    file.action_import()
            except UserError as error:
                self.assertTrue(str(error.args[0]).strip(), "the error says what is wrong")
                file.invalidate_recordset()
                self.assertEqual(file.state, "draft", "a refused file stays a draft")
                self.assertFalse(file.line_ids, "a refused file keeps no line")
                self.assertEqual(
                    self.env["account.payment"].search_count([]),
                    payments_before,
                    "a refused file books nothing",
                )
            else:
                text = content.decode("utf-8-sig")
                lines = list(csv.reader(io.StringIO(text, newline="")))[1:]
                rows = [values for values in lines if any(value.strip() for value in values)]
                self.assertEqual(file.file_count, len(rows), "no line of the file is dropped")

    @BOUNDED
    @given(content=reading_file_bytes())
    @example(content=b"meter_serial,reading_date,value\n,,nan")
    @example(content=b"meter_serial,reading_date,value\n\x00")
    @example(content=b"meter_serial,reading_date,value\nM0001,2025-01-31,inf")
    @example(content=b'meter_serial,reading_date,value\n\r0,"a')
    def test_reading_import_gives_a_result_or_a_clear_error(self, content):
        Reading = self.env["utility.meter.reading"]
        with self._rolled_back():
            readings_before = Reading.search_count([])
            wizard = self.env["utility.reading.import"].create(
                {"file": base64.b64encode(content), "filename": "hostile.csv"}
            )
            try:
                with self.env.cr.savepoint():
                    wizard.action_import()
            except UserError as error:
                self.assertTrue(str(error.args[0]).strip(), "the error says what is wrong")
                self.assertEqual(Reading.search_count([]), readings_before)
            else:
                created = Reading.search_count([]) - readings_before
                if wizard.state == "rejected":
                    self.assertEqual(created, 0, "a rejected file saves no reading")
                else:
                    self.assertEqual(wizard.state, "done")
                    self.assertEqual(created, len(wizard.line_ids), "every row is saved")

    # ------------------------------------------------------------------
    # money invariants of agency files
    # ------------------------------------------------------------------
    def _money_import(self, rows, blank_lines=0):
        # blank lines at the end (skipped) make two files of the same rows two files
        text = "\n".join(
            ["txn_id,paid_at,customer_number,bill_number,amount,outlet_code"]
            + [
                f"{txn},2025-01-10 09:00:00,{customer},,{amount},POST-CG"
                for txn, customer, amount in rows
            ]
        ) + "\n" * (1 + blank_lines)
        agency_import = self.env["utility.agency.import"].create(
            {
                "agency_id": self.agency.id,
                "file": base64.b64encode(text.encode()),
                "filename": "money.csv",
            }
        )
        agency_import.action_import()
        return agency_import

    @BOUNDED
    @given(first=agency_money_file(), second=agency_money_file())
    @example(
        first=[("M-1", "0100000002", "10.00")],
        second=[("M-1", "0100000003", "60.00"), ("M-1", "0100000002", "10.00")],
    )
    def test_every_agency_file_line_is_booked_a_true_duplicate_or_kept(self, first, second):
        """file total = booked + duplicates + kept, and a line is a duplicate
        only when it is the same payment (customer, amount) as the one it
        shows, or as an earlier line of the same file."""
        with self._rolled_back():
            Payment = self.env["account.payment"]
            for index, rows in enumerate((first, second)):
                payments_before = Payment.search([])
                agency_import = self._money_import(rows, blank_lines=index)
                lines = agency_import.line_ids.sorted("line_no")
                self.assertTrue(agency_import.totals_balanced)
                self.assertEqual(
                    self.currency.compare_amounts(
                        agency_import.file_total,
                        agency_import.booked_total
                        + agency_import.duplicate_total
                        + agency_import.kept_total,
                    ),
                    0,
                    "file total = booked + duplicates + kept",
                )
                self.assertEqual(
                    set(lines.mapped("state")) - {"booked", "duplicate", "kept"}, set()
                )
                new_payments = Payment.search([]) - payments_before
                self.assertEqual(
                    new_payments, lines.filtered(lambda rec: rec.state == "booked").payment_id
                )
                for line in lines.filtered(lambda rec: rec.state == "kept"):
                    self.assertTrue(line.reason, "a kept line says why")
                for line in lines.filtered(lambda rec: rec.state == "duplicate"):
                    if line.payment_id:
                        payment = line.payment_id
                        self.assertEqual(
                            payment.partner_id.utility_customer_number, line.customer_number
                        )
                        self.assertEqual(
                            self.currency.compare_amounts(payment.amount, line.amount), 0
                        )
                    else:
                        earlier = lines.filtered(
                            lambda rec, line=line: (
                                rec.line_no < line.line_no and rec.txn_id == line.txn_id
                            )
                        )[:1]
                        self.assertEqual(
                            (earlier.customer_number, earlier.amount),
                            (line.customer_number, line.amount),
                        )

    @BOUNDED
    @given(amount=AMOUNT_TEXT)
    def test_agency_amounts_follow_the_one_amount_grammar(self, amount):
        cell = f'"{amount}"' if "," in amount else amount
        with self._rolled_back():
            agency_import = self.env["utility.agency.import"].create(
                {
                    "agency_id": self.agency.id,
                    "file": base64.b64encode(
                        "txn_id,paid_at,customer_number,bill_number,amount,outlet_code\n"
                        f"G-1,2025-01-10 09:00:00,0100000002,,{cell},POST-CG\n".encode()
                    ),
                    "filename": "grammar.csv",
                }
            )
            valid = bool(AMOUNT_GRAMMAR.fullmatch(amount)) and (
                0 < Decimal(amount.replace(",", "")) < 10**9
                and Decimal(amount.replace(",", "")) % Decimal("0.01") == 0
            )
            try:
                with self.env.cr.savepoint():
                    agency_import.action_import()
            except UserError as error:
                self.assertFalse(valid, f"{amount!r} refused: {error}")
            else:
                self.assertTrue(valid, f"{amount!r} accepted")
                self.assertEqual(
                    agency_import.line_ids.amount, float(Decimal(amount.replace(",", "")))
                )

    @BOUNDED
    @given(value=AMOUNT_TEXT)
    def test_reading_values_follow_the_one_amount_grammar(self, value):
        cell = f'"{value}"' if "," in value else value
        with self._rolled_back():
            wizard = self.env["utility.reading.import"].create(
                {
                    "file": base64.b64encode(
                        f"meter_serial,reading_date,value\nNO-SUCH-METER,2025-01-10,{cell}\n".encode()
                    ),
                    "filename": "grammar.csv",
                }
            )
            with contextlib.suppress(UserError):
                wizard.action_import()
            messages = " ".join(wizard.line_ids.mapped("message"))
            number_refused = "is not a number" in messages or "negative" in messages
            valid = bool(AMOUNT_GRAMMAR.fullmatch(value)) and (
                Decimal(value.replace(",", "")) < 10**9
                and Decimal(value.replace(",", "")) % Decimal("0.01") == 0
            )
            if value.strip():
                self.assertEqual(number_refused, not valid, f"{value!r}: {messages}")
