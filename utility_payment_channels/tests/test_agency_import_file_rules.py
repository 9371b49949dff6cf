import base64

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .agency_common import UtilityAgencyCase


@tagged("post_install", "-at_install")
class TestAgencyImportFileRules(UtilityAgencyCase):
    """An agency file follows the rules of every uploaded file
    (utility_billing/tools/tabular.py), the same as the meter reading
    import's: a cell means the same in both."""

    def test_decimal_comma_refuses_the_file_naming_the_line_and_saying_why(self):
        agency_import = self._new_import(
            [
                'D-1,2025-01-10 09:00:00,0100000002,,"1,000.00",POST-CG',
                'D-2,2025-01-10 09:05:00,0100000002,,"12,5",POST-CG',
            ]
        )
        with self.assertRaisesRegex(
            UserError, r"Line 3: The amount 12,5 is not a number\. .*write decimals with a point"
        ):
            agency_import.action_import()
        self.assertEqual(agency_import.state, "draft")
        self.assertFalse(agency_import.line_ids)

    def test_payment_times_are_read_as_the_reading_import_reads_dates(self):
        """Dotted dates, a blank line before the header and a line of spaces
        are read as in a meter reading file; lines keep the file's numbers."""
        text = (
            "\n"
            "txn_id;paid_at;customer_number;bill_number;amount;outlet_code\n"
            "R-1;2025.01.10 09:00:00;0100000002;;10.00;POST-CG\n"
            " ; ; ; ; ; \n"
            "R-2;2025.01.10;0100000003;;60.00;POST-LZ\n"
        )
        agency_import = self.env["utility.agency.import"].create(
            {
                "agency_id": self.agency.id,
                "file": base64.b64encode(text.encode()),
                "filename": "post_20250110.csv",
            }
        )
        agency_import.action_import()
        lines = agency_import.line_ids.sorted("line_no")
        self.assertEqual(
            [(line.line_no, line.txn_id, line.state) for line in lines],
            [(3, "R-1", "booked"), (5, "R-2", "booked")],
        )
        self.assertEqual(
            [fields.Date.to_string(line.paid_date) for line in lines], ["2025-01-10"] * 2
        )

    def test_payment_time_outside_the_calendar_in_utc_is_not_a_date(self):
        """The first day of the calendar has no time in UTC east of Greenwich:
        refused as not a date, written plainly as with an ISO offset."""
        self.agency.company_id.partner_id.tz = "Asia/Shanghai"
        agency_import = self._new_import(["Y-1,0001-01-01 00:00:00,0100000002,,10.00,POST-CG"])
        with self.assertRaisesRegex(UserError, "Line 2: the payment time .* is not a date"):
            agency_import.action_import()
        self.assertFalse(agency_import.line_ids)
