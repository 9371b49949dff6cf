from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare, float_is_zero

from odoo.addons.utility_billing.models.utility_bulk_booking import BATCH_CONTEXT
from odoo.addons.utility_billing.tools.locks import lock_nowait

from .utility_collection_point import COLLECTION_POINT_KINDS

# a payment's channel is the kind of its collection point (two named as seen
# from the payment), or a bank transfer, which has no point
CHANNEL_LABELS = {"agency": "Agency", "field": "Door-to-door collection"}
CHANNEL_SELECTION = [
    *((kind, CHANNEL_LABELS.get(kind, label)) for kind, label in COLLECTION_POINT_KINDS),
    ("bank", "Bank transfer"),
]


class AccountPayment(models.Model):
    """Utility payments: every payment records its channel, collection point,
    operator, who physically paid and the channel's own transaction id, and is
    allocated to the customer's bills (oldest first unless bills are named).
    What is left over stays as credit on the customer's receivable: the
    prepaid balance, applied to later bills."""

    _inherit = "account.payment"

    utility_channel = fields.Selection(
        selection=CHANNEL_SELECTION,
        string="Channel",
        index=True,
        readonly=True,
        copy=False,
    )
    utility_collection_point_id = fields.Many2one(
        comodel_name="utility.collection.point",
        string="Collection Point",
        index=True,
        readonly=True,
        copy=False,
    )
    utility_operator_id = fields.Many2one(
        comodel_name="res.users",
        string="Operator",
        readonly=True,
        copy=False,
        help="Cashier, collector or API user who took the payment.",
    )
    utility_payer_id = fields.Many2one(
        comodel_name="res.partner",
        string="Paid By",
        readonly=True,
        copy=False,
        help="Who handed over the money when it was not the customer (a village "
        "committee, a landlord, a member of staff advancing money).",
    )
    utility_external_txn_id = fields.Char(
        string="External Transaction",
        readonly=True,
        copy=False,
        index=True,
        help="Transaction id given by the terminal, agency or payment provider.",
    )
    utility_paid_at = fields.Datetime(
        string="Paid At",
        compute="_compute_utility_paid_at",
        help="When the customer paid: for a payment of an agency file, the time "
        "the file gives; otherwise when the payment was recorded.",
    )
    utility_txn_key = fields.Char(
        readonly=True,
        copy=False,
        help="Technical: channel scope and external transaction id; unique per "
        "company so that a transaction is never booked twice.",
    )
    utility_bill_ids = fields.Many2many(
        comodel_name="account.move",
        relation="account_payment_utility_bill_rel",
        column1="payment_id",
        column2="move_id",
        string="Bills Settled",
        readonly=True,
        copy=False,
    )

    _utility_txn_key_uniq = models.UniqueIndex(
        "(company_id, utility_txn_key) WHERE utility_txn_key IS NOT NULL",
        "This transaction has already been booked.",
    )

    @api.model
    def _utility_open_bills(self, partner, bills=None):
        """Open posted customer invoices of ``partner``, oldest due first;
        restricted to ``bills`` when given."""
        domain = [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
            ("commercial_partner_id", "=", partner.commercial_partner_id.id),
        ]
        if bills is not None:
            domain.append(("id", "in", bills.ids))
        return self.env["account.move"].search_fetch(
            domain,
            # what payments and the terminal API read of them, not whole rows
            [
                "name",
                "company_id",
                "currency_id",
                "partner_id",
                "commercial_partner_id",
                "invoice_date",
                "invoice_date_due",
                "amount_total",
                "amount_residual",
            ],
            order="invoice_date_due, invoice_date, id",
        )

    @api.model
    def _utility_pay(
        self,
        partner,
        amount,
        collection_point,
        *,
        bills=None,
        date=None,
        external_txn_id=None,
        txn_scope=None,
        payer=None,
        operator=None,
        journal=None,
        payment_method_line=None,
        memo=None,
    ):
        """Book a utility payment and allocate it.

        Creates and posts an inbound customer payment of ``amount`` in the
        collection point's journal (or ``journal``), then reconciles it with
        the named ``bills`` in the given order, or with the customer's open
        bills oldest due first. An amount above what is due stays as credit
        on the receivable (prepaid balance).

        ``external_txn_id`` with ``txn_scope`` (e.g. ``terminal:7``) makes the
        booking idempotent: a second call with the same pair returns the
        payment already booked instead of booking again.

        :returns: the posted ``account.payment``
        """
        company = collection_point.company_id
        self._utility_check_amount(amount, company.currency_id)
        txn_key = self._utility_txn_key(collection_point, external_txn_id, txn_scope)
        if txn_key:
            existing = self.search(
                [("company_id", "=", company.id), ("utility_txn_key", "=", txn_key)], limit=1
            )
            if existing:
                return existing
        vals = self._utility_prepare_payment_vals(
            partner,
            amount,
            collection_point,
            date=date,
            external_txn_id=external_txn_id,
            txn_key=txn_key,
            payer=payer,
            operator=operator,
            journal=journal,
            payment_method_line=payment_method_line,
            memo=memo,
        )
        open_bills = self._utility_select_bills(
            partner, self._utility_open_bills(partner, bills), bills
        )
        # booked as the batch path books each payment of an agency file: no
        # "created" message nor tracking, the journal entry precomputed
        payment = self.with_context(**BATCH_CONTEXT).create(vals)
        payment._utility_batch_post()
        payment = payment.with_env(self.env)
        # ... but the bills it pays track their payment status, as when Odoo
        # registers a payment (unless the caller disables tracking, as the
        # terminal API does; the batch path does not track)
        payment._utility_allocate(open_bills)
        return payment

    # -- shared by _utility_pay and _utility_pay_batch ----------------------
    @api.model
    def _utility_check_amount(self, amount, currency):
        """Refuse amounts that are not positive or have more decimals than
        the currency."""
        if float_compare(amount, 0.0, precision_rounding=currency.rounding) <= 0:
            raise UserError(self.env._("The amount paid must be positive."))
        if not float_is_zero(
            currency.round(amount) - amount, precision_digits=currency.decimal_places + 2
        ):
            raise UserError(
                self.env._(
                    "The amount %(amount)s has more decimals than the currency %(currency)s.",
                    amount=amount,
                    currency=currency.name,
                )
            )

    @api.model
    def _utility_txn_key(self, collection_point, external_txn_id, txn_scope=None):
        """Idempotency key of a channel transaction (``None`` without id)."""
        if not external_txn_id:
            return None
        return f"{txn_scope or collection_point.kind}:{external_txn_id}"

    @api.model
    def _utility_prepare_payment_vals(
        self,
        partner,
        amount,
        collection_point,
        *,
        date=None,
        external_txn_id=None,
        txn_key=None,
        payer=None,
        operator=None,
        journal=None,
        payment_method_line=None,
        memo=None,
    ):
        """Values of the inbound customer payment booked by ``_utility_pay``."""
        company = collection_point.company_id
        currency = company.currency_id
        journal = journal or collection_point.journal_id
        if not journal:
            raise UserError(
                self.env._(
                    "Collection point %s has no journal to book payments in.",
                    collection_point.display_name,
                )
            )
        method_line = payment_method_line or journal.inbound_payment_method_line_ids[:1]
        return {
            "payment_type": "inbound",
            "partner_type": "customer",
            "partner_id": partner.commercial_partner_id.id,
            "amount": currency.round(amount),
            "currency_id": currency.id,
            # the point's day (the county's), never the booking user's
            "date": date or collection_point._utility_today(),
            "journal_id": journal.id,
            "payment_method_line_id": method_line.id,
            "company_id": company.id,
            "memo": memo or external_txn_id or False,
            "utility_channel": collection_point.kind
            if collection_point.kind in dict(CHANNEL_SELECTION)
            else False,
            "utility_collection_point_id": collection_point.id,
            "utility_operator_id": (operator or self.env.user).id,
            "utility_payer_id": payer.id if payer else False,
            "utility_external_txn_id": external_txn_id or False,
            "utility_txn_key": txn_key,
        }

    @api.model
    def _utility_select_bills(self, partner, open_bills, bills=None):
        """The bills a payment settles, in order: ``open_bills`` (the
        customer's open bills, oldest due first) or, when the payer named
        ``bills``, those in the order named, all of which must be open."""
        if bills is None:
            return open_bills
        open_bills = open_bills & bills
        if len(open_bills) != len(bills):
            raise UserError(
                self.env._("Some of the named bills are not open bills of %s.", partner.name)
            )
        # keep the order the payer named them in
        order = {bill.id: index for index, bill in enumerate(bills)}
        return open_bills.sorted(lambda b: order[b.id])

    def _utility_receivable_line(self):
        self.ensure_one()
        return self.move_id.line_ids.filtered(
            lambda line: line.account_id == self.destination_account_id and not line.reconciled
        )

    def _utility_allocate(self, bills):
        """Reconcile this payment with ``bills`` one after the other, in order,
        until the payment is used up."""
        self.ensure_one()
        plan, settled = self._utility_allocation_plan(bills, {})
        if plan:
            # only residuals change: no bill or entry line to synchronise
            self.env["account.move.line"].with_context(skip_invoice_sync=True)._reconcile_plan(plan)
        self._utility_link_bills({self: settled})
        return settled

    @api.model
    def _utility_link_bills(self, settled_by_payment):
        """Record the bills each payment settled (``{payment: bills}``), for
        many payments with one query."""
        pairs = [
            (payment.id, bill.id) for payment, bills in settled_by_payment.items() for bill in bills
        ]
        if not pairs:
            return
        self.env.cr.execute(
            "INSERT INTO account_payment_utility_bill_rel (payment_id, move_id) "
            "SELECT * FROM unnest(%s::int[], %s::int[]) ON CONFLICT DO NOTHING",
            [[pair[0] for pair in pairs], [pair[1] for pair in pairs]],
        )
        payments = self.browse([pair[0] for pair in pairs])
        payments.invalidate_recordset(["utility_bill_ids"])

    def _utility_allocation_plan(self, bills, residuals):
        """Plan the reconciliation of this payment with ``bills``, in order,
        until the payment is used up: ``(plan, settled)`` where ``plan`` is a
        list of line groups (payment line + bill lines) for
        ``account.move.line._reconcile_plan``, reconciled one after the other,
        and ``settled`` the bills it reaches.

        ``residuals`` ({line id: amount residual}) holds what earlier plans of
        the same reconciliation will have left open; it is updated, so that
        several payments can be planned and reconciled in one call."""
        self.ensure_one()
        account = self.destination_account_id
        currency = self.company_currency_id
        settled = self.env["account.move"]
        plan = []

        def open_lines(move):
            lines = move.line_ids.filtered(
                lambda line: line.account_id == account and not line.reconciled
            )
            for line in lines:
                residuals.setdefault(line.id, line.amount_residual)
            return lines.filtered(lambda line: not currency.is_zero(residuals[line.id]))

        pay_lines = open_lines(self.move_id)
        for bill in bills:
            pay_lines = pay_lines.filtered(lambda line: not currency.is_zero(residuals[line.id]))
            if not pay_lines:
                break
            bill_lines = open_lines(bill)
            if not bill_lines:
                continue
            plan.append(pay_lines + bill_lines)
            settled |= bill
            # what the reconciliation will do: debits against credits, in order
            group = (pay_lines + bill_lines).sorted(
                lambda line: (line.date_maturity or line.date, line.amount_currency, line.balance)
            )
            debits = [line for line in group if residuals[line.id] > 0]
            credits = [line for line in group if residuals[line.id] < 0]
            while debits and credits:
                amount = min(residuals[debits[0].id], -residuals[credits[0].id])
                residuals[debits[0].id] = currency.round(residuals[debits[0].id] - amount)
                residuals[credits[0].id] = currency.round(residuals[credits[0].id] + amount)
                if currency.is_zero(residuals[debits[0].id]):
                    debits.pop(0)
                if currency.is_zero(residuals[credits[0].id]):
                    credits.pop(0)
        return plan, settled

    # -- counter: sessions, receipts, corrections ---------------------------
    utility_cashier_session_id = fields.Many2one(
        comodel_name="utility.cashier.session",
        string="Cashier Session",
        index="btree_not_null",
        readonly=True,
        copy=False,
    )
    utility_field_collection_id = fields.Many2one(
        comodel_name="utility.field.collection",
        string="Door-to-door Round",
        index="btree_not_null",
        readonly=True,
        copy=False,
    )
    utility_balance_after = fields.Monetary(
        string="Balance Left",
        readonly=True,
        copy=False,
        help="Customer's receivable balance right after this payment: positive is "
        "still owed, negative is prepaid credit. Printed on the receipt.",
    )
    utility_amount_tendered = fields.Monetary(
        string="Cash Tendered",
        readonly=True,
        copy=False,
        help="Cash the customer handed over at the counter; the receipt prints it with the change.",
    )
    utility_receipt_print_count = fields.Integer(
        string="Receipt Prints",
        readonly=True,
        copy=False,
        help="How many times the receipt was printed; every reprint is logged.",
    )
    utility_cancel_reason = fields.Text(
        string="Cancellation Reason",
        readonly=True,
        copy=False,
    )
    utility_reversal_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Reversal Entry",
        readonly=True,
        copy=False,
        help="Entry that reversed this payment after its cashier session was closed.",
    )

    def _compute_utility_paid_at(self):
        # an agency's payment is booked when its file is imported, hours or
        # days after the customer paid at the outlet; sudo: whoever reads the
        # payment (a cashier reprinting a receipt) need not read agency files
        lines = (
            self.env["utility.agency.import.line"]
            .sudo()
            .search(
                [
                    ("payment_id", "in", [pid for pid in self.ids if isinstance(pid, int)]),
                    ("state", "in", ("booked", "resolved")),
                    ("paid_at", "!=", False),
                ],
                order="id",
            )
        )
        paid_at = {}
        for line in lines:
            paid_at.setdefault(line.payment_id.id, line.paid_at)
        for payment in self:
            payment.utility_paid_at = paid_at.get(payment.id) or payment.create_date

    @api.model
    def _utility_lock_open_bills(self, partner, bills=None):
        """Row-lock the open bills a payment is about to settle, without
        waiting: when two cashiers pay the same bill at the same moment the
        second one gets a clear message (and the bill is never paid twice;
        a lock taken after the first payment committed fails as a
        serialization error and the request is retried on fresh data)."""
        open_bills = self._utility_open_bills(partner, bills)
        if not open_bills:
            return open_bills
        if not lock_nowait(open_bills, "FOR UPDATE"):
            raise UserError(
                self.env._(
                    "A bill of %s is being paid at another counter right now: "
                    "refresh and check the open bills before taking the money.",
                    partner.display_name,
                )
            )
        return open_bills

    def _utility_receivable_balance(self):
        """Receivable balance of each payment's customer (positive: owed,
        negative: prepaid credit), as ``{partner_id: amount}``."""
        partners = self.partner_id.commercial_partner_id
        groups = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                [
                    ("partner_id", "in", partners.ids),
                    ("account_id.account_type", "=", "asset_receivable"),
                    ("parent_state", "=", "posted"),
                    ("reconciled", "=", False),
                ],
                ["partner_id"],
                ["amount_residual:sum"],
            )
        )
        return {partner.id: amount for partner, amount in groups}

    def _utility_store_balance_after(self):
        balances = self._utility_receivable_balance()
        for payment in self:
            payment.sudo().utility_balance_after = balances.get(
                payment.partner_id.commercial_partner_id.id, 0.0
            )

    def _utility_amount_change(self):
        """Change given back at the counter."""
        self.ensure_one()
        if not self.utility_amount_tendered:
            return 0.0
        return max(self.currency_id.round(self.utility_amount_tendered - self.amount), 0.0)

    def _utility_paid_at_local(self):
        """When the customer paid, as printed on the receipt: in the company's
        time zone (the county's), whoever prints it."""
        self.ensure_one()
        tz = self.company_id.partner_id.tz or self.env.user.tz or "UTC"
        paid_at = fields.Datetime.context_timestamp(self.with_context(tz=tz), self.utility_paid_at)
        return paid_at.strftime("%Y-%m-%d %H:%M:%S")

    def _utility_amount_in_words(self):
        """Amount of the payment in words, as printed on the receipt."""
        self.ensure_one()
        return self.currency_id._utility_amount_to_words(self.amount)

    def _utility_log_receipt_print(self):
        """Count receipt prints; every print after the first is a reprint and
        is logged in the chatter with who printed it."""
        for payment in self:
            count = payment.utility_receipt_print_count + 1
            # sudo: cashiers only read payments; logging a print is not an edit
            payment.sudo().utility_receipt_print_count = count
            if count > 1:
                payment.sudo().message_post(
                    body=self.env._(
                        "Receipt reprinted (print no. %(count)s) by %(user)s.",
                        count=count,
                        user=self.env.user.name,
                    ),
                    author_id=self.env.user.partner_id.id,
                )
            elif not payment.utility_balance_after and payment.state != "canceled":
                payment._utility_store_balance_after()

    def action_utility_print_receipt(self):
        """Print the receipt and log the print. Logged here, not while
        rendering: report routes run in read-only transactions."""
        self._utility_log_receipt_print()
        return self.env.ref("utility_payment_channels.action_report_utility_receipt").report_action(
            self
        )

    def _utility_open_correction_wizard(self, mode):
        return {
            "type": "ir.actions.act_window",
            "res_model": "utility.payment.cancel",
            "view_mode": "form",
            "target": "new",
            "context": {"default_payment_id": self.id, "default_mode": mode},
        }

    def _utility_check_reason(self, reason):
        if not (reason or "").strip():
            raise UserError(self.env._("Give the reason for the correction."))

    def action_utility_cancel(self, reason=None):
        """Cancel a counter payment within its open cashier session: the bills
        it settled are opened again, the payment and its entry are cancelled
        (kept, never deleted) and the reason goes to the chatter. Only the
        cashier who took it, or a Collection Manager, may do so."""
        if reason is None:
            self.ensure_one()
            return self._utility_open_correction_wizard("cancel")
        self._utility_check_reason(reason)
        is_manager = self.env.user.has_group("utility_billing.group_utility_manager")
        for payment in self:
            session = payment.utility_cashier_session_id
            if payment.state == "canceled" or payment.utility_reversal_move_id:
                raise UserError(self.env._("Payment %s is already cancelled.", payment.name))
            if session and session.state != "opened":
                raise UserError(
                    self.env._(
                        "Payment %(payment)s belongs to session %(session)s which is no "
                        "longer open: a Collection Manager must reverse it instead.",
                        payment=payment.name,
                        session=session.name,
                    )
                )
            if not is_manager and payment.utility_operator_id != self.env.user:
                raise UserError(
                    self.env._("Only the cashier who took payment %s can cancel it.", payment.name)
                )
            if not is_manager and not session:
                raise UserError(
                    self.env._(
                        "Payment %s was not taken in a cashier session: a Collection "
                        "Manager must reverse it.",
                        payment.name,
                    )
                )
        # sudo: rights checked above (own payment, open session); cashiers have
        # no accounting rights of their own
        payments = self.sudo()
        payments.move_id.line_ids.remove_move_reconcile()
        payments.action_cancel()
        payments.utility_cancel_reason = reason
        for payment in payments:
            payment.message_post(
                body=self.env._(
                    "Payment cancelled by %(user)s: %(reason)s",
                    user=self.env.user.name,
                    reason=reason,
                ),
                author_id=self.env.user.partner_id.id,
            )
        return True

    def action_utility_reverse(self, reason=None):
        """Reverse a utility payment after its session was closed (Collection
        Manager only): the settled bills are opened again and a reversal
        entry dated today is posted; the original payment stays as booked."""
        if reason is None:
            self.ensure_one()
            return self._utility_open_correction_wizard("reverse")
        self._utility_check_reason(reason)
        if not self.env.user.has_group("utility_billing.group_utility_manager"):
            raise AccessError(self.env._("Only a Collection Manager can reverse a payment."))
        for payment in self:
            if payment.state == "canceled" or payment.utility_reversal_move_id:
                raise UserError(self.env._("Payment %s is already cancelled.", payment.name))
            if not payment.move_id:
                raise UserError(self.env._("Payment %s has no journal entry.", payment.name))
        today = fields.Date.context_today(self)
        for payment in self.sudo():
            payment.move_id.line_ids.remove_move_reconcile()
            reversal = payment.move_id._reverse_moves(
                [
                    {
                        "date": today,
                        "ref": self.env._(
                            "Reversal of %(payment)s: %(reason)s",
                            payment=payment.name,
                            reason=reason,
                        ),
                    }
                ]
            )
            reversal.action_post()
            # the reversal cancels the payment's entry line for line
            for account in payment.move_id.line_ids.account_id.filtered("reconcile"):
                (payment.move_id.line_ids + reversal.line_ids).filtered(
                    lambda line, account=account: line.account_id == account and not line.reconciled
                ).reconcile()
            payment.write(
                {"utility_reversal_move_id": reversal.id, "utility_cancel_reason": reason}
            )
            payment.message_post(
                body=self.env._(
                    "Payment reversed by %(user)s: %(reason)s",
                    user=self.env.user.name,
                    reason=reason,
                ),
                author_id=self.env.user.partner_id.id,
            )
        return True

    @api.ondelete(at_uninstall=False)
    def _unlink_except_utility_payment(self):
        if any(payment.utility_channel or payment.utility_collection_point_id for payment in self):
            raise UserError(
                self.env._(
                    "Utility payments are never deleted: cancel or reverse them with a reason."
                )
            )
