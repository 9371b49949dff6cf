import base64
import io

import openpyxl

from odoo import Command
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestEinvoiceTour(HttpCase):
    """A VAT e-invoice requested from a bill and sent as the tax platform's
    batch file, walked in Chromium from the menu by the billing officer, in
    Chinese."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = cls.env.ref("utility_billing.user_billing_officer", raise_if_not_found=False)
        if cls.officer:
            cls.env["res.lang"]._activate_lang("zh_CN")
            cls.env["ir.module.module"]._load_module_terms(
                ["base", "web", "utility_billing"], ["zh_CN"], overwrite=True
            )
            cls.officer.lang = "zh_CN"

    def test_billing_officer_requests_an_einvoice_and_sends_the_batch(self):
        if not self.officer:
            self.skipTest("needs the demo data (make test installs it)")
        county = self.env.ref("utility_billing.company_county")
        customer = self.env["res.partner"].create(
            {
                "name": "开票测试五金店",
                "is_company": True,
                "company_id": county.id,
                "utility_customer_number": "0100009901",
                "utility_category": "commercial",
                "utility_station_id": self.env.ref("utility_billing.station_cg").id,
                "street": "城关镇西街8号",
                "phone": "0373-7018888",
            }
        )
        # a bill of the utility bills journal, as the billing run posts it
        bill = (
            self.env["account.move"]
            .with_company(county)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "journal_id": self.env["account.move"]._utility_get_bill_journal(county).id,
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "电费", "quantity": 1, "price_unit": 268.40, "tax_ids": []}
                        )
                    ],
                }
            )
        )
        bill.action_post()
        self.start_tour("/odoo", "utility_einvoice_request_tour", login="officer_cg")
        request = bill.utility_einvoice_request_ids
        self.assertEqual(len(request), 1)
        self.assertEqual(request.state, "sent")
        self.assertEqual(request.invoice_type, "special")
        self.assertEqual(request.buyer_tax_id, "91410725MA44TOUR8X")
        self.assertEqual(request.origin, "back_office")
        self.assertEqual(request.create_uid, self.officer)
        batch = request.batch_id
        self.assertEqual(batch.state, "exported")
        workbook = openpyxl.load_workbook(io.BytesIO(base64.b64decode(batch.file)))
        sheet = workbook["1-发票基本信息"]
        rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=4)]
        self.assertIn(request.serial, [row[0] for row in rows])
