"""A portal customer guessing ids sees nothing of other customers.

Runs on the demo data: the portal user customer01 (张伟) requests the portal
pages and the PDF reports of the documents of other customers, and of ids
that do not exist; every answer must look like "not found" or "forbidden",
never the document. Their own documents open (positive control).
"""

from odoo.tests import HttpCase, tagged


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
