import base64
import datetime
import io

import openpyxl

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.misc import file_open

from .test_allowance import AllowanceCase

HEADER = "户号,身份证号,救助类别,证书编号,起始日期,截止日期\n"


@tagged("post_install", "-at_install")
class TestAllowanceImport(AllowanceCase):
    """The civil affairs list, line by line, imported again unchanged."""

    def _import(self, content, filename="list.csv"):
        if isinstance(content, str):
            content = content.encode("utf-8")
        wizard = self.env["utility.allowance.import"].create(
            {"file": base64.b64encode(content), "filename": filename}
        )
        wizard.action_import()
        return wizard

    def _certificates(self):
        return self.env["utility.allowance.certificate"].search(
            [("company_id", "=", self.company.id)], order="number"
        )

    def _statuses(self, wizard):
        return {line.row: (line.status, line.message or "") for line in wizard.line_ids}

    def test_good_file_creates_the_certificates(self):
        other, _meter = self._new_customer("0100000002")
        wizard = self._import(
            HEADER
            + "0100000001,410523197803150021,低保,新民低保〔2025〕0012号,2025-01-01,2025-12-31\n"
            + "0100000002,,五保户,新民五保〔2024〕0003号,2024/01/01,2026/12/31\n"
        )
        self.assertEqual((wizard.created_count, wizard.rejected_count), (2, 0))
        certificates = self._certificates()
        self.assertEqual(
            [(c.partner_id, c.kind, str(c.date_from), str(c.date_to)) for c in certificates],
            [
                (other.partner_id, "five_guarantee", "2024-01-01", "2026-12-31"),
                (self.customer, "low_income", "2025-01-01", "2025-12-31"),
            ],
        )
        self.assertEqual(certificates[1].holder_id_number, "410523197803150021")

    def test_bad_lines_are_kept_and_explained_the_good_ones_imported(self):
        wizard = self._import(
            HEADER
            + "0100000001,,低保,MZ-GOOD,2025-01-01,2025-12-31\n"
            + "0999999999,,低保,MZ-UNKNOWN,2025-01-01,2025-12-31\n"
            + "0100000001,,残疾,MZ-KIND,2025-01-01,2025-12-31\n"
            + "0100000001,,低保,MZ-DATE,2025-13-01,2025-12-31\n"
            + "0100000001,,低保,MZ-BACKWARDS,2025-12-31,2025-01-01\n"
            + "0100000001,,低保,MZ-GOOD,2025-01-01,2025-12-31\n"
            + ",,低保,MZ-NOBODY,2025-01-01,2025-12-31\n"
            + ",410000000000000000,低保,MZ-NEWID,2025-01-01,2025-12-31\n"
        )
        statuses = self._statuses(wizard)
        self.assertEqual(statuses[2], ("created", ""))
        self.assertIn("Unknown customer number 0999999999", statuses[3][1])
        self.assertIn("残疾", statuses[4][1])
        self.assertIn("2025-13-01", statuses[5][1])
        self.assertIn("ends before it starts", statuses[6][1])
        self.assertIn("Duplicate of line 2", statuses[7][1])
        self.assertIn("customer number or the holder's ID number", statuses[8][1])
        self.assertIn("No certificate on file for ID number", statuses[9][1])
        self.assertEqual([status for status, _msg in statuses.values()].count("rejected"), 7)
        self.assertEqual(self._certificates().mapped("number"), ["MZ-GOOD"])

    def test_importing_the_same_file_again_changes_nothing(self):
        content = (
            HEADER
            + "0100000001,410523197803150021,低保,MZ-0001,2025-01-01,2025-12-31\n"
            + "0999999999,,低保,MZ-0002,2025-01-01,2025-12-31\n"
        )
        first = self._import(content)
        certificate = self._certificates()
        written = certificate.write_date
        second = self._import(content)
        self.assertEqual((first.created_count, first.rejected_count), (1, 1))
        self.assertEqual(
            (
                second.created_count,
                second.updated_count,
                second.unchanged_count,
                second.rejected_count,
            ),
            (0, 0, 1, 1),
        )
        self.assertEqual(self._certificates(), certificate)
        self.assertEqual(certificate.write_date, written)
        # a renewal of the same certificate: found by its number, extended
        third = self._import(HEADER + ",410523197803150021,低保,MZ-0001,2025-01-01,2026-12-31\n")
        self.assertEqual(third.updated_count, 1)
        self.assertEqual(str(certificate.date_to), "2026-12-31")
        # a new certificate of the same holder: the customer comes from the
        # certificate on file with the same ID number
        fourth = self._import(HEADER + ",410523197803150021,低保,MZ-0003,2027-01-01,2027-12-31\n")
        self.assertEqual(fourth.created_count, 1)
        self.assertEqual(
            self._certificates().filtered(lambda c: c.number == "MZ-0003").partner_id,
            self.customer,
        )

    def test_certificate_of_another_customer_is_refused(self):
        other, _meter = self._new_customer("0100000002")
        self._import(HEADER + "0100000001,,低保,MZ-0001,2025-01-01,2025-12-31\n")
        wizard = self._import(HEADER + "0100000002,,低保,MZ-0001,2025-01-01,2025-12-31\n")
        self.assertIn("on file for another customer", wizard.line_ids.message)
        self.assertEqual(self._certificates().partner_id, self.customer)
        self.assertNotEqual(self._certificates().partner_id, other.partner_id)

    def test_xlsx_workbook_with_typed_cells(self):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["户号", "救助类别", "证书编号", "起始日期", "截止日期"])
        sheet.append(
            [100000001, "低保", "MZ-X1", datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)]
        )
        self.customer.utility_customer_number = "100000001"
        buffer = io.BytesIO()
        workbook.save(buffer)
        wizard = self._import(buffer.getvalue(), filename="list.xlsx")
        self.assertEqual(wizard.created_count, 1, wizard.line_ids.mapped("message"))
        self.assertEqual(self._certificates().partner_id, self.customer)

    def test_file_without_the_columns_is_refused(self):
        with self.assertRaisesRegex(UserError, "证书编号"):
            self._import("name,kind\n张伟,低保\n")
        with self.assertRaisesRegex(UserError, "UTF-8"):
            self._import(
                (HEADER + "0100000001,,低保,MZ-1,2025-01-01,2025-12-31\n").encode("gb18030")
            )
        self.assertFalse(self._certificates())

    def test_the_downloadable_template_imports(self):
        """The template (UTF-8 with a byte-order mark, for Excel) is a valid
        list: its example line names the customer 0100000001."""
        with file_open("utility_billing/static/src/allowance_import_template.csv", "rb") as file:
            wizard = self._import(file.read())
        self.assertEqual((wizard.created_count, wizard.rejected_count), (1, 0))
        self.assertEqual(self._certificates().partner_id, self.customer)
