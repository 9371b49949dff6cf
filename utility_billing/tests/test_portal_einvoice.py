import base64

from odoo import http
from odoo.tests import HttpCase, tagged

from .test_prepaid import UtilityPrepaidCase

TAX_ID = "91410100MA00000000"


@tagged("post_install", "-at_install")
class TestPortalEinvoice(UtilityPrepaidCase, HttpCase):
    """The customer asks for the VAT e-invoice of a bill on the portal; the
    bill page then shows the request and, once issued, its number and
    files."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"email": "zhang.wei@example.com", "phone": "13803710001"})
        cls.bill = cls._bill(88.0)
        cls.user = cls._portal_user("portal_einv", cls.customer)

    def setUp(self):
        super().setUp()
        self.authenticate("portal_einv", "portal_einv")

    def _requests(self):
        return self.env["utility.einvoice.request"].search([("move_ids", "in", self.bill.ids)])

    def _post(self, bill=None, **values):
        values.setdefault("invoice_type", "ordinary")
        values["csrf_token"] = http.Request.csrf_token(self)
        return self.url_open(
            f"/my/invoices/{(bill or self.bill).id}/einvoice",
            data=values,
            allow_redirects=False,
        )

    def _issue(self, request):
        """What the results import does: the number, the date, the files."""
        attachments = self.env["ir.attachment"].create(
            [
                {
                    "name": f"{name}.{ext}",
                    "datas": base64.b64encode(content),
                    "res_model": request._name,
                    "res_id": request.id,
                }
                for name, ext, content in (
                    ("25412000000000000001", "pdf", b"%PDF-1.4 e-invoice"),
                    ("25412000000000000001", "ofd", b"PK ofd e-invoice"),
                )
            ]
        )
        with request._utility_protected_write():
            request.write(
                {
                    "state": "issued",
                    "einvoice_number": "25412000000000000001",
                    "einvoice_date": "2026-12-01",
                    "attachment_ids": [(6, 0, attachments.ids)],
                }
            )
        return attachments

    def test_bill_page_offers_the_request_and_the_form_is_filled_in(self):
        page = self.url_open(f"/my/invoices/{self.bill.id}")
        self.assertIn("o_utility_einvoice_request_btn", page.text)
        form = self.url_open(f"/my/invoices/{self.bill.id}/einvoice")
        self.assertEqual(form.status_code, 200)
        self.assertIn(self.customer.name, form.text)
        self.assertIn("zhang.wei@example.com", form.text)
        self.assertIn(self.bill.name, form.text)

    def test_customer_requests_an_ordinary_invoice_and_sees_it_requested(self):
        response = self._post(buyer_name="  张伟  ", buyer_email="zhang.wei@example.com")
        self.assertEqual(response.status_code, 303)
        self.assertIn(
            f"/my/invoices/{self.bill.id}?einvoice=requested", response.headers["Location"]
        )
        request = self._requests()
        self.assertEqual(len(request), 1)
        self.assertEqual(request.origin, "portal")
        self.assertEqual(request.partner_id, self.customer)
        self.assertEqual(request.buyer_name, "张伟")
        self.assertEqual(request.invoice_type, "ordinary")
        self.assertEqual(request.amount_total, 88.0)
        self.assertEqual(request.state, "requested")
        page = self.url_open(f"/my/invoices/{self.bill.id}?einvoice=requested")
        self.assertIn("o_utility_einvoice_requested", page.text)
        self.assertIn("o_utility_einvoice_state", page.text)
        self.assertIn("Requested", page.text)
        self.assertNotIn("o_utility_einvoice_request_btn", page.text)

    def test_special_invoice_keeps_the_bank_details_and_an_uppercase_tax_id(self):
        self._post(
            invoice_type="special",
            buyer_name="郑州某某商贸有限公司",
            buyer_tax_id=TAX_ID.lower(),
            buyer_address="郑州市金水区花园路1号",
            buyer_phone="0371-66000000",
            buyer_bank="中国工商银行郑州花园路支行",
            buyer_bank_account="1702020109000000000",
        )
        request = self._requests()
        self.assertEqual(request.invoice_type, "special")
        self.assertEqual(request.buyer_tax_id, TAX_ID)
        self.assertEqual(request.buyer_bank_account, "1702020109000000000")

    def test_ordinary_invoice_drops_the_special_invoices_details(self):
        self._post(buyer_name="张伟", buyer_bank_account="1702020109000000000")
        self.assertFalse(self._requests().buyer_bank_account)

    def test_bad_input_is_a_form_error_and_creates_nothing(self):
        for values in (
            {"invoice_type": "special", "buyer_name": "郑州某某商贸有限公司"},
            {"buyer_name": ""},
            {"buyer_name": "张伟", "buyer_tax_id": "12345"},
            {"buyer_name": "张" * 101},
            {"invoice_type": "red_letter", "buyer_name": "张伟"},
        ):
            with self.subTest(values=values):
                response = self._post(**values)
                self.assertEqual(response.status_code, 400)
                self.assertIn("o_utility_einvoice_error", response.text)
                self.assertIn("o_utility_einvoice_form", response.text)
        self.assertFalse(self._requests())

    def test_hostile_text_is_a_form_error_or_kept_as_text_never_a_crash(self):
        for value in ("张伟\x00", "\x07\x1b[31m", "\u202e伟张", "<script>alert(1)</script>"):
            with self.subTest(value=value):
                response = self._post(buyer_name=value, buyer_email=value)
                self.assertLess(response.status_code, 500)
                self.assertNotIn("<script>alert(1)</script>", response.text)
        self.assertFalse(self._requests().filtered(lambda r: "\x00" in r.buyer_name))

    def test_post_without_the_csrf_token_is_refused(self):
        response = self.url_open(
            f"/my/invoices/{self.bill.id}/einvoice",
            data={"invoice_type": "ordinary", "buyer_name": "张伟"},
            allow_redirects=False,
        )
        self.assertNotIn(response.status_code, (200, 303))
        self.assertFalse(self._requests())

    def test_second_request_of_the_same_bill_is_refused(self):
        self._post(buyer_name="张伟")
        again = self._post(buyer_name="李娜")
        self.assertEqual(again.status_code, 303)
        self.assertEqual(len(self._requests()), 1)
        self.assertEqual(self._requests().buyer_name, "张伟")

    def test_issued_invoice_shows_its_number_and_files_on_the_bill_page(self):
        self._post(buyer_name="张伟")
        pdf, ofd = self._issue(self._requests())
        page = self.url_open(f"/my/invoices/{self.bill.id}")
        self.assertIn("25412000000000000001", page.text)
        for attachment, content in ((pdf, b"%PDF-1.4 e-invoice"), (ofd, b"PK ofd e-invoice")):
            url = f"/my/invoices/{self.bill.id}/einvoice/file/{attachment.id}"
            self.assertIn(url, page.text)
            response = self.url_open(url)
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.content, content)
            self.assertIn("attachment", response.headers.get("Content-Disposition", ""))
        listing = self.url_open("/my/einvoices")
        self.assertEqual(listing.status_code, 200)
        self.assertIn("25412000000000000001", listing.text)

    def test_a_rejected_request_shows_its_reason_and_can_be_asked_again(self):
        self._post(buyer_name="张伟")
        request = self._requests()
        with request._utility_protected_write():
            request.write({"state": "rejected", "reject_reason": "购买方名称与税号不符"})
        page = self.url_open(f"/my/invoices/{self.bill.id}")
        self.assertIn("购买方名称与税号不符", page.text)
        self.assertIn("o_utility_einvoice_request_btn", page.text)
        self.assertEqual(self._post(buyer_name="张伟").status_code, 303)
        self.assertEqual(len(self._requests()), 2)

    def test_files_of_a_request_not_yet_issued_are_not_served(self):
        self._post(buyer_name="张伟")
        request = self._requests()
        attachment = self.env["ir.attachment"].create(
            {"name": "draft.pdf", "raw": b"%PDF", "res_model": request._name, "res_id": request.id}
        )
        with request._utility_protected_write():
            request.attachment_ids = [(4, attachment.id)]
        response = self.url_open(
            f"/my/invoices/{self.bill.id}/einvoice/file/{attachment.id}", allow_redirects=False
        )
        self.assertEqual(response.status_code, 404)
