"""A third-party biller's client of the terminal API, as an outside system
writes it from docs/ARCHITECTURE.md §7 and the OpenAPI document: bearer
key, signed requests (when given a signing secret), bills query, payment
with its retry after a time-out, payment status.

Plain ``requests`` and the standard library only, no Odoo: outside
developers may copy it. The scenario tests drive a real server with it."""

import hashlib
import hmac
import json as jsonlib
import secrets
import time
from urllib.parse import quote

import requests

API_PREFIX = "/utility/api/v1"


class BillerClient:
    """One terminal of a biller: its key, and its signing secret when its
    biller requires signed requests.

    Every method answers the ``requests.Response``; ``pay`` resends the
    same transaction id after a time-out, so that a payment whose answer
    was lost is booked once and its first receipt returned."""

    def __init__(self, base_url, key, secret=None, timeout=30, session=None, retries=2):
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.secret = secret
        self.timeout = timeout
        self.retries = retries
        self.session = session or requests.Session()

    # ------------------------------------------------------------------
    # signing (docs/ARCHITECTURE.md §7, "Signed requests")
    # ------------------------------------------------------------------
    @staticmethod
    def canonical_string(method, target, timestamp, nonce, body):
        """The six lines a request signs, joined by LF, no trailing LF."""
        return "\n".join(
            (
                "UTILITY-HMAC-SHA256",
                method.upper(),
                target,
                str(timestamp),
                nonce,
                hashlib.sha256(body).hexdigest(),
            )
        )

    def sign_headers(self, method, target, body, timestamp=None, nonce=None):
        """The three signature headers of a request (none without a secret)."""
        if not self.secret:
            return {}
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or secrets.token_urlsafe(18)
        message = self.canonical_string(method, target, timestamp, nonce, body)
        signature = hmac.new(
            self.secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256
        ).hexdigest()
        return {
            "X-Utility-Timestamp": timestamp,
            "X-Utility-Nonce": nonce,
            "X-Utility-Signature": signature,
        }

    # ------------------------------------------------------------------
    # requests
    # ------------------------------------------------------------------
    def request(self, method, path, json=None, headers=None):
        """A signed request of the API: ``path`` under /utility/api/v1,
        already percent-encoded, with its query string if any; ``json`` the
        body. ``headers`` override the computed ones (tests of refusals)."""
        target = API_PREFIX + path
        body = b"" if json is None else jsonlib.dumps(json).encode("utf-8")
        all_headers = {"Authorization": f"Bearer {self.key}"}
        if json is not None:
            all_headers["Content-Type"] = "application/json"
        all_headers.update(self.sign_headers(method, target, body))
        all_headers.update(headers or {})
        return self.session.request(
            method,
            self.base_url + target,
            data=body if json is not None else None,
            headers=all_headers,
            timeout=self.timeout,
        )

    def bills(self, customer_number):
        """The customer's open bills (GET /customers/{number}/bills)."""
        return self.request("GET", f"/customers/{quote(customer_number, safe='')}/bills")

    def pay(self, customer_number, amount, txn_id, trade_date=None, **extra):
        """Pay ``amount`` for the customer under the biller's ``txn_id``
        (POST /payments). After a time-out the same request is sent again,
        newly signed: the server books a transaction id once and answers
        the first payment's receipt (200, ``duplicate``)."""
        body = {"customer_number": customer_number, "amount": amount, "terminal_txn_id": txn_id}
        if trade_date:
            body["trade_date"] = trade_date
        body.update(extra)
        for attempt in range(self.retries + 1):
            try:
                return self.request("POST", "/payments", json=body)
            except requests.Timeout:
                if attempt == self.retries:
                    raise
        return None  # pragma: no cover - the loop returns or raises

    def status(self, txn_id):
        """The payment booked under ``txn_id`` (GET /payments/{txn_id})."""
        return self.request("GET", f"/payments/{quote(txn_id, safe='')}")
