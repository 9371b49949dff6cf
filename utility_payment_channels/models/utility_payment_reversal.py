from odoo import api, fields, models
from odoo.exceptions import ConcurrencyError, UserError
from odoo.tools import SQL

from odoo.addons.utility_billing.tools.locks import advisory_lock, try_advisory_lock

from ..tools.api_error import UtilityApiError

REASON_MAX_LENGTH = 500


class UtilityPaymentReversal(models.Model):
    """A reversal (冲正) a terminal or biller asked for through the terminal
    API (``POST /payments/<terminal_txn_id>/reversal``), one per
    transaction id of its scope (``utility.payment.terminal._utility_txn_scope``).

    Either the payment booked with that id was cancelled (``reversed``:
    bills reopened, late fees taken back, see
    ``account.payment._utility_cancel``), or nothing was booked with it
    (``not_booked``: the biller timed out and reversed a payment that never
    reached the company): the record then bars the id, and a payment
    arriving later with it is refused (409 ``payment_reversed``). A second
    reversal of the same id answers this record (``duplicate``).

    The rules live in ``_utility_reverse``; the same advisory lock as the
    payment's (``terminal_txn`` on scope and id) keeps a reversal and the
    payment it reverses from ever interleaving."""

    _name = "utility.payment.reversal"
    _description = "Payment Reversal"
    _inherit = ["utility.protected.fields.mixin"]
    _order = "id desc"
    _rec_name = "terminal_txn_id"

    company_id = fields.Many2one(
        comodel_name="res.company", required=True, readonly=True, index=True
    )
    terminal_id = fields.Many2one(
        comodel_name="utility.payment.terminal",
        string="Terminal",
        required=True,
        readonly=True,
        ondelete="restrict",
        help="The terminal that asked for the reversal.",
    )
    txn_scope = fields.Char(
        string="Transaction Scope",
        required=True,
        readonly=True,
        help="Technical: the scope of the transaction id (the terminal's, or its agency's).",
    )
    terminal_txn_id = fields.Char(string="Transaction", required=True, readonly=True)
    payment_id = fields.Many2one(
        comodel_name="account.payment",
        string="Payment",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    state = fields.Selection(
        selection=[("reversed", "Payment cancelled"), ("not_booked", "Nothing booked")],
        string="Result",
        required=True,
        readonly=True,
        help="Payment cancelled: the payment booked with this transaction id was cancelled. "
        "Nothing booked: no payment had this id; a payment sent later with it is refused.",
    )
    reason = fields.Text(readonly=True)
    amount = fields.Monetary(related="payment_id.amount", string="Amount")
    currency_id = fields.Many2one(related="payment_id.currency_id")
    partner_id = fields.Many2one(related="payment_id.partner_id", string="Customer")

    _txn_uniq = models.UniqueIndex(
        "(company_id, txn_scope, terminal_txn_id)",
        "This transaction has already been reversed.",
    )

    @api.model
    def _utility_protected_fields(self):
        # recorded by the terminal API's reversal only
        return {
            "company_id",
            "payment_id",
            "reason",
            "state",
            "terminal_id",
            "terminal_txn_id",
            "txn_scope",
        }

    # ------------------------------------------------------------------
    # the reversal (terminal API)
    # ------------------------------------------------------------------
    @api.model
    def _utility_find(self, terminal, txn_id):
        """The reversal of ``txn_id`` in ``terminal``'s scope, if any."""
        return self.search(
            [
                ("company_id", "=", terminal.company_id.id),
                ("txn_scope", "=", terminal._utility_txn_scope()),
                ("terminal_txn_id", "=", txn_id),
            ],
            limit=1,
        )

    @api.model
    def _utility_committed(self, terminal, txn_id):
        """(payment booked, reversal recorded) for ``txn_id`` in
        ``terminal``'s scope as committed now, read from a transaction of
        its own: what another request committed after this transaction's
        snapshot (a payment or reversal of the same id holding its lock).
        Two indexed lookups in SQL, by values read here, so that the other
        transaction need not see this one's records."""
        company_id = terminal.company_id.id
        scope = terminal._utility_txn_scope()
        with self.env.registry.cursor() as cr:
            cr.execute(
                SQL(
                    "SELECT EXISTS(SELECT 1 FROM account_payment"
                    " WHERE company_id = %s AND utility_txn_key = %s),"
                    " EXISTS(SELECT 1 FROM utility_payment_reversal"
                    " WHERE company_id = %s AND txn_scope = %s AND terminal_txn_id = %s)",
                    company_id,
                    f"{scope}:{txn_id}",
                    company_id,
                    scope,
                    txn_id,
                )
            )
            return cr.fetchone()

    @api.model
    def _utility_reverse(self, terminal, txn_id, reason=None):
        """Reverse the payment ``terminal`` (as its booking user, see
        ``_utility_api_as_booking_user``) booked with ``txn_id``, or bar the
        id when nothing was booked with it. Returns the answer
        (``_utility_answer``); raises ``UtilityApiError`` (404
        ``payment_not_found``, 409 ``payment_settled``,
        ``reversal_too_late``, ``payment_not_reversible``, 422
        ``invalid_field``)."""
        if reason is not None and (
            not isinstance(reason, str) or len(reason) > REASON_MAX_LENGTH or "\x00" in reason
        ):
            raise UtilityApiError(
                422,
                "invalid_field",
                f"reason must be a text of at most {REASON_MAX_LENGTH} characters.",
            )
        reason = (reason or "").strip()
        existing = self._utility_find(terminal, txn_id)
        if existing:
            return existing._utility_answer(terminal, duplicate=True)
        txn_lock = f"{terminal._utility_txn_scope()}:{txn_id}"
        if not try_advisory_lock(self.env.cr, "terminal_txn", txn_lock):
            # the payment (or another reversal) of this id is being booked:
            # wait for it, then start again on what it committed
            advisory_lock(self.env.cr, "terminal_txn", txn_lock)
            raise ConcurrencyError("Reversal racing the booking of its transaction")
        payment = terminal._utility_api_txn_payment(txn_id)
        if not payment and any(self._utility_committed(terminal, txn_id)):
            # committed after this transaction's snapshot, before the lock
            raise ConcurrencyError("Reversal racing the booking of its transaction")
        if payment:
            self._utility_check_reversible(terminal, payment)
            # the chatter in the company's language, not the booking user's
            if lang := terminal.company_id.partner_id.lang:
                payment = payment.with_context(lang=lang)
            try:
                with self.env.cr.savepoint():
                    payment._utility_cancel(
                        reason or payment.env._("Reversal sent by the terminal without a reason."),
                        author=payment.env._("%s (terminal API reversal)", terminal.name),
                    )
            except UserError as err:
                # an accounting rule of the books (a lock date of the late
                # fee's journal...): nothing was cancelled
                raise UtilityApiError(409, "payment_not_reversible", str(err)) from err
        # the reversal's own record, written by this action only
        with self.browse()._utility_protected_write():
            reversal = self.create(
                {
                    "company_id": terminal.company_id.id,
                    "terminal_id": terminal.id,
                    "txn_scope": terminal._utility_txn_scope(),
                    "terminal_txn_id": txn_id,
                    "payment_id": payment.id,
                    "state": "reversed" if payment else "not_booked",
                    "reason": reason or False,
                }
            )
        return reversal._utility_answer(terminal)

    @api.model
    def _utility_check_reversible(self, terminal, payment):
        """Refuse the reversal of ``payment`` once it is out of the biller's
        hands: settled with the agency or biller (409 ``payment_settled``),
        of a day that is closed (409 ``reversal_too_late``: not the
        county's day today, a trade date before it, a closed cashier
        session, a lock date), or not a payment the API booked and that is
        still booked (409 ``payment_not_reversible``)."""
        if payment.state not in ("in_process", "paid") or payment.utility_reversal_move_id:
            raise UtilityApiError(
                409,
                "payment_not_reversible",
                "This payment was already cancelled or reversed by the company.",
            )
        # an agency counter shares its agency's ids with the agency's file:
        # a payment of the file was not booked by the API
        if (
            self.env["utility.agency.import.line"]
            .sudo()
            .search_count([("payment_id", "=", payment.id)], limit=1)
        ):
            raise UtilityApiError(
                409,
                "payment_not_reversible",
                "This payment was booked from the agency's file, not through the API.",
            )
        settlement = self.env["utility.agency.settlement"].search(
            [("payment_ids", "in", payment.ids), ("state", "!=", "cancel")], limit=1
        )
        if settlement:
            raise UtilityApiError(
                409,
                "payment_settled",
                f"This payment is in settlement {settlement.name}: it can no longer be reversed.",
            )
        today = terminal.collection_point_id._utility_today()
        trade_date = payment.utility_trade_date
        session = payment.utility_cashier_session_id
        lock_date = payment.company_id._get_user_fiscal_lock_date(payment.journal_id)
        if (
            payment.date != today
            or (trade_date and trade_date < today)
            or (session and session.state != "opened")
            or payment.date <= lock_date
        ):
            raise UtilityApiError(
                409,
                "reversal_too_late",
                f"A payment can be reversed on its own day only ({payment.date}); "
                "ask the company to correct it.",
            )

    def _utility_answer(self, terminal, duplicate=False):
        """The answer to the reversal: its result and, for a payment
        cancelled, the payment's receipt (status ``canceled``; no receipt
        when nothing was booked)."""
        self.ensure_one()
        answer = {
            "status": "canceled" if self.state == "reversed" else "not_booked",
            "duplicate": duplicate,
            "terminal_txn_id": self.terminal_txn_id,
            "reason": self.reason or "",
            "reversed_at": fields.Datetime.to_string(self.create_date).replace(" ", "T") + "Z",
        }
        if self.payment_id:
            answer["receipt"] = terminal._utility_api_receipt(self.payment_id)
        return answer
