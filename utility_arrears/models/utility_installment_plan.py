from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain

PLAN_STATES = [
    ("draft", "Draft"),
    ("active", "Kept"),
    ("done", "Done"),
    ("broken", "Broken"),
    ("cancelled", "Cancelled"),
]

# what a Collection Manager prepares on a draft plan: frozen once confirmed
DRAFT_FIELDS = {
    "bill_ids",
    "line_ids",
    "date_start",
    "freeze_late_fees",
    "grace_days",
    "installment_count",
    "first_due_date",
    "interval_months",
}


class UtilityInstallmentPlan(models.Model):
    """An installment plan (分期缴费协议) agreed with a customer for overdue
    bills: the bills stay open on the receivable ("accounting stays on the
    original bills"), but no chasing channel touches them while the plan is
    kept (``account.move.utility_collection_hold = 'plan'``). Payments from
    any channel settle the plan's bills first, in plan order; the late fee is
    frozen at the plan's start while it is kept (policy). An installment
    unpaid past the grace days breaks the plan (daily cron): the bills are
    released to the next dunning run and the freeze is lifted."""

    _name = "utility.installment.plan"
    _description = "Installment Plan"
    _inherit = ["mail.thread", "mail.activity.mixin", "utility.protected.fields.mixin"]
    _order = "date_start desc, id desc"

    name = fields.Char(readonly=True, copy=False, default=lambda self: self.env._("New"))
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
    state = fields.Selection(
        selection=PLAN_STATES, default="draft", required=True, tracking=True, copy=False
    )
    bill_ids = fields.Many2many(
        comodel_name="account.move",
        relation="utility_installment_plan_bill_rel",
        column1="plan_id",
        column2="move_id",
        string="Bills",
        copy=False,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'),"
        " ('commercial_partner_id', '=', partner_id),"
        " ('payment_state', 'in', ('not_paid', 'partial')),"
        " ('utility_collection_hold', '=', False), ('utility_entry_kind', '=', False)]",
        help="The overdue bills the plan spreads, paid in this order.",
    )
    line_ids = fields.One2many(
        comodel_name="utility.installment.plan.line",
        inverse_name="plan_id",
        string="Installments",
        copy=False,
    )
    date_start = fields.Date(
        string="Start Date",
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="The day the plan is agreed: the late fee of its bills is frozen at this day "
        "while the plan is kept.",
    )
    freeze_late_fees = fields.Boolean(
        default=True,
        help="While the plan is kept, the late fee of its bills stops growing at the start "
        "date (from the customer's arrears policy).",
    )
    grace_days = fields.Integer(
        default=5,
        help="Days after an installment's due date before an unpaid installment breaks the "
        "plan (from the customer's arrears policy).",
    )
    installment_count = fields.Integer(string="Installments to Generate", default=4)
    first_due_date = fields.Date(
        string="First Due Date",
        default=lambda self: fields.Date.context_today(self) + relativedelta(months=1),
    )
    interval_months = fields.Integer(string="Months Between Installments", default=1)
    amount_principal = fields.Monetary(
        string="Principal",
        currency_field="currency_id",
        compute="_compute_amount_principal",
        store=True,
        help="What the plan's bills still owed when it was agreed.",
    )
    late_fee_frozen = fields.Monetary(
        string="Frozen Late Fee",
        currency_field="currency_id",
        copy=False,
        help="The late fee of the plan's bills on the start date, charged with them.",
    )
    amount_total = fields.Monetary(
        string="Total",
        currency_field="currency_id",
        compute="_compute_amount_total",
        store=True,
    )
    amount_paid = fields.Monetary(
        string="Paid",
        currency_field="currency_id",
        compute="_compute_progress",
        help="What the customer paid of the plan's bills and their late fees since it started.",
    )
    amount_due_now = fields.Monetary(
        string="Due Now",
        currency_field="currency_id",
        compute="_compute_progress",
        help="Installments due today or earlier not yet paid.",
    )
    next_due_date = fields.Date(compute="_compute_progress")
    progress = fields.Float(compute="_compute_progress", help="Percentage paid.")
    approved_by_id = fields.Many2one(
        comodel_name="res.users", string="Agreed By", readonly=True, copy=False
    )
    confirmed_at = fields.Datetime(string="Agreed On", readonly=True, copy=False)
    broken_date = fields.Date(readonly=True, copy=False)
    broken_reason = fields.Char(readonly=True, copy=False)
    reason = fields.Text(
        string="Reason",
        help="Why the customer is given the plan (hardship, dispute settled...).",
    )

    _counts_not_negative = models.Constraint(
        "CHECK(installment_count >= 0 AND interval_months >= 0 AND grace_days >= 0)",
        "Installments, months between installments and grace days cannot be negative.",
    )

    # -- protections -----------------------------------------------------------
    @api.model
    def _utility_protected_fields(self):
        return {
            "name", "state", "approved_by_id", "confirmed_at", "broken_date", "broken_reason",
            "late_fee_frozen",
        }  # fmt: skip

    @api.model
    def _utility_create_only_fields(self):
        return {"partner_id", "company_id"}

    @api.model
    def _utility_check_manager(self):
        if not self.env.user.has_group("utility_billing.group_utility_manager"):
            raise AccessError(
                self.env._("Only a Collection Manager can agree or end an installment plan.")
            )

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = self._utility_numbered_vals(vals_list, "utility.installment.plan")
        with self.browse()._utility_protected_write():
            plans = super().create(vals_list)
        return plans

    def write(self, vals):
        if DRAFT_FIELDS.intersection(vals) and not self._utility_has_protected_write():
            # who may not write plans at all is told so first
            self.check_access("write")
            agreed = self.filtered(lambda p: p.state != "draft")
            if agreed:
                raise UserError(
                    self.env._(
                        "Installment plan %s is agreed: its bills and installments cannot be "
                        "changed. Cancel it and agree a new one.",
                        agreed[0].name,
                    )
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if self.filtered(lambda p: p.state != "draft"):
            raise UserError(self.env._("Only a draft installment plan can be deleted."))

    # -- figures ---------------------------------------------------------------
    @api.depends("bill_ids")
    def _compute_amount_principal(self):
        # the bills change in draft only: frozen once agreed (written again
        # from the bills' open amount by Generate and Confirm)
        for plan in self:
            plan.amount_principal = sum(plan.bill_ids.mapped("amount_residual"))

    @api.depends("amount_principal", "late_fee_frozen")
    def _compute_amount_total(self):
        for plan in self:
            plan.amount_total = plan.amount_principal + plan.late_fee_frozen

    @api.depends(
        "bill_ids.amount_residual",
        "bill_ids.utility_late_fee_move_ids.amount_residual",
        "line_ids.amount",
        "line_ids.date_due",
        "amount_principal",
        "state",
        "date_start",
    )
    def _compute_progress(self):
        today = fields.Date.context_today(self)
        for plan in self:
            paid = 0.0
            if plan.state != "draft":
                paid = plan.amount_principal - sum(plan.bill_ids.mapped("amount_residual"))
                fees = plan.bill_ids.utility_late_fee_move_ids.filtered(
                    lambda m, p=plan: (
                        m.state == "posted"
                        and m.payment_state != "reversed"
                        and m.invoice_date
                        and m.invoice_date >= p.date_start
                    )
                )
                paid += sum(fees.mapped("amount_total")) - sum(fees.mapped("amount_residual"))
            plan.amount_paid = plan.currency_id.round(max(paid, 0.0))
            due = sum(
                plan.line_ids.filtered(
                    lambda line, d=today: line.date_due and line.date_due <= d
                ).mapped("amount")
            )
            plan.amount_due_now = plan.currency_id.round(max(due - plan.amount_paid, 0.0))
            open_lines = plan.line_ids.filtered(lambda line: line.state != "paid")
            plan.next_due_date = open_lines[:1].date_due if open_lines else False
            plan.progress = (
                100.0 * plan.amount_paid / plan.amount_total if plan.amount_total else 0.0
            )

    @api.onchange("partner_id")
    def _onchange_partner_id_plan(self):
        """A plan proposes the customer's overdue bills, and the grace and
        freeze of the customer's arrears policy."""
        if not self.partner_id or self.state != "draft":
            return
        Move = self.env["account.move"]
        self.bill_ids = Move.search(
            Move._utility_chased_bill_domain(self.partner_id.commercial_partner_id)
            & Domain("invoice_date_due", "<", fields.Date.context_today(self)),
            order="invoice_date_due, id",
        )
        policy = self._utility_policy()
        if policy:
            self.freeze_late_fees = policy.installment_freeze_late_fees
            self.grace_days = policy.installment_grace_days

    def _utility_policy(self):
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        return (
            self.env["utility.arrears.policy"]
            ._get_policy_map({(self.company_id, partner.utility_category)})
            .get((self.company_id, partner.utility_category))
        )

    def _utility_ordered_bills(self):
        """The plan's bills in the order they are paid: oldest due first."""
        self.ensure_one()
        return self.bill_ids.sorted(lambda b: (b.invoice_date_due, b.invoice_date, b.id))

    # -- actions -----------------------------------------------------------------
    def action_generate_lines(self, count=None, first_date=None, interval_months=None):
        """Spread the plan's total in ``count`` equal installments, the first
        due on ``first_date``, then every ``interval_months`` months; the
        last one takes the rounding."""
        self._utility_check_manager()
        for plan in self:
            if plan.state != "draft":
                raise UserError(self.env._("Installment plan %s is agreed already.", plan.name))
            count = count or plan.installment_count
            first_date = fields.Date.to_date(first_date or plan.first_due_date)
            interval = interval_months if interval_months is not None else plan.interval_months
            if count <= 0 or not first_date or interval <= 0:
                raise UserError(
                    self.env._(
                        "Give the number of installments, the first due date and the months "
                        "between installments."
                    )
                )
            if not plan.bill_ids:
                raise UserError(self.env._("Choose the overdue bills of the plan first."))
            plan._utility_freeze_figures()
            currency = plan.currency_id
            each = currency.round(plan.amount_total / count)
            commands = [Command.clear()]
            for index in range(count):
                amount = (
                    each
                    if index < count - 1
                    else currency.round(plan.amount_total - each * (count - 1))
                )
                commands.append(
                    Command.create(
                        {
                            "sequence": index + 1,
                            "date_due": first_date + relativedelta(months=interval * index),
                            "amount": amount,
                        }
                    )
                )
            plan.line_ids = commands
        return True

    def _utility_freeze_figures(self):
        """The principal (the bills' open amount) and the late fee frozen at
        the start date."""
        for plan in self:
            bills = plan.bill_ids
            fee = 0.0
            if plan.freeze_late_fees and bills:
                fees = self.env["account.move"]._utility_late_fee_as_of(bills, plan.date_start)
                fee = sum(fees.values())
            with plan._utility_protected_write():
                plan.write(
                    {
                        "late_fee_frozen": plan.currency_id.round(fee),
                        "amount_principal": sum(bills.mapped("amount_residual")),
                    }
                )

    def _utility_check_bills(self):
        self.ensure_one()
        today = fields.Date.context_today(self)
        customer = self.partner_id.commercial_partner_id
        for bill in self.bill_ids:
            if (
                bill.move_type != "out_invoice"
                or bill.state != "posted"
                or bill.commercial_partner_id != customer
                or not bill._utility_is_open_bill()
                or not bill.invoice_date_due
                or bill.invoice_date_due >= today
                or bill.utility_collection_hold
                or bill.utility_entry_kind
            ):
                raise UserError(
                    self.env._(
                        "%(bill)s cannot go into installment plan %(plan)s: a plan is for "
                        "%(customer)s's posted bills, open, past due, not in another plan nor "
                        "written off, and no security deposit.",
                        bill=bill.name,
                        plan=self.name,
                        customer=customer.display_name,
                    )
                )

    def action_confirm(self):
        """Agree the plan: its bills leave every chasing channel, a pending
        disconnection for them is cancelled, the customer is told."""
        self._utility_check_manager()
        for plan in self:
            if plan.state != "draft":
                raise UserError(self.env._("Installment plan %s is agreed already.", plan.name))
            if not plan.bill_ids:
                raise UserError(self.env._("Choose the overdue bills of the plan first."))
            plan._utility_check_bills()
            plan._utility_freeze_figures()
            if not plan.line_ids:
                raise UserError(self.env._("Generate the installments of the plan first."))
            if plan.currency_id.compare_amounts(
                sum(plan.line_ids.mapped("amount")), plan.amount_total
            ):
                raise UserError(
                    self.env._(
                        "The installments of %(plan)s add up to %(lines)s, not to the plan's "
                        "total %(total)s: generate them again.",
                        plan=plan.name,
                        lines=sum(plan.line_ids.mapped("amount")),
                        total=plan.amount_total,
                    )
                )
            plan.bill_ids._utility_set_installment_plan(plan)
            with plan._utility_protected_write():
                plan.write(
                    {
                        "state": "active",
                        "approved_by_id": self.env.user.id,
                        "confirmed_at": fields.Datetime.now(),
                    }
                )
            plan._utility_cancel_disconnections()
            plan._utility_notify("utility_arrears.mail_template_installment_plan_agreed")
        self._utility_refresh_customers()
        return True

    def action_cancel(self):
        """End a draft or kept plan by hand: its bills are chased again."""
        self._utility_check_manager()
        for plan in self:
            if plan.state not in ("draft", "active"):
                raise UserError(
                    self.env._("Installment plan %s is over: it cannot be cancelled.", plan.name)
                )
            plan._utility_release_bills()
            with plan._utility_protected_write():
                plan.write({"state": "cancelled"})
        self._utility_refresh_customers()
        return True

    def _utility_release_bills(self):
        """The bills are chased again (the link to the plan stays, for the
        history; only a kept plan freezes the late fee)."""
        # (a draft's bills may be held by another plan: only this one's)
        bills = self.bill_ids.filtered(
            lambda b: b.utility_collection_hold == "plan" and b.utility_installment_plan_id in self
        )
        bills._utility_set_collection_hold(False)

    def _utility_refresh_customers(self):
        self.env["res.partner"]._utility_refresh_arrears(self.partner_id.commercial_partner_id)

    def _utility_cancel_disconnections(self):
        """Pending disconnection orders of the customer whose open bills are
        all in the plan are cancelled, with a message."""
        self.ensure_one()
        orders = self.env["utility.disconnection.order"].search(
            [
                ("partner_id", "child_of", self.partner_id.commercial_partner_id.id),
                ("kind", "=", "disconnection"),
                ("state", "in", ("draft", "notified", "scheduled")),
            ]
        )
        for order in orders:
            still_open = order.bill_ids.filtered(
                lambda b: not b.currency_id.is_zero(b.amount_residual)
            )
            if still_open and not (still_open - self.bill_ids):
                with order._utility_protected_write():
                    order.write({"state": "cancelled"})
                order.message_post(
                    body=self.env._(
                        "Disconnection cancelled: its bills are in installment plan %s.",
                        self.name,
                    )
                )

    def _utility_notify(self, template_xmlid):
        """Tell the customer: the mail template on the plan's chatter, and
        an SMS when the customer has a mobile number."""
        template = self.env.ref(template_xmlid, raise_if_not_found=False)
        for plan in self:
            if template:
                plan.message_post_with_source(template, subtype_xmlid="mail.mt_comment")
            partner = plan.partner_id
            if partner.phone:
                plan._message_sms(
                    self.env._(
                        "%(company)s: installment plan %(plan)s, %(state)s. Next installment "
                        "due %(date)s.",
                        company=plan.company_id.name,
                        plan=plan.name,
                        state=dict(plan._fields["state"]._description_selection(self.env))[
                            plan.state
                        ],
                        date=plan.next_due_date or "-",
                    ),
                    partner_ids=partner.ids,
                )

    # -- the life of a kept plan -------------------------------------------------
    def _utility_break(self, reason, on_date=None):
        """An installment unpaid past the grace days breaks the plan: the
        bills are released (chased again, late fee no longer frozen)."""
        for plan in self:
            plan._utility_release_bills()
            with plan._utility_protected_write():
                plan.write(
                    {
                        "state": "broken",
                        "broken_date": on_date or fields.Date.context_today(self),
                        "broken_reason": reason,
                    }
                )
            plan.message_post(body=reason)
            plan._utility_notify("utility_arrears.mail_template_installment_plan_broken")
        self._utility_refresh_customers()

    @api.model
    def _cron_check_plans(self, on_date=None):
        """Daily: break the kept plans with an installment unpaid past the
        grace days."""
        on_date = fields.Date.to_date(on_date) or fields.Date.context_today(self)
        plans = self.search([("state", "=", "active")])
        broken = self.browse()
        for plan in plans:
            late = plan.line_ids.filtered(
                lambda line, p=plan: (
                    line.state != "paid"
                    and line.date_due + relativedelta(days=p.grace_days) < on_date
                )
            )
            if late:
                line = late.sorted("date_due")[0]
                plan._utility_break(
                    self.env._(
                        "Installment %(number)s of %(amount)s due %(date)s is unpaid after "
                        "%(days)s days of grace: the plan is broken and its bills are chased "
                        "again.",
                        number=line.sequence,
                        amount=line.amount,
                        date=line.date_due,
                        days=plan.grace_days,
                    ),
                    on_date,
                )
                broken |= plan
        return broken

    @api.model
    def _utility_on_bills_reconciled(self, bills):
        """Bills were paid: a kept plan whose bills are all paid is done."""
        plans = bills.utility_installment_plan_id.filtered(lambda p: p.state == "active")
        for plan in plans:
            if all(bill.currency_id.is_zero(bill.amount_residual) for bill in plan.bill_ids):
                plan._utility_release_bills()
                with plan._utility_protected_write():
                    plan.write({"state": "done"})
                plan.message_post(body=self.env._("All the bills of the plan are paid."))
        return plans


class UtilityInstallmentPlanLine(models.Model):
    """One installment of a plan: what the customer pays by when."""

    _name = "utility.installment.plan.line"
    _description = "Installment"
    _inherit = ["utility.protected.fields.mixin"]
    _order = "plan_id, sequence, date_due, id"

    plan_id = fields.Many2one(
        comodel_name="utility.installment.plan",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="plan_id.company_id", store=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    sequence = fields.Integer(string="No.", default=1)
    date_due = fields.Date(string="Due Date", required=True)
    amount = fields.Monetary(currency_field="currency_id", required=True)
    amount_paid = fields.Monetary(
        string="Paid", currency_field="currency_id", compute="_compute_paid"
    )
    state = fields.Selection(
        selection=[("open", "Open"), ("paid", "Paid"), ("late", "Late")],
        compute="_compute_paid",
    )

    _amount_positive = models.Constraint(
        "CHECK(amount > 0)", "An installment must be a positive amount."
    )

    @api.model
    def _utility_create_only_fields(self):
        return {"plan_id"}

    @api.depends("plan_id.amount_paid", "plan_id.state", "amount", "date_due")
    def _compute_paid(self):
        today = fields.Date.context_today(self)
        paid_by_line = {}
        for plan in self.plan_id:
            # what is paid fills the installments in due order
            remaining = plan.amount_paid
            for line in plan.line_ids.sorted(
                lambda x: (x.date_due or today, x.sequence, x.id or 0)
            ):
                paid = min(remaining, line.amount)
                remaining -= paid
                paid_by_line[line] = paid
        for line in self:
            paid = paid_by_line.get(line, 0.0)
            line.amount_paid = paid
            if line.plan_id.state != "draft" and (
                line.currency_id.compare_amounts(paid, line.amount) >= 0
            ):
                line.state = "paid"
            elif line.plan_id.state == "active" and line.date_due and line.date_due < today:
                line.state = "late"
            else:
                line.state = "open"

    def _utility_check_draft_plan(self):
        if self._utility_has_protected_write():
            return
        if self.plan_id.filtered(lambda p: p.state != "draft"):
            raise UserError(self.env._("The installments of an agreed plan cannot be changed."))

    @api.model_create_multi
    def create(self, vals_list):
        plans = self.env["utility.installment.plan"].browse(
            [vals["plan_id"] for vals in vals_list if vals.get("plan_id")]
        )
        if plans.filtered(lambda p: p.state != "draft"):
            raise UserError(self.env._("The installments of an agreed plan cannot be changed."))
        return super().create(vals_list)

    def write(self, vals):
        # who may not write installments at all is told so first
        self.check_access("write")
        self._utility_check_draft_plan()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if self.plan_id.filtered(lambda p: p.state != "draft"):
            raise UserError(self.env._("The installments of an agreed plan cannot be changed."))
