"""Terminal API (DESIGN.md, public interface): self-service terminals, ATMs
and agencies' networked counters query bills and pay them over JSON/HTTP,
each authenticated by its own bearer key."""

import json
import logging
import re
from decimal import Decimal

import psycopg2

from odoo import SUPERUSER_ID, fields, http
from odoo.exceptions import ConcurrencyError, UserError
from odoo.http import request

from odoo.addons.utility_billing.models.res_currency import AMOUNT_MAX, AmountError
from odoo.addons.utility_billing.tools.locks import advisory_lock, try_advisory_lock

from ..tools.api_error import UtilityApiError
from .openapi import OPENAPI_DOCUMENT

_logger = logging.getLogger(__name__)

API_PREFIX = "/utility/api/v1"
MAX_AMOUNT = AMOUNT_MAX
# what a customer number can be: printable, no NUL (which PostgreSQL refuses)
CUSTOMER_NUMBER_MAX_LENGTH = 64
TXN_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,64}\Z")


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
            terminal, env = self._authenticate()
            body, status = handler(terminal, env, *args)
        except UtilityApiError as error:
            return api_error_response(error)
        return self._json(body, status)

    def _authenticate(self):
        """The calling terminal and the environment to serve it with."""
        address = request.httprequest.remote_addr
        terminal = request.env["utility.payment.terminal"]._utility_api_authenticate(
            request.httprequest.headers.get("Authorization", ""), address
        )
        terminal._utility_touch(address)
        company = terminal.company_id
        user = terminal.user_id or request.env["res.users"].browse(SUPERUSER_ID)
        # sudo: the terminal is authenticated; every query below is limited to
        # its company and to the customer or transaction it names, and the
        # answers carry only what a customer's receipt shows
        env = request.env(
            user=user.id,
            context=dict(
                request.env.context,
                allowed_company_ids=company.ids,
                # payments and late fees are dated in the county's day (the
                # terminal's point's, else the company's), never in the time
                # zone of the technical user the terminal books as
                tz=terminal.collection_point_id._utility_tz(),
            ),
            su=True,
        )
        return terminal.with_env(env), env

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

    def _parse_amount(self, value, currency):
        """The amount of a payment, by the amount grammar of every channel
        (``res.currency._utility_parse_amount``): a JSON number or string of
        ASCII digits with at most the currency's decimals; ``"١٢٣"``,
        ``"5e1"``, ``"+5"``, ``" 5.00 "``, NaN and infinities are refused."""
        try:
            amount = currency._utility_parse_amount(value, maximum=MAX_AMOUNT)
        except AmountError as err:
            raise UtilityApiError(422, "invalid_amount", err.args[0]) from err
        return float(amount)

    def _find_customer(self, env, company, customer_number):
        if not customer_number.isprintable() or len(customer_number) > CUSTOMER_NUMBER_MAX_LENGTH:
            # a NUL byte or control character (PostgreSQL refuses NUL in a
            # query): no customer has such a number
            raise UtilityApiError(404, "customer_not_found", "No customer has this number.")
        partner = env["res.partner"].search_fetch(
            [
                ("utility_customer_number", "=", customer_number),
                ("company_id", "in", (company.id, False)),
            ],
            # what the answers show (not the whole partner row)
            ["name", "utility_customer_number", "commercial_partner_id", "company_id"],
            limit=1,
        )
        if not partner:
            raise UtilityApiError(404, "customer_not_found", "No customer has this number.")
        return partner

    def _open_bills(self, env, company, partner, bills=None):
        return (
            env["account.payment"]
            ._utility_open_bills(partner, bills)
            .filtered(lambda bill: bill.company_id == company)
        )

    def _late_fees(self, env, bills):
        """Late fee of each of ``bills`` paid today (the county's day, the
        environment's time zone), ``{bill id: fee}`` (the late-fee rules look
        up nothing for bills not yet past due)."""
        today = fields.Date.context_today(env["account.move"])
        return env["account.move"]._utility_late_fee_as_of(bills, today)

    # ------------------------------------------------------------------
    # answers
    # ------------------------------------------------------------------
    def _receipt(self, env, terminal, payment, duplicate=False):
        """Receipt data of ``payment`` as the terminal prints it."""
        currency = payment.currency_id
        partner = payment.partner_id
        pay_lines = payment.move_id.line_ids.filtered(
            lambda line: line.account_id == payment.destination_account_id
        )
        settled = []
        for partial in pay_lines.matched_debit_ids.sorted("id"):
            bill = partial.debit_move_id.move_id
            if bill.move_type != "out_invoice":
                continue
            settled.append(
                {
                    "bill_number": bill.name,
                    "amount_paid": currency.round(partial.amount),
                    "amount_remaining": currency.round(bill.amount_residual),
                }
            )
        open_bills = self._open_bills(env, payment.company_id, partner)
        # what the bills query would now show as due: late fees included
        fees = self._late_fees(env, open_bills)
        return {
            "status": "posted" if payment.state in ("in_process", "paid") else payment.state,
            "duplicate": duplicate,
            "payment_id": payment.id,
            "payment_name": payment.name,
            "terminal_txn_id": payment.utility_external_txn_id,
            "customer_number": partner.utility_customer_number,
            "customer_name": partner.name,
            "amount": currency.round(payment.amount),
            "currency": currency.name,
            "amount_in_words": currency._utility_amount_to_words(payment.amount),
            "bills": settled,
            "balance_due": currency.round(
                sum(open_bills.mapped("amount_residual")) + sum(fees.values())
            ),
            "credit": currency.round(max(-partner.credit, 0.0)),
            "paid_at": fields.Datetime.to_string(payment.utility_paid_at).replace(" ", "T") + "Z",
            "terminal": terminal.name,
            "collection_point": payment.utility_collection_point_id.code,
        }

    def _committed_duplicate(self, env, terminal, txn_id, customer_number, amount):
        """The answer to a payment whose transaction id a simultaneous
        request (a terminal retrying) booked and committed after this
        transaction's snapshot: read from a transaction that sees it, rather
        than retrying the whole request after a random back-off of up to
        seconds. None when nothing was booked."""
        with env.registry.cursor() as cr:
            fresh_env = env(cr=cr)
            fresh_terminal = terminal.with_env(fresh_env)
            existing = self._txn_payment(fresh_env, fresh_terminal, txn_id)
            if existing:
                return self._duplicate(fresh_env, fresh_terminal, existing, customer_number, amount)
        return None

    def _txn_payment(self, env, terminal, txn_id):
        return env["account.payment"].search(
            [
                ("company_id", "=", terminal.company_id.id),
                ("utility_txn_key", "=", f"{terminal._utility_txn_scope()}:{txn_id}"),
            ],
            limit=1,
        )

    def _duplicate(self, env, terminal, payment, customer_number, amount):
        same = payment.partner_id.utility_customer_number == customer_number and not (
            payment.currency_id.compare_amounts(payment.amount, amount)
        )
        if not same:
            raise UtilityApiError(
                409,
                "duplicate_conflict",
                "This terminal_txn_id was already used for another customer or amount.",
            )
        return self._receipt(env, terminal, payment, duplicate=True), 200

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

    def _customer_bills(self, terminal, env, customer_number):
        company = terminal.company_id
        partner = self._find_customer(env, company, customer_number)
        bills = self._open_bills(env, company, partner)
        today = fields.Date.context_today(env["account.move"])
        fees = self._late_fees(env, bills)
        currency = company.currency_id
        return {
            "customer_number": partner.utility_customer_number,
            "customer_name": partner.name,
            "currency": currency.name,
            "as_of": fields.Date.to_string(today),
            "bills": [
                {
                    "bill_number": bill.name,
                    "invoice_date": fields.Date.to_string(bill.invoice_date),
                    "due_date": fields.Date.to_string(bill.invoice_date_due),
                    "amount_total": currency.round(bill.amount_total),
                    "amount_due": currency.round(bill.amount_residual),
                    "late_fee": currency.round(fees.get(bill.id, 0.0)),
                }
                for bill in bills
            ],
            "total_due": currency.round(
                sum(bills.mapped("amount_residual")) + sum(fees.get(b.id, 0.0) for b in bills)
            ),
            "credit": currency.round(max(-partner.credit, 0.0)),
        }, 200

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

    def _pay(self, terminal, env, *args):
        data = self._read_body()
        missing = [
            name
            for name in ("customer_number", "amount", "terminal_txn_id")
            if data.get(name) in (None, "")
        ]
        if missing:
            raise UtilityApiError(422, "missing_field", f"Missing field(s): {', '.join(missing)}.")
        company = terminal.company_id
        currency = company.currency_id
        customer_number = data["customer_number"]
        txn_id = data["terminal_txn_id"]
        if not isinstance(customer_number, str):
            raise UtilityApiError(422, "invalid_field", "customer_number must be a string.")
        if not isinstance(txn_id, str) or not TXN_ID_PATTERN.match(txn_id):
            raise UtilityApiError(
                422,
                "invalid_field",
                "terminal_txn_id must be 1 to 64 letters, digits or . _ : -",
            )
        amount = self._parse_amount(data["amount"], currency)
        bill_numbers = data.get("bill_numbers") or []
        if not isinstance(bill_numbers, list) or not all(
            isinstance(number, str) and number for number in bill_numbers
        ):
            raise UtilityApiError(
                422, "invalid_field", "bill_numbers must be a list of bill numbers."
            )
        allow_prepaid = data.get("allow_prepaid", False)
        if not isinstance(allow_prepaid, bool):
            raise UtilityApiError(422, "invalid_field", "allow_prepaid must be true or false.")

        existing = self._txn_payment(env, terminal, txn_id)
        if existing:
            return self._duplicate(env, terminal, existing, customer_number, amount)
        # a terminal retrying while its first request is still being booked:
        # wait for that request, then answer its result (rather than booking
        # again and failing on the transaction id's unique index)
        txn_lock = f"{terminal._utility_txn_scope()}:{txn_id}"
        if not try_advisory_lock(env.cr, "terminal_txn", txn_lock):
            advisory_lock(env.cr, "terminal_txn", txn_lock)
            answer = self._committed_duplicate(env, terminal, txn_id, customer_number, amount)
            if answer:
                return answer
        partner = self._find_customer(env, company, customer_number)
        bills = None
        if bill_numbers:
            found = env["account.move"].search(
                [
                    ("company_id", "=", company.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("commercial_partner_id", "=", partner.commercial_partner_id.id),
                    ("name", "in", bill_numbers),
                ]
            )
            by_number = {bill.name: bill for bill in found}
            unknown = [number for number in bill_numbers if number not in by_number]
            if unknown:
                raise UtilityApiError(
                    404,
                    "bill_not_found",
                    f"Unknown bill(s) of this customer: {', '.join(unknown)}.",
                )
            bills = env["account.move"].concat(
                *(by_number[number] for number in dict.fromkeys(bill_numbers))
            )
            paid = bills.filtered(lambda bill: bill.payment_state not in ("not_paid", "partial"))
            if paid:
                raise UtilityApiError(
                    422, "bill_not_open", f"Already paid: {', '.join(paid.mapped('name'))}."
                )
        open_bills = self._open_bills(env, company, partner, bills)
        due = sum(open_bills.mapped("amount_residual"))
        if currency.compare_amounts(amount, due) > 0:
            # what the bills query shows as due today: the bills and their
            # late fee, which the payment charges before settling each bill
            due = currency.round(due + sum(self._late_fees(env, open_bills).values()))
        if not allow_prepaid:
            if not open_bills:
                raise UtilityApiError(
                    422,
                    "no_open_bills",
                    "The customer has nothing to pay; send allow_prepaid to take a prepayment.",
                )
            if currency.compare_amounts(amount, due) > 0:
                raise UtilityApiError(
                    422,
                    "amount_exceeds_due",
                    f"The amount is above the {due:.2f} due (late fees included); send "
                    "allow_prepaid to keep the rest as credit.",
                )
        agency = terminal.agency_id
        try:
            # the savepoint keeps the transaction usable when a simultaneous
            # identical request booked the same transaction id first
            with env.cr.savepoint():
                # a machine channel, booked as agency files are: the bills'
                # payment status is not tracked in their chatter (a tenth
                # of the API's payment throughput, measured)
                payment = (
                    env["account.payment"]
                    .with_context(tracking_disable=True)
                    ._utility_pay(
                        partner,
                        amount,
                        terminal.collection_point_id,
                        bills=bills,
                        external_txn_id=txn_id,
                        txn_scope=terminal._utility_txn_scope(),
                        operator=env.user,
                        journal=agency.journal_id or None,
                        memo=f"{terminal.name} {txn_id}",
                    )
                )
        except psycopg2.errors.UniqueViolation as err:
            # booked by a simultaneous request that did not meet the lock
            # above (an agency file's line of the same transaction)
            env.invalidate_all()
            existing = self._txn_payment(env, terminal, txn_id)
            if existing:
                return self._duplicate(env, terminal, existing, customer_number, amount)
            answer = self._committed_duplicate(env, terminal, txn_id, customer_number, amount)
            if answer:
                return answer
            raise ConcurrencyError("Concurrent booking of the same transaction") from err
        except UserError as err:
            raise UtilityApiError(422, "payment_refused", str(err)) from err
        return self._receipt(env, terminal, payment), 201

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

    def _payment_status(self, terminal, env, txn_id):
        # an id no terminal can send (a NUL byte...) was never booked
        payment = TXN_ID_PATTERN.match(txn_id) and self._txn_payment(env, terminal, txn_id)
        if not payment:
            raise UtilityApiError(
                404, "payment_not_found", "This terminal has no payment with this id."
            )
        return self._receipt(env, terminal, payment), 200
