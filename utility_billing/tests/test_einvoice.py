import base64
import csv
import io
import zipfile

import openpyxl

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.utility_billing.tools import einvoice_template

from .common import UtilityBillingCase

SPECIAL_BUYER = {
    "invoice_type": "special",
    "buyer_name": "新源县城关百货超市有限公司",
    "buyer_tax_id": "91410725MA44C2DX3K",
    "buyer_address": "河南省新源县城关镇东街23号",
    "buyer_phone": "0373-7012323",
    "buyer_bank": "中国农业银行新源县支行",
    "buyer_bank_account": "16230101040012345",
    "buyer_email": "caiwu@example.com",
}


@tagged("post_install", "-at_install")
class TestEinvoice(UtilityBillingCase):
    """VAT e-invoice requests (数电票): from bills or a payment to the tax
    platform's batch file and back with their numbers and files; the
    red-letter confirmation before a credit note."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cny = cls.env.ref("base.CNY")
        cny.active = True
        cls.company.currency_id = cny
        cls.Request = cls.env["utility.einvoice.request"]
        cls.provider = cls.env["utility.einvoice.provider"].create(
            {"name": "Batch file", "code": "batch_file", "company_id": cls.company.id}
        )
        cls.vat = cls.env["account.tax"].create(
            {
                "name": "VAT 13% incl.",
                "amount_type": "percent",
                "amount": 13.0,
                "price_include_override": "tax_included",
                "company_id": cls.company.id,
            }
        )
        cls.fund = cls.env["account.tax"].create(
            {
                "name": "Water conservancy fund",
                "amount_type": "fixed",
                "amount": 0.02,
                "price_include_override": "tax_included",
                "company_id": cls.company.id,
                "sequence": 1,
            }
        )
        cls.product = cls.env["product.product"].create({"name": "Electricity"})
        cls.officer = new_test_user(
            cls.env,
            login="einv_officer",
            groups="utility_billing.group_utility_billing_officer",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )

    def _bill(self, partner=None, quantity=300.0, price=0.56, taxes=None, post=True):
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": (partner or self.customer).id,
                "invoice_date": "2025-04-02",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "name": "Electricity 2025-03",
                            "quantity": quantity,
                            "price_unit": price,
                            "tax_ids": [Command.set((taxes or self.env["account.tax"]).ids)],
                        }
                    )
                ],
            }
        )
        if post:
            move.action_post()
        return move

    def _send(self, requests):
        requests.action_send()
        return requests.batch_id

    def _results_csv(self, rows):
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(["发票流水号", "发票号码", "开票日期", "失败原因"])
        writer.writerows(rows)
        return text.getvalue().encode()

    def _zip(self, files):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, data in files.items():
                archive.writestr(name, data)
        return buffer.getvalue()

    def _issue(self, requests, number="25412000000000000001"):
        batch = self._send(requests)
        content = self._results_csv([[requests.serial, number, "2025-04-05", ""]])
        batch._utility_import_results(content, "results.csv")
        return batch

    # ------------------------------------------------------------------
    def test_back_office_request_is_prefilled_from_the_customer(self):
        self.customer.write(
            {
                "is_company": True,
                "vat": "91410725MA44C2DX3K",
                "street": "城关镇东街23号",
                "city": "新源县",
                "phone": "0373-7012323",
                "email": "caiwu@example.com",
                "bank_ids": [Command.create({"acc_number": "16230101040012345"})],
            }
        )
        bill = self._bill()
        action = bill.action_utility_request_einvoice()
        wizard = self.env[action["res_model"]].with_context(**action["context"]).create({})
        self.assertEqual(wizard.move_ids, bill)
        self.assertEqual(wizard.buyer_name, "Zhang Wei")
        self.assertEqual(wizard.buyer_tax_id, "91410725MA44C2DX3K")
        self.assertEqual(wizard.buyer_address, "新源县 城关镇东街23号")
        self.assertEqual(wizard.buyer_bank_account, "16230101040012345")
        self.assertEqual(wizard.invoice_type, "special")
        wizard.buyer_bank = "中国农业银行新源县支行"
        result = wizard.action_confirm()
        request = self.Request.browse(result["res_id"])
        self.assertEqual(request.move_ids, bill)
        self.assertEqual(request.partner_id, self.customer)
        self.assertEqual(request.amount_total, 168.00)
        self.assertEqual(request.origin, "back_office")
        self.assertEqual(request.state, "requested")
        self.assertTrue(request.name.startswith("FPSQ"))
        self.assertEqual(bill.utility_einvoice_request_ids, request)
        self.assertEqual(bill.utility_einvoice_state, "requested")

    def test_bad_requests_are_refused_and_create_nothing(self):
        bill = self._bill()
        draft = self._bill(post=False)
        taken = self._bill()
        self.Request._utility_create_requests(taken, {"buyer_name": "Zhang Wei"}, "counter")
        other_company = self.env["res.company"].create({"name": "Other county"})
        cases = {
            "draft bill": (draft, {"buyer_name": "Zhang Wei"}),
            "bill already requested": (bill | taken, {"buyer_name": "Zhang Wei"}),
            "no buyer name": (bill, {"buyer_name": "  "}),
            "special without bank": (bill, dict(SPECIAL_BUYER, buyer_bank="")),
            "lowercase tax id": (bill, dict(SPECIAL_BUYER, buyer_tax_id="91410725ma44c2dx3k!")),
            "16 characters": (bill, dict(SPECIAL_BUYER, buyer_tax_id="91410725MA44C2DX")),
            "vendor bill": (
                self.env["account.move"].create(
                    {"move_type": "in_invoice", "partner_id": self.customer.id}
                ),
                {"buyer_name": "Zhang Wei"},
            ),
        }
        count = self.Request.search_count([])
        for case, (targets, buyer) in cases.items():
            with self.subTest(case=case), self.assertRaises(UserError):
                self.Request._utility_create_requests(targets, buyer, "back_office")
            self.assertEqual(self.Request.search_count([]), count, case)
        self.assertFalse(bill.utility_einvoice_request_ids)
        self.assertTrue(other_company)
        # a lowercase but otherwise valid tax id is taken in uppercase
        request = self.Request._utility_create_requests(
            bill, dict(SPECIAL_BUYER, buyer_tax_id="91410725ma44c2dx3k"), "portal"
        )
        self.assertEqual(request.buyer_tax_id, "91410725MA44C2DX3K")
        # a cancelled request frees the bill for a new one
        request.action_cancel()
        self.assertEqual(bill.utility_einvoice_state, "cancelled")
        again = self.Request._utility_create_requests(bill, SPECIAL_BUYER, "back_office")
        self.assertEqual(bill.utility_einvoice_state, "requested")
        self.assertEqual(again.move_ids, bill)

    def test_per_payment_mode_covers_the_bills_the_payment_paid(self):
        self.company.utility_einvoice_per = "payment"
        bills = self._bill() | self._bill(quantity=100.0)
        payment = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=bills.ids)
            .create({"group_payment": True})
            ._create_payments()
        )
        requests = self.Request._utility_create_requests(
            payment, {"buyer_name": "Zhang Wei"}, "counter"
        )
        self.assertEqual(len(requests), 1)
        self.assertEqual(requests.move_ids, bills)
        self.assertEqual(requests.payment_id, payment)
        self.assertEqual(requests.amount_total, 224.00)
        # per bill: the same payment gives one request per bill it paid
        self.company.utility_einvoice_per = "bill"
        requests.action_cancel()
        per_bill = self.Request._utility_create_requests(
            payment, {"buyer_name": "Zhang Wei"}, "counter"
        )
        self.assertEqual(len(per_bill), 2)
        self.assertEqual(per_bill.move_ids, bills)
        self.assertEqual(per_bill.payment_id, payment)

    def test_batch_file_is_the_platform_workbook_with_funds_as_their_own_items(self):
        taxed = self._bill(taxes=self.fund | self.vat)
        plain = self._bill(quantity=100.0)
        special = self.Request._utility_create_requests(taxed, SPECIAL_BUYER, "back_office")
        ordinary = self.Request._utility_create_requests(plain, {"buyer_name": "张伟"}, "portal")
        batch = self._send(special | ordinary)
        self.assertEqual(batch.state, "exported")
        self.assertEqual(batch.provider_id, self.provider)
        self.assertEqual((special | ordinary).mapped("state"), ["sent", "sent"])
        self.assertTrue(all(len(r.serial) <= 20 for r in special | ordinary))
        self.assertTrue(batch.filename.endswith(".xlsx"))
        workbook = openpyxl.load_workbook(io.BytesIO(base64.b64decode(batch.file)))
        self.assertEqual(
            workbook.sheetnames,
            [
                "1-发票基本信息",
                "2-发票明细信息",
                "3-特定业务信息",
                "4-附加要素信息",
                "excelVersion",
            ],
        )
        basic = workbook["1-发票基本信息"]
        headers = [cell.value for cell in basic[3]]
        layout = einvoice_template.TEMPLATES[einvoice_template.CURRENT_VERSION]
        self.assertEqual(headers, [header for header, _req in layout["1-发票基本信息"]])
        rows = [
            dict(zip(headers, (cell.value for cell in row), strict=True))
            for row in basic.iter_rows(min_row=4)
        ]
        self.assertEqual(len(rows), 2, "one row per request")
        by_serial = {row["发票流水号"]: row for row in rows}
        self.assertEqual(by_serial[special.serial]["发票类型"], "增值税专用发票")
        self.assertEqual(by_serial[special.serial]["购买方纳税人识别号"], "91410725MA44C2DX3K")
        self.assertEqual(by_serial[special.serial]["购买方银行账号"], "16230101040012345")
        self.assertEqual(by_serial[special.serial]["是否含税"], "是")
        self.assertEqual(by_serial[ordinary.serial]["发票类型"], "普通发票")
        self.assertEqual(by_serial[ordinary.serial]["受票方自然人标识"], "是")
        # every cell is text, as the platform requires
        self.assertEqual(basic.cell(4, 1).data_type, "s")
        details = workbook["2-发票明细信息"]
        detail_headers = [cell.value for cell in details[3]]
        self.assertEqual(detail_headers[:9], [
            "发票流水号", "项目名称", "商品和服务税收编码", "规格型号", "单位", "数量", "单价",
            "金额", "税率",
        ])  # fmt: skip
        lines = [
            dict(zip(detail_headers, (cell.value for cell in row), strict=True))
            for row in details.iter_rows(min_row=4)
        ]
        self.assertEqual({line["发票流水号"] for line in lines}, {special.serial, ordinary.serial})
        special_lines = [line for line in lines if line["发票流水号"] == special.serial]
        # 300 kWh at 0.56 = 168.00: the fund (0.02/kWh = 6.00) is its own item,
        # outside the VAT base; the energy item is the rest, at 13%
        self.assertEqual(
            [
                tuple(line[key] for key in ("项目名称", "数量", "单价", "金额", "税率"))
                for line in special_lines
            ],
            [
                ("Electricity", "300", "0.54", "162.00", "0.13"),
                ("Water conservancy fund", "300", "0.02", "6.00", "0"),
            ],
        )  # fmt: skip
        ordinary_lines = [line for line in lines if line["发票流水号"] == ordinary.serial]
        self.assertEqual([line["金额"] for line in ordinary_lines], ["56.00"])
        self.assertEqual(workbook["excelVersion"]["A1"].value, einvoice_template.CURRENT_VERSION)
        # a request already sent is not sent again
        with self.assertRaises(UserError):
            special.action_send()

    def test_results_import_records_numbers_and_files_once(self):
        first = self.Request._utility_create_requests(self._bill(), SPECIAL_BUYER, "back_office")
        second = self.Request._utility_create_requests(
            self._bill(), {"buyer_name": "张伟"}, "portal"
        )
        third = self.Request._utility_create_requests(
            self._bill(), {"buyer_name": "李娜"}, "counter"
        )
        batch = self._send(first | second | third)
        sheet = self._results_csv(
            [
                [first.serial, "25412000000000000001", "2025-04-05", ""],
                [second.serial, "25412000000000000002", "2025-04-05", ""],
                [third.serial, "", "", "购买方名称与纳税人识别号不符"],
            ]
        )
        archive = self._zip(
            {
                "results.csv": sheet,
                "25412000000000000001.pdf": b"%PDF-1.4 first",
                f"{second.serial}.ofd": b"OFD second",
            }
        )
        # an unknown serial refuses the whole file, saying which
        wrong = self._results_csv(
            [
                [first.serial, "25412000000000000001", "2025-04-05", ""],
                ["UE999999999999", "25412000000000000009", "2025-04-05", ""],
            ]
        )
        with self.assertRaises(UserError) as caught:
            batch._utility_import_results(wrong, "results.csv")
        self.assertIn("UE999999999999", str(caught.exception))
        self.assertEqual(first.state, "sent")
        wizard = self.env["utility.einvoice.import"].create(
            {
                "batch_id": batch.id,
                "file": base64.b64encode(archive),
                "filename": "results.zip",
            }
        )
        wizard.action_import()
        self.assertEqual(first.state, "issued")
        self.assertEqual(first.einvoice_number, "25412000000000000001")
        self.assertEqual(str(first.einvoice_date), "2025-04-05")
        self.assertEqual(first.attachment_ids.mapped("name"), ["25412000000000000001.pdf"])
        self.assertEqual(second.attachment_ids.mapped("name"), [f"{second.serial}.ofd"])
        self.assertEqual(third.state, "rejected")
        self.assertEqual(third.reject_reason, "购买方名称与纳税人识别号不符")
        self.assertEqual(batch.state, "done")
        self.assertEqual(first.move_ids.utility_einvoice_state, "issued")
        # the same file again changes nothing
        attachments = (first | second).attachment_ids
        changed = batch._utility_import_results(archive, "results.zip")
        self.assertFalse(changed)
        self.assertEqual((first | second).attachment_ids, attachments)
        self.assertEqual(first.einvoice_number, "25412000000000000001")
        # another number for an issued invoice is refused
        other = self._results_csv([[first.serial, "25412000000000000099", "2025-04-05", ""]])
        with self.assertRaises(UserError) as caught:
            batch._utility_import_results(other, "results.csv")
        self.assertIn("already issued", str(caught.exception))
        # a rejected request frees its bill for a new request
        self.assertEqual(third.move_ids.utility_einvoice_state, "rejected")
        self.Request._utility_create_requests(third.move_ids, {"buyer_name": "李娜"}, "counter")

    def test_results_workbook_is_read_by_header(self):
        request = self.Request._utility_create_requests(
            self._bill(), {"buyer_name": "张伟"}, "portal"
        )
        batch = self._send(request)
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["序号", "开票日期", "发票流水号", "数电发票号码"])
        sheet.append([1, "2025-04-06", request.serial, "25412000000000000003"])
        content = io.BytesIO()
        workbook.save(content)
        batch._utility_import_results(content.getvalue(), "开具结果.xlsx")
        self.assertEqual(request.einvoice_number, "25412000000000000003")
        self.assertEqual(str(request.einvoice_date), "2025-04-06")

    def test_workflow_fields_are_refused_to_a_plain_write(self):
        request = self.Request._utility_create_requests(
            self._bill(), {"buyer_name": "张伟"}, "back_office"
        )
        as_officer = request.with_user(self.officer)
        for vals in (
            {"einvoice_number": "25412000000000000001"},
            {"state": "issued"},
            {"serial": "FORGED"},
            {"red_letter_number": "FORGED"},
            {"amount_total": 1.0},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                as_officer.write(vals)
        # the buyer is corrected while the request waits to be sent
        as_officer.write({"buyer_email": "zhang@example.com"})
        self.assertEqual(request.buyer_email, "zhang@example.com")
        self._send(request)
        with self.assertRaises(UserError):
            as_officer.write({"buyer_name": "Someone else"})
        # a request made by a plain create has no bill: refused
        with self.assertRaises(UserError):
            self.Request.with_user(self.officer).create({"buyer_name": "张伟"})

    def test_credit_note_of_an_invoiced_bill_needs_the_red_letter_confirmation(self):
        self.meter.write({"install_date": "2024-01-01", "initial_reading": 0})
        reading = self.env["utility.meter.reading"].create(
            {"meter_id": self.meter.id, "reading_date": "2025-03-31", "value": 300}
        )
        reading.action_validate()
        run = self.env["utility.billing.run"].create(
            {
                "company_id": self.company.id,
                "date_from": "2025-03-01",
                "date_to": "2025-03-31",
                "invoice_date": "2025-04-02",
            }
        )
        run.with_context(queue_job__no_delay=True).action_run()
        bill = run.move_ids
        request = self.Request._utility_create_requests(bill, SPECIAL_BUYER, "back_office")
        self._issue(request)
        # Odoo's own reversal is refused too
        with self.assertRaises(UserError) as caught:
            bill._reverse_moves([{"date": "2025-04-10"}], cancel=True)
        self.assertIn("red-letter", str(caught.exception))
        wizard = (
            self.env["utility.bill.cancel"]
            .with_context(active_model="account.move", active_ids=bill.ids)
            .create({"reason": "Wrong meter read", "date": "2025-04-10"})
        )
        self.assertEqual(wizard.einvoice_request_ids, request)
        with self.assertRaises(UserError) as caught:
            wizard.action_confirm()
        self.assertIn("red-letter", str(caught.exception))
        self.env.invalidate_all()
        self.assertFalse(bill.utility_credited)
        found = self.env["account.move"].search([("reversed_entry_id", "=", bill.id)])
        self.assertFalse(found)
        self.assertFalse(request.red_letter_number)
        wizard.write({"red_letter_number": "44011225000000001234", "red_letter_date": "2025-04-09"})
        result = wizard.action_confirm()
        credit_note = self.env["account.move"].search(result["domain"])
        self.assertEqual(credit_note.state, "posted")
        self.assertEqual(credit_note.reversed_entry_id, bill)
        self.assertEqual(request.red_letter_number, "44011225000000001234")
        self.assertEqual(str(request.red_letter_date), "2025-04-09")

    def test_red_letter_wizard_records_the_confirmation_then_the_credit_note_posts(self):
        bill = self._bill()
        request = self.Request._utility_create_requests(bill, {"buyer_name": "张伟"}, "portal")
        self._issue(request)
        refund = bill._reverse_moves([{"date": "2025-04-10"}])
        with self.assertRaises(UserError) as caught:
            refund.action_post()
        self.assertIn("red-letter", str(caught.exception))
        self.assertEqual(refund.state, "draft")
        wizard = (
            self.env["utility.einvoice.red.letter"]
            .with_user(self.officer)
            .with_context(active_model=request._name, active_ids=request.ids)
            .create({"red_letter_number": "44011225000000005678"})
        )
        wizard.action_confirm()
        self.assertEqual(request.red_letter_number, "44011225000000005678")
        refund.action_post()
        self.assertEqual(refund.state, "posted")

    def test_requests_are_not_relinked_through_a_bill_nor_seen_from_another_company(self):
        bill = self._bill()
        other_bill = self._bill()
        request = self.Request._utility_create_requests(bill, {"buyer_name": "张伟"}, "portal")
        self.assertEqual(
            self.env["account.move"].search([("utility_einvoice_request_ids", "in", request.ids)]),
            bill,
        )
        # a user who may edit bills cannot move the request to another bill:
        # the bill's requests are computed, nothing is stored
        other_bill.with_user(self.officer).write(
            {"utility_einvoice_request_ids": [Command.set(request.ids)]}
        )
        self.env.invalidate_all()
        self.assertEqual(request.move_ids, bill)
        self.assertFalse(other_bill.utility_einvoice_request_ids)
        other_company = self.env["res.company"].create({"name": "Other county"})
        stranger = new_test_user(
            self.env,
            login="einv_other_officer",
            groups="utility_billing.group_utility_billing_officer",
            company_id=other_company.id,
            company_ids=[other_company.id],
        )
        self.assertFalse(self.Request.with_user(stranger).search([("id", "=", request.id)]))

    def test_a_cashier_requests_an_einvoice_at_the_counter_but_cannot_send_it(self):
        bill = self._bill()
        cashier = new_test_user(
            self.env,
            login="einv_cashier",
            groups="utility_billing.group_utility_cashier",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        request = self.Request.with_user(cashier)._utility_create_requests(
            bill.with_user(cashier), {"buyer_name": "张伟"}, "counter"
        )
        self.assertEqual(request.move_ids, bill)
        self.assertEqual(request.origin, "counter")
        self.assertTrue(request.name.startswith("FPSQ"))
        with self.assertRaises(AccessError):
            request.with_user(cashier).action_send()
        with self.assertRaises(AccessError):
            request.with_user(cashier).write({"buyer_name": "Someone else"})
        self.assertEqual(request.state, "requested")
