import json
import threading
from datetime import timedelta

import requests

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME

from odoo.addons.utility_payment_channels.controllers.openapi import OPENAPI_DOCUMENT

from .agency_common import UtilityAgencyCase

API = "/utility/api/v1"


@tagged("post_install", "-at_install")
class TestTerminalApi(UtilityAgencyCase, HttpCase):
    """The terminal API over real HTTP, as openapi.py and docs/ARCHITECTURE.md publish it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.atm_point = cls.env["utility.collection.point"].create(
            {
                "name": "Chengguan ATM",
                "code": "ATM-1",
                "kind": "terminal",
                "journal_id": cls.company_data["default_journal_bank"].id,
            }
        )
        terminals = cls.env["utility.payment.terminal"].create(
            [
                {"name": "ATM 1", "collection_point_id": cls.atm_point.id},
                {"name": "ATM 2", "collection_point_id": cls.atm_point.id},
                {"name": "Post counter", "collection_point_id": cls.outlet_cg.id},
            ]
        )
        cls.atm, cls.atm_2, cls.post_counter = terminals
        cls.key = cls.atm.action_generate_key()["params"]["message"]
        cls.key_2 = cls.atm_2.action_generate_key()["params"]["message"]
        cls.post_key = cls.post_counter.action_generate_key()["params"]["message"]

    def _call(self, path, body=None, key=None, raw=None):
        headers = {"Authorization": f"Bearer {key or self.key}"}
        if body is not None or raw is not None:
            headers["Content-Type"] = "application/json"
            data = raw if raw is not None else json.dumps(body)
            response = self.url_open(API + path, data=data, headers=headers, method="POST")
        else:
            response = self.url_open(API + path, headers=headers)
        self._check_against_openapi(path, body is not None or raw is not None, response)
        return response

    def _check_against_openapi(self, path, is_post, response):
        """Every answer must be one the published OpenAPI document describes."""
        try:
            from openapi_schema_validator import OAS30Validator
        except ImportError:  # pragma: no cover - validator missing on this machine
            return
        if is_post:
            operation = OPENAPI_DOCUMENT["paths"]["/payments"]["post"]
        elif path.startswith("/customers/"):
            operation = OPENAPI_DOCUMENT["paths"]["/customers/{customer_number}/bills"]["get"]
        else:
            operation = OPENAPI_DOCUMENT["paths"]["/payments/{terminal_txn_id}"]["get"]
        documented = operation["responses"].get(str(response.status_code))
        self.assertTrue(documented, f"status {response.status_code} of {path} is not documented")
        schema = dict(documented["content"]["application/json"]["schema"])
        schema["components"] = OPENAPI_DOCUMENT["components"]
        OAS30Validator(schema).validate(response.json())

    def _pay(self, txn_id, amount, key=None, **extra):
        body = {"customer_number": "0100000002", "amount": amount, "terminal_txn_id": txn_id}
        body.update(extra)
        return self._call("/payments", body, key=key)

    def _assert_error(self, response, status, code):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.json()["code"], code)

    def test_bills_query_lists_open_bills_oldest_first_with_late_fee(self):
        response = self._call("/customers/0100000002/bills")
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertEqual(data["customer_name"], "Wang Fang")
        self.assertEqual(
            [(bill["bill_number"], bill["amount_due"], bill["due_date"]) for bill in data["bills"]],
            [
                (bill.name, amount, fields.Date.to_string(bill.invoice_date_due))
                for bill, amount in zip(self.bills, (100.0, 120.0, 80.0), strict=True)
            ],
        )
        # the late fee is the one of the hook (none here, utility_arrears' when installed)
        fees = self.env["account.move"]._utility_late_fee_as_of(
            self.bills, fields.Date.from_string(data["as_of"])
        )
        self.assertEqual(
            [bill["late_fee"] for bill in data["bills"]],
            [self.env.company.currency_id.round(fees[bill.id]) for bill in self.bills],
        )
        self.assertAlmostEqual(data["total_due"], 300.0 + sum(fees.values()), places=2)
        self.assertTrue(self.atm.last_used_at)

    def test_payment_is_allocated_oldest_first_and_answers_the_receipt(self):
        response = self._pay("ATM1-0001", 150.0)
        self.assertEqual(response.status_code, 201, response.text)
        receipt = response.json()
        self.assertFalse(receipt["duplicate"])
        self.assertEqual(receipt["amount"], 150.0)
        # the test company books in USD; CNY amounts read in Chinese capitals
        self.assertEqual(receipt["amount_in_words"], "One Hundred And Fifty Dollars")
        self.assertEqual(self.env.ref("base.CNY")._utility_amount_to_words(150.0), "壹佰伍拾元整")
        self.assertEqual(
            receipt["bills"],
            [
                {"bill_number": self.bills[0].name, "amount_paid": 100.0, "amount_remaining": 0.0},
                {"bill_number": self.bills[1].name, "amount_paid": 50.0, "amount_remaining": 70.0},
            ],
        )
        self.assertEqual(receipt["balance_due"], 150.0)
        self.assertEqual(receipt["terminal"], "ATM 1")
        payment = self.env["account.payment"].browse(receipt["payment_id"])
        self.assertEqual(payment.utility_txn_key, f"terminal:{self.atm.id}:ATM1-0001")
        self.assertEqual(payment.utility_collection_point_id, self.atm_point)
        self.assertEqual(payment.utility_channel, "terminal")
        self.assertEqual(self.bills[1].amount_residual, 70.0)

    def test_trade_date_is_kept_defaults_to_the_county_day_and_stays_near_it(self):
        today = self.atm_point._utility_today()
        receipt = self._pay("ATM1-0101", 10.0).json()
        self.assertEqual(receipt["trade_date"], fields.Date.to_string(today))
        yesterday = fields.Date.to_string(today - timedelta(days=1))
        response = self._pay("ATM1-0102", 10.0, trade_date=yesterday)
        self.assertEqual(response.status_code, 201, response.text)
        payment = self.env["account.payment"].browse(response.json()["payment_id"])
        self.assertEqual(fields.Date.to_string(payment.utility_trade_date), yesterday)
        self.assertEqual(response.json()["trade_date"], yesterday)
        before = self.env["account.payment"].search_count([])
        too_early = fields.Date.to_string(today - timedelta(3))
        for bad in ("2026-13-01", "20261201", 20261201, too_early):
            self._assert_error(self._pay("ATM1-0103", 10.0, trade_date=bad), 422, "invalid_field")
        self.assertEqual(self.env["account.payment"].search_count([]), before)

    def test_named_bills_are_paid_and_unknown_or_paid_bills_refused(self):
        mar = self.bills[2]
        response = self._pay("ATM1-0002", 80.0, bill_numbers=[mar.name])
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(mar.payment_state, "paid")
        self._assert_error(
            self._pay("ATM1-0003", 10.0, bill_numbers=["INV/0000/404"]), 404, "bill_not_found"
        )
        self._assert_error(
            self._pay("ATM1-0004", 10.0, bill_numbers=[self.bill_2.name]), 404, "bill_not_found"
        )
        self._assert_error(
            self._pay("ATM1-0005", 10.0, bill_numbers=[mar.name]), 422, "bill_not_open"
        )
        self.assertEqual(self.bills[0].amount_residual, 100.0)

    def test_second_payment_with_same_terminal_txn_is_not_booked_twice(self):
        first = self._pay("ATM1-0010", 100.0)
        second = self._pay("ATM1-0010", 100.0)
        self.assertEqual(first.status_code, 201)
        self.assertEqual(second.status_code, 200)
        first_body, second_body = first.json(), second.json()
        self.assertTrue(second_body.pop("duplicate"))
        first_body.pop("duplicate")
        self.assertEqual(first_body, second_body)
        self.assertEqual(self.bills[1].amount_residual, 120.0)
        self.assertEqual(
            self.env["account.payment"].search_count(
                [("utility_external_txn_id", "=", "ATM1-0010")]
            ),
            1,
        )
        # the same id with another amount or customer is a conflict, not a payment
        self._assert_error(self._pay("ATM1-0010", 99.0), 409, "duplicate_conflict")
        conflict = self._call(
            "/payments",
            {"customer_number": "0100000003", "amount": 100.0, "terminal_txn_id": "ATM1-0010"},
        )
        self._assert_error(conflict, 409, "duplicate_conflict")
        self.assertEqual(self.bill_2.amount_residual, 60.0)

    def test_two_simultaneous_identical_payments_book_once(self):
        results = []
        body = {"customer_number": "0100000002", "amount": 100.0, "terminal_txn_id": "ATM1-0020"}
        headers = {"Authorization": f"Bearer {self.key}"}
        url = self.base_url() + API + "/payments"
        start = threading.Barrier(2)

        def post(cookies):
            start.wait()
            results.append(
                requests.post(url, json=body, headers=headers, cookies=cookies, timeout=30)
            )

        # plain HTTP clients: the test opener flushes the test cursor, which
        # only the test thread may do; the cookie routes them to the test cursor
        self.env.flush_all()
        with self.allow_requests():
            cookies = {TEST_CURSOR_COOKIE_NAME: self.http_request_key}
            threads = [threading.Thread(target=post, args=(cookies,)) for _i in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        self.env.invalidate_all()
        self.assertEqual(sorted(r.status_code for r in results), [200, 201])
        self.assertEqual(len({r.json()["payment_id"] for r in results}), 1)
        self.assertEqual(
            self.env["account.payment"].search_count(
                [("utility_external_txn_id", "=", "ATM1-0020")]
            ),
            1,
        )
        self.assertEqual(self.bills[0].payment_state, "paid")
        self.assertEqual(self.bills[1].amount_residual, 120.0)

    def test_payment_status_is_only_visible_to_the_terminal_that_took_it(self):
        self._pay("ATM1-0030", 30.0)
        response = self._call("/payments/ATM1-0030")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["status"], "posted")
        self.assertEqual(response.json()["amount"], 30.0)
        self._assert_error(
            self._call("/payments/ATM1-0030", key=self.key_2), 404, "payment_not_found"
        )
        self._assert_error(self._call("/payments/NEVER-SENT"), 404, "payment_not_found")
        # another terminal may use the same id for its own transaction
        other = self._pay("ATM1-0030", 30.0, key=self.key_2)
        self.assertEqual(other.status_code, 201)
        self.assertNotEqual(other.json()["payment_id"], response.json()["payment_id"])

    def test_unknown_missing_or_revoked_key_is_refused(self):
        self._assert_error(
            self._call("/customers/0100000002/bills", key="not-a-key"), 401, "unauthorized"
        )
        response = self.url_open(API + "/customers/0100000002/bills")
        self._assert_error(response, 401, "unauthorized")
        self.atm_2.action_revoke_key()
        self._assert_error(self._pay("ATM2-0001", 10.0, key=self.key_2), 401, "unauthorized")
        self.assertEqual(self.bills[0].amount_residual, 100.0)

    def test_terminal_key_reaches_only_the_api(self):
        response = self.url_open(
            "/web/dataset/call_kw/res.partner/search_read",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {
                        "model": "res.partner",
                        "method": "search_read",
                        "args": [[]],
                        "kwargs": {"fields": ["name"]},
                    },
                }
            ),
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
        )
        self.assertIn("SessionExpiredException", response.text)

    def test_invalid_input_is_answered_with_stable_codes_and_books_nothing(self):
        self._assert_error(self._call("/payments", raw="{not json"), 422, "invalid_json")
        self._assert_error(self._call("/payments", raw="[1, 2]"), 422, "invalid_json")
        # another method: a JSON answer with a code and the method to use
        for method, path, allowed in (
            ("GET", "/payments", "POST"),
            ("DELETE", "/payments", "POST"),
            ("POST", "/customers/0100000002/bills", "GET"),
            ("PUT", "/payments/ATM1-0001", "GET"),
        ):
            with self.subTest(method=method, path=path):
                response = self.url_open(
                    API + path,
                    method=method,
                    data="{}" if method != "GET" else None,
                    headers={"Authorization": f"Bearer {self.key}"},
                )
                self._assert_error(response, 405, "method_not_allowed")
                self.assertEqual(response.headers["Allow"], allowed)
        # nested too deep for any parser: still a JSON answer, not a server error
        deep = "[" * 100000 + "]" * 100000
        self._assert_error(self._call("/payments", raw=deep), 422, "invalid_json")
        self._assert_error(
            self._call("/payments", {"customer_number": "0100000002", "amount": 10}),
            422,
            "missing_field",
        )
        for amount in (0, -5, 10.005, "abc", True):
            with self.subTest(amount=amount):
                self._assert_error(self._pay("ATM1-0040", amount), 422, "invalid_amount")
        for amount in ("NaN", "Infinity", "-Infinity"):
            with self.subTest(amount=amount):
                response = self._pay("ATM1-0040", amount)
                self._assert_error(response, 422, "invalid_amount")
                self.assertIn(f"The amount {amount} is not a number", response.json()["message"])
        self._assert_error(self._pay("bad id with spaces", 10.0), 422, "invalid_field")
        unknown = self._call(
            "/payments", {"customer_number": "0199999999", "amount": 10.0, "terminal_txn_id": "X-1"}
        )
        self._assert_error(unknown, 404, "customer_not_found")
        self._assert_error(self._call("/customers/0199999999/bills"), 404, "customer_not_found")
        self._assert_error(self._pay("ATM1-0041", 300.01), 422, "amount_exceeds_due")
        self.assertEqual(sum(self.bills.mapped("amount_residual")), 300.0)
        # trailing zeros are no decimals: "10.100" is 10.10
        response = self._call(
            "/payments",
            raw='{"customer_number": "0100000002", "amount": 10.100, "terminal_txn_id": "Z-1"}',
        )
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(response.json()["amount"], 10.1)

    def test_customer_without_bills_prepays_only_when_the_terminal_says_so(self):
        prepaid = self.env["res.partner"].create(
            {"name": "Zhao Min", "utility_customer_number": "0100000009"}
        )
        body = {"customer_number": "0100000009", "amount": 50.0, "terminal_txn_id": "ATM1-0050"}
        self._assert_error(self._call("/payments", body), 422, "no_open_bills")
        self.assertEqual(prepaid.credit, 0.0)
        response = self._call("/payments", dict(body, allow_prepaid=True))
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(response.json()["credit"], 50.0)
        self.assertEqual(prepaid.credit, -50.0)

    def test_agency_counter_and_agency_file_share_transaction_ids(self):
        response = self._pay("POST-7001", 100.0, key=self.post_key)
        self.assertEqual(response.status_code, 201, response.text)
        payment = self.env["account.payment"].browse(response.json()["payment_id"])
        self.assertEqual(payment.journal_id, self.agency.journal_id)
        self.assertEqual(payment.utility_txn_key, f"agency:{self.agency.id}:POST-7001")
        agency_import = self._new_import(
            [f"POST-7001,{payment.date} 09:00:00,0100000002,,100.00,POST-CG"]
        )
        agency_import.action_import()
        self.assertEqual(agency_import.line_ids.state, "duplicate")
        self.assertEqual(agency_import.line_ids.payment_id, payment)
        self.assertFalse(agency_import.difference_ids)
        self.assertEqual(self._clearing_balance(), 100.0)

    def test_random_payment_requests_always_get_a_documented_answer(self):
        """Bounded property test: whatever a terminal sends, the answer is one
        the OpenAPI document describes (checked in _call), never a crash."""
        try:
            from hypothesis import given, settings
            from hypothesis import strategies as st
        except ImportError:  # pragma: no cover
            self.skipTest("hypothesis is not installed")
        # mostly well-formed requests, with a share of every kind of bad value
        numbers = st.sampled_from(["0100000002", "0100000002", "0100000003", "0199999999", "", 42])
        good_amounts = st.decimals(min_value="0.01", max_value=400, places=2).map(float)
        amounts = st.one_of(
            good_amounts,
            good_amounts,
            good_amounts,
            st.decimals(min_value=-10, max_value=400, places=3).map(float),
            st.floats(allow_nan=False, allow_infinity=False),
            st.integers(min_value=-(10**12), max_value=10**12),
            st.sampled_from(["12.50", "abc", True, None]),
        )
        bodies = st.fixed_dictionaries(
            {
                "customer_number": numbers,
                "amount": amounts,
                "terminal_txn_id": st.sampled_from(["F-1", "F-2", "F-3", "F-4", "F 5", ""]),
            },
            optional={
                "bill_numbers": st.sampled_from(
                    [[], [self.bills[2].name], [self.bill_2.name], ["INV/X"], "INV/X"]
                ),
                "allow_prepaid": st.sampled_from([True, False, 1]),
            },
        )

        @settings(max_examples=30, deadline=None, database=None)
        @given(body=bodies)
        def check(body):
            response = self._call("/payments", raw=json.dumps(body))
            self.assertLess(response.status_code, 500, response.text)

        check()

    def test_openapi_document_is_published_and_valid(self):
        response = self.url_open(API + "/openapi.json")
        self.assertEqual(response.status_code, 200)
        # the document of this add-on, and what others add (utility_arrears' feed)
        published = response.json()
        expected = json.loads(json.dumps(OPENAPI_DOCUMENT))
        for key, value in expected["paths"].items():
            self.assertEqual(published["paths"][key], value)
        for key, value in expected["components"]["schemas"].items():
            self.assertEqual(published["components"]["schemas"][key], value)
        try:
            from openapi_spec_validator import validate
        except ImportError:  # pragma: no cover
            return
        validate(response.json())
