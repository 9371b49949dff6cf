"""Terminal API (public interface: docs/ARCHITECTURE.md, openapi.py):
self-service terminals, ATMs and agencies' networked counters query bills
and pay them over JSON/HTTP, each authenticated by its own bearer key.

HTTP <-> dict and error mapping only: the key is checked by
``utility.api.key.mixin``, the rules (prepayment limit, refused bills,
idempotency on the transaction id, the receipt) are the
``utility.payment.terminal._utility_api_*`` methods, and their
``UtilityApiError`` is answered as the published JSON error."""

import json
from decimal import Decimal
from urllib.parse import quote, urlsplit

from odoo import http
from odoo.http import request

from ..tools.api_error import UtilityApiError
from .openapi import OPENAPI_DOCUMENT

API_PREFIX = "/utility/api/v1"


def api_error_response(error):
    """The JSON answer of a refused request (a ``UtilityApiError``):
    ``{"code", "message"}`` with its HTTP status, and when to retry."""
    headers = None
    if error.retry_after is not None:
        headers = [("Retry-After", str(error.retry_after))]
    return request.make_json_response(
        {"code": error.code, "message": error.message}, status=error.status, headers=headers
    )


class UtilityTerminalApi(http.Controller):
    # ------------------------------------------------------------------
    # plumbing
    # ------------------------------------------------------------------
    def _json(self, body, status=200, headers=None):
        return request.make_json_response(body, status=status, headers=headers)

    def _serve(self, handler, *args):
        try:
            terminal = self._authenticate()
            body, status = handler(terminal, *args)
        except UtilityApiError as error:
            return api_error_response(error)
        return self._json(body, status)

    def _authenticate(self):
        """The calling terminal (with superuser rights), its use recorded:
        its key checked, then the request's signature when its biller
        requires one (every route served by ``_serve``)."""
        httprequest = request.httprequest
        address = httprequest.remote_addr
        terminal = request.env["utility.payment.terminal"]._utility_api_authenticate(
            httprequest.headers.get("Authorization", ""), address
        )
        terminal._utility_api_check_signature(
            httprequest.method,
            self._request_target(),
            httprequest.headers,
            httprequest.get_data(),
            address,
        )
        terminal._utility_touch(address)
        return terminal

    def _request_target(self):
        """The path and query string of the request as the caller sent them
        (percent-encoding unchanged): what a signed request signs."""
        environ = request.httprequest.environ
        target = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        if target:
            # absolute form (a proxy's request line): keep the path and query
            parts = urlsplit(target)
            if parts.scheme:
                target = parts.path + (f"?{parts.query}" if parts.query else "")
            return target
        httprequest = request.httprequest
        query = httprequest.query_string.decode("latin-1")
        path = quote(httprequest.root_path + httprequest.path, safe="/:@!$&'()*+,;=~-._")
        return path + (f"?{query}" if query else "")

    def _read_body(self):
        try:
            data = json.loads(request.httprequest.get_data(as_text=True), parse_float=Decimal)
        except (ValueError, RecursionError) as err:
            # RecursionError: arrays or objects nested thousands deep
            raise UtilityApiError(
                422, "invalid_json", "The request body is not valid JSON."
            ) from err
        if not isinstance(data, dict):
            raise UtilityApiError(422, "invalid_json", "The request body must be a JSON object.")
        return data

    # ------------------------------------------------------------------
    # routes
    # ------------------------------------------------------------------
    @http.route(
        f"{API_PREFIX}/openapi.json",
        type="http",
        auth="none",
        methods=["GET"],
        csrf=False,
        save_session=False,
    )
    def openapi(self):
        return self._json(self._openapi_document())

    def _openapi_document(self):
        """The published OpenAPI document; add-ons adding routes under the
        API's prefix (the arrears feed of utility_arrears) add them here."""
        return OPENAPI_DOCUMENT

    # other methods on the API's paths: a JSON answer with a code, not
    # Odoo's HTML page
    @http.route(
        f"{API_PREFIX}/payments",
        type="http",
        auth="none",
        methods=["GET", "PUT", "PATCH", "DELETE"],
        csrf=False,
        save_session=False,
    )
    def payments_other_methods(self):
        return self._method_not_allowed("POST")

    @http.route(
        f"{API_PREFIX}/payments/<string:terminal_txn_id>/reversal",
        type="http",
        auth="none",
        methods=["GET", "PUT", "PATCH", "DELETE"],
        csrf=False,
        save_session=False,
    )
    def reversal_other_methods(self, **_kwargs):
        return self._method_not_allowed("POST")

    @http.route(
        [
            f"{API_PREFIX}/customers/<string:customer_number>/bills",
            f"{API_PREFIX}/payments/<string:terminal_txn_id>",
        ],
        type="http",
        auth="none",
        methods=["POST", "PUT", "PATCH", "DELETE"],
        csrf=False,
        save_session=False,
    )
    def queries_other_methods(self, **_kwargs):
        return self._method_not_allowed("GET")

    @http.route(
        f"{API_PREFIX}/<path:_unknown>",
        type="http",
        auth="none",
        csrf=False,
        save_session=False,
    )
    def not_found(self, **_kwargs):
        """Any other path of the API: a JSON 404 with a code, not Odoo's
        HTML page."""
        return self._json(
            {"code": "not_found", "message": f"No API resource at {request.httprequest.path}."},
            404,
        )

    def _method_not_allowed(self, allowed):
        return self._json(
            {
                "code": "method_not_allowed",
                "message": f"Use {allowed} on {request.httprequest.path}.",
            },
            405,
            headers=[("Allow", allowed)],
        )

    @http.route(
        [
            f"{API_PREFIX}/customers/<string:customer_number>/bills",
            # a number with a "/" (no customer has one): the API's JSON 404
            f"{API_PREFIX}/customers/<path:customer_number>/bills",
        ],
        type="http",
        auth="none",
        readonly=False,  # records the terminal's last use
        methods=["GET"],
        csrf=False,
        save_session=False,
    )
    def customer_bills(self, customer_number):
        return self._serve(self._customer_bills, customer_number)

    def _customer_bills(self, terminal, customer_number):
        return terminal._utility_api_bills(customer_number), 200

    @http.route(
        f"{API_PREFIX}/payments",
        type="http",
        auth="none",
        readonly=False,  # records the terminal's last use
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def payments(self):
        return self._serve(self._pay)

    def _pay(self, terminal):
        data = self._read_body()
        receipt = terminal._utility_api_pay(
            data.get("customer_number"),
            data.get("amount"),
            data.get("terminal_txn_id"),
            bill_numbers=data.get("bill_numbers"),
            allow_prepaid=data.get("allow_prepaid", False),
            trade_date=data.get("trade_date"),
        )
        # a transaction id booked before: its first result, not a new payment
        return receipt, 200 if receipt["duplicate"] else 201

    @http.route(
        f"{API_PREFIX}/payments/<string:terminal_txn_id>",
        type="http",
        auth="none",
        readonly=False,  # records the terminal's last use
        methods=["GET"],
        csrf=False,
        save_session=False,
    )
    def payment_status(self, terminal_txn_id):
        return self._serve(self._payment_status, terminal_txn_id)

    def _payment_status(self, terminal, txn_id):
        return terminal._utility_api_payment(txn_id), 200

    @http.route(
        f"{API_PREFIX}/payments/<string:terminal_txn_id>/reversal",
        type="http",
        auth="none",
        readonly=False,
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def payment_reversal(self, terminal_txn_id):
        return self._serve(self._reverse, terminal_txn_id)

    def _reverse(self, terminal, txn_id):
        # the body is optional: {"reason": "..."}
        data = self._read_body() if request.httprequest.get_data() else {}
        return terminal._utility_api_reverse(txn_id, data.get("reason")), 200
