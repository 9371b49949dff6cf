from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

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
    utility_trade_date = fields.Date(
        string="Trade Date",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The channel's own accounting day of the transaction (a third-party "
        "biller's settlement date), by which its reconciliation file lists it.",
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

    utility_api_reversal_ids = fields.One2many(
        comodel_name="utility.payment.reversal",
        inverse_name="payment_id",
        string="Channel Reversals",
        readonly=True,
        groups="utility_billing.group_utility_accountant",
        help="The reversal (冲正) the terminal or biller sent through the terminal API.",
    )

    _utility_txn_key_uniq = models.UniqueIndex(
        "(company_id, utility_txn_key) WHERE utility_txn_key IS NOT NULL",
        "This transaction has already been booked.",
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

    def _utility_receivable_line(self):
        self.ensure_one()
        return self.move_id.line_ids.filtered(
            lambda line: line.account_id == self.destination_account_id and not line.reconciled
        )

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
        self.sudo()._utility_cancel(reason)
        return True

    def _utility_cancel(self, reason, author=None):
        """Cancel these posted utility payments, the one way they are
        cancelled (the cashier's Cancel Payment, the terminal API's
        reversal); the caller checks who may. The bills they settled are
        opened again as they were, what was charged with them (the late
        fees of utility_arrears) is cancelled through
        ``_utility_cancel_charges``, the payments and their entries are
        cancelled (kept, never deleted) and the reason goes to the chatter,
        signed ``author`` (default: the user)."""
        self.move_id.line_ids.remove_move_reconcile()
        self.action_cancel()
        self.utility_cancel_reason = reason
        self._utility_cancel_charges(reason)
        for payment in self:
            payment.message_post(
                body=self.env._(
                    "Payment cancelled by %(user)s: %(reason)s",
                    user=author or self.env.user.name,
                    reason=reason,
                ),
                author_id=self.env.user.partner_id.id,
            )

    def _utility_cancel_charges(self, reason, reversal_date=None):
        """Hook called when these payments are cancelled (``reversal_date``
        empty) or reversed by an entry of ``reversal_date``, once the bills
        they settled are open again: undo what was charged with them so that
        the customer owes what they owed before (utility_arrears cancels or
        reverses the late-fee invoices each payment charged)."""
        return None

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
            payment._utility_cancel_charges(reason, reversal_date=today)
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
