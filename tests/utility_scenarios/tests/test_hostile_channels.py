"""Attacks replayed from outside, as a real client would send them: the
terminal API and the TV feed over HTTP, the counter over JSON-RPC as the
demo cashier. Each answer is
a clear 4xx (JSON for the APIs) or a user error, never a 5xx, and nothing
is booked that the rules refuse."""

import json
from datetime import datetime

import pytz
from freezegun import freeze_time

from odoo import SUPERUSER_ID, fields
from odoo.tests import HttpCase, tagged

from odoo.addons.utility_payment_channels.models.utility_payment_terminal import (
    hash_terminal_key,
)

API = "/utility/api/v1"
KEY = "hostile-channels-terminal-key"


@tagged("post_install", "-at_install")
class TestHostileChannels(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.atm = cls.env.ref(
            "utility_payment_channels.terminal_atm_chengguan", raise_if_not_found=False
        )
        if not cls.atm:  # pragma: no cover - only without demo data
            cls.skipTest(cls, "the demo terminals are not installed (no demo data)")
        # the key is set up as Generate Key stores it (a hash)
        with cls.atm._utility_protected_write():
            cls.atm.sudo().key_hash = hash_terminal_key(KEY)
        cls.company = cls.atm.company_id
        cls.currency = cls.company.currency_id
        cls.env["ir.config_parameter"].sudo().set_param("utility_api.auth_delay_seconds", "0")
        cls.bill = cls.env["account.move"].search(
            [
                ("company_id", "=", cls.company.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "=", "not_paid"),
                ("partner_id.utility_customer_number", "!=", False),
            ],
            order="invoice_date_due, id",
            limit=1,
        )
        cls.customer = cls.bill.commercial_partner_id
        cls.number = cls.customer.utility_customer_number

    def _payments(self):
        return self.env["account.payment"].search_count([("partner_id", "=", self.customer.id)])

    def _api(self, path, body=None, method=None, raw=None):
        headers = {"Authorization": f"Bearer {KEY}"}
        if raw is not None:
            headers["Content-Type"] = "application/json"
            return self.url_open(API + path, data=raw, headers=headers, method=method or "POST")
        if body is not None:
            return self.url_open(API + path, json=body, headers=headers, method=method or "POST")
        return self.url_open(API + path, headers=headers, method=method or "GET")

    def _assert_json_error(self, response, status, code):
        self.assertEqual(response.status_code, status, response.text[:300])
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "application/json")
        self.assertEqual(response.json()["code"], code)

    # ------------------------------------------------------------------
    # item 9: one strict amount grammar
    # ------------------------------------------------------------------
    def test_api_refuses_every_amount_outside_the_grammar_and_books_nothing(self):
        before = self._payments()
        for index, amount in enumerate(
            ["١٢٣", "5e1", "+5", " 5.00 ", "5.00 ", "NaN", "Infinity", "1e308", "0x10", "5.001"]
        ):
            with self.subTest(amount=amount):
                response = self._api(
                    "/payments",
                    {
                        "customer_number": self.number,
                        "amount": amount,
                        "terminal_txn_id": f"GRAMMAR-{index}",
                        "allow_prepaid": True,
                    },
                )
                self._assert_json_error(response, 422, "invalid_amount")
        # the same as raw JSON numbers (Python's json reads NaN and Infinity)
        for index, number in enumerate(["NaN", "Infinity", "1e308", "5e1", "1E2"]):
            with self.subTest(number=number):
                raw = (
                    f'{{"customer_number": "{self.number}", "amount": {number}, '
                    f'"terminal_txn_id": "RAW-{index}", "allow_prepaid": true}}'
                )
                self._assert_json_error(self._api("/payments", raw=raw), 422, "invalid_amount")
        self.assertEqual(self._payments(), before, "nothing was booked")
        # the grammar's own amounts are booked
        response = self._api(
            "/payments",
            {"customer_number": self.number, "amount": "1.50", "terminal_txn_id": "GRAMMAR-OK"},
        )
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(response.json()["amount"], 1.5)

    # ------------------------------------------------------------------
    # item 8: no 500, JSON answers everywhere on the API
    # ------------------------------------------------------------------
    def test_api_answers_nul_bytes_and_slashes_with_a_json_404(self):
        self._assert_json_error(self._api("/customers/%00/bills"), 404, "customer_not_found")
        self._assert_json_error(self._api("/customers/01%0000/bills"), 404, "customer_not_found")
        self._assert_json_error(
            self._api(
                "/payments",
                {"customer_number": "01\x0000", "amount": "1.00", "terminal_txn_id": "NUL-1"},
            ),
            404,
            "customer_not_found",
        )
        self._assert_json_error(self._api("/payments/%00"), 404, "payment_not_found")
        self._assert_json_error(self._api("/customers/01/02/bills"), 404, "customer_not_found")
        self._assert_json_error(self._api("/customers/01%2F02/bills"), 404, "customer_not_found")
        self._assert_json_error(self._api("/no/such/resource"), 404, "not_found")

    def test_tv_feed_answers_other_methods_with_a_json_405(self):
        for method in ("POST", "PUT", "DELETE"):
            with self.subTest(method=method):
                response = self.url_open(API + "/arrears", data="{}", method=method)
                self._assert_json_error(response, 405, "method_not_allowed")
                self.assertEqual(response.headers["Allow"], "GET")

    def test_tv_feed_is_in_the_published_openapi_document(self):
        document = self.url_open(API + "/openapi.json").json()
        feed = document["paths"]["/arrears"]["get"]
        self.assertEqual(feed["security"], [{"tvOperatorKey": []}])
        self.assertEqual(set(feed["responses"]), {"200", "401", "422", "429"})
        self.assertIn("ArrearsFeedEntry", document["components"]["schemas"])

    # ------------------------------------------------------------------
    # item 11: the county's day, whatever the technical user's time zone
    # ------------------------------------------------------------------
    def test_api_dates_payments_and_late_fees_in_the_county_day(self):
        shanghai = pytz.timezone("Asia/Shanghai")
        self.company.partner_id.tz = "Asia/Shanghai"
        booking_user = self.atm.user_id or self.env["res.users"].browse(SUPERUSER_ID)
        booking_user.sudo().partner_id.tz = "Europe/Brussels"
        Move = self.env["account.move"]
        for index, local in enumerate([datetime(2026, 3, 9, 23, 30), datetime(2026, 3, 10, 0, 30)]):
            now = shanghai.localize(local).astimezone(pytz.utc).replace(tzinfo=None)
            county_day = local.date()
            with self.subTest(local=str(local)), freeze_time(now):
                bills = self._api(f"/customers/{self.number}/bills")
                self.assertEqual(bills.status_code, 200, bills.text)
                answer = bills.json()
                self.assertEqual(answer["as_of"], fields.Date.to_string(county_day))
                fees = Move._utility_late_fee_as_of(self.bill, county_day)
                first = next(b for b in answer["bills"] if b["bill_number"] == self.bill.name)
                self.assertEqual(first["late_fee"], self.currency.round(fees.get(self.bill.id, 0)))
                paid = self._api(
                    "/payments",
                    {
                        "customer_number": self.number,
                        "amount": "1.00",
                        "terminal_txn_id": f"TZ-{index}",
                    },
                )
                self.assertEqual(paid.status_code, 201, paid.text)
                payment = self.env["account.payment"].browse(paid.json()["payment_id"])
                self.assertEqual(payment.date, county_day)

    # ------------------------------------------------------------------
    # item 5: no ceiling at the counter
    # ------------------------------------------------------------------
    def _rpc(self, model, method, args, kwargs=None):
        response = self.url_open(
            "/web/dataset/call_kw",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "model": model,
                        "method": method,
                        "args": args,
                        "kwargs": kwargs or {},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_counter_refuses_a_huge_amount_and_an_unapproved_top_up_over_rpc(self):
        session = self.env.ref("utility_payment_channels.session_cg_open", raise_if_not_found=False)
        if not session or session.state != "opened":
            self.skipTest("the demo cashier session is not open")
        self.company.utility_topup_approval_limit = 500.0
        self.authenticate("cashier_cg", "cashier_cg")
        # the counter screen the menu opens, as the web client saves it
        wizard_id = self._rpc("utility.counter.payment", "create", [{}])["result"]
        partner = self.env["res.partner"].search(
            [
                ("utility_customer_number", "!=", False),
                ("company_id", "in", (session.company_id.id, False)),
            ],
            limit=1,
        )
        before = self.env["account.payment"].search_count([("partner_id", "=", partner.id)])
        # (the amount after the customer: choosing a customer proposes what is due)
        self._rpc("utility.counter.payment", "write", [[wizard_id], {"partner_id": partner.id}])
        for amount in (1e12, 1e308):
            with self.subTest(amount=amount):
                self._rpc("utility.counter.payment", "write", [[wizard_id], {"amount": amount}])
                answer = self._rpc("utility.counter.payment", "action_confirm", [[wizard_id]])
                self.assertIn("error", answer)
        # an amount no rounding can hold is a clear error, not a server error
        for field in ("amount", "amount_tendered"):
            with self.subTest(field=field):
                answer = self._rpc(
                    "utility.counter.payment", "write", [[wizard_id], {field: 1e308}]
                )
                self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.UserError")
        self.assertEqual(
            self.env["account.payment"].search_count([("partner_id", "=", partner.id)]), before
        )
        # a cashier cannot approve their own top-up, nor write the approval
        due = self.env["utility.counter.payment"].browse(wizard_id).amount_due
        self._rpc("utility.counter.payment", "write", [[wizard_id], {"amount": due + 600.0}])
        answer = self._rpc("utility.counter.payment", "action_confirm", [[wizard_id]])
        self.assertIn("Collection Manager", answer["error"]["data"]["message"])
        answer = self._rpc("utility.counter.payment", "action_approve_topup", [[wizard_id]])
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")
        manager = self.env.ref("base.user_admin")
        answer = self._rpc(
            "utility.counter.payment",
            "write",
            [[wizard_id], {"topup_approved_by_id": manager.id, "topup_approved_amount": due + 600}],
        )
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")
        # nor with any context the client makes up (no context key opens it)
        answer = self._rpc(
            "utility.counter.payment",
            "write",
            [[wizard_id], {"topup_approved_by_id": manager.id, "topup_approved_amount": due + 600}],
            {"context": {"utility_topup_approval": True}},
        )
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")
        self.assertFalse(self.env["utility.counter.payment"].browse(wizard_id).topup_approved_by_id)
        # a top-up within the limit is taken
        self._rpc("utility.counter.payment", "write", [[wizard_id], {"amount": due + 400.0}])
        answer = self._rpc("utility.counter.payment", "action_confirm", [[wizard_id]])
        self.assertNotIn("error", answer, answer)
        self.assertEqual(
            self.env["account.payment"].search_count([("partner_id", "=", partner.id)]),
            before + 1,
        )
