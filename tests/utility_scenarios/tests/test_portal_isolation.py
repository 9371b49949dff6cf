"""A portal customer guessing ids sees nothing of other customers.

Runs on the demo data: the portal user customer01 (张伟) requests the portal
pages and the PDF reports of the documents of other customers, and of ids
that do not exist; every answer must look like "not found" or "forbidden",
never the document. Their own documents open (positive control).
"""

import base64
from urllib.parse import urlsplit

from odoo import http
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException

EINVOICE_NUMBER = "25412000000000000077"


@tagged("post_install", "-at_install")
class TestPortalIsolationByGuessedIds(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = cls.env["res.users"].search([("login", "=", "customer01")], limit=1)
        if cls.portal_user:
            cls.own_partner = cls.portal_user.partner_id.commercial_partner_id
            cls.own_partner_ids = (
                cls.env["res.partner"].search([("id", "child_of", cls.own_partner.id)]).ids
            )
            cls.other_partner_domain = [
                ("partner_id", "not in", cls.own_partner_ids),
                ("partner_id", "!=", False),
            ]

    def setUp(self):
        super().setUp()
        if not self.portal_user:
            self.skipTest("needs the demo portal user customer01")
        self.authenticate("customer01", "customer01")

    def _others(self, model, limit=5, extra_domain=None):
        return (
            self.env[model]
            .sudo()
            .search(self.other_partner_domain + (extra_domain or []), limit=limit, order="id")
        )

    def _guessed_ids(self, model, limit=5, extra_domain=None):
        """Ids of other customers' records, plus one past the last id."""
        others = self._others(model, limit=limit, extra_domain=extra_domain)
        last = self.env[model].sudo().search([], order="id desc", limit=1).id or 0
        return [*others.ids, last + 1]

    def _assert_refused(self, url):
        response = self.url_open(url, allow_redirects=False)
        location = response.headers.get("Location", "")
        with self.subTest(url=url):
            self.assertNotEqual(response.status_code, 200, f"{url} was served")
            self.assertNotIn("application/pdf", response.headers.get("Content-Type", ""))
            if response.is_redirect:
                # a redirect goes to the login or the portal home, not to the document
                self.assertNotIn(url.rsplit("/", 1)[-1], location.rsplit("/", 1)[-1] + "?")

    def test_own_contract_opens_as_a_positive_control(self):
        contract = (
            self.env["utility.contract"]
            .sudo()
            .search([("partner_id", "child_of", self.own_partner.id)], limit=1)
        )
        self.assertTrue(contract, "demo customer01 has a contract")
        response = self.url_open(f"/my/utility/contracts/{contract.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(contract.name, response.text)

    def test_other_customers_contracts_meters_and_readings_are_not_found(self):
        for contract_id in self._guessed_ids("utility.contract"):
            self._assert_refused(f"/my/utility/contracts/{contract_id}")
            self._assert_refused(f"/my/utility/contracts/{contract_id}/topup")
        for meter_id in self._guessed_ids("utility.meter"):
            self._assert_refused(f"/my/utility/meters/{meter_id}")

    def test_other_customers_readings_and_payments_are_not_listed(self):
        other_readings = self._others("utility.meter.reading", limit=20)
        response = self.url_open("/my/utility/readings")
        self.assertEqual(response.status_code, 200)
        own_meters = (
            self.env["utility.meter"]
            .sudo()
            .search([("partner_id", "child_of", self.own_partner.id)])
            .mapped("serial")
        )
        for serial in set(other_readings.mapped("meter_id.serial")) - set(own_meters):
            self.assertNotIn(serial, response.text)
        other_payments = (
            self.env["account.payment"]
            .sudo()
            .search(
                self.other_partner_domain,
                limit=20,
            )
        )
        response = self.url_open("/my/utility/payments")
        self.assertEqual(response.status_code, 200)
        for payment in other_payments.filtered("name"):
            self.assertNotIn(payment.name, response.text)

    def test_other_customers_bills_and_receipts_cannot_be_opened_or_printed(self):
        bill_ids = self._guessed_ids(
            "account.move",
            extra_domain=[("move_type", "=", "out_invoice"), ("state", "=", "posted")],
        )
        for bill_id in bill_ids:
            self._assert_refused(f"/my/invoices/{bill_id}")
            self._assert_refused(f"/my/invoices/{bill_id}?report_type=pdf&download=true")
            self._assert_refused(f"/report/pdf/utility_billing.report_utility_bill/{bill_id}")
            self._assert_refused(f"/report/pdf/account.report_invoice/{bill_id}")
        for payment_id in self._guessed_ids("account.payment"):
            self._assert_refused(
                f"/report/pdf/utility_payment_channels.report_utility_receipt/{payment_id}"
            )


@tagged("post_install", "-at_install")
class TestPortalEinvoiceIsolation(HttpCase):
    """VAT e-invoices on the demo data: 张伟 (customer01) has an issued
    e-invoice, with its PDF and OFD, on one of his bills; 李娜 (customer03),
    logged in to the portal, tries to request an invoice on his bill, to
    download his files (by file id, through her own bill, with guessed
    tokens) and to read his request; neither can create, write or read a
    request over JSON-RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer01 = cls.env.ref("utility_billing.user_portal_customer_01", False)
        cls.customer03 = cls.env.ref("utility_billing.user_portal_customer_03", False)
        if not cls.customer01 or not cls.customer03:
            return
        Move = cls.env["account.move"]
        domain = [("move_type", "=", "out_invoice"), ("state", "=", "posted")]
        cls.bill01, cls.other_bill01 = Move.search(
            [*domain, ("commercial_partner_id", "=", cls.customer01.partner_id.id)],
            order="id",
            limit=2,
        )
        cls.bill03 = Move.search(
            [*domain, ("commercial_partner_id", "=", cls.customer03.partner_id.id)], limit=1
        )
        Request = cls.env["utility.einvoice.request"]
        cls.request01 = Request._utility_create_requests(
            cls.bill01, {"invoice_type": "ordinary", "buyer_name": "张伟"}, "portal"
        )
        cls.files01 = cls._issue(cls.request01, EINVOICE_NUMBER)
        cls.request03 = Request._utility_create_requests(
            cls.bill03, {"invoice_type": "ordinary", "buyer_name": "李娜"}, "portal"
        )
        cls.files03 = cls._issue(cls.request03, "25412000000000000078")

    @classmethod
    def _issue(cls, request, number):
        attachments = cls.env["ir.attachment"].create(
            [
                {
                    "name": f"{number}.{ext}",
                    "datas": base64.b64encode(content),
                    "res_model": request._name,
                    "res_id": request.id,
                }
                for ext, content in (("pdf", b"%PDF-1.4 " + number.encode()), ("ofd", b"PK ofd"))
            ]
        )
        with request._utility_protected_write():
            request.write(
                {
                    "state": "issued",
                    "einvoice_number": number,
                    "einvoice_date": "2026-12-01",
                    "attachment_ids": [(6, 0, attachments.ids)],
                }
            )
        return attachments

    def setUp(self):
        super().setUp()
        if not self.customer01 or not self.customer03:
            self.skipTest("needs the demo portal users customer01 and customer03")

    def _refused(self, url):
        """The answer to ``url``, after its redirects (a language prefix,
        the login page), is not the file nor the invoice number."""
        response = self.url_open(url)
        path = urlsplit(url).path
        with self.subTest(url=url):
            self.assertNotIn(EINVOICE_NUMBER.encode(), response.content)
            self.assertNotIn(b"%PDF", response.content)
            self.assertNotIn(b"PK ofd", response.content)
            self.assertTrue(
                response.status_code in (403, 404)
                or not urlsplit(response.url).path.endswith(path),
                f"{url} was served",
            )
        return response

    def _call(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def test_owner_downloads_the_files_as_a_positive_control(self):
        self.authenticate("customer01", "customer01")
        page = self.url_open(f"/my/invoices/{self.bill01.id}")
        self.assertIn(EINVOICE_NUMBER, page.text)
        for attachment in self.files01:
            response = self.url_open(f"/my/invoices/{self.bill01.id}/einvoice/file/{attachment.id}")
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.content, attachment.raw)

    def test_another_customer_cannot_request_an_invoice_on_my_bill(self):
        self.authenticate("customer03", "customer03")
        before = self.env["utility.einvoice.request"].search_count([])
        self._refused(f"/my/invoices/{self.other_bill01.id}/einvoice")
        response = self.url_open(
            f"/my/invoices/{self.other_bill01.id}/einvoice",
            data={
                "invoice_type": "ordinary",
                "buyer_name": "李娜",
                "csrf_token": http.Request.csrf_token(self),
            },
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.env["utility.einvoice.request"].search_count([]), before)
        self.assertFalse(self.other_bill01.utility_einvoice_request_ids)

    def test_an_employee_who_reads_the_bill_cannot_request_through_the_portal(self):
        """A field collector reads bills but may not create requests: the
        portal route, which creates them with elevated rights, is the
        customer's own."""
        before = self.env["utility.einvoice.request"].search_count([])
        for login in ("collector_lz", "cashier_cg"):
            if not self.env["res.users"].search_count([("login", "=", login)]):
                continue
            self.authenticate(login, login)
            response = self.url_open(
                f"/my/invoices/{self.other_bill01.id}/einvoice",
                data={
                    "invoice_type": "ordinary",
                    "buyer_name": "forged",
                    "csrf_token": http.Request.csrf_token(self),
                },
                allow_redirects=False,
            )
            self.assertEqual(response.status_code, 404, login)
        self.assertEqual(self.env["utility.einvoice.request"].search_count([]), before)

    def test_another_customer_cannot_download_my_invoice_files(self):
        self.authenticate("customer03", "customer03")
        # her own file opens (positive control)
        own = self.url_open(f"/my/invoices/{self.bill03.id}/einvoice/file/{self.files03[0].id}")
        self.assertEqual(own.status_code, 200)
        for attachment in self.files01:
            # through my bill, through her own bill, and Odoo's own file routes
            self._refused(f"/my/invoices/{self.bill01.id}/einvoice/file/{attachment.id}")
            self._refused(f"/my/invoices/{self.bill03.id}/einvoice/file/{attachment.id}")
            self._refused(f"/web/content/{attachment.id}")
            self._refused(f"/web/content/{attachment.id}?download=true")
            self._refused(f"/web/content/ir.attachment/{attachment.id}/datas")
            # /web/image answers a placeholder picture, never the file
            image = self.url_open(f"/web/image/{attachment.id}")
            self.assertNotEqual(image.content, attachment.raw)
            self.assertNotIn(b"%PDF", image.content)
            # guessed tokens: the attachment has none, and my bill's is not hers
            for token in ("", "0", "null", "x" * 36, self.bill03._portal_ensure_token()):
                self._refused(f"/web/content/{attachment.id}?access_token={token}")
                self._refused(
                    f"/my/invoices/{self.bill01.id}/einvoice/file/{attachment.id}"
                    f"?access_token={token}"
                )
        # ids past the last attachment answer the same
        last = self.env["ir.attachment"].search([], order="id desc", limit=1).id
        self._refused(f"/my/invoices/{self.bill03.id}/einvoice/file/{last + 1}")

    def test_the_bills_access_token_opens_its_files_and_only_its_own(self):
        """The share link of a bill opens its e-invoice files as Odoo's
        portal opens the bill itself; it opens no other bill's files."""
        token = self.bill01._portal_ensure_token()
        self.authenticate("customer03", "customer03")
        attachment = self.files01[0]
        response = self.url_open(
            f"/my/invoices/{self.bill01.id}/einvoice/file/{attachment.id}?access_token={token}"
        )
        self.assertEqual(response.status_code, 200)
        self._refused(
            f"/my/invoices/{self.bill03.id}/einvoice/file/{attachment.id}?access_token={token}"
        )
        other_token = self.other_bill01._portal_ensure_token()
        self._refused(
            f"/my/invoices/{self.other_bill01.id}/einvoice/file/{attachment.id}"
            f"?access_token={other_token}"
        )
        # a share link does not let its holder request an invoice
        response = self.url_open(
            f"/my/invoices/{self.other_bill01.id}/einvoice?access_token={other_token}"
        )
        self.assertEqual(response.status_code, 404)

    def test_another_customer_sees_nothing_of_my_request(self):
        self.authenticate("customer03", "customer03")
        for url in ("/my/einvoices", f"/my/invoices/{self.bill03.id}", "/my/invoices"):
            response = self.url_open(url)
            self.assertEqual(response.status_code, 200, url)
            self.assertNotIn(EINVOICE_NUMBER, response.text, url)
            self.assertNotIn(self.request01.name, response.text, url)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["utility_einvoice_count"]}
        )
        self.assertEqual(counters["utility_einvoice_count"], 1)

    def test_portal_users_cannot_read_create_or_write_requests_over_json_rpc(self):
        for login, request in (("customer01", self.request01), ("customer03", self.request01)):
            self.authenticate(login, login)
            calls = (
                ("read", [request.ids, ["einvoice_number", "buyer_name"]]),
                ("search_read", [[("id", "=", request.id)], ["einvoice_number"]]),
                ("web_read", [request.ids], {"specification": {"einvoice_number": {}}}),
                ("write", [request.ids, {"buyer_name": "forged"}]),
                ("write", [request.ids, {"einvoice_number": "1" * 20}]),
                (
                    "create",
                    [
                        {
                            "invoice_type": "ordinary",
                            "buyer_name": "forged",
                            "move_ids": [(6, 0, self.other_bill01.ids)],
                            "partner_id": self.customer01.partner_id.id,
                        }
                    ],
                ),
                (
                    "_utility_create_requests",
                    [self.other_bill01.ids, {"buyer_name": "forged"}, "portal"],
                ),
            )
            for method, args, *kwargs in calls:
                with self.subTest(login=login, method=method):
                    with self.assertRaises(JsonRpcException) as caught:
                        self._call(
                            "utility.einvoice.request", method, args, kwargs[0] if kwargs else None
                        )
                    self.assertIn(
                        caught.exception.args[0],
                        ("odoo.exceptions.AccessError", "odoo.exceptions.UserError"),
                    )
            # the attachments themselves are not readable either
            with self.assertRaises(JsonRpcException):
                self._call("ir.attachment", "read", [self.files01.ids, ["datas"]])
        self.request01.invalidate_recordset()
        self.assertEqual(self.request01.buyer_name, "张伟")
        self.assertEqual(self.request01.einvoice_number, EINVOICE_NUMBER)
        self.assertFalse(self.other_bill01.utility_einvoice_request_ids)

    def test_a_cashier_cannot_write_the_issued_fields_over_json_rpc(self):
        """Cashiers create requests at the counter; the number, date, files
        and state of the issued invoice stay the provider's."""
        if not self.env["res.users"].search_count([("login", "=", "cashier_cg")]):
            self.skipTest("needs the demo cashier cashier_cg")
        self.authenticate("cashier_cg", "cashier_cg")
        request = self.request01
        for vals in (
            {"einvoice_number": "1" * 20},
            {"einvoice_date": "2026-12-31"},
            {"state": "cancelled"},
            {"attachment_ids": [(5, 0, 0)]},
            {"buyer_name": "forged"},
        ):
            with self.subTest(vals=vals), self.assertRaises(JsonRpcException) as caught:
                self._call("utility.einvoice.request", "write", [request.ids, vals])
            self.assertIn(
                caught.exception.args[0],
                ("odoo.exceptions.AccessError", "odoo.exceptions.UserError"),
            )
        with self.assertRaises(JsonRpcException):
            self._call(
                "utility.einvoice.request",
                "create",
                [
                    {
                        "invoice_type": "ordinary",
                        "buyer_name": "张伟",
                        "move_ids": [(6, 0, self.other_bill01.ids)],
                        "einvoice_number": "1" * 20,
                        "state": "issued",
                    }
                ],
            )
        request.invalidate_recordset()
        self.assertEqual(request.einvoice_number, EINVOICE_NUMBER)
        self.assertEqual(request.state, "issued")
        self.assertEqual(len(request.attachment_ids), 2)
        self.assertFalse(self.other_bill01.utility_einvoice_request_ids)
