import base64

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import file_open

from .agency_common import UtilityAgencyCase


@tagged("post_install", "-at_install")
class TestAgencyImport(UtilityAgencyCase):
    def _api_booking(self, txn_id, amount, partner=None, date="2025-01-10"):
        """What the agency's networked counter books through the terminal API."""
        return self.env["account.payment"]._utility_pay(
            partner or self.customer,
            amount,
            self.outlet_cg,
            date=date,
            external_txn_id=txn_id,
            txn_scope=self.agency._utility_txn_scope(),
            journal=self.agency.journal_id,
        )

    def _lines_by_txn(self, agency_import):
        return {line.txn_id: line for line in agency_import.line_ids}

    def test_each_line_is_booked_already_booked_or_kept_with_its_reason(self):
        jan, feb, mar = self.bills
        self._api_booking("P-8", 30.0)
        agency_import = self._new_import(
            [
                "P-1,2025-01-10 09:00:00,0100000002,,150.00,POST-CG",
                f"P-2,2025-01-10 09:05:00,0100000003,{self.bill_2.name},60.00,POST-LZ",
                "P-3,2025-01-10 09:10:00,0109999999,,25.00,POST-CG",
                "P-4,2025-01-10 09:15:00,0100000002,INV/NOPE/1,10.00,POST-CG",
                f"P-5,2025-01-10 09:20:00,0100000002,{mar.name},50.00,POST-CG",
                "P-6,2025-01-10 09:25:00,0100000002,,20.00,POST-XX",
                "P-1,2025-01-10 09:00:00,0100000002,,150.00,POST-CG",
                "P-8,2025-01-10 08:00:00,0100000002,,30.00,POST-CG",
            ]
        )
        agency_import.action_import()
        lines = agency_import.line_ids.sorted("line_no")
        self.assertEqual(
            [(line.txn_id, line.state, line.reason or "") for line in lines],
            [
                ("P-1", "booked", ""),
                ("P-2", "booked", ""),
                ("P-3", "kept", "unknown_customer"),
                ("P-4", "kept", "unknown_bill"),
                ("P-5", "kept", "amount_mismatch"),
                ("P-6", "kept", "unknown_outlet"),
                ("P-1", "duplicate", ""),
                ("P-8", "duplicate", ""),
            ],
        )
        # the API had paid 30 on January; the file's 150 pays the 70 left and 80 of February
        self.assertEqual(jan.payment_state, "paid")
        self.assertEqual(feb.amount_residual, 40.0)
        self.assertEqual(mar.amount_residual, 80.0)
        self.assertEqual(self.bill_2.payment_state, "paid")
        p1 = lines[0].payment_id
        self.assertEqual(p1.journal_id, self.agency.journal_id)
        self.assertEqual(p1.utility_collection_point_id, self.outlet_cg)
        self.assertEqual(lines[1].payment_id.utility_collection_point_id, self.outlet_lz)
        self.assertEqual(str(p1.date), "2025-01-10")
        self.assertEqual(p1.utility_txn_key, f"agency:{self.agency.id}:P-1")
        # the agency owes what its outlets collected: 30 + 150 + 60
        self.assertEqual(self._clearing_balance(), 240.0)
        self.assertEqual(self.agency.amount_due, 240.0)
        self.assertEqual(agency_import.file_count, 8)
        self.assertEqual(agency_import.booked_total, 210.0)
        self.assertEqual(agency_import.kept_count, 4)
        self.assertEqual(agency_import.kept_total, 105.0)
        self.assertEqual(agency_import.duplicate_count, 2)

    def test_receipt_of_an_agency_payment_shows_when_the_customer_paid(self):
        """Booked when the file is imported, the payment keeps the time the
        customer paid at the outlet: on its form, its receipt and the
        terminal API's status of the transaction."""
        api_payment = self._api_booking("P-8", 30.0)
        agency_import = self._new_import(["P-1,2025-01-10 09:00:00,0100000002,,150.00,POST-CG"])
        agency_import.action_import()
        line = agency_import.line_ids
        payment = line.payment_id
        self.assertTrue(line.paid_at)
        self.assertEqual(payment.utility_paid_at, line.paid_at)
        self.assertNotEqual(payment.utility_paid_at, payment.create_date)
        self.assertEqual(api_payment.utility_paid_at, api_payment.create_date)
        html, _format = self.env["ir.actions.report"]._render_qweb_html(
            "utility_payment_channels.action_report_utility_receipt", payment.ids
        )
        paid_at = fields.Datetime.context_timestamp(payment, line.paid_at)
        self.assertIn(paid_at.strftime("%Y-%m-%d %H:%M:%S"), html.decode())
        self.assertEqual(paid_at.date(), fields.Date.to_date("2025-01-10"))

    def test_sample_agency_file_is_booked_in_full(self):
        with file_open(
            "utility_payment_channels/tests/data/agency_collection_sample.csv", "rb"
        ) as f:
            content = f.read()
        agency_import = self.env["utility.agency.import"].create(
            {
                "agency_id": self.agency.id,
                "file": base64.b64encode(content),
                "filename": "agency_collection_sample.csv",
            }
        )
        agency_import.action_import()
        self.assertEqual(agency_import.line_ids.mapped("state"), ["booked"] * 3)
        self.assertEqual(agency_import.booked_total, 280.0)
        self.assertEqual(self.bills[:2].mapped("payment_state"), ["paid", "paid"])
        self.assertEqual(self.bill_2.payment_state, "paid")
        self.assertEqual(self._clearing_balance(), 280.0)

    def test_big_file_is_booked_in_background_batches(self):
        rows = [
            f"J-{number},2025-01-10 09:00:00,0100000002,,10.00,POST-CG" for number in range(1, 6)
        ]
        agency_import = self._new_import(rows).with_context(
            utility_agency_booking_batch=2, queue_job__no_delay=True
        )
        agency_import.action_import()
        self.assertEqual(agency_import.state, "done")
        self.assertEqual(agency_import.line_ids.mapped("state"), ["booked"] * 5)
        self.assertEqual(self._clearing_balance(), 50.0)
        self.assertEqual(self.bills[0].amount_residual, 50.0)

    def test_same_file_twice_books_nothing_new(self):
        rows = [
            "Q-1,2025-01-10 09:00:00,0100000002,,100.00,POST-CG",
            "Q-2,2025-01-10 09:05:00,0100000003,,60.00,POST-LZ",
        ]
        self._new_import(rows).action_import()
        payments = self.env["account.payment"].search_count([])
        with self.assertRaisesRegex(UserError, "already imported"):
            self._new_import(rows).action_import()
        # the same transactions in another file (one more line) are recognised too
        again = self._new_import(rows + ["Q-3,2025-01-10 09:10:00,0100000002,,20.00,POST-CG"])
        again.action_import()
        self.assertEqual(
            again.line_ids.sorted("line_no").mapped("state"), ["duplicate", "duplicate", "booked"]
        )
        self.assertEqual(self.env["account.payment"].search_count([]), payments + 1)
        self.assertEqual(self._clearing_balance(), 180.0)

    def test_differences_with_what_the_api_booked_are_listed(self):
        self._api_booking("D-1", 50.0)
        self._api_booking("D-2", 40.0)
        self._api_booking("D-3", 20.0)
        self._api_booking("D-9", 10.0, date="2025-01-11")  # another day: not compared
        agency_import = self._new_import(
            [
                "D-1,2025-01-10 09:00:00,0100000002,,50.00,POST-CG",
                "D-2,2025-01-10 09:05:00,0100000002,,45.00,POST-CG",
                "D-4,2025-01-10 09:10:00,0100000003,,60.00,POST-LZ",
            ]
        )
        agency_import.action_import()
        self.assertEqual(agency_import.api_count, 3)
        self.assertEqual(agency_import.api_total, 110.0)
        self.assertEqual(agency_import.file_total, 155.0)
        differences = {
            (diff.kind, diff.txn_id, diff.amount_file, diff.amount_api)
            for diff in agency_import.difference_ids
        }
        self.assertEqual(
            differences,
            {
                ("amount", "D-2", 45.0, 40.0),
                ("api_only", "D-3", 0.0, 20.0),
                ("file_only", "D-4", 60.0, 0.0),
            },
        )
        self.assertEqual(agency_import.difference_count, 3)

    def test_differences_are_only_what_really_differs(self):
        # an agency taking no payment through the API: nothing to compare
        agency_import = self._new_import(["E-1,2025-01-10 09:00:00,0100000002,,50.00,POST-CG"])
        agency_import.action_import()
        self.assertEqual(agency_import.line_ids.state, "booked")
        self.assertFalse(agency_import.difference_ids)
        # its counters now book through the API; a corrected copy of a file
        # repeats lines booked by the API and by the earlier file
        self._api_booking("E-2", 40.0)
        text = [
            "E-1,2025-01-10 09:00:00,0100000002,,50.00,POST-CG",
            "E-2,2025-01-10 09:05:00,0100000002,,40.00,POST-CG",
        ]
        first = self._new_import(text)
        first.action_import()
        self.assertEqual(first.line_ids.mapped("state"), ["duplicate", "duplicate"])
        self.assertFalse(first.difference_ids)
        second = self._new_import([*text, "E-3,2025-01-10 09:10:00,0100000002,,5.00,POST-CG"])
        second.action_import()
        self.assertEqual(
            [(diff.kind, diff.txn_id) for diff in second.difference_ids], [("file_only", "E-3")]
        )

    def test_accountant_books_a_kept_line_on_the_customer_picked_or_marks_it_for_refund(self):
        accountant = new_test_user(
            self.env,
            login="agency_accountant",
            groups="utility_billing.group_utility_accountant,account.group_account_invoice",
            company_id=self.env.company.id,
        )
        agency_import = self._new_import(
            [
                "K-1,2025-01-10 09:00:00,0109999999,,60.00,POST-CG",
                "K-2,2025-01-10 09:05:00,0109999998,,15.00,POST-CG",
            ]
        )
        agency_import.with_user(accountant).action_import()
        wrong_number, unknown = agency_import.line_ids.sorted("line_no")
        self.assertEqual(wrong_number.reason, "unknown_customer")
        wrong_number.with_user(accountant).write({"bill_id": self.bill_2.id})
        wrong_number.with_user(accountant).action_book()
        self.assertEqual(wrong_number.state, "resolved")
        self.assertEqual(wrong_number.payment_id.partner_id, self.customer_2)
        self.assertEqual(self.bill_2.payment_state, "paid")
        unknown.with_user(accountant).action_mark_refund()
        self.assertEqual(unknown.state, "refund")
        self.assertFalse(unknown.payment_id)
        self.assertEqual(agency_import.kept_count, 0)
        self.assertEqual(agency_import.booked_total, 60.0)
        with self.assertRaises(UserError):
            unknown.action_book()

    def test_bad_files_are_refused_whole_with_nothing_saved(self):
        payments = self.env["account.payment"].search_count([])
        good = "B-1,2025-01-10 09:00:00,0100000002,,10.00,POST-CG"
        gbk = self.env["utility.agency.import"].create(
            {
                "agency_id": self.agency.id,
                "file": base64.b64encode(
                    "txn_id,paid_at,customer_number,bill_number,amount,outlet_code\n"
                    "B-1,2025-01-10,0100000002,,10.00,邮政\n".encode("gbk")
                ),
            }
        )
        cases = [
            (gbk, "not UTF-8"),
            (
                self._new_import([good], header="txn_id,paid_at,customer_number,amount"),
                "misses the columns",
            ),
            (self._new_import([good.replace("10.00", "1O.00")]), "not a number"),
            (self._new_import([good.replace("10.00", "10.005")]), "more than 2 decimals"),
            (self._new_import([good.replace("10.00", "-10.00")]), "positive"),
            (self._new_import([good.replace("2025-01-10 09:00:00", "01/03/2025")]), "not a date"),
            (self._new_import([good, ",2025-01-10,0100000002,,5.00,POST-CG"]), "empty"),
        ]
        for agency_import, message in cases:
            with self.subTest(message=message):
                with self.assertRaisesRegex(UserError, message):
                    agency_import.action_import()
                self.assertEqual(agency_import.state, "draft")
                self.assertFalse(agency_import.line_ids)
        self.assertEqual(self.env["account.payment"].search_count([]), payments)

    def test_files_as_agencies_really_send_them_are_read(self):
        """Excel on Chinese Windows saves GBK, semicolons, upper-case headers;
        banks write thousands separators, dates with slashes, compact times
        and ISO times with an offset."""
        self.agency.file_encoding = "gb18030"
        self.agency.company_id.partner_id.tz = "Asia/Shanghai"
        rows = [
            ("G-1", "2025/01/10 09:00:00", "10.00"),
            ("G-2", "20250110093000", "20.100"),
            ("G-3", "2025-01-10T10:00:00+08:00", "5"),
            ("G-4", "2025-01-10T02:30:00Z", '"1,000.00"'),
        ]
        text = "TXN_ID;Paid_At;CUSTOMER_NUMBER;BILL_NUMBER;AMOUNT;OUTLET_CODE\n" + "".join(
            f"{txn};{paid_at};0100000002;;{amount};POST-CG\n" for txn, paid_at, amount in rows
        )
        agency_import = self.env["utility.agency.import"].create(
            {
                "agency_id": self.agency.id,
                "file": base64.b64encode(text.encode("gbk")),
                "filename": "邮政_20250110.csv",
            }
        )
        agency_import.action_import()
        lines = agency_import.line_ids.sorted("line_no")
        self.assertEqual(
            [(line.txn_id, line.state, line.amount) for line in lines],
            [
                ("G-1", "booked", 10.0),
                ("G-2", "booked", 20.1),
                ("G-3", "booked", 5.0),
                # read as 1000.00, more than the customer owes
                ("G-4", "kept", 1000.0),
            ],
        )
        # local times of the company (UTC+8), stored in UTC as Odoo does
        self.assertEqual(
            [fields.Datetime.to_string(line.paid_at) for line in lines],
            [
                "2025-01-10 01:00:00",
                "2025-01-10 01:30:00",
                "2025-01-10 02:00:00",
                "2025-01-10 02:30:00",
            ],
        )

    def test_agency_layout_is_read_through_its_column_mapping(self):
        self.agency.file_column_mapping = (
            '{"txn_id": "流水号", "paid_at": "交易时间", "customer_number": "户号", '
            '"amount": "金额", "outlet_code": "网点"}'
        )
        agency_import = self._new_import(
            ["POST-LZ,60.00,0100000003,2025-01-10 10:00:00,M-1"],
            header="网点,金额,户号,交易时间,流水号",
        )
        agency_import.action_import()
        self.assertEqual(agency_import.line_ids.state, "booked")
        self.assertEqual(self.bill_2.payment_state, "paid")
        with self.assertRaises(UserError):
            self.agency.file_column_mapping = '{"nonsense": "x"}'

    def test_agencies_and_files_of_another_company_are_not_visible(self):
        other = self.setup_other_company(name="Other county")["company"]
        accountant = new_test_user(
            self.env,
            login="other_county_accountant",
            groups="utility_billing.group_utility_accountant",
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        self._new_import(["O-1,2025-01-10 09:00:00,0100000002,,10.00,POST-CG"])
        self.assertFalse(self.env["utility.agency"].with_user(accountant).search([]))
        self.assertFalse(self.env["utility.agency.import"].with_user(accountant).search([]))

    def test_cashier_cannot_read_agency_files(self):
        cashier = new_test_user(
            self.env,
            login="hall_cashier",
            groups="utility_billing.group_utility_cashier",
            company_id=self.env.company.id,
        )
        agency_import = self._new_import(["C-1,2025-01-10 09:00:00,0100000002,,10.00,POST-CG"])
        with self.assertRaises(AccessError):
            agency_import.with_user(cashier).read(["file_total"])
        with self.assertRaises(AccessError):
            self.agency.with_user(cashier).read(["name"])
