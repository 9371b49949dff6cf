import base64
import datetime
import io

import openpyxl

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import UtilityBillingCase


@tagged("post_install", "-at_install")
class TestReadingImport(UtilityBillingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.meter.write({"install_date": "2024-01-01", "initial_reading": 1000})
        cls.tou_meter = cls.env["utility.meter"].create(
            {
                "serial": "TOU-7",
                "service_point_id": cls.service_point.id,
                "register_type": "tou",
                "install_date": "2024-01-01",
                "digits": 6,
            }
        )
        cls.removed_meter = cls.env["utility.meter"].create(
            {
                "serial": "OLD-1",
                "service_point_id": cls.service_point.id,
                "install_date": "2020-01-01",
                "remove_date": "2023-12-31",
                "state": "removed",
            }
        )
        cls.Reading = cls.env["utility.meter.reading"]

    def _import(self, content, filename="readings.csv", validate=True):
        if isinstance(content, str):
            content = content.encode("utf-8")
        wizard = self.env["utility.reading.import"].create(
            {"file": base64.b64encode(content), "filename": filename, "validate": validate}
        )
        wizard.action_import()
        return wizard

    def _saved(self):
        return self.Reading.search([("meter_id.service_point_id", "=", self.service_point.id)])

    def _reasons(self, wizard):
        return {line.row: line.message for line in wizard.line_ids if line.status == "rejected"}

    def test_valid_csv_is_imported_and_validated(self):
        wizard = self._import(
            "meter_serial,reading_date,value,value_peak,value_flat,value_valley\n"
            "M0001,2024-01-31,1150,,,\n"
            "M0001,2024-02-29,1290,,,\n"
            "TOU-7,2024-01-31,300,80,150,70\n"
        )
        self.assertEqual(wizard.state, "done")
        self.assertEqual(wizard.imported_count, 3)
        readings = wizard.reading_ids.sorted(lambda r: (r.meter_id.serial, r.reading_date))
        self.assertEqual(readings.mapped("consumption"), [150, 140, 300])
        self.assertEqual(readings.mapped("state"), ["validated"] * 3)
        self.assertEqual(set(readings.mapped("reading_type")), {"imported"})
        tou = readings.filtered(lambda r: r.meter_id == self.tou_meter)
        self.assertEqual(
            (tou.consumption_peak, tou.consumption_flat, tou.consumption_valley), (80, 150, 70)
        )

    def test_valid_xlsx_is_imported(self):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["Meter_Serial", "Reading_Date", "Value"])
        sheet.append(["M0001", "2024-01-31", 1180])
        sheet.append(["M0001", datetime.datetime(2024, 2, 29), 1300.5])
        buffer = io.BytesIO()
        workbook.save(buffer)
        wizard = self._import(buffer.getvalue(), filename="route-CG.xlsx")
        self.assertEqual(wizard.state, "done", self._reasons(wizard))
        self.assertEqual(sorted(wizard.reading_ids.mapped("consumption")), [120.5, 180.0])

    def test_semicolon_separated_csv_with_bom_is_read(self):
        wizard = self._import("\ufeffmeter_serial;reading_date;value\nM0001;2024/01/31;1100\n")
        self.assertEqual(wizard.state, "done", self._reasons(wizard))
        self.assertEqual(wizard.reading_ids.consumption, 100)

    def test_file_not_in_utf8_is_refused_with_a_clear_message(self):
        content = "meter_serial,reading_date,value,备注\nM0001,2024-01-31,1100,张湾村\n"
        with self.assertRaisesRegex(UserError, "not UTF-8 encoded"):
            self._import(content.encode("gb18030"))
        self.assertFalse(self._saved())

    def test_missing_column_is_refused(self):
        with self.assertRaisesRegex(UserError, "Missing column.*reading_date"):
            self._import("meter_serial,value\nM0001,1100\n")
        self.assertFalse(self._saved())

    def test_any_bad_row_rejects_the_whole_file_with_every_reason(self):
        wizard = self._import(
            "meter_serial,reading_date,value\n"
            "M0001,2024-01-31,1100\n"  # 2: fine on its own
            "M0001,2024-02-29,-5\n"  # 3: negative
            "NOPE-9,2024-01-31,10\n"  # 4: unknown meter
            "OLD-1,2024-01-31,10\n"  # 5: removed meter
            "M0001,2024-01-31,1105\n"  # 6: duplicate of row 2
            "M0001,31/03/2024,1200\n"  # 7: bad date
            "TOU-7,2024-01-31,abc\n"  # 8: not numeric
        )
        self.assertEqual(wizard.state, "rejected")
        reasons = self._reasons(wizard)
        self.assertEqual(sorted(reasons), [3, 4, 5, 6, 7, 8])
        self.assertIn("negative", reasons[3])
        self.assertIn("Unknown meter NOPE-9", reasons[4])
        self.assertIn("removed", reasons[5])
        self.assertIn("Duplicate of row 2", reasons[6])
        self.assertIn("not a date", reasons[7])
        self.assertIn("not a number", reasons[8])
        row2 = wizard.line_ids.filtered(lambda line: line.row == 2)
        self.assertEqual(row2.status, "not_imported")
        self.assertFalse(self._saved())

    def test_reading_already_on_file_is_a_duplicate(self):
        self.Reading.create(
            {"meter_id": self.meter.id, "reading_date": "2024-01-31", "value": 1100}
        )
        wizard = self._import(
            "meter_serial,reading_date,value\nM0001,2024-01-31,1100\nM0001,2024-02-29,1200\n"
        )
        self.assertEqual(wizard.state, "rejected")
        self.assertIn("already has a reading", self._reasons(wizard)[2])
        self.assertEqual(len(self._saved()), 1)

    def test_reading_below_previous_rolls_back_rows_already_created(self):
        # rows pass the file checks; the model rejects row 3 after the batch
        # create: the savepoint removes row 2 as well
        wizard = self._import(
            "meter_serial,reading_date,value\nM0001,2024-01-31,1500\nM0001,2024-02-29,1400\n"
        )
        self.assertEqual(wizard.state, "rejected")
        self.assertIn("below the previous value", self._reasons(wizard)[3])
        self.assertFalse(self._saved())
        self.assertFalse(wizard.line_ids.reading_id)

    def test_every_reason_is_given_in_one_pass(self):
        """A value below the previous reading is reported with the file's other
        errors, not only once they are fixed: one import shows every reason."""
        wizard = self._import(
            "meter_serial,reading_date,value\n"
            "M0001,2024-01-31,1500\n"  # 2: fine
            "M0001,2024-02-29,1400\n"  # 3: below row 2
            "NOPE-9,2024-01-31,10\n"  # 4: unknown meter
        )
        self.assertEqual(wizard.state, "rejected")
        reasons = self._reasons(wizard)
        self.assertEqual(sorted(reasons), [3, 4])
        self.assertIn("below the previous value", reasons[3])
        self.assertIn("Unknown meter NOPE-9", reasons[4])
        row2 = wizard.line_ids.filtered(lambda line: line.row == 2)
        self.assertEqual(row2.status, "not_imported")
        self.assertFalse(self._saved())
        self.assertFalse(wizard.line_ids.reading_id)

    def test_abnormal_row_is_imported_for_review(self):
        self.Reading.create(
            [
                {"meter_id": self.meter.id, "reading_date": "2024-01-31", "value": 1100},
                {"meter_id": self.meter.id, "reading_date": "2024-03-01", "value": 1200},
            ]
        ).action_validate()
        wizard = self._import("meter_serial,reading_date,value\nM0001,2024-03-31,2500\n")
        self.assertEqual(wizard.state, "done")
        self.assertEqual(wizard.review_count, 1)
        self.assertEqual(wizard.reading_ids.state, "to_review")

    # the rules every uploaded file follows (utility_billing/tools/tabular.py),
    # the same as the agency file reader's

    def test_decimal_comma_is_refused_on_its_row_saying_decimals_take_a_point(self):
        """1,5 is neither 15 nor 1.5: the row is refused and says why; a comma
        between groups of three digits is a thousands separator."""
        wizard = self._import(
            "meter_serial;reading_date;value\n"
            "M0001;2024-01-31;1,150\n"  # 2: 1150
            "M0001;2024-02-29;1200,5\n"  # 3: a decimal comma
        )
        self.assertEqual(wizard.state, "rejected")
        reasons = self._reasons(wizard)
        self.assertEqual(sorted(reasons), [3])
        self.assertIn("'1200,5' is not a number", reasons[3])
        self.assertIn("write decimals with a point", reasons[3])
        self.assertEqual(wizard.line_ids.filtered(lambda line: line.row == 2).value, 1150)
        self.assertFalse(self._saved())

    def test_reading_date_written_with_its_time_is_read_as_its_date(self):
        """A spreadsheet saved as CSV writes a date cell with its time, as an
        agency file writes a payment time: the reading is of that day, as it
        is when the same cell comes from an XLSX workbook."""
        wizard = self._import(
            "meter_serial,reading_date,value\n"
            "M0001,2024-01-31 00:00:00,1100\n"
            "M0001,2024.02.29 18:30,1180\n"
        )
        self.assertEqual(wizard.state, "done", self._reasons(wizard))
        self.assertEqual(
            wizard.reading_ids.sorted("reading_date").mapped("reading_date"),
            [datetime.date(2024, 1, 31), datetime.date(2024, 2, 29)],
        )

    def test_lines_of_spaces_are_blank_and_line_numbers_stay_the_files(self):
        """A line of spaces left by a spreadsheet is blank, not a row refused
        for an empty meter serial that rejects the whole file; blank lines
        before the header are skipped too, and rows keep their line numbers."""
        wizard = self._import(
            "\n"
            "meter_serial,reading_date,value\n"
            "M0001,2024-01-31,1100\n"
            " , , \n"
            "M0001,2024-02-29,1180\n"
        )
        self.assertEqual(wizard.state, "done", self._reasons(wizard))
        self.assertEqual(wizard.line_ids.mapped("row"), [3, 5])
        self.assertEqual(len(self._saved()), 2)
