from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain

from odoo.addons.utility_billing.tools.new_name import is_new_name


class UtilityAgencySettlement(models.Model):
    """What an agency owes for a period and how it was paid.

    Groups the payments the agency took in the period and has not settled
    yet, books the agency's commission as an expense against the clearing
    account, and reconciles the clearing account with the bank statement
    line of the net amount the agency transferred: once reconciled, the
    clearing account holds nothing for the period."""

    _name = "utility.agency.settlement"
    _description = "Agency Settlement"
    _inherit = ["mail.thread", "utility.protected.fields.mixin"]
    _order = "date_to desc, id desc"

    name = fields.Char(
        required=True, readonly=True, copy=False, default=lambda self: self.env._("New")
    )
    agency_id = fields.Many2one(
        comodel_name="utility.agency", required=True, tracking=True, index=True
    )
    company_id = fields.Many2one(
        comodel_name="res.company", related="agency_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(comodel_name="res.currency", related="company_id.currency_id")
    date_from = fields.Date(required=True, tracking=True, default=fields.Date.context_today)
    date_to = fields.Date(required=True, tracking=True, default=fields.Date.context_today)
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("confirmed", "Commission posted"),
            ("reconciled", "Reconciled"),
            ("cancel", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    payment_ids = fields.Many2many(
        comodel_name="account.payment",
        relation="utility_agency_settlement_payment_rel",
        column1="settlement_id",
        column2="payment_id",
        string="Payments",
        readonly=True,
        copy=False,
    )
    payment_count = fields.Integer(compute="_compute_amounts", store=True)
    gross_amount = fields.Monetary(compute="_compute_amounts", store=True, tracking=True)
    commission_amount = fields.Monetary(
        readonly=True,
        tracking=True,
        copy=False,
        help="Per transaction times count plus percentage of gross, within the agency's "
        "floor and cap; frozen when posted.",
    )
    net_amount = fields.Monetary(
        string="Net Due", compute="_compute_amounts", store=True, tracking=True
    )
    commission_move_id = fields.Many2one(
        comodel_name="account.move", string="Commission Entry", readonly=True, copy=False
    )
    bank_journal_id = fields.Many2one(
        comodel_name="account.journal",
        string="Bank Journal",
        compute="_compute_bank_journal_id",
        store=True,
        readonly=False,
        check_company=True,
        domain="[('type', '=', 'bank')]",
        help="Bank journal where the agency's transfer arrives.",
    )
    statement_line_id = fields.Many2one(
        comodel_name="account.bank.statement.line",
        string="Bank Transaction",
        copy=False,
        check_company=True,
        # incoming transactions of the bank journal not matched yet
        domain="[('journal_id', '=', bank_journal_id), ('is_reconciled', '=', False), "
        "('amount', '>', 0)]",
        context={"utility_transfer_label": True},
        help="The bank transaction of the agency's transfer; created from the settlement "
        "when left empty.",
    )
    transfer_date = fields.Date(
        help="Date of the agency's transfer (statement line created by the settlement)."
    )

    @api.model
    def _utility_protected_fields(self):
        # the actions only: the number and state, the payments loaded, the
        # commission computed from them and its entry
        return {"name", "state", "payment_ids", "commission_amount", "commission_move_id"}

    @api.model
    def _utility_create_only_fields(self):
        # the payments and the commission are the agency's: it never changes
        return {"agency_id"}

    # what an accountant edits, and until when
    _UTILITY_DRAFT_FIELDS = ("date_from", "date_to")
    _UTILITY_TRANSFER_FIELDS = ("bank_journal_id", "statement_line_id", "transfer_date")

    def write(self, vals):
        if not self._utility_has_protected_write():
            if set(self._UTILITY_DRAFT_FIELDS).intersection(vals) and self.filtered(
                lambda s: s.state != "draft"
            ):
                raise AccessError(
                    self.env._("The period of a settlement can only be changed while draft.")
                )
            if set(self._UTILITY_TRANSFER_FIELDS).intersection(vals) and self.filtered(
                lambda s: s.state in ("reconciled", "cancel")
            ):
                raise AccessError(
                    self.env._(
                        "The bank transfer of a reconciled or cancelled settlement cannot be "
                        "changed."
                    )
                )
        return super().write(vals)

    @api.depends("agency_id")
    def _compute_bank_journal_id(self):
        for settlement in self:
            if settlement.agency_id.bank_journal_id:
                settlement.bank_journal_id = settlement.agency_id.bank_journal_id

    @api.depends("payment_ids.amount", "commission_amount")
    def _compute_amounts(self):
        for settlement in self:
            # a new settlement has no agency (hence no company) yet
            currency = settlement.currency_id or self.env.company.currency_id
            gross = currency.round(sum(settlement.payment_ids.mapped("amount")))
            settlement.payment_count = len(settlement.payment_ids)
            settlement.gross_amount = gross
            settlement.net_amount = gross - settlement.commission_amount

    def _update_commission(self):
        for settlement in self:
            count = len(settlement.payment_ids)
            gross = sum(settlement.payment_ids.mapped("amount"))
            with settlement._utility_protected_write():
                settlement.commission_amount = (
                    settlement.agency_id._compute_commission(count, gross) if count else 0.0
                )

    def _settled_payment_ids(self):
        """Payments already in another live settlement of the agencies."""
        others = self.search(
            [
                ("agency_id", "in", self.agency_id.ids),
                ("state", "!=", "cancel"),
                ("id", "not in", self.ids),
            ]
        )
        return others.payment_ids.ids

    def _period_payments(self, extra_domain=None):
        """The agency's booked incoming payments of the settlement's period,
        reversed ones aside. A biller settles by its trade date (清算日期):
        a payment it took late in the evening, which it dates the next day,
        is in the next day's transfer."""
        self.ensure_one()
        if self.agency_id.kind == "biller":
            period = Domain.OR(
                [
                    [
                        ("utility_trade_date", ">=", self.date_from),
                        ("utility_trade_date", "<=", self.date_to),
                    ],
                    [
                        ("utility_trade_date", "=", False),
                        ("date", ">=", self.date_from),
                        ("date", "<=", self.date_to),
                    ],
                ]
            )
        else:
            period = Domain([("date", ">=", self.date_from), ("date", "<=", self.date_to)])
        return self.env["account.payment"].search(
            Domain(
                [
                    ("company_id", "=", self.company_id.id),
                    ("journal_id", "=", self.agency_id.journal_id.id),
                    ("payment_type", "=", "inbound"),
                    ("state", "in", ("in_process", "paid")),
                    ("utility_reversal_move_id", "=", False),
                ]
            )
            & period
            & Domain(extra_domain or [])
        )

    def action_load_payments(self):
        """Take the agency's unsettled payments of the period."""
        for settlement in self:
            if settlement.state != "draft":
                raise UserError(self.env._("Only a draft settlement can be recomputed."))
            settlement.agency_id._check_ready()
            payments = settlement._period_payments(
                [("id", "not in", settlement._settled_payment_ids())]
            )
            with settlement._utility_protected_write():
                settlement.payment_ids = [fields.Command.set(payments.ids)]
            settlement._update_commission()
        return True

    def _prepare_commission_move_vals(self):
        self.ensure_one()
        agency = self.agency_id
        account = agency.commission_account_id or self.company_id.expense_account_id
        journal = agency.settlement_journal_id or self.env["account.journal"].search(
            [("company_id", "=", self.company_id.id), ("type", "=", "general")], limit=1
        )
        if not account or not journal:
            raise UserError(
                self.env._(
                    "Set the commission expense account and journal of agency %s.", agency.name
                )
            )
        label = self.env._(
            "Commission %(agency)s %(settlement)s", agency=agency.name, settlement=self.name
        )
        return {
            "move_type": "entry",
            "journal_id": journal.id,
            "date": self.date_to,
            "ref": label,
            "company_id": self.company_id.id,
            "line_ids": [
                fields.Command.create(
                    {
                        "name": label,
                        "account_id": account.id,
                        "partner_id": agency.partner_id.id,
                        "debit": self.commission_amount,
                    }
                ),
                fields.Command.create(
                    {
                        "name": label,
                        "account_id": agency.clearing_account_id.id,
                        "partner_id": agency.partner_id.id,
                        "credit": self.commission_amount,
                    }
                ),
            ],
        }

    def action_confirm(self):
        """Freeze the payments and post the commission expense."""
        for settlement in self:
            if settlement.state != "draft":
                continue
            if not settlement.payment_ids:
                raise UserError(self.env._("The settlement %s has no payments.", settlement.name))
            if set(settlement.payment_ids.ids) & set(settlement._settled_payment_ids()):
                raise UserError(
                    self.env._(
                        "Some payments of %s are already in another settlement.", settlement.name
                    )
                )
            # the period may have changed since the payments were loaded
            if settlement.payment_ids - settlement._period_payments():
                raise UserError(
                    self.env._(
                        "Some payments of %s are not payments of the agency in its period: "
                        "load the payments again.",
                        settlement.name,
                    )
                )
            settlement._update_commission()
            vals = {"state": "confirmed"}
            if is_new_name(settlement, settlement.name):
                vals["name"] = self.env["ir.sequence"].next_by_code("utility.agency.settlement")
            with settlement._utility_protected_write():
                settlement.write(vals)
            if not settlement.currency_id.is_zero(settlement.commission_amount):
                move = self.env["account.move"].create(settlement._prepare_commission_move_vals())
                move.action_post()
                with settlement._utility_protected_write():
                    settlement.commission_move_id = move
        return True

    def _clearing_lines(self):
        """Open clearing-account lines of the settlement (payments, commission, transfer)."""
        self.ensure_one()
        account = self.agency_id.clearing_account_id
        moves = self.payment_ids.move_id | self.commission_move_id | self.statement_line_id.move_id
        return moves.line_ids.filtered(
            lambda line: line.account_id == account and not line.reconciled
        )

    def _prepare_statement_line_vals(self):
        self.ensure_one()
        return {
            "journal_id": self.bank_journal_id.id,
            "date": self.transfer_date or fields.Date.context_today(self),
            "amount": self.net_amount,
            "partner_id": self.agency_id.partner_id.id,
            "payment_ref": self.env._("Agency transfer %s", self.name),
            # books the counterpart straight on the clearing account
            "counterpart_account_id": self.agency_id.clearing_account_id.id,
        }

    def _use_statement_line(self):
        """Point the picked bank transaction's open counterpart at the clearing account."""
        self.ensure_one()
        st_line = self.statement_line_id
        # picked in the form: checked now, whatever the client sent
        if st_line.is_reconciled or st_line.company_id != self.company_id:
            raise UserError(
                self.env._(
                    "The bank transaction %s is already matched, or of another company.",
                    st_line.display_name,
                )
            )
        if self.currency_id.compare_amounts(st_line.amount, self.net_amount):
            raise UserError(
                self.env._(
                    "The bank transaction is %(amount)s but the agency owes %(net)s.",
                    amount=st_line.amount,
                    net=self.net_amount,
                )
            )
        _liquidity, suspense, _other = st_line._seek_for_lines()
        if suspense and suspense.account_id != self.agency_id.clearing_account_id:
            st_line.move_id.with_context(skip_readonly_check=True).write(
                {
                    "line_ids": [
                        fields.Command.update(
                            suspense.id,
                            {
                                "account_id": self.agency_id.clearing_account_id.id,
                                "partner_id": self.agency_id.partner_id.id,
                            },
                        )
                    ]
                }
            )

    def action_reconcile_bank(self):
        """Match the agency's transfer with the settlement: the clearing
        account is then zero for the settled payments."""
        for settlement in self:
            if settlement.state != "confirmed":
                raise UserError(self.env._("Post the commission of %s first.", settlement.name))
            if settlement.statement_line_id:
                settlement._use_statement_line()
            else:
                if not settlement.bank_journal_id:
                    raise UserError(self.env._("Choose the bank journal of the agency's transfer."))
                st_line = self.env["account.bank.statement.line"].create(
                    settlement._prepare_statement_line_vals()
                )
                with settlement._utility_protected_write():
                    settlement.statement_line_id = st_line
            lines = settlement._clearing_lines()
            if not settlement.currency_id.is_zero(sum(lines.mapped("amount_residual"))):
                raise UserError(
                    self.env._(
                        "The clearing account of %s does not balance for this settlement.",
                        settlement.agency_id.name,
                    )
                )
            lines.reconcile()
            with settlement._utility_protected_write():
                settlement.state = "reconciled"
        return True

    def action_cancel(self):
        for settlement in self:
            if settlement.state == "reconciled":
                raise UserError(
                    self.env._(
                        "A reconciled settlement cannot be cancelled; "
                        "unreconcile the bank line first."
                    )
                )
            if settlement.commission_move_id:
                settlement.commission_move_id._reverse_moves(cancel=True)
            with settlement._utility_protected_write():
                settlement.state = "cancel"
        return True

    def action_draft(self):
        cancelled = self.filtered(lambda s: s.state == "cancel")
        with cancelled._utility_protected_write():
            cancelled.write({"state": "draft", "commission_move_id": False})
        return True

    def action_print_xlsx(self):
        return self.env.ref(
            "utility_payment_channels.action_report_agency_settlement_xlsx"
        ).report_action(self)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_posted(self):
        if self.filtered(lambda s: s.state in ("confirmed", "reconciled")):
            raise UserError(self.env._("A settlement with a posted commission cannot be deleted."))
