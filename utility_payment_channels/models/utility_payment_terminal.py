import hmac
import re
import secrets
import time
from datetime import UTC, datetime, timedelta

import psycopg2

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import ConcurrencyError, UserError

from odoo.addons.utility_billing.models.res_currency import AMOUNT_MAX, AmountError
from odoo.addons.utility_billing.tools.locks import advisory_lock, try_advisory_lock

from ..tools import request_signature
from ..tools.api_error import UtilityApiError
from .utility_api_key_mixin import hash_api_key

# only this digest of a terminal key is stored (see utility.api.key.mixin)
hash_terminal_key = hash_api_key

# what a customer number can be: printable, no NUL (which PostgreSQL refuses)
CUSTOMER_NUMBER_MAX_LENGTH = 64
TXN_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,64}\Z")


class UtilityPaymentTerminal(models.Model):
    """A self-service terminal, ATM or agency networked counter calling the
    terminal API with its own secret key. The key is shown once when it is
    generated; only its SHA-256 digest is stored, so a lost key is replaced,
    never recovered.

    The terminal API's rules live here, in the ``_utility_api_*`` methods
    (bills query, payment, payment status), callable without HTTP: they
    answer plain dicts (the JSON bodies) and raise ``UtilityApiError`` with
    the published code and status; ``controllers/terminal_api.py`` only
    authenticates, parses the JSON and maps the errors."""

    _name = "utility.payment.terminal"
    _description = "Payment Terminal"
    _inherit = ["mail.thread", "utility.protected.fields.mixin", "utility.api.key.mixin"]
    _order = "name"
    _utility_api_channel = "terminal"
    _utility_api_unauthorized_message = "Unknown or revoked terminal key."

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    collection_point_id = fields.Many2one(
        comodel_name="utility.collection.point",
        required=True,
        tracking=True,
        domain="[('kind', 'in', ('terminal', 'agency'))]",
        help="Terminal collection point, or the agency outlet of a networked counter.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        related="collection_point_id.company_id",
        store=True,
        index=True,
    )
    agency_id = fields.Many2one(
        comodel_name="utility.agency",
        compute="_compute_agency_id",
        help="Agency owning the outlet: its counters share the agency's transaction ids "
        "with the agency file.",
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Booking User",
        help="User recorded as operator of the payments taken by this terminal "
        "(default: the system user).",
    )
    key_hash = fields.Char(copy=False, index=True, groups="base.group_system")
    has_key = fields.Boolean(compute="_compute_has_key", string="Key Set")
    key_date = fields.Datetime(string="Key Generated On", readonly=True, copy=False)
    last_used_at = fields.Datetime(string="Last Used", readonly=True, copy=False)
    last_used_ip = fields.Char(string="Last Address", readonly=True, copy=False)
    # the server recomputes the HMAC of a signed request: the secret is kept
    # encrypted (tools/request_signature.py), never as such
    signing_secret = fields.Char(copy=False, groups="base.group_system")
    signing_secret_date = fields.Datetime(
        string="Signing Secret Generated On", readonly=True, copy=False
    )
    has_signing_secret = fields.Boolean(
        compute="_compute_has_signing_secret", string="Signing Secret Set"
    )
    signature_required = fields.Boolean(
        compute="_compute_signature_required",
        string="Signs Requests",
        help="The biller owning the outlet requires signed requests.",
    )

    @api.model
    def _utility_protected_fields(self):
        # the key's digest and the signing secret are issued and revoked by
        # the manager's actions; the last use is stamped by the API
        return {
            "key_date",
            "key_hash",
            "last_used_at",
            "last_used_ip",
            "signing_secret",
            "signing_secret_date",
        }

    @api.depends("collection_point_id")
    def _compute_agency_id(self):
        agencies = self.env["utility.agency"].search(
            [("outlet_ids", "in", self.collection_point_id.ids)]
        )
        for terminal in self:
            terminal.agency_id = agencies.filtered(
                lambda a, t=terminal: t.collection_point_id in a.outlet_ids
            )[:1]

    def _compute_has_key(self):
        # the digest is readable only by administrators; its presence is not a secret
        for terminal, terminal_sudo in zip(self, self.sudo(), strict=True):
            terminal.has_key = bool(terminal_sudo.key_hash)

    def _compute_has_signing_secret(self):
        # the encrypted secret is readable only by administrators; its
        # presence is not a secret
        for terminal, terminal_sudo in zip(self, self.sudo(), strict=True):
            terminal.has_signing_secret = bool(terminal_sudo.signing_secret)

    def _compute_signature_required(self):
        for terminal in self:
            terminal.signature_required = terminal.agency_id.signature_required

    def _utility_txn_scope(self):
        """Scope of this terminal's transaction ids (see ``_utility_pay``)."""
        self.ensure_one()
        if self.agency_id:
            return self.agency_id._utility_txn_scope()
        return f"terminal:{self.id}"

    def action_generate_key(self):
        """Generate a new key, store its digest and show it once."""
        self.ensure_one()
        if not self.env.user.has_group("utility_billing.group_utility_manager"):
            raise UserError(self.env._("Only a collection manager can issue terminal keys."))
        key = secrets.token_urlsafe(32)
        # sudo: the digest field is restricted to administrators; the manager
        # issuing the key never sees the stored digest, only the key once
        with self._utility_protected_write():
            self.sudo().write(
                {"key_hash": hash_terminal_key(key), "key_date": fields.Datetime.now()}
            )
        self.message_post(body=self.env._("A new API key was issued; the previous one is revoked."))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("API key of %s (shown only once)", self.name),
                "message": key,
                "sticky": True,
                "type": "warning",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_revoke_key(self):
        """Revoke the key: the terminal is refused until a new key is issued."""
        if not self.env.user.has_group("utility_billing.group_utility_manager"):
            raise UserError(self.env._("Only a collection manager can revoke terminal keys."))
        # sudo: see action_generate_key
        with self._utility_protected_write():
            self.sudo().write({"key_hash": False})
        for terminal in self:
            terminal.message_post(body=self.env._("The API key was revoked."))
        return True

    def action_generate_signing_secret(self):
        """Generate a new signing secret, store it encrypted and show it once."""
        self.ensure_one()
        if not self.env.user.has_group("utility_billing.group_utility_manager"):
            raise UserError(self.env._("Only a collection manager can issue signing secrets."))
        secret = secrets.token_urlsafe(32)
        self._utility_set_signing_secret(secret)
        self.message_post(
            body=self.env._("A new signing secret was issued; the previous one is revoked.")
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Signing secret of %s (shown only once)", self.name),
                "message": secret,
                "sticky": True,
                "type": "warning",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _utility_set_signing_secret(self, secret):
        """Store ``secret`` encrypted as the signing secret (the action's
        random one; the demo's published one)."""
        # sudo: the encrypted secret is restricted to administrators; the
        # manager issuing it sees the secret once, never what is stored
        with self._utility_protected_write():
            self.sudo().write(
                {
                    "signing_secret": request_signature.encrypt_secret(
                        self._utility_database_secret(), secret
                    ),
                    "signing_secret_date": fields.Datetime.now(),
                }
            )

    def _utility_database_secret(self):
        # sudo: a system parameter; only its derived key leaves this method
        return self.env["ir.config_parameter"].sudo().get_param("database.secret")

    def _utility_signing_secret(self):
        """The clear signing secret (None when none is set or it cannot be
        decrypted, e.g. after the database's secret changed)."""
        self.ensure_one()
        # sudo: read by the API to recompute a request's HMAC, never answered
        return request_signature.decrypt_secret(
            self._utility_database_secret(), self.sudo().signing_secret
        )

    def _utility_api_check_signature(self, method, target, headers, body, remote_addr):
        """Refuse the request unless it is signed as its biller requires
        (docs/ARCHITECTURE.md §7, "Signed requests"): ``target`` is the path
        and query as sent, ``headers`` the request's headers, ``body`` its
        raw bytes. Terminals of an agency not requiring signatures pass.

        Raises ``UtilityApiError`` 401 ``signature_missing``,
        ``signature_invalid``, ``timestamp_out_of_window`` or
        ``nonce_replayed``; each refusal is logged and counted as a failure
        of the address (``utility.api.auth.failure``)."""
        self.ensure_one()
        agency = self.sudo().agency_id
        if not agency.signature_required:
            return
        timestamp = headers.get(request_signature.TIMESTAMP_HEADER) or ""
        nonce = headers.get(request_signature.NONCE_HEADER) or ""
        signature = (headers.get(request_signature.SIGNATURE_HEADER) or "").strip().lower()
        if not (timestamp and nonce and signature):
            self._utility_api_refuse_signature(
                remote_addr,
                "signature_missing",
                "This biller requires signed requests: send the X-Utility-Timestamp, "
                "X-Utility-Nonce and X-Utility-Signature headers.",
            )
        if not (
            request_signature.TIMESTAMP_PATTERN.match(timestamp)
            and request_signature.NONCE_PATTERN.match(nonce)
            and request_signature.SIGNATURE_PATTERN.match(signature)
        ):
            self._utility_api_refuse_signature(
                remote_addr,
                "signature_invalid",
                "Malformed signature headers: a Unix time in seconds, a nonce of 8 to 64 "
                "characters A-Z a-z 0-9 _ - and a hexadecimal HMAC-SHA256.",
            )
        sent_at = int(timestamp)
        window = agency.signature_window
        if abs(time.time() - sent_at) > window:
            self._utility_api_refuse_signature(
                remote_addr,
                "timestamp_out_of_window",
                f"The request's timestamp is more than {window} s from the server's clock.",
            )
        secret = self._utility_signing_secret()
        expected = request_signature.sign(secret or "", method, target, timestamp, nonce, body)
        # no secret issued yet: refused like a wrong signature, compared anyway
        # to answer in the same time
        if not hmac.compare_digest(expected, signature) or not secret:
            self._utility_api_refuse_signature(
                remote_addr, "signature_invalid", "The request's signature does not match."
            )
        # checked last: a forged request never fills the nonce table
        expires_at = datetime.fromtimestamp(sent_at + window, tz=UTC).replace(tzinfo=None)
        if not self.env["utility.api.nonce"]._utility_api_burn_nonce(self, nonce, expires_at):
            self._utility_api_refuse_signature(
                remote_addr, "nonce_replayed", "This nonce was already used: send a new one."
            )

    def _utility_api_refuse_signature(self, remote_addr, code, message):
        self.env["utility.api.auth.failure"]._utility_register_failure(
            remote_addr,
            self._utility_api_channel,
            reason=f"{code} (terminal {self.id})",
        )
        raise UtilityApiError(401, code, message)

    def _utility_touch(self, address):
        """Record the last use, at most once a minute to keep concurrent
        requests of one terminal from writing the same row."""
        now = fields.Datetime.now()
        for terminal in self:
            if not terminal.last_used_at or terminal.last_used_at < now - timedelta(minutes=1):
                with terminal._utility_protected_write():
                    terminal.write({"last_used_at": now, "last_used_ip": address})

    # ------------------------------------------------------------------
    # terminal API (served by controllers/terminal_api.py)
    # ------------------------------------------------------------------
    def _utility_api_as_booking_user(self):
        """This terminal in the environment its API calls are served in: as
        its booking user (else the system user), in its company only and in
        its county's time zone, with superuser rights."""
        self.ensure_one()
        terminal = self.sudo()
        user = terminal.user_id or self.env["res.users"].browse(SUPERUSER_ID)
        # sudo: the caller authenticated the terminal (the API: by its key,
        # utility.api.key.mixin); every query of the API methods is limited to its company
        # and to the customer or transaction it names, and the answers carry
        # only what a customer's receipt shows
        env = self.env(
            user=user.id,
            context=dict(
                self.env.context,
                allowed_company_ids=terminal.company_id.ids,
                # payments and late fees are dated in the county's day (the
                # terminal's point's, else the company's), never in the time
                # zone of the technical user the terminal books as
                tz=terminal.collection_point_id._utility_tz(),
            ),
            su=True,
        )
        return self.with_env(env)

    def _utility_api_bills(self, customer_number):
        """The bills query: the open bills of the customer numbered
        ``customer_number`` with their amount due and late fee as of today
        (the county's day), oldest due first, their total and the
        customer's credit. 404 ``customer_not_found``."""
        terminal = self._utility_api_as_booking_user()
        env = terminal.env
        company = terminal.company_id
        partner = terminal._utility_api_customer(customer_number)
        bills = terminal._utility_api_open_bills(partner)
        today = fields.Date.context_today(env["account.move"])
        fees = terminal._utility_api_late_fees(bills)
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
        }

    def _utility_api_pay(
        self,
        customer_number,
        amount,
        terminal_txn_id,
        bill_numbers=None,
        allow_prepaid=False,
        trade_date=None,
    ):
        """The payment: book ``amount`` (a number or a string of the amount
        grammar) for the customer numbered ``customer_number``, on the bills
        named in ``bill_numbers`` or oldest first, at most what is due (late
        fees included) unless ``allow_prepaid``. ``trade_date`` (YYYY-MM-DD,
        the county's day or the day before or after it; default the county's
        day) is the channel's accounting day, by which a biller's
        reconciliation file lists the payment.

        Idempotent on ``terminal_txn_id``, within the terminal's scope (its
        agency's, for an agency counter): a transaction id booked before,
        even by a simultaneous request, is not booked again; its receipt is
        answered with ``duplicate`` true (409 ``duplicate_conflict`` when
        the customer or amount differ).

        Returns the receipt (``_utility_api_receipt``); raises
        ``UtilityApiError`` with the codes of the published document
        (``missing_field``, ``invalid_field``, ``invalid_amount``,
        ``customer_not_found``, ``bill_not_found``, ``bill_not_open``,
        ``no_open_bills``, ``amount_exceeds_due``, ``payment_refused``,
        ``payment_reversed``: a reversal of this id came first)."""
        terminal = self._utility_api_as_booking_user()
        env = terminal.env
        missing = [
            name
            for name, value in (
                ("customer_number", customer_number),
                ("amount", amount),
                ("terminal_txn_id", terminal_txn_id),
            )
            if value in (None, "")
        ]
        if missing:
            raise UtilityApiError(422, "missing_field", f"Missing field(s): {', '.join(missing)}.")
        company = terminal.company_id
        currency = company.currency_id
        txn_id = terminal_txn_id
        if not isinstance(customer_number, str):
            raise UtilityApiError(422, "invalid_field", "customer_number must be a string.")
        if not isinstance(txn_id, str) or not TXN_ID_PATTERN.match(txn_id):
            raise UtilityApiError(
                422,
                "invalid_field",
                "terminal_txn_id must be 1 to 64 letters, digits or . _ : -",
            )
        amount = terminal._utility_api_amount(amount)
        bill_numbers = bill_numbers or []
        if not isinstance(bill_numbers, list) or not all(
            isinstance(number, str) and number for number in bill_numbers
        ):
            raise UtilityApiError(
                422, "invalid_field", "bill_numbers must be a list of bill numbers."
            )
        if not isinstance(allow_prepaid, bool):
            raise UtilityApiError(422, "invalid_field", "allow_prepaid must be true or false.")
        trade_date = terminal._utility_api_trade_date(trade_date)

        Reversal = env["utility.payment.reversal"]
        if Reversal._utility_find(terminal, txn_id):
            terminal._utility_api_refuse_reversed()
        existing = terminal._utility_api_txn_payment(txn_id)
        if existing:
            return terminal._utility_api_duplicate(existing, customer_number, amount)
        # a terminal retrying while its first request is still being booked:
        # wait for that request, then answer its result (rather than booking
        # again and failing on the transaction id's unique index)
        txn_lock = f"{terminal._utility_txn_scope()}:{txn_id}"
        waited = not try_advisory_lock(env.cr, "terminal_txn", txn_lock)
        if waited:
            advisory_lock(env.cr, "terminal_txn", txn_lock)
        # a reversal of this id committed after this transaction's snapshot
        # (it held the lock, or committed just before it was taken)
        if Reversal._utility_committed(terminal, txn_id)[1]:
            terminal._utility_api_refuse_reversed()
        if waited:
            answer = terminal._utility_api_committed_duplicate(txn_id, customer_number, amount)
            if answer:
                return answer
        partner = terminal._utility_api_customer(customer_number)
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
            paid = bills.filtered(lambda bill: not bill._utility_is_open_bill())
            if paid:
                raise UtilityApiError(
                    422, "bill_not_open", f"Already paid: {', '.join(paid.mapped('name'))}."
                )
        open_bills = terminal._utility_api_open_bills(partner, bills)
        due = sum(open_bills.mapped("amount_residual"))
        if currency.compare_amounts(amount, due) > 0:
            # what the bills query shows as due today: the bills and their
            # late fee, which the payment charges before settling each bill
            due = currency.round(due + sum(terminal._utility_api_late_fees(open_bills).values()))
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
                        trade_date=trade_date,
                        operator=env.user,
                        journal=agency.journal_id or None,
                        memo=f"{terminal.name} {txn_id}",
                    )
                )
        except psycopg2.errors.UniqueViolation as err:
            # booked by a simultaneous request that did not meet the lock
            # above (an agency file's line of the same transaction)
            env.invalidate_all()
            existing = terminal._utility_api_txn_payment(txn_id)
            if existing:
                return terminal._utility_api_duplicate(existing, customer_number, amount)
            answer = terminal._utility_api_committed_duplicate(txn_id, customer_number, amount)
            if answer:
                return answer
            raise ConcurrencyError("Concurrent booking of the same transaction") from err
        except UserError as err:
            raise UtilityApiError(422, "payment_refused", str(err)) from err
        return terminal._utility_api_receipt(payment)

    def _utility_api_trade_date(self, value):
        """The trade date sent (a ``YYYY-MM-DD`` string), else the county's
        day; a biller's day may close before or after midnight, never more
        than a day away. 422 ``invalid_field`` otherwise."""
        today = self.collection_point_id._utility_today()
        if value in (None, ""):
            return today
        try:
            if not isinstance(value, str) or len(value) != 10:
                raise ValueError(value)
            day = fields.Date.to_date(value)
        except ValueError as err:
            raise UtilityApiError(
                422, "invalid_field", "trade_date must be a date written YYYY-MM-DD."
            ) from err
        if abs((day - today).days) > 1:
            raise UtilityApiError(
                422,
                "invalid_field",
                f"trade_date must be the day before, the day of or the day after {today}.",
            )
        return day

    def _utility_api_refuse_reversed(self):
        raise UtilityApiError(
            409,
            "payment_reversed",
            "This terminal_txn_id was reversed: it is never booked; pay with a new id.",
        )

    def _utility_api_reverse(self, terminal_txn_id, reason=None):
        """The reversal (冲正) of the payment this terminal (or another of
        its agency or biller) booked with ``terminal_txn_id``, the same day:
        see ``utility.payment.reversal._utility_reverse``. An id no terminal
        can send is 404 ``payment_not_found``."""
        terminal = self._utility_api_as_booking_user()
        if not isinstance(terminal_txn_id, str) or not TXN_ID_PATTERN.match(terminal_txn_id):
            raise UtilityApiError(
                404, "payment_not_found", "This terminal has no payment with this id."
            )
        return terminal.env["utility.payment.reversal"]._utility_reverse(
            terminal, terminal_txn_id, reason
        )

    def _utility_api_payment(self, terminal_txn_id):
        """The payment status: the receipt of the payment this terminal
        booked with ``terminal_txn_id``. 404 ``payment_not_found``."""
        terminal = self._utility_api_as_booking_user()
        # an id no terminal can send (a NUL byte...) was never booked
        payment = (
            isinstance(terminal_txn_id, str)
            and TXN_ID_PATTERN.match(terminal_txn_id)
            and terminal._utility_api_txn_payment(terminal_txn_id)
        )
        if not payment:
            raise UtilityApiError(
                404, "payment_not_found", "This terminal has no payment with this id."
            )
        return terminal._utility_api_receipt(payment)

    def _utility_api_amount(self, value):
        """The amount of a payment, by the amount grammar of every channel
        (``res.currency._utility_parse_amount``): a JSON number or string of
        ASCII digits with at most the currency's decimals; ``"١٢٣"``,
        ``"5e1"``, ``"+5"``, ``" 5.00 "``, NaN and infinities are refused."""
        try:
            amount = self.company_id.currency_id._utility_parse_amount(value, maximum=AMOUNT_MAX)
        except AmountError as err:
            raise UtilityApiError(422, "invalid_amount", err.args[0]) from err
        return float(amount)

    def _utility_api_customer(self, customer_number):
        """The customer of this terminal's company numbered
        ``customer_number``. 404 ``customer_not_found``."""
        if (
            not isinstance(customer_number, str)
            or not customer_number.isprintable()
            or len(customer_number) > CUSTOMER_NUMBER_MAX_LENGTH
        ):
            # a NUL byte or control character (PostgreSQL refuses NUL in a
            # query): no customer has such a number
            raise UtilityApiError(404, "customer_not_found", "No customer has this number.")
        partner = self.env["res.partner"].search_fetch(
            [
                ("utility_customer_number", "=", customer_number),
                ("company_id", "in", (self.company_id.id, False)),
            ],
            # what the answers show (not the whole partner row)
            ["name", "utility_customer_number", "commercial_partner_id", "company_id"],
            limit=1,
        )
        if not partner:
            raise UtilityApiError(404, "customer_not_found", "No customer has this number.")
        return partner

    def _utility_api_open_bills(self, partner, bills=None):
        """The open bills of ``partner`` in this terminal's company (of
        ``bills`` when given), oldest due first."""
        return (
            self.env["account.payment"]
            ._utility_open_bills(partner, bills)
            .filtered(lambda bill: bill.company_id == self.company_id)
        )

    def _utility_api_late_fees(self, bills):
        """Late fee of each of ``bills`` paid today (the county's day, the
        environment's time zone), ``{bill id: fee}`` (the late-fee rules look
        up nothing for bills not yet past due)."""
        today = fields.Date.context_today(self.env["account.move"])
        return self.env["account.move"]._utility_late_fee_as_of(bills, today)

    def _utility_api_receipt(self, payment, duplicate=False):
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
        open_bills = (
            self.env["account.payment"]
            ._utility_open_bills(partner)
            .filtered(lambda bill: bill.company_id == payment.company_id)
        )
        # what the bills query would now show as due: late fees included
        fees = self._utility_api_late_fees(open_bills)
        return {
            "status": "posted" if payment.state in ("in_process", "paid") else payment.state,
            "duplicate": duplicate,
            "payment_id": payment.id,
            "payment_name": payment.name,
            "terminal_txn_id": payment.utility_external_txn_id,
            "trade_date": fields.Date.to_string(payment.utility_trade_date or payment.date),
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
            "terminal": self.name,
            "collection_point": payment.utility_collection_point_id.code,
        }

    def _utility_api_txn_payment(self, txn_id):
        """The payment this terminal (or its agency) booked with
        ``txn_id``, or an empty recordset."""
        return self.env["account.payment"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("utility_txn_key", "=", f"{self._utility_txn_scope()}:{txn_id}"),
            ],
            limit=1,
        )

    def _utility_api_duplicate(self, payment, customer_number, amount):
        """The answer to a transaction id already booked as ``payment``: its
        receipt, marked as a duplicate, when the customer and amount are the
        same. 409 ``duplicate_conflict`` otherwise."""
        same = payment.partner_id.utility_customer_number == customer_number and not (
            payment.currency_id.compare_amounts(payment.amount, amount)
        )
        if not same:
            raise UtilityApiError(
                409,
                "duplicate_conflict",
                "This terminal_txn_id was already used for another customer or amount.",
            )
        return self._utility_api_receipt(payment, duplicate=True)

    def _utility_api_committed_duplicate(self, txn_id, customer_number, amount):
        """The answer to a payment whose transaction id a simultaneous
        request (a terminal retrying) booked and committed after this
        transaction's snapshot: read from a transaction that sees it, rather
        than retrying the whole request after a random back-off of up to
        seconds. None when nothing was booked."""
        with self.env.registry.cursor() as cr:
            fresh = self.with_env(self.env(cr=cr))
            existing = fresh._utility_api_txn_payment(txn_id)
            if existing:
                return fresh._utility_api_duplicate(existing, customer_number, amount)
        return None
