from odoo import fields, http
from odoo.tests import HttpCase, tagged

from .test_prepaid import UtilityPrepaidCase


@tagged("post_install", "-at_install")
class TestPortal(UtilityPrepaidCase, HttpCase):
    """The customer portal: own records only, another customer's record
    answers like a missing one; online top-up and bill payment through the
    payment providers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_b = cls.env["res.partner"].create(
            {
                "name": "Li Na",
                "utility_customer_number": "0100000002",
                "utility_category": "residential",
                "company_id": cls.company.id,
            }
        )
        cls.point_b = cls.env["utility.service.point"].create(
            {
                "name": "Li Na house",
                "station_id": cls.station.id,
                "partner_id": cls.customer_b.id,
                "company_id": cls.company.id,
            }
        )
        cls.meter_b = cls.env["utility.meter"].create(
            {"serial": "M0002", "service_point_id": cls.point_b.id}
        )
        cls.contract_b = cls.env["utility.contract"].create(
            {
                "partner_id": cls.customer_b.id,
                "service_point_id": cls.point_b.id,
                "tariff_id": cls.tariff.id,
                "company_id": cls.company.id,
                "date_start": "2024-01-01",
            }
        )
        cls.contract_b.action_activate()
        cls.bill_a = cls._bill(88.0)
        cls.bill_b = cls._bill(77.0, contract=cls.contract_b)
        cls.user_a = cls._portal_user("portal_a", cls.customer)
        cls.user_b = cls._portal_user("portal_b", cls.customer_b)

    def _get(self, url):
        return self.url_open(url, allow_redirects=False)

    # ------------------------------------------------------------------
    # isolation
    # ------------------------------------------------------------------

    def test_record_rules_show_a_portal_customer_only_their_own_records(self):
        env_a = self.env(user=self.user_a)
        self.assertEqual(env_a["utility.contract"].search([]), self.contract)
        self.assertEqual(env_a["utility.meter"].search([]), self.meter)
        self.assertEqual(env_a["utility.service.point"].search([]), self.service_point)
        self.assertFalse(env_a["utility.contract"].search([("id", "=", self.contract_b.id)]))

    def test_own_contract_page_shows_balance_and_meter(self):
        self._topup(66.0)
        self.authenticate("portal_a", "portal_a")
        response = self._get(f"/my/utility/contracts/{self.contract.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.contract.name, response.text)
        self.assertIn(self.meter.serial, response.text)
        self.assertIn("66.00", response.text)
        self.assertNotIn(self.contract_b.name, response.text)

    def test_another_customers_contract_answers_like_a_missing_one(self):
        self.authenticate("portal_a", "portal_a")
        other = self._get(f"/my/utility/contracts/{self.contract_b.id}")
        missing = self._get("/my/utility/contracts/987654321")
        self.assertEqual(other.status_code, 404)
        self.assertEqual(missing.status_code, 404)
        self.assertNotIn(self.contract_b.name, other.text)
        self.assertNotIn(self.customer_b.name, other.text)

    def test_another_customers_meter_and_top_up_page_answer_404(self):
        self.authenticate("portal_a", "portal_a")
        self.contract_b.billing_mode = "prepaid"
        for url in (
            f"/my/utility/meters/{self.meter_b.id}",
            f"/my/utility/contracts/{self.contract_b.id}/topup",
            f"/my/utility/contracts/{self.contract_b.id}/topup?amount=10",
        ):
            response = self._get(url)
            self.assertEqual(response.status_code, 404, url)
            self.assertNotIn(self.meter_b.serial, response.text)

    def test_another_customers_reading_is_neither_listed_nor_writable(self):
        if "utility.meter.reading" not in self.env:
            self.skipTest("meter readings not installed")
        reading_b = self.env["utility.meter.reading"].create(
            {"meter_id": self.meter_b.id, "value": 4321.0, "reading_date": fields.Date.today()}
        )
        env_a = self.env(user=self.user_a)
        self.assertFalse(env_a["utility.meter.reading"].search([("id", "=", reading_b.id)]))
        self.authenticate("portal_a", "portal_a")
        listing = self._get("/my/utility/readings")
        self.assertEqual(listing.status_code, 200)
        self.assertNotIn("4321.00", listing.text)
        posted = self.url_open(
            f"/my/utility/meters/{self.meter_b.id}/reading",
            data={"value": "5000", "csrf_token": http.Request.csrf_token(self)},
            allow_redirects=False,
        )
        self.assertEqual(posted.status_code, 404)
        self.assertEqual(
            self.env["utility.meter.reading"].search_count([("meter_id", "=", self.meter_b.id)]),
            1,
        )

    def test_self_reading_is_recorded_for_review(self):
        if "utility.meter.reading" not in self.env:
            self.skipTest("meter readings not installed")
        self.authenticate("portal_a", "portal_a")
        response = self.url_open(
            f"/my/utility/meters/{self.meter.id}/reading",
            data={"value": "1234.5", "csrf_token": http.Request.csrf_token(self)},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        self.assertIn("saved=1", response.headers["Location"])
        reading = self.env["utility.meter.reading"].search([("meter_id", "=", self.meter.id)])
        self.assertEqual(reading.value, 1234.5)
        self.assertEqual(reading.reading_type, "self")
        self.assertIn(reading.state, ("draft", "to_review"))

    def test_customer_sees_validated_readings_not_the_offices_drafts(self):
        """A reading the office has not validated yet may still be corrected:
        the customer sees neither it nor a consumption computed from it, on
        any page nor through the ORM; their own self-reading shows as under
        review, without consumption."""
        if "utility.meter.reading" not in self.env:
            self.skipTest("meter readings not installed")
        today = fields.Date.today()
        Reading = self.env["utility.meter.reading"]
        self.meter.install_date = fields.Date.subtract(today, days=90)
        validated = Reading.create(
            {
                "meter_id": self.meter.id,
                "reading_date": fields.Date.subtract(today, days=30),
                "value": self.meter.initial_reading + 1234.0,
            }
        )
        # set up as validated whatever the review rules say of the jump
        with validated._utility_protected_write():
            validated.write({"state": "validated"})
        draft = Reading.create(
            {
                "meter_id": self.meter.id,
                "reading_date": fields.Date.subtract(today, days=2),
                "value": validated.value + 765.0,
            }
        )
        self.assertEqual(draft.state, "draft")
        self_reading = Reading.create(
            {
                "meter_id": self.meter.id,
                "reading_date": today,
                "value": draft.value + 1.0,
                "reading_type": "self",
            }
        )
        env_a = self.env(user=self.user_a)
        self.assertEqual(env_a["utility.meter.reading"].search([]), validated | self_reading)
        self.authenticate("portal_a", "portal_a")
        for url in (
            "/my/utility/readings",
            f"/my/utility/meters/{self.meter.id}",
            f"/my/utility/contracts/{self.contract.id}",
        ):
            text = self._get(url).text
            self.assertIn(f"{validated.value:.2f}", text, url)
            self.assertIn("1234.00 kWh", text, url)
            self.assertNotIn(f"{draft.value:.2f}", text, url)
            self.assertNotIn("765.00", text, url)
            self.assertNotIn("766.00", text, url)

    def test_another_customers_bill_and_pdf_give_no_data(self):
        self.authenticate("portal_a", "portal_a")
        for url in (
            f"/my/invoices/{self.bill_b.id}",
            f"/my/invoices/{self.bill_b.id}?report_type=pdf&download=true",
        ):
            response = self._get(url)
            self.assertIn(response.status_code, (302, 303, 403, 404), url)
            self.assertNotIn("application/pdf", response.headers.get("Content-Type", ""))
            self.assertNotIn(self.bill_b.name, response.text)
        own = self._get(f"/my/invoices/{self.bill_a.id}?report_type=pdf&download=true")
        self.assertEqual(own.status_code, 200)
        self.assertIn(".pdf", own.headers.get("Content-Disposition", ""))

    def test_bill_prints_and_downloads_as_the_electricity_bill(self):
        """The Print button, the portal bill page and its Download give the
        electricity bill (readings, amount in capitals), not Odoo's generic
        invoice; the page names no salesperson."""
        electricity_bill = self.env.ref("utility_billing.action_report_utility_bill")
        action = self.bill_a.with_context(discard_logo_check=True).action_print_pdf()
        self.assertEqual(action["report_name"], electricity_bill.report_name)
        self.assertEqual(
            self.env["account.move.send"]._get_default_pdf_report_id(self.bill_a),
            electricity_bill,
        )
        self.assertTrue(self.bill_a.invoice_user_id, "the bill has a salesperson in Odoo")
        self.authenticate("portal_a", "portal_a")
        page = self._get(f"/my/invoices/{self.bill_a.id}")
        self.assertNotIn(self.bill_a.invoice_user_id.name, page.text)
        html = self._get(f"/my/invoices/{self.bill_a.id}?report_type=html")
        self.assertIn("Electricity Bill", html.text)
        self.assertIn("In words", html.text)
        pdf = self._get(f"/my/invoices/{self.bill_a.id}?report_type=pdf&download=true")
        self.assertEqual(pdf.status_code, 200)
        self.assertIn("pdf", pdf.headers.get("Content-Type", ""))
        # what that download sends: the electricity bill, not the pro forma
        [document] = self.bill_a._get_invoice_legal_documents_all(allow_fallback=True)
        self.assertTrue(document["filename"].startswith("Bill "), document["filename"])

    def test_own_bill_page_shows_its_supply_contract(self):
        if "utility_contract_id" not in self.env["account.move"]._fields:
            self.skipTest("bills do not record their contract yet")
        self.authenticate("portal_a", "portal_a")
        response = self._get(f"/my/invoices/{self.bill_a.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_utility_invoice_info", response.text)
        self.assertIn(self.contract.name, response.text)

    def test_home_counters_count_only_own_records(self):
        self.authenticate("portal_a", "portal_a")
        counters = self.make_jsonrpc_request(
            "/my/counters",
            {"counters": ["utility_contract_count", "utility_meter_count"]},
        )
        self.assertEqual(counters["utility_contract_count"], 1)
        self.assertEqual(counters["utility_meter_count"], 1)

    def test_portal_banner_shows_open_low_balance_warning(self):
        rule = self.env["utility.warning.rule"].create(
            {
                "name": "Low",
                "kind": "balance_amount",
                "threshold_amount": 20.0,
                "company_id": self.company.id,
                "notify_sms": False,
                "notify_email": False,
                "notify_activity": False,
            }
        )
        rule._evaluate()
        self.authenticate("portal_a", "portal_a")
        response = self._get("/my/utility/contracts")
        self.assertIn("o_utility_warning", response.text)
        home = self._get("/my")
        self.assertEqual(home.status_code, 200)
        self.assertIn("o_utility_warning", home.text)
        self.authenticate("portal_b", "portal_b")
        response = self._get("/my/utility/contracts")
        self.assertNotIn("o_utility_warning", response.text)


@tagged("post_install", "-at_install")
class TestPortalPayment(UtilityPrepaidCase, HttpCase):
    """Online payment with Odoo's demo provider (payment_demo must be
    installed, e.g. through the utility_scenarios test add-on)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls._demo_provider()
        cls.demo_installed = bool(cls.provider)
        if not cls.demo_installed:
            return
        cls.user_a = cls._portal_user("portal_pay", cls.customer)

    def setUp(self):
        super().setUp()
        if not self.demo_installed:
            self.skipTest("payment_demo is not installed")

    def test_confirmed_top_up_transaction_becomes_prepaid_balance(self):
        tx = self.env["payment.transaction"].create(
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.provider.payment_method_ids[:1].id,
                "amount": 50.0,
                "currency_id": self.company.currency_id.id,
                "partner_id": self.customer.id,
                "utility_contract_id": self.contract.id,
                "reference": self.env["payment.transaction"]._compute_reference(
                    "demo", utility_contract_id=self.contract.id
                ),
                "operation": "online_direct",
            }
        )
        self.assertTrue(tx.reference.startswith("TOPUP-"))
        tx._set_done()
        tx._post_process()
        self.assertTrue(tx.payment_id)
        self.assertEqual(self.contract.prepaid_balance, 50.0)

    def test_tour_portal_customer_pays_a_bill_with_the_demo_provider(self):
        bill = self._bill(42.0)
        self.start_tour("/my/invoices", "utility_portal_pay_bill", login="portal_pay")
        self.assertEqual(bill.amount_residual, 0.0)

    def test_tour_portal_customer_tops_up_a_prepaid_contract(self):
        self.start_tour("/my/utility/contracts", "utility_portal_topup", login="portal_pay")
        self.contract.invalidate_recordset(["prepaid_balance"])
        self.assertEqual(self.contract.prepaid_balance, 50.0)
