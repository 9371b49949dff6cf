"""API keys of terminals and TV operators: stored as digests only, revocable,
never logged, each reaching only its own API and its own transactions, and
repeated refused keys logged, slowed down and then refused (HTTP 429)."""

import hashlib
import logging
import time
from datetime import timedelta
from urllib.parse import quote

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

API = "/utility/api/v1"
FAILURE_LOGGER = "odoo.addons.utility_payment_channels.models.utility_api_auth_failure"


class _CaptureAll(logging.Handler):
    """Every log record emitted while attached, from any thread."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append(f"{record.name} {record.getMessage()}")


@tagged("post_install", "-at_install")
class TestApiKeySecrets(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.atm = cls.env.ref(
            "utility_payment_channels.terminal_atm_chengguan", raise_if_not_found=False
        )
        if not cls.atm:  # pragma: no cover - only without demo data
            cls.skipTest(cls, "the demo terminals are not installed (no demo data)")
        cls.post_counter = cls.env.ref("utility_payment_channels.terminal_post_counter")
        cls.tv_operator = cls.env.ref("utility_arrears.demo_tv_operator")
        cls.company = cls.atm.company_id
        cls.manager = new_test_user(
            cls.env,
            login="api_key_manager",
            groups="utility_billing.group_utility_manager",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.atm_key = cls.atm.with_user(cls.manager).action_generate_key()["params"]["message"]
        cls.post_key = cls.post_counter.with_user(cls.manager).action_generate_key()["params"][
            "message"
        ]
        cls.tv_key = cls.tv_operator.with_user(cls.manager)._set_new_key()
        cls.customer = (
            cls.env["account.move"]
            .search(
                [
                    ("company_id", "=", cls.company.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "=", "not_paid"),
                    ("partner_id.utility_customer_number", "!=", False),
                ],
                limit=1,
            )
            .partner_id
        )
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("utility_api.auth_max_failures", "5")
        params.set_param("utility_api.auth_window_seconds", "300")
        params.set_param("utility_api.auth_delay_seconds", "0.05")

    def _get(self, path, key):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return self.url_open(API + path, headers=headers)

    def _bills(self, key):
        return self._get(f"/customers/{self.customer.utility_customer_number}/bills", key)

    def _feed(self, key):
        return self._get("/arrears?since=2000-01-01T00:00:00", key)

    def _pay(self, key, txn_id, amount=1.0):
        return self.url_open(
            API + "/payments",
            json={
                "customer_number": self.customer.utility_customer_number,
                "amount": amount,
                "terminal_txn_id": txn_id,
            },
            headers={"Authorization": f"Bearer {key}"},
            method="POST",
        )

    def _assert_error(self, response, status, code):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.json()["code"], code)

    def test_only_a_digest_of_each_key_is_stored(self):
        self.env.flush_all()
        for table, key in (
            ("utility_payment_terminal", self.atm_key),
            ("utility_payment_terminal", self.post_key),
            ("utility_tv_operator", self.tv_key),
        ):
            with self.subTest(table=table):
                self.assertGreaterEqual(len(key), 40, "keys are long random tokens")
                self.env.cr.execute(f"SELECT key_hash FROM {table} WHERE key_hash IS NOT NULL")
                stored = [row[0] for row in self.env.cr.fetchall()]
                self.assertIn(hashlib.sha256(key.encode()).hexdigest(), stored)
                self.assertNotIn(key, stored)
                self.assertFalse([value for value in stored if key in value])
        # the key is not in the chatter of the terminal or operator either
        messages = self.env["mail.message"].search(
            [
                "|",
                "&",
                ("model", "=", "utility.payment.terminal"),
                ("res_id", "in", (self.atm | self.post_counter).ids),
                "&",
                ("model", "=", "utility.tv.operator"),
                ("res_id", "=", self.tv_operator.id),
            ]
        )
        self.assertTrue(messages)
        bodies = " ".join(str(body) for body in messages.mapped("body"))
        for key in (self.atm_key, self.post_key, self.tv_key):
            self.assertNotIn(key, bodies)
        # the digest is readable by administrators only
        with self.assertRaises(AccessError):
            self.atm.with_user(self.manager).read(["key_hash"])
        with self.assertRaises(AccessError):
            self.tv_operator.with_user(self.manager).read(["key_hash"])

    def test_revoked_keys_are_refused(self):
        self.assertEqual(self._bills(self.atm_key).status_code, 200)
        self.assertEqual(self._feed(self.tv_key).status_code, 200)
        self.atm.with_user(self.manager).action_revoke_key()
        self.tv_operator.with_user(self.manager).action_revoke()
        self._assert_error(self._bills(self.atm_key), 401, "unauthorized")
        self._assert_error(self._feed(self.tv_key), 401, "unauthorized")
        self.assertEqual(self.tv_operator.state, "revoked")
        self.assertIn(
            "The API key was revoked.",
            " ".join(str(body) for body in self.tv_operator.message_ids.mapped("body")),
        )
        # a replaced key is revoked as well
        new_key = self.post_counter.with_user(self.manager).action_generate_key()["params"][
            "message"
        ]
        self._assert_error(self._bills(self.post_key), 401, "unauthorized")
        self.assertEqual(self._bills(new_key).status_code, 200)

    def test_keys_never_appear_in_the_logs(self):
        wrong_key = self.atm_key[:-4] + "XXXX"
        capture = _CaptureAll()
        root = logging.getLogger()
        root.addHandler(capture)
        try:
            with self.assertLogs(FAILURE_LOGGER, level="WARNING") as logged:
                self.assertEqual(self._bills(self.atm_key).status_code, 200)
                self.assertEqual(self._pay(self.atm_key, "LOG-1").status_code, 201)
                self.assertEqual(self._feed(self.tv_key).status_code, 200)
                self._assert_error(self._bills(wrong_key), 401, "unauthorized")
                self._assert_error(self._feed(wrong_key), 401, "unauthorized")
        finally:
            root.removeHandler(capture)
        self.assertEqual(len(logged.records), 2)
        everything = "\n".join(capture.messages + logged.output)
        self.assertIn("refused an unknown or revoked key from 127.0.0.1", everything)
        for key in (self.atm_key, wrong_key, self.tv_key, self.atm_key[:12], self.tv_key[:12]):
            self.assertNotIn(key, everything)

    def test_repeated_failed_keys_are_logged_slowed_down_then_refused(self):
        self.env["ir.config_parameter"].sudo().set_param("utility_api.auth_max_failures", "3")
        delays = []
        with self.assertLogs(FAILURE_LOGGER, level="WARNING") as logged:
            for attempt in range(3):
                started = time.monotonic()
                self._assert_error(self._bills(f"guess-{attempt}"), 401, "unauthorized")
                delays.append(time.monotonic() - started)
            # further unknown keys are refused without more ado, on both APIs
            blocked = self._bills("guess-3")
            self._assert_error(blocked, 429, "too_many_attempts")
            feed_blocked = self._feed("guess-4")
            self._assert_error(feed_blocked, 429, "too_many_attempts")
            # ... but the valid keys of the other terminals and operators
            # behind the same address (a hall's NAT) are served all along
            self.assertEqual(self._bills(self.atm_key).status_code, 200)
            self.assertEqual(self._bills(self.post_key).status_code, 200)
            self.assertEqual(self._feed(self.tv_key).status_code, 200)
            self._assert_error(self._bills("guess-5"), 429, "too_many_attempts")
        # clients are told when to retry: at most the failure window
        self.assertEqual(blocked.headers["Retry-After"], "300")
        self.assertEqual(feed_blocked.headers["Retry-After"], "300")
        self.assertEqual(
            [record.getMessage().split("(")[-1] for record in logged.records[:3]],
            [f"{n} failed in the last 300 s)" for n in (1, 2, 3)],
        )
        self.assertEqual(len(logged.records), 6)
        self.assertIn("after 3 failed keys", logged.records[3].getMessage())
        # the delay grows with each failure (0.05 s, 0.10 s, 0.15 s)
        self.assertGreaterEqual(delays[2], 0.15)
        self.assertGreaterEqual(sum(delays), 0.3)
        failures = self.env["utility.api.auth.failure"].search([("remote_addr", "=", "127.0.0.1")])
        self.assertEqual(len(failures), 3)
        self.assertEqual(set(failures.mapped("channel")), {"terminal"})
        # once the window has passed the address is served again
        with failures._utility_protected_write():  # set-up: time passes
            failures.write({"failed_at": fields.Datetime.now() - timedelta(seconds=301)})
        self.assertEqual(self._bills(self.atm_key).status_code, 200)

    def test_terminal_and_operator_keys_reach_only_their_own_api(self):
        self._assert_error(self._feed(self.atm_key), 401, "unauthorized")
        self._assert_error(self._bills(self.tv_key), 401, "unauthorized")
        self._assert_error(self._pay(self.tv_key, "TV-1"), 401, "unauthorized")
        self.assertEqual(self._feed(self.tv_key).status_code, 200)
        self.assertEqual(self._bills(self.atm_key).status_code, 200)

    def test_a_terminal_sees_only_its_own_transactions(self):
        response = self._pay(self.atm_key, "OWN-1", 2.0)
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(self._get("/payments/OWN-1", self.atm_key).json()["amount"], 2.0)
        self._assert_error(self._get("/payments/OWN-1", self.post_key), 404, "payment_not_found")
        # the other terminal booking the same id books its own payment
        other = self._pay(self.post_key, "OWN-1", 3.0)
        self.assertEqual(other.status_code, 201, other.text)
        self.assertNotEqual(other.json()["payment_id"], response.json()["payment_id"])
        self.assertEqual(self._get("/payments/OWN-1", self.atm_key).json()["amount"], 2.0)
        self.assertEqual(self._get("/payments/OWN-1", self.post_key).json()["amount"], 3.0)

    def test_the_feed_answers_a_bad_since_with_a_stable_code(self):
        for since in ("", "yesterday", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
            with self.subTest(since=since):
                response = self._get(f"/arrears?since={quote(since)}", self.tv_key)
                self._assert_error(response, 422, "invalid_since")
