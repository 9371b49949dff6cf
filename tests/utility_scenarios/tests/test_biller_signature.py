import json
import logging
import secrets
import threading
import time

import psycopg2
import requests

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import AccessError, UserError
from odoo.sql_db import db_connect
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME
from odoo.tools import mute_logger

from odoo.addons.utility_payment_channels.controllers.openapi import OPENAPI_DOCUMENT
from odoo.addons.utility_payment_channels.tests.agency_common import UtilityAgencyCase
from odoo.addons.utility_payment_channels.tools import request_signature

from .biller_client import API_PREFIX, BillerClient

CUSTOMER = "0100000002"
AUTH_LOGGER = "odoo.addons.utility_payment_channels.models.utility_api_auth_failure"


class LosesFirstAnswer:
    """A connection whose first POST reaches the server but whose answer is
    lost (the biller's side times out)."""

    def __init__(self, session):
        self.session = session
        self.lost = 0

    def request(self, method, url, **kwargs):
        response = self.session.request(method, url, **kwargs)
        if method == "POST" and not self.lost:
            self.lost += 1
            raise requests.Timeout("the answer was lost")
        return response


@tagged("post_install", "-at_install")
class TestBillerSignedRequests(UtilityAgencyCase, HttpCase):
    """A biller requiring signed requests, driven over real HTTP by the
    biller client as an outside system would."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agency.write({"kind": "biller", "signature_required": True, "signature_window": 300})
        Terminal = cls.env["utility.payment.terminal"]
        cls.biller_1, cls.biller_2 = Terminal.create(
            [
                {"name": "Alipay gateway 1", "collection_point_id": cls.outlet_cg.id},
                {"name": "Alipay gateway 2", "collection_point_id": cls.outlet_lz.id},
            ]
        )
        cls.key_1 = cls.biller_1.action_generate_key()["params"]["message"]
        cls.secret_1 = cls.biller_1.action_generate_signing_secret()["params"]["message"]
        cls.key_2 = cls.biller_2.action_generate_key()["params"]["message"]
        cls.secret_2 = cls.biller_2.action_generate_signing_secret()["params"]["message"]
        # a biller that does not require signatures: its key alone is enough
        wechat_point = cls.env["utility.collection.point"].create(
            {"name": "WeChat life payment", "code": "WECHAT-API", "kind": "agency"}
        )
        cls.env["utility.agency"].create(
            {
                "name": "WeChat",
                "code": "WECHAT",
                "kind": "biller",
                "partner_id": cls.post_partner.id,
                "outlet_ids": [(6, 0, wechat_point.ids)],
            }
        )
        cls.wechat = Terminal.create(
            {"name": "WeChat gateway", "collection_point_id": wechat_point.id}
        )
        cls.wechat_key = cls.wechat.action_generate_key()["params"]["message"]

    def _client(self, key=None, secret=None, session=None):
        return BillerClient(
            self.base_url(),
            key or self.key_1,
            secret=self.secret_1 if secret is None else secret,
            session=session or self.opener,
        )

    def _payments(self):
        return self.env["account.payment"].search_count([("partner_id", "=", self.customer.id)])

    def _nonces(self):
        return (
            self.env["utility.api.nonce"]
            .sudo()
            .search_count([("terminal_id", "in", (self.biller_1 | self.biller_2).ids)])
        )

    def _failures(self):
        return self.env["utility.api.auth.failure"].sudo().search_count([])

    def _assert_documented(self, response, path_key, method):
        from openapi_schema_validator import OAS30Validator

        operation = OPENAPI_DOCUMENT["paths"][path_key][method]
        documented = operation["responses"].get(str(response.status_code))
        self.assertTrue(documented, f"status {response.status_code} is not documented")
        schema = dict(documented["content"]["application/json"]["schema"])
        schema["components"] = OPENAPI_DOCUMENT["components"]
        OAS30Validator(schema).validate(response.json())

    def _assert_refused(self, response, code):
        self.assertEqual(response.status_code, 401, response.text)
        self.assertEqual(response.json()["code"], code)
        self._assert_documented(response, "/payments", "post")

    def _send(self, method, target, body, headers, key=None):
        """A raw request: ``headers`` as given, ``body`` bytes as given."""
        all_headers = {"Authorization": f"Bearer {key or self.key_1}"}
        if body:
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers)
        return self.url_open(target, data=body or None, headers=all_headers, method=method)

    def _payment_body(self, txn_id, amount=100.0):
        body = {"customer_number": CUSTOMER, "amount": amount, "terminal_txn_id": txn_id}
        return json.dumps(body).encode()

    # ------------------------------------------------------------------
    def test_signed_query_and_payment_are_served(self):
        client = self._client()
        bills = client.bills(CUSTOMER)
        self.assertEqual(bills.status_code, 200, bills.text)
        self.assertEqual(bills.json()["customer_number"], CUSTOMER)
        self._assert_documented(bills, "/customers/{customer_number}/bills", "get")
        paid = client.pay(CUSTOMER, 150.0, "ALI-0001")
        self.assertEqual(paid.status_code, 201, paid.text)
        self._assert_documented(paid, "/payments", "post")
        self.assertEqual(self.bills[0].payment_state, "paid")
        self.assertEqual(self.bills[1].amount_residual, 70.0)
        status = client.status("ALI-0001")
        self.assertEqual(status.status_code, 200, status.text)
        self.assertEqual(status.json()["payment_id"], paid.json()["payment_id"])
        self.assertEqual(
            self.env["utility.api.nonce"]
            .sudo()
            .search_count([("terminal_id", "=", self.biller_1.id)]),
            3,
        )

    def test_signature_matches_the_documented_example(self):
        """The example of docs/ARCHITECTURE.md §7: an outside developer
        checks their implementation against these fixed values."""
        body = (
            b'{"customer_number": "0100000002", "amount": 50.0, '
            b'"terminal_txn_id": "ALI-20261206-0001"}'
        )
        args = ("POST", "/utility/api/v1/payments", "1765000000", "n0nce-Example_01", body)
        expected = (
            "UTILITY-HMAC-SHA256\nPOST\n/utility/api/v1/payments\n1765000000\n"
            "n0nce-Example_01\n67a9261edea0d0ce7bf8ea34855cbf9f5171ed49b5c8f4177c510e488279c658"
        )
        self.assertEqual(request_signature.canonical_string(*args), expected)
        self.assertEqual(BillerClient.canonical_string(*args), expected)
        secret = "demo-alipay-secret-NOT-FOR-PRODUCTION"
        signature = "d51635b1cb367a4c879ff727193628f3d8a651e9d097bba7518ddc607973ee7d"
        self.assertEqual(request_signature.sign(secret, *args), signature)
        client = BillerClient("http://biller.invalid", "key", secret=secret)
        headers = client.sign_headers(
            "POST", "/utility/api/v1/payments", body, "1765000000", "n0nce-Example_01"
        )
        self.assertEqual(headers["X-Utility-Signature"], signature)

    @mute_logger(AUTH_LOGGER)
    def test_wrong_or_tampered_signatures_are_refused_and_nothing_is_booked(self):
        client = self._client()
        target = API_PREFIX + "/payments"
        body = self._payment_body("ALI-0010")
        before, failures = self._payments(), self._failures()
        good = client.sign_headers("POST", target, body)
        # a signature made with another secret
        wrong = self._client(secret="not-the-secret").sign_headers("POST", target, body)
        self._assert_refused(self._send("POST", target, body, wrong), "signature_invalid")
        # the body changed after signing (another amount)
        tampered = self._payment_body("ALI-0010", amount=1000.0)
        self._assert_refused(self._send("POST", target, tampered, good), "signature_invalid")
        # signed for another path
        other_path = client.sign_headers("POST", API_PREFIX + "/payments?x=1", body)
        self._assert_refused(self._send("POST", target, body, other_path), "signature_invalid")
        # signed for a GET, sent as a POST
        as_get = client.sign_headers("GET", target, body)
        self._assert_refused(self._send("POST", target, body, as_get), "signature_invalid")
        # a malformed signature
        self._assert_refused(
            self._send("POST", target, body, {**good, "X-Utility-Signature": "zz"}),
            "signature_invalid",
        )
        # a signature of the second terminal's secret, with the first's key
        seconds = self._client(secret=self.secret_2).sign_headers("POST", target, body)
        self._assert_refused(self._send("POST", target, body, seconds), "signature_invalid")
        self.assertEqual(self._payments(), before)
        self.assertEqual(self.bills[0].amount_residual, 100.0)
        # every refusal is logged as a failure of the address
        self.assertEqual(self._failures(), failures + 6)
        # no refused request burnt a nonce
        self.assertFalse(self._nonces())
        # the well-signed request is then served
        served = self._send("POST", target, body, good)
        self.assertEqual(served.status_code, 201, served.text)

    @mute_logger(AUTH_LOGGER)
    def test_missing_headers_are_refused(self):
        client = self._client()
        target = API_PREFIX + "/payments"
        body = self._payment_body("ALI-0020")
        headers = client.sign_headers("POST", target, body)
        before = self._payments()
        for name in headers:
            partial = {k: v for k, v in headers.items() if k != name}
            self._assert_refused(self._send("POST", target, body, partial), "signature_missing")
        # the key alone is not enough for this biller
        unsigned = self._client(secret="").pay(CUSTOMER, 100.0, "ALI-0021")
        self._assert_refused(unsigned, "signature_missing")
        # a GET as well: every route of the API is covered
        bills = self._client(secret="").bills(CUSTOMER)
        self.assertEqual(bills.status_code, 401)
        self.assertEqual(bills.json()["code"], "signature_missing")
        self.assertEqual(self._payments(), before)

    @mute_logger(AUTH_LOGGER)
    def test_stale_or_future_timestamp_is_refused(self):
        client = self._client()
        target = API_PREFIX + "/payments"
        body = self._payment_body("ALI-0030")
        before = self._payments()
        now = int(time.time())
        # (a margin over the 300 s window for the time the refusals take)
        for timestamp in (now - 330, now + 330, 0):
            headers = client.sign_headers("POST", target, body, timestamp=timestamp)
            self._assert_refused(
                self._send("POST", target, body, headers), "timestamp_out_of_window"
            )
        self.assertEqual(self._payments(), before)
        # the window is the biller's: a minute late is fine within 300 s
        headers = client.sign_headers("POST", target, body, timestamp=now - 60)
        self.assertEqual(self._send("POST", target, body, headers).status_code, 201)

    @mute_logger(AUTH_LOGGER)
    def test_replayed_nonce_is_refused(self):
        client = self._client()
        target = API_PREFIX + "/payments"
        body = self._payment_body("ALI-0040", amount=30.0)
        headers = client.sign_headers("POST", target, body)
        first = self._send("POST", target, body, headers)
        self.assertEqual(first.status_code, 201, first.text)
        # the very same request again (a captured one): refused, not a duplicate
        self._assert_refused(self._send("POST", target, body, headers), "nonce_replayed")
        # a new request reusing the nonce: refused too
        other = self._payment_body("ALI-0041", amount=30.0)
        again = client.sign_headers("POST", target, other, nonce=headers["X-Utility-Nonce"])
        self._assert_refused(self._send("POST", target, other, again), "nonce_replayed")
        self.assertEqual(self._payments(), 1)
        # a nonce is per terminal: the second terminal may use the same one
        second = self._client(self.key_2, self.secret_2)
        other_headers = second.sign_headers("POST", target, other, nonce=headers["X-Utility-Nonce"])
        served = self._send("POST", target, other, other_headers, key=self.key_2)
        self.assertEqual(served.status_code, 201, served.text)
        # the purge forgets only the nonces out of the window
        Nonce = self.env["utility.api.nonce"]
        past = fields.Datetime.subtract(fields.Datetime.now(), seconds=1)
        self.assertTrue(Nonce._utility_api_burn_nonce(self.biller_1, "expired-nonce", past))
        self.assertEqual(self._nonces(), 3)
        Nonce._cron_utility_purge_nonces()
        self.assertEqual(self._nonces(), 2)

    def test_biller_without_signatures_and_plain_terminals_use_the_key_alone(self):
        client = self._client(self.wechat_key, secret="")
        response = client.pay(CUSTOMER, 100.0, "WX-0001")
        self.assertEqual(response.status_code, 201, response.text)
        # signature headers sent anyway are ignored
        signed = self._client(self.wechat_key, secret="whatever").bills(CUSTOMER)
        self.assertEqual(signed.status_code, 200, signed.text)

    @mute_logger(AUTH_LOGGER)
    def test_secret_is_encrypted_at_rest_and_replaced_by_a_new_one(self):
        stored = self.biller_1.sudo().signing_secret
        self.assertTrue(stored)
        self.assertNotIn(self.secret_1, stored)
        self.assertEqual(self.biller_1._utility_signing_secret(), self.secret_1)
        # another database's secret cannot read it
        self.assertIsNone(request_signature.decrypt_secret("another database", stored))
        new_secret = self.biller_1.action_generate_signing_secret()["params"]["message"]
        self._assert_refused(self._client().pay(CUSTOMER, 10.0, "ALI-0050"), "signature_invalid")
        served = self._client(secret=new_secret).pay(CUSTOMER, 10.0, "ALI-0050")
        self.assertEqual(served.status_code, 201, served.text)

    def test_secret_is_for_administrators_only_and_never_logged(self):
        manager = new_test_user(
            self.env,
            login="biller_secret_manager",
            groups="utility_billing.group_utility_manager",
        )
        cashier = new_test_user(
            self.env, login="biller_secret_cashier", groups="utility_billing.group_utility_cashier"
        )
        secret = self.biller_1.with_user(manager).action_generate_signing_secret()["params"][
            "message"
        ]
        with self.assertRaises(UserError):
            self.biller_1.with_user(cashier).action_generate_signing_secret()
        with self.assertRaises(AccessError):
            self.biller_1.with_user(manager).read(["signing_secret"])
        self.assertTrue(self.biller_1.with_user(manager).has_signing_secret)
        self.assertNotIn(secret, str(self.biller_1.message_ids.mapped("body")))
        messages = []
        handler = logging.Handler(level=logging.DEBUG)
        handler.emit = lambda record: messages.append(record.getMessage())
        root = logging.getLogger()
        root.addHandler(handler)
        try:
            with self.assertLogs(AUTH_LOGGER, level="WARNING") as logged:
                self.assertEqual(self._client(secret=secret).bills(CUSTOMER).status_code, 200)
                wrong = self._client(secret=secret[:-4] + "XXXX").bills(CUSTOMER)
                self.assertEqual(wrong.json()["code"], "signature_invalid")
        finally:
            root.removeHandler(handler)
        self.assertIn("signature_invalid", "\n".join(logged.output))
        self.assertFalse([m for m in messages if secret in m or self.key_1 in m])

    def test_pay_resends_after_a_timeout_and_answers_the_first_payment(self):
        session = LosesFirstAnswer(self.opener)
        response = self._client(session=session).pay(CUSTOMER, 100.0, "ALI-0060")
        self.assertEqual(session.lost, 1)
        self.assertEqual(response.status_code, 200, response.text)
        receipt = response.json()
        self.assertTrue(receipt["duplicate"])
        self.assertEqual(
            self.env["account.payment"].search([("utility_external_txn_id", "=", "ALI-0060")]).ids,
            [receipt["payment_id"]],
        )
        self.assertEqual(self.bills[0].payment_state, "paid")

    @mute_logger(AUTH_LOGGER)
    def test_two_simultaneous_requests_with_one_nonce_serve_one(self):
        client = self._client()
        target = API_PREFIX + "/payments"
        nonce = "race-nonce-0001"
        bodies = [self._payment_body(f"ALI-007{i}", amount=40.0) for i in range(2)]
        requests_ = [
            (
                body,
                {
                    "Authorization": f"Bearer {self.key_1}",
                    "Content-Type": "application/json",
                    **client.sign_headers("POST", target, body, nonce=nonce),
                },
            )
            for body in bodies
        ]
        url = self.base_url() + target
        start = threading.Barrier(2)
        results = []

        def post(body, headers, cookies):
            start.wait()
            results.append(
                requests.post(url, data=body, headers=headers, cookies=cookies, timeout=30)
            )

        # plain HTTP clients: the cookie routes them to the test cursor
        self.env.flush_all()
        with self.allow_requests():
            cookies = {TEST_CURSOR_COOKIE_NAME: self.http_request_key}
            threads = [
                threading.Thread(target=post, args=(body, headers, cookies))
                for body, headers in requests_
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        self.env.invalidate_all()
        self.assertEqual(sorted(r.status_code for r in results), [201, 401])
        refused = next(r for r in results if r.status_code == 401)
        self.assertEqual(refused.json()["code"], "nonce_replayed")
        self.assertEqual(self._payments(), 1)
        self.assertEqual(self.bills[0].amount_residual, 60.0)


@tagged("post_install", "-at_install")
class TestNonceRaceOnRealConnections(TransactionCase):
    """Two requests burning one nonce at the same moment, on two real
    database connections (committed data, REPEATABLE READ as Odoo serves
    requests): the second waits for the first; once the first commits, the
    second fails to serialize (Odoo retries the request) and, retried, finds
    the nonce used. Exactly one is served."""

    @mute_logger("odoo.sql_db")  # the failure to serialize, expected
    def test_second_connection_waits_then_finds_the_nonce_used(self):
        terminal = self.env.ref("utility_payment_channels.terminal_alipay", False)
        if not terminal:
            self.skipTest("needs the demo biller terminal (make test installs it)")
        nonce = "race-" + secrets.token_hex(8)
        expires = fields.Datetime.add(fields.Datetime.now(), minutes=10)
        db = db_connect(self.env.cr.dbname)
        first, second = db.cursor(), db.cursor()
        results = {}
        # environments made here: the registry's lock is the test runner's
        envs = {cr: api.Environment(cr, SUPERUSER_ID, {}) for cr in (first, second)}

        def burn(cr, name):
            env = envs[cr]
            try:
                results[name] = env["utility.api.nonce"]._utility_api_burn_nonce(
                    env["utility.payment.terminal"].browse(terminal.id), nonce, expires
                )
            except psycopg2.errors.SerializationFailure:
                results[name] = "serialization_failure"
                cr.rollback()

        try:
            # the second request's transaction has begun (its snapshot taken)
            second.execute("SELECT 1 FROM utility_api_nonce LIMIT 1")
            burn(first, "first")
            waiting = threading.Thread(target=burn, args=(second, "second"))
            waiting.start()
            waiting.join(1)
            self.assertTrue(waiting.is_alive(), "the second insert waits for the first")
            self.assertNotIn("second", results)
            first.commit()
            waiting.join(10)
            self.assertEqual(results["first"], True)
            self.assertEqual(results["second"], "serialization_failure")
            # Odoo retries the request in a new transaction: the nonce is used
            burn(second, "retry")
            self.assertIs(results["retry"], False)
        finally:
            first.rollback()
            second.rollback()
            first.execute("DELETE FROM utility_api_nonce WHERE nonce = %s", (nonce,))
            first.commit()
            first.close()
            second.close()
