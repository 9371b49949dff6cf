from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain

from ..tools.locks import lock_rows
from ..tools.protected import protected_write

REFUND_REASON_SELECTION = [
    ("duplicate", "Paid twice (two channels)"),
    ("overpayment", "Over-payment"),
    ("move_out", "Move-out"),
    ("transfer", "Transfer of ownership"),
    ("other", "Other"),
]

# states whose credit is reserved and not yet paid out
IN_PROGRESS_STATES = ("to_approve", "approved")


class UtilityRefundRequest(models.Model):
    """A refund of a customer's credit (an over-payment, a payment made twice
    through two channels, the remainder at move-out).

    * Submit (Cashier, Billing Officer, Accountant, Manager) reserves the
      credit: a ULC entry ``refund_reserve`` debits the receivable,
      reconciled with the credit lines (the named payments first, then the
      oldest), and credits the refunds-payable account, so no bill uses
      that credit while the request waits.
    * Approve (Collection Manager, not the requester).
    * Reject or Cancel reverse the reserve: the credit is back and pays the
      customer's open bills.
    * Pay (Accountant, Manager, once approved): an outbound customer payment
      from the refunds-payable account, reconciled with the reserve.

    A refund is paid from a bank or cash journal outside any cashier session:
    the session's counting adds up inbound payments only."""

    _name = "utility.refund.request"
    _description = "Customer Refund Request"
    _inherit = ["mail.thread", "mail.activity.mixin", "utility.protected.fields.mixin"]
    _order = "id desc"

    name = fields.Char(
        required=True, copy=False, readonly=True, default=lambda self: self.env._("New")
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )
    currency_id = fields.Many2one(comodel_name="res.currency", related="company_id.currency_id")
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        domain="[('utility_customer_number', '!=', False)]",
    )
    contract_id = fields.Many2one(
        comodel_name="utility.contract",
        domain="[('partner_id', '=', partner_id)]",
        tracking=True,
    )
    reason = fields.Selection(
        selection=REFUND_REASON_SELECTION,
        required=True,
        default="duplicate",
        tracking=True,
    )
    reason_note = fields.Text(
        string="Explanation",
        required=True,
        help="What happened (the two payments, the receipts shown) and what the customer asks.",
    )
    payment_ids = fields.Many2many(
        comodel_name="account.payment",
        string="Payments Concerned",
        domain="[('partner_id', '=', partner_id), ('payment_type', '=', 'inbound'), "
        "('state', 'in', ('in_process', 'paid'))]",
        help="The duplicated payments: their unapplied credit is refunded first.",
    )
    amount = fields.Monetary(currency_field="currency_id", required=True, tracking=True)
    available_credit = fields.Monetary(
        currency_field="currency_id",
        compute="_compute_available_credit",
        help="The customer's unapplied credit, less the other refunds in progress.",
    )
    journal_id = fields.Many2one(
        comodel_name="account.journal",
        string="Paid From",
        domain="[('type', 'in', ('bank', 'cash')), ('company_id', '=', company_id)]",
        help="Bank or cash journal the refund is paid from (a bank transfer to the "
        "customer's account, or cash at the finance office).",
    )
    payment_method_line_id = fields.Many2one(
        comodel_name="account.payment.method.line",
        string="Payment Method",
        domain="[('journal_id', '=', journal_id), ('payment_type', '=', 'outbound')]",
    )
    partner_bank_id = fields.Many2one(
        comodel_name="res.partner.bank",
        string="Customer Bank Account",
        domain="[('partner_id', '=', partner_id)]",
    )
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("to_approve", "Awaiting Approval"),
            ("approved", "Approved"),
            ("paid", "Paid"),
            ("rejected", "Rejected"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        tracking=True,
        index=True,
    )
    requested_by_id = fields.Many2one(comodel_name="res.users", string="Requested By")
    approved_by_id = fields.Many2one(comodel_name="res.users", string="Approved By")
    approved_at = fields.Datetime()
    reject_reason = fields.Text()
    reserve_move_id = fields.Many2one(comodel_name="account.move", string="Reserve Entry")
    refund_payment_id = fields.Many2one(comodel_name="account.payment", string="Refund Payment")
    paid_at = fields.Datetime()

    # ------------------------------------------------------------------
    # protection
    # ------------------------------------------------------------------

    @api.model
    def _utility_protected_fields(self):
        return {
            "name", "state", "requested_by_id", "approved_by_id", "approved_at",
            "reserve_move_id", "refund_payment_id", "paid_at",
        }  # fmt: skip

    @api.model
    def _utility_create_only_fields(self):
        # the request's figures: given when it is created, then frozen
        return {"partner_id", "company_id", "contract_id", "reason", "payment_ids", "amount"}

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = self._utility_numbered_vals(vals_list, "utility.refund.request")
        with self.browse()._utility_protected_write():
            return super().create(vals_list)

    def write(self, vals):
        editable = {
            "reason_note", "journal_id", "payment_method_line_id", "partner_bank_id",
            "reject_reason",
        }  # fmt: skip
        if editable.intersection(vals) and not self._utility_has_protected_write():
            late = self.filtered(lambda r: r.state not in ("draft", "to_approve", "approved"))
            if late:
                raise UserError(
                    self.env._("Refund request %s is closed: it cannot be changed.", late[0].name)
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if self.filtered(lambda r: r.state != "draft"):
            raise UserError(self.env._("Only a draft refund request can be deleted."))

    # ------------------------------------------------------------------
    # computes
    # ------------------------------------------------------------------

    def _utility_credit_lines(self):
        """The customer's open credit lines, the named payments' first, then
        the oldest."""
        self.ensure_one()
        lines = (
            self.env["account.move.line"]
            .sudo()
            .search(
                Domain("partner_id", "=", self.partner_id.commercial_partner_id.id)
                & Domain("company_id", "=", self.company_id.id)
                & Domain("account_type", "=", "asset_receivable")
                & Domain("parent_state", "=", "posted")
                & Domain("reconciled", "=", False)
                & Domain("amount_residual", "<", 0),
                order="date, id",
            )
        )
        named = lines.filtered(lambda line: line.payment_id in self.payment_ids)
        return named + (lines - named)

    @api.depends("partner_id", "company_id", "amount", "state")
    def _compute_available_credit(self):
        for request in self:
            if not request.partner_id:
                request.available_credit = 0.0
                continue
            credit = -sum(request._utility_credit_lines().mapped("amount_residual"))
            request.available_credit = request.currency_id.round(credit)

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------

    def _utility_check_state(self, *states):
        for request in self:
            if request.state not in states:
                raise UserError(
                    self.env._(
                        "Refund request %(name)s is %(state)s: this action is not possible.",
                        name=request.name,
                        state=dict(request._fields["state"]._description_selection(self.env))[
                            request.state
                        ],
                    )
                )

    def action_submit(self):
        """Reserve the credit and ask for approval."""
        self._utility_check_state("draft")
        Move = self.env["account.move"].sudo()
        for request in self:
            currency = request.currency_id
            # two requests (or a bill) taking the same credit at once: the
            # second waits here, then fails to serialize and is retried with
            # the credit that is left
            lock_rows(request._utility_credit_lines())
            request.invalidate_recordset(["available_credit"])
            if currency.compare_amounts(request.amount, 0.0) <= 0:
                raise UserError(self.env._("The amount to refund must be positive."))
            if currency.compare_amounts(request.amount, request.available_credit) > 0:
                raise UserError(
                    self.env._(
                        "You cannot refund %(amount)s: the customer's unapplied credit is "
                        "only %(credit)s.",
                        amount=currency.format(request.amount),
                        credit=currency.format(request.available_credit),
                    )
                )
            credit_lines = request._utility_credit_lines()
            partner = request.partner_id.commercial_partner_id
            company = request.company_id
            receivable = credit_lines[:1].account_id
            label = self.env._("Refund reserved, %s", request.name)
            # sudo: a cashier may ask for a refund without accounting rights;
            # the entry is the request's own and its amount is checked above
            with protected_write(Move):
                reserve = Move.create(
                    {
                        "move_type": "entry",
                        "journal_id": company._utility_lifecycle_journal().id,
                        "company_id": company.id,
                        "date": fields.Date.context_today(self),
                        "ref": label,
                        "utility_entry_kind": "refund_reserve",
                        "line_ids": [
                            Command.create(
                                {
                                    "name": label,
                                    "account_id": receivable.id,
                                    "partner_id": partner.id,
                                    "debit": request.amount,
                                }
                            ),
                            Command.create(
                                {
                                    "name": label,
                                    "account_id": company._utility_refund_payable_account().id,
                                    "partner_id": partner.id,
                                    "credit": request.amount,
                                }
                            ),
                        ],
                    }
                )
            reserve.action_post()
            debit_line = reserve.line_ids.filtered(
                lambda line, account=receivable: line.account_id == account
            )
            for credit in credit_lines.filtered(
                lambda line, account=receivable: line.account_id == account
            ):
                if debit_line.reconciled:
                    break
                (credit + debit_line).reconcile()
            with request._utility_protected_write():
                request.write(
                    {
                        "state": "to_approve",
                        "requested_by_id": self.env.user.id,
                        "reserve_move_id": reserve.id,
                    }
                )
        return True

    def _utility_check_manager(self):
        if not self.env.user.has_group("utility_billing.group_utility_manager"):
            raise AccessError(
                self.env._("Only a Collection Manager can approve or reject refunds.")
            )

    def action_approve(self):
        self._utility_check_manager()
        self._utility_check_state("to_approve")
        for request in self:
            if request.requested_by_id == self.env.user:
                raise UserError(
                    self.env._(
                        "You asked for refund %s: another Collection Manager must approve it.",
                        request.name,
                    )
                )
        with self._utility_protected_write():
            self.write(
                {
                    "state": "approved",
                    "approved_by_id": self.env.user.id,
                    "approved_at": fields.Datetime.now(),
                }
            )
        return True

    def _utility_release_reserve(self):
        """Reverse the reserve: the credit is open again and pays the
        customer's open bills."""
        Move = self.env["account.move"].sudo()
        for request in self.filtered("reserve_move_id"):
            request.reserve_move_id.sudo()._reverse_moves(
                default_values_list=[{"date": fields.Date.context_today(self)}], cancel=True
            )
            bills = Move.search(
                Move._utility_open_bill_domain(request.partner_id)
                & Domain("company_id", "=", request.company_id.id)
                & Domain("utility_contract_id", "!=", False)
            )
            Move._utility_apply_prepaid(bills)

    def action_reject(self):
        self._utility_check_manager()
        self._utility_check_state("to_approve", "approved")
        for request in self:
            if not (request.reject_reason or "").strip():
                raise UserError(
                    self.env._("Give the reason for rejecting refund %s.", request.name)
                )
        self._utility_release_reserve()
        with self._utility_protected_write():
            self.write({"state": "rejected"})
        return True

    def action_cancel(self):
        self._utility_check_state("draft", "to_approve", "approved")
        if not self.env.user.has_group("utility_billing.group_utility_manager"):
            for request in self.filtered(lambda r: r.state != "draft"):
                if request.requested_by_id != self.env.user:
                    raise AccessError(
                        self.env._(
                            "Refund request %s was submitted by another user: only they or a "
                            "Collection Manager can cancel it.",
                            request.name,
                        )
                    )
        self._utility_release_reserve()
        with self._utility_protected_write():
            self.write({"state": "cancelled"})
        return True

    def action_pay(self):
        """Pay the approved refund out and reconcile it with the reserve."""
        if not (
            self.env.user.has_group("utility_billing.group_utility_accountant")
            or self.env.user.has_group("utility_billing.group_utility_manager")
        ):
            raise AccessError(self.env._("Only an accountant pays refunds out."))
        self._utility_check_state("approved")
        for request in self:
            if not request.journal_id:
                raise UserError(
                    self.env._("Choose the journal refund %s is paid from.", request.name)
                )
            request._utility_check_refund_journal()
            payable = request.company_id._utility_refund_payable_account()
            method_line = (
                request.payment_method_line_id
                or request.journal_id.outbound_payment_method_line_ids[:1]
            )
            payment = self.env["account.payment"].create(
                {
                    "payment_type": "outbound",
                    "partner_type": "customer",
                    "partner_id": request.partner_id.commercial_partner_id.id,
                    "amount": request.amount,
                    "currency_id": request.currency_id.id,
                    "date": fields.Date.context_today(self),
                    "journal_id": request.journal_id.id,
                    "payment_method_line_id": method_line.id,
                    "partner_bank_id": request.partner_bank_id.id,
                    "destination_account_id": payable.id,
                    "company_id": request.company_id.id,
                    "memo": self.env._("Refund %s", request.name),
                }
            )
            payment.action_post()
            (payment.move_id.line_ids + request.reserve_move_id.line_ids).filtered(
                lambda line, account=payable: line.account_id == account and not line.reconciled
            ).reconcile()
            with request._utility_protected_write():
                request.write(
                    {
                        "state": "paid",
                        "refund_payment_id": payment.id,
                        "paid_at": fields.Datetime.now(),
                    }
                )
            request.message_post(
                body=self.env._(
                    "Refund of %(amount)s paid by %(payment)s.",
                    amount=request.currency_id.format(request.amount),
                    payment=payment.name,
                )
            )
        return True

    def _utility_check_refund_journal(self):
        """Hook: refuse a journal a refund cannot be paid from (the payment
        channels add: a collection point's cash drawer)."""
        return True

    @api.model
    def _utility_request_for_credit(
        self, partner, amount, reason, contract=None, journal=None, bank=None, note=None
    ):
        """Create and submit a refund request of ``amount`` of ``partner``'s
        credit (the move-out and transfer wizards call it)."""
        request = self.create(
            {
                "partner_id": partner.id,
                "company_id": (contract.company_id if contract else self.env.company).id,
                "contract_id": contract.id if contract else False,
                "reason": reason,
                "reason_note": note or dict(REFUND_REASON_SELECTION)[reason],
                "amount": amount,
                "journal_id": journal.id if journal else False,
                "partner_bank_id": bank.id if bank else False,
            }
        )
        request.action_submit()
        return request
