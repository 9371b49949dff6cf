from collections import defaultdict
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain

from odoo.addons.utility_billing.tools.locks import lock_rows
from odoo.addons.utility_billing.tools.protected import protected_write

WRITEOFF_REASON_SELECTION = [
    ("death", "Death of the customer"),
    ("vanished", "Customer vanished"),
    ("bankruptcy", "Bankruptcy or deregistration"),
    ("limitation", "Limitation period expired"),
    ("other", "Other"),
]

MANAGER_GROUP = "utility_billing.group_utility_manager"
ACCOUNTANT_GROUP = "utility_billing.group_utility_accountant"


class UtilityWriteoffBatch(models.Model):
    """A bad-debt write-off (账销案存): bills that will not be collected
    (the customer died, vanished, went bankrupt, or the limitation period
    ran out) leave the receivable against the bad-debt allowance, and stay
    on record in the written-off register, to be recovered if the customer
    (or an heir) pays later.

    * The Accountant creates the batch, adds the candidate bills ("Add
      Bills": overdue at least the policy's ``writeoff_min_days_overdue``,
      not on hold, not a life-cycle entry, with their open late-fee
      invoices), attaches the evidence and submits it.
    * A Collection Manager, not the submitter, approves it: a tier review of
      base_tier_validation, whose ``tier.review`` rows only our actions write
      (``tier_review.py``).
    * Posting (Accountant or Manager, once approved) books one UWO entry:
      Cr receivable per bill, Dr allowance per customer, each bill
      reconciled with its credit and put on the ``written_off`` hold."""

    _name = "utility.writeoff.batch"
    _description = "Bad-debt Write-off"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "utility.protected.fields.mixin",
        "tier.validation",
    ]
    _order = "id desc"

    _state_from = ["to_approve"]
    _state_to = ["posted"]
    _cancel_state = "cancelled"
    _tier_validation_manual_config = True

    name = fields.Char(required=True, copy=False, readonly=True, default="New")
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )
    currency_id = fields.Many2one(comodel_name="res.currency", related="company_id.currency_id")
    date = fields.Date(
        string="Write-off Date",
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="Date of the write-off entry; the bills proposed are overdue at least the "
        "policy's number of days on this date.",
    )
    reason = fields.Selection(
        selection=WRITEOFF_REASON_SELECTION,
        required=True,
        default="death",
        tracking=True,
    )
    reason_note = fields.Text(
        string="Explanation",
        help="What happened, what was tried to collect, what the evidence shows.",
    )
    evidence_attachment_ids = fields.Many2many(
        comodel_name="ir.attachment",
        relation="utility_writeoff_batch_evidence_rel",
        column1="batch_id",
        column2="attachment_id",
        string="Evidence",
        help="Death certificate, court ruling, deregistration notice, collection records: "
        "at least one document is required to submit the write-off.",
    )
    partner_ids = fields.Many2many(
        comodel_name="res.partner",
        relation="utility_writeoff_batch_partner_rel",
        column1="batch_id",
        column2="partner_id",
        string="Customers",
        domain="[('utility_customer_number', '!=', False)]",
        help="Add Bills proposes the bills of these customers (of every customer if empty).",
    )
    line_ids = fields.One2many(
        comodel_name="utility.writeoff.line",
        inverse_name="batch_id",
        string="Bills",
    )
    amount_total = fields.Monetary(
        string="Total Written Off",
        currency_field="currency_id",
        compute="_compute_amount_total",
        store=True,
    )
    move_id = fields.Many2one(
        comodel_name="account.move", string="Write-off Entry", readonly=True, copy=False
    )
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("to_approve", "Awaiting Approval"),
            ("posted", "Posted"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        tracking=True,
        index=True,
    )
    submitted_by_id = fields.Many2one(
        comodel_name="res.users", string="Submitted By", readonly=True
    )
    approved_by_id = fields.Many2one(
        comodel_name="res.users",
        string="Approved By",
        compute="_compute_approved_by_id",
        help="The Collection Manager whose review approved the write-off.",
    )

    # ------------------------------------------------------------------
    # protection
    # ------------------------------------------------------------------

    @api.model
    def _utility_protected_fields(self):
        # review_ids: the reviews are written by the tier actions only
        return {"name", "state", "submitted_by_id", "move_id", "review_ids"}

    @api.model
    def _utility_create_only_fields(self):
        return {"company_id"}

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = self._utility_numbered_vals(vals_list, "utility.writeoff.batch")
        with self.browse()._utility_protected_write():
            batches = super().create(vals_list)
        batches._utility_attach_evidence()
        return batches

    def _utility_attach_evidence(self):
        """The evidence uploaded before the batch was saved belongs to no
        record, so only its uploader could read it: it is attached to the
        batch, and readable by whoever reads the batch (the approver). Only
        the user's own loose uploads: never another record's attachment."""
        for batch in self:
            loose = batch.evidence_attachment_ids.sudo().filtered(
                lambda a: not a.res_id and a.create_uid == self.env.user
            )
            if loose:
                loose.write({"res_model": batch._name, "res_id": batch.id})

    def write(self, vals):
        editable = {"date", "reason", "reason_note", "evidence_attachment_ids", "partner_ids"}
        if editable.intersection(vals) and not self._utility_has_protected_write():
            late = self.filtered(lambda b: b.state != "draft")
            if late:
                raise UserError(
                    self.env._(
                        "Write-off %s is no longer a draft: it cannot be changed.", late[0].name
                    )
                )
        res = super().write(vals)
        if "evidence_attachment_ids" in vals:
            self._utility_attach_evidence()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if self.filtered(lambda b: b.state != "draft"):
            raise UserError(self.env._("Only a draft write-off can be deleted."))

    def unlink(self):
        # tier.validation deletes the reviews with the batch
        with protected_write(self.env["tier.review"]):
            return super().unlink()

    # ------------------------------------------------------------------
    # computes
    # ------------------------------------------------------------------

    @api.depends("line_ids.amount")
    def _compute_amount_total(self):
        for batch in self:
            batch.amount_total = batch.currency_id.round(sum(batch.line_ids.mapped("amount")))

    @api.depends("review_ids.status", "review_ids.done_by")
    def _compute_approved_by_id(self):
        for batch in self:
            batch.approved_by_id = batch.review_ids.filtered(
                lambda r: r.status == "approved"
            ).done_by[-1:]

    # ------------------------------------------------------------------
    # candidates
    # ------------------------------------------------------------------

    def _utility_candidate_bills(self):
        """The bills this batch may write off: open posted customer
        invoices of its company, not on a collection hold, not a life-cycle
        entry, overdue at least the policy's ``writeoff_min_days_overdue``
        on the batch's date, not in another write-off in progress; plus the
        open late-fee invoices of those bills."""
        self.ensure_one()
        Move = self.env["account.move"]
        partners = self.partner_ids or None
        Policy = self.env["utility.arrears.policy"]
        policies = Policy.search([("company_id", "=", self.company_id.id)])
        min_days = min(
            policies.mapped("writeoff_min_days_overdue")
            or [Policy._get_regulated_default(False, self.company_id).writeoff_min_days_overdue]
        )
        base = Move._utility_chased_bill_domain(partners) & Domain(
            "company_id", "=", self.company_id.id
        )
        busy = (
            self.env["utility.writeoff.line"]
            .search(
                [
                    ("batch_id", "!=", self.id),
                    ("batch_id.state", "in", ("draft", "to_approve")),
                ]
            )
            .bill_id
        )
        bills = Move.search(
            base
            & Domain("utility_late_fee_bill_id", "=", False)
            & Domain("invoice_date_due", "<=", self.date - timedelta(days=min_days)),
            order="invoice_date_due, id",
        )
        policy_map = Policy._get_policy_map(
            {(bill.company_id, bill.utility_category) for bill in bills}
        )
        bills = bills.filtered(
            lambda bill: (
                bill.invoice_date_due
                <= self.date
                - timedelta(
                    days=policy_map[
                        bill.company_id, bill.utility_category
                    ].writeoff_min_days_overdue
                )
            )
        )
        fees = Move.search(base & Domain("utility_late_fee_bill_id", "in", bills.ids))
        return (bills | fees) - busy

    def action_add_bills(self):
        """Add the candidate bills not in the batch yet."""
        self._utility_check_state("draft")
        for batch in self:
            bills = batch._utility_candidate_bills() - batch.line_ids.bill_id
            if not bills:
                raise UserError(
                    self.env._(
                        "No bill can be written off: none is open and overdue long enough "
                        "(see the arrears policy), or they are on an installment plan, or "
                        "in another write-off in progress."
                    )
                )
            Line = self.env["utility.writeoff.line"]
            with Line._utility_protected_write():
                Line.create(
                    [
                        {"batch_id": batch.id, "bill_id": bill.id, "amount": bill.amount_residual}
                        for bill in bills
                    ]
                )
        return True

    def _utility_check_lines(self):
        """Every line's bill is still a candidate of the batch (a line
        created through RPC with any bill is refused here)."""
        for batch in self:
            if not batch.line_ids:
                raise UserError(self.env._("Add the bills to write off first (Add Bills)."))
            wrong = batch.line_ids.bill_id - batch._utility_candidate_bills()
            if wrong:
                raise UserError(
                    self.env._(
                        "These bills can no longer be written off (paid, on an installment "
                        "plan, not overdue long enough, or in another write-off): %s. Remove "
                        "them from the write-off.",
                        ", ".join(wrong.mapped("name")),
                    )
                )

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------

    def _utility_check_state(self, *states):
        for batch in self:
            if batch.state not in states:
                raise UserError(
                    self.env._(
                        "Write-off %(name)s is %(state)s: this action is not possible.",
                        name=batch.name,
                        state=dict(batch._fields["state"]._description_selection(self.env))[
                            batch.state
                        ],
                    )
                )

    def _utility_check_group(self, *groups):
        if not any(self.env.user.has_group(group) for group in groups):
            raise AccessError(self.env._("You are not allowed to do this on a bad-debt write-off."))

    def action_submit(self):
        """Ask a Collection Manager to approve the write-off."""
        self._utility_check_group(ACCOUNTANT_GROUP, MANAGER_GROUP)
        self._utility_check_state("draft")
        for batch in self:
            if not batch.evidence_attachment_ids:
                raise UserError(
                    self.env._(
                        "Attach the evidence of write-off %s (death certificate, court ruling, "
                        "deregistration notice, collection records) before submitting it.",
                        batch.name,
                    )
                )
            if not (batch.reason_note or "").strip():
                raise UserError(
                    self.env._("Explain why write-off %s cannot be collected.", batch.name)
                )
        self._utility_check_lines()
        for batch in self:
            with batch.line_ids._utility_protected_write():
                for line in batch.line_ids:
                    line.amount = line.bill_id.amount_residual
        with protected_write(self.env["tier.review"]):
            # reviews of an earlier, rejected submission are replaced
            self.review_ids.unlink()
            with self._utility_protected_write():
                self.write({"state": "to_approve", "submitted_by_id": self.env.user.id})
            self.invalidate_recordset(["review_ids", "need_validation"])
            reviews = self.request_validation()
        if not reviews:
            raise UserError(
                self.env._(
                    "No approval rule applies to bad-debt write-offs: ask the administrator to "
                    'restore the tier definition "Bad-debt write-off".'
                )
            )
        return True

    def action_approve(self):
        """Approve the write-off (our button: base_tier_validation's
        validate_tier, once we checked the group and the four eyes)."""
        self._utility_check_group(MANAGER_GROUP)
        self._utility_check_state("to_approve")
        for batch in self:
            if batch.submitted_by_id == self.env.user:
                raise UserError(
                    self.env._(
                        "You submitted write-off %s: another Collection Manager must approve it.",
                        batch.name,
                    )
                )
            if not batch.review_ids.filtered(
                lambda r: r.status == "pending" and self.env.user in r.reviewer_ids
            ):
                raise UserError(
                    self.env._("Write-off %s has no review waiting for you.", batch.name)
                )
            batch.validate_tier()
        return True

    def action_reject(self):
        """Reject the write-off: it goes back to draft, with the rejected
        review kept in its history."""
        self._utility_check_group(MANAGER_GROUP)
        self._utility_check_state("to_approve")
        for batch in self:
            batch.reject_tier()
        # back to draft with the rejected review kept: base_tier_validation
        # refuses any write of a record under validation
        with self._utility_protected_write():
            self.with_context(skip_validation_check=True).write({"state": "draft"})
        return True

    def action_cancel(self):
        self._utility_check_group(ACCOUNTANT_GROUP, MANAGER_GROUP)
        self._utility_check_state("draft", "to_approve")
        with protected_write(self.env["tier.review"]), self._utility_protected_write():
            self.write({"state": "cancelled"})
        return True

    def action_post(self):
        """Book the write-off once a Collection Manager other than the
        submitter approved it."""
        self._utility_check_group(ACCOUNTANT_GROUP, MANAGER_GROUP)
        self._utility_check_state("to_approve")
        for batch in self:
            batch.invalidate_recordset(["validation_status"])
            if batch.validation_status != "validated":
                raise UserError(
                    self.env._(
                        "Write-off %s is not approved yet: a Collection Manager must approve "
                        "it first.",
                        batch.name,
                    )
                )
            approvals = batch.review_ids.filtered(lambda r: r.status == "approved")
            if batch.submitted_by_id in approvals.done_by or not approvals.done_by:
                raise UserError(
                    self.env._(
                        "Write-off %s was approved by its submitter: another Collection "
                        "Manager must approve it.",
                        batch.name,
                    )
                )
        for batch in self:
            batch._utility_post()
        return True

    def _utility_post(self):
        self.ensure_one()
        bills = self.line_ids.bill_id
        # a payment of these bills waits here, or pays first and is seen
        lock_rows(bills)
        bills.invalidate_recordset(["amount_residual", "payment_state"])
        self._utility_check_lines()
        Move = self.env["account.move"].sudo()
        company = self.company_id
        currency = self.currency_id
        allowance = company._utility_bad_debt_allowance_account()
        label = self.env._("Bad-debt write-off %s", self.name)
        credit_vals = []
        by_partner = defaultdict(float)
        receivables = {}
        for line in self.line_ids:
            bill = line.bill_id.sudo()
            receivable = bill.line_ids.filtered(
                lambda aml: aml.account_type == "asset_receivable" and not aml.reconciled
            )
            receivables[line] = receivable
            amount = currency.round(sum(receivable.mapped("amount_residual")))
            partner = bill.commercial_partner_id
            by_partner[partner] += amount
            credit_vals.append(
                Command.create(
                    {
                        "name": self.env._("%(label)s: %(bill)s", label=label, bill=bill.name),
                        "account_id": receivable[:1].account_id.id,
                        "partner_id": partner.id,
                        "credit": amount,
                    }
                )
            )
            with line._utility_protected_write():
                line.amount = amount
        debit_vals = [
            Command.create(
                {
                    "name": label,
                    "account_id": allowance.id,
                    "partner_id": partner.id,
                    "debit": currency.round(amount),
                }
            )
            for partner, amount in by_partner.items()
        ]
        with protected_write(Move):
            move = Move.create(
                {
                    "move_type": "entry",
                    "journal_id": company._utility_writeoff_journal().id,
                    "company_id": company.id,
                    "date": self.date,
                    "ref": label,
                    "utility_entry_kind": "writeoff",
                    "line_ids": debit_vals + credit_vals,
                }
            )
        move.action_post()
        # held first: the reconciliation hook then sees written-off bills
        # (no "paid" reconnection, arrears refreshed without them)
        bills.sudo()._utility_set_collection_hold("written_off")
        credit_lines = move.line_ids.filtered(lambda aml: aml.credit)
        plan = []
        for line, credit in zip(self.line_ids, credit_lines, strict=True):
            with protected_write(line.bill_id):
                line.bill_id.sudo().utility_writeoff_line_id = line
            with line._utility_protected_write():
                line.writeoff_aml_id = credit
            plan.append(credit + receivables[line])
        self.env["account.move.line"].sudo()._reconcile_plan(plan)
        # the dunning letters not sent yet are no longer sent
        actions = (
            self.env["utility.dunning.action"]
            .sudo()
            .search([("bill_id", "in", bills.ids), ("state", "=", "draft")])
        )
        if actions:
            with actions._utility_protected_write():
                actions.write(
                    {"state": "skipped", "message": self.env._("Written off (%s).", self.name)}
                )
        self.invalidate_recordset(["review_ids", "need_validation", "validation_status"])
        with self._utility_protected_write():
            self.write({"state": "posted", "move_id": move.id})
        self.message_post(
            body=self.env._(
                "Written off %(amount)s in entry %(move)s.",
                amount=currency.format(self.amount_total),
                move=move.name,
            )
        )

    # ------------------------------------------------------------------
    # tier validation: our actions are the only writers of the reviews
    # ------------------------------------------------------------------

    def request_validation(self):
        with protected_write(self.env["tier.review"]):
            return super().request_validation()

    def _validate_tier(self, tiers=False):
        self.ensure_one()
        if self.submitted_by_id == self.env.user:
            raise UserError(
                self.env._(
                    "You submitted write-off %s: another Collection Manager must approve it.",
                    self.name,
                )
            )
        with protected_write(self.env["tier.review"]):
            return super()._validate_tier(tiers)

    def _rejected_tier(self, tiers=False):
        with protected_write(self.env["tier.review"]):
            return super()._rejected_tier(tiers)

    def restart_validation(self):
        with protected_write(self.env["tier.review"]):
            return super().restart_validation()

    def _update_counter(self, review_counter):
        with protected_write(self.env["tier.review"]):
            return super()._update_counter(review_counter)
