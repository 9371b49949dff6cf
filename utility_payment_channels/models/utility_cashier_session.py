from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.utility_billing.tools.locks import lock_nowait

SESSION_STATES = [
    ("opened", "In Progress"),
    ("closing_control", "Closing Control"),
    ("closed", "Closed & Posted"),
]

# fields a closed session still accepts: the chatter and activities only
_CLOSED_WRITABLE_PREFIXES = ("message_", "activity_")


class UtilityCashierSession(models.Model):
    """A cashier's shift at a service-hall counter, in the vocabulary of
    ``pos.session``: it opens with a float, takes payments, and closes with a
    count of the cash by denomination. The expected cash is the opening float
    plus the cash payments of the session; the difference between counted
    and expected cash is posted to the cash journal's loss or profit account
    with a reason, and a non-zero difference needs a Collection Manager's
    approval. The cash handed to the bank leaves the cash journal through the
    company's liquidity transfer account (Odoo 19's internal transfer).
    A closed session is read-only."""

    _name = "utility.cashier.session"
    _description = "Cashier Session"
    _inherit = ["mail.thread", "mail.activity.mixin", "utility.protected.fields.mixin"]
    _order = "start_at desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Session", required=True, readonly=True, copy=False, default="/")
    collection_point_id = fields.Many2one(
        comodel_name="utility.collection.point",
        string="Service Hall",
        required=True,
        index=True,
        # no check_company: the session's company is the hall's, so the
        # company domain Odoo would add is empty until a hall is chosen
        domain="[('id', 'in', allowed_collection_point_ids)]",
        default=lambda self: self._default_collection_point_id(),
        tracking=True,
    )
    allowed_collection_point_ids = fields.Many2many(
        comodel_name="utility.collection.point",
        compute="_compute_allowed_collection_point_ids",
        help="Technical: the service halls the current user may open a session at.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        related="collection_point_id.company_id",
        store=True,
        index=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    journal_id = fields.Many2one(
        comodel_name="account.journal",
        string="Cash Journal",
        related="collection_point_id.journal_id",
        store=True,
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Cashier",
        required=True,
        index=True,
        default=lambda self: self.env.user,
        tracking=True,
    )
    state = fields.Selection(
        selection=SESSION_STATES,
        string="Status",
        required=True,
        readonly=True,
        default="opened",
        index=True,
        copy=False,
        tracking=True,
    )
    start_at = fields.Datetime(
        string="Opened On", default=fields.Datetime.now, readonly=True, copy=False
    )
    stop_at = fields.Datetime(string="Closed On", readonly=True, copy=False)
    cash_register_balance_start = fields.Monetary(
        string="Opening Float",
        tracking=True,
        help="Cash in the drawer when the session opened (change fund).",
    )
    payment_ids = fields.One2many(
        comodel_name="account.payment",
        inverse_name="utility_cashier_session_id",
        string="Payments",
        readonly=True,
    )
    payment_count = fields.Integer(compute="_compute_payment_totals", store=True)
    payment_total = fields.Monetary(
        string="Collected",
        compute="_compute_payment_totals",
        store=True,
        help="All payments of the session, every payment method.",
    )
    cash_payment_total = fields.Monetary(
        string="Cash Payments",
        compute="_compute_payment_totals",
        store=True,
    )
    cash_register_balance_end = fields.Monetary(
        string="Expected Cash",
        compute="_compute_payment_totals",
        store=True,
        help="Opening float plus the cash payments of the session.",
    )
    count_line_ids = fields.One2many(
        comodel_name="utility.cashier.session.count",
        inverse_name="session_id",
        string="Cash Count",
    )
    cash_register_balance_end_real = fields.Monetary(
        string="Counted Cash",
        compute="_compute_counted",
        store=True,
        help="Total of the cash count by denomination.",
    )
    cash_register_difference = fields.Monetary(
        string="Difference",
        compute="_compute_counted",
        store=True,
        help="Counted minus expected cash: negative is a shortage (loss), positive "
        "a surplus (profit).",
    )
    difference_reason = fields.Text(
        tracking=True, help="Required when the counted cash differs from the expected cash."
    )
    difference_state = fields.Selection(
        selection=[
            ("none", "No Difference"),
            ("to_approve", "To Approve"),
            ("approved", "Approved"),
        ],
        default="none",
        readonly=True,
        copy=False,
        tracking=True,
    )
    difference_approved_by_id = fields.Many2one(
        comodel_name="res.users", string="Difference Approved By", readonly=True, copy=False
    )
    difference_move_id = fields.Many2one(
        comodel_name="account.move", string="Difference Entry", readonly=True, copy=False
    )
    deposit_amount = fields.Monetary(
        string="Bank Deposit",
        help="Cash taken to the bank at closing; it leaves the cash journal through "
        "the company's liquidity transfer account and is matched on the bank "
        "statement with the Internal Transfers reconciliation model.",
    )
    deposit_journal_id = fields.Many2one(
        comodel_name="account.journal",
        string="Deposit Bank",
        check_company=True,
        domain="[('type', '=', 'bank')]",
    )
    deposit_move_id = fields.Many2one(
        comodel_name="account.move", string="Deposit Entry", readonly=True, copy=False
    )
    closing_notes = fields.Text()

    _one_open_session_per_cashier = models.UniqueIndex(
        "(user_id) WHERE state != 'closed'",
        "This cashier already has a session that is not closed.",
    )

    # -- computes -----------------------------------------------------------
    @api.model
    def _utility_allowed_collection_points(self):
        """Service halls the current user may open a session at: the halls
        they are an operator of; every hall of their companies for a
        Collection Manager."""
        domain = [("kind", "=", "hall"), ("company_id", "in", self.env.companies.ids)]
        if not self.env.user.has_group("utility_billing.group_utility_manager"):
            domain.append(("user_ids", "in", self.env.uid))
        return self.env["utility.collection.point"].search(domain)

    @api.model
    def _default_collection_point_id(self):
        points = self._utility_allowed_collection_points()
        return points if len(points) == 1 else points.browse()

    def _compute_allowed_collection_point_ids(self):
        points = self._utility_allowed_collection_points()
        for session in self:
            session.allowed_collection_point_ids = points

    @api.depends(
        "cash_register_balance_start",
        "journal_id",
        "payment_ids.amount",
        "payment_ids.state",
        "payment_ids.journal_id",
    )
    def _compute_payment_totals(self):
        groups = (
            self.env["account.payment"]
            .sudo()
            ._read_group(
                [
                    ("utility_cashier_session_id", "in", self.ids),
                    ("state", "not in", ("draft", "canceled")),
                ],
                ["utility_cashier_session_id", "journal_id"],
                ["amount:sum", "__count"],
            )
        )
        totals = {}
        for session, journal, amount, count in groups:
            entry = totals.setdefault(session.id, {"total": 0.0, "cash": 0.0, "count": 0})
            entry["total"] += amount
            entry["count"] += count
            if journal == session.journal_id:
                entry["cash"] += amount
        for session in self:
            entry = totals.get(session.id, {"total": 0.0, "cash": 0.0, "count": 0})
            session.payment_total = entry["total"]
            session.payment_count = entry["count"]
            session.cash_payment_total = entry["cash"]
            session.cash_register_balance_end = session.cash_register_balance_start + entry["cash"]

    @api.depends("count_line_ids.subtotal", "cash_register_balance_end", "state")
    def _compute_counted(self):
        for session in self:
            counted = sum(session.count_line_ids.mapped("subtotal"))
            session.cash_register_balance_end_real = counted
            if session.state == "opened":
                session.cash_register_difference = 0.0
            else:
                session.cash_register_difference = session.currency_id.round(
                    counted - session.cash_register_balance_end
                )

    # -- constraints and protection -----------------------------------------
    @api.model
    def _utility_protected_fields(self):
        # the workflow, the approval and the entries: only the closing
        # actions write them (a cashier approving their own shortage, or
        # closing without a count, is refused)
        return {
            "state",
            "start_at",
            "stop_at",
            "payment_ids",
            "difference_state",
            "difference_approved_by_id",
            "difference_move_id",
            "deposit_move_id",
        }

    @api.model
    def _utility_create_only_fields(self):
        # the hall, the cashier and the float the session opened with: raising
        # the float later would hide a shortage
        return {"name", "collection_point_id", "user_id", "cash_register_balance_start"}

    @api.constrains("cash_register_balance_start", "deposit_amount")
    def _check_amounts(self):
        for session in self:
            if session.currency_id.compare_amounts(session.cash_register_balance_start, 0.0) < 0:
                raise ValidationError(self.env._("The opening float cannot be negative."))
            if session.currency_id.compare_amounts(session.deposit_amount, 0.0) < 0:
                raise ValidationError(self.env._("The bank deposit cannot be negative."))

    @api.model_create_multi
    def create(self, vals_list):
        points = self.env["utility.collection.point"].browse(
            [vals.get("collection_point_id") for vals in vals_list]
        )
        for vals, point in zip(vals_list, points, strict=True):
            if point.kind != "hall":
                raise UserError(self.env._("Cashier sessions are opened at service halls only."))
            if vals.get("name", "/") == "/":
                number = self.env["ir.sequence"].next_by_code("utility.cashier.session")
                vals["name"] = f"{point.code}/{number}"
        sessions = super().create(vals_list)
        for session in sessions:
            if not session.journal_id:
                raise UserError(
                    self.env._(
                        "Service hall %s has no cash journal.",
                        session.collection_point_id.display_name,
                    )
                )
        return sessions

    def write(self, vals):
        if any(not field.startswith(_CLOSED_WRITABLE_PREFIXES) for field in vals) and self.filtered(
            lambda s: s.state == "closed"
        ):
            raise UserError(self.env._("A closed cashier session cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_payments(self):
        if any(session.payment_ids or session.state == "closed" for session in self):
            raise UserError(
                self.env._("A session with payments or a closed session cannot be deleted.")
            )

    # -- payments -------------------------------------------------------------
    def _utility_check_can_take_payments(self):
        self.ensure_one()
        if self.state != "opened":
            raise UserError(
                self.env._(
                    "Session %s is not open: open a new session to take payments.", self.name
                )
            )
        if self.user_id != self.env.user:
            raise UserError(self.env._("Session %s belongs to another cashier.", self.name))

    @api.model
    def _utility_current_session(self, raise_if_none=True):
        """The current user's open session, if any."""
        session = self.search([("user_id", "=", self.env.uid), ("state", "=", "opened")], limit=1)
        if not session and raise_if_none:
            raise UserError(
                self.env._("You have no open cashier session: open one before taking payments.")
            )
        return session

    def _utility_pay(self, partner, amount, method="cash", **kwargs):
        """Take a payment at this session's counter with ``method`` (cash,
        card or qr) through ``account.payment._utility_pay``; keyword
        arguments (bills, payer, memo...) are passed on.

        :returns: the posted payment, linked to the session
        """
        self._utility_check_can_take_payments()
        point = self.collection_point_id
        journal = point._utility_payment_journal(method)
        self.env["account.payment"].sudo()._utility_lock_open_bills(partner, kwargs.get("bills"))
        # sudo: cashiers have no accounting rights; the session check above
        # limits them to their own open session at their own hall
        payment = (
            self.env["account.payment"]
            .sudo()
            ._utility_pay(partner, amount, point, journal=journal, operator=self.env.user, **kwargs)
        )
        payment.utility_cashier_session_id = self.id
        payment._utility_store_balance_after()
        return payment.sudo(False)

    # -- closing --------------------------------------------------------------
    def action_closing_control(self):
        """Stop taking payments and count the drawer."""
        denominations = self.env["utility.cashier.session.count"]._utility_denominations()
        vals_list = []
        for session in self:
            if session.state != "opened":
                raise UserError(self.env._("Session %s is not in progress.", session.name))
            counted = set(session.count_line_ids.mapped("denomination"))
            vals_list += [
                {"session_id": session.id, "denomination": value, "quantity": 0}
                for value, _label in denominations
                if value not in counted
            ]
        self.env["utility.cashier.session.count"].create(vals_list)
        with self._utility_protected_write():
            self.write({"state": "closing_control"})
        return True

    def _utility_check_manager(self):
        if not self.env.user.has_group("utility_billing.group_utility_manager"):
            raise AccessError(
                self.env._("Only a Collection Manager can do this on a cashier session.")
            )

    def action_reopen(self):
        """Collection Manager: back from closing control to taking payments."""
        self._utility_check_manager()
        for session in self:
            if session.state != "closing_control":
                raise UserError(self.env._("Only a session in closing control can be re-opened."))
        with self._utility_protected_write():
            self.write(
                {"state": "opened", "difference_state": "none", "difference_approved_by_id": False}
            )
        return True

    def _utility_lock_for_closing(self):
        """Row-lock the sessions without waiting: closing the same session
        twice at the same moment (two clicks, cashier and manager) gives the
        second one a clear message instead of posting the deposit twice."""
        if not lock_nowait(self):
            raise UserError(
                self.env._(
                    "Session %s is being closed by another user right now: "
                    "refresh to see its state.",
                    ", ".join(self.mapped("name")),
                )
            )

    def action_close(self):
        """Close the session: a non-zero difference needs a reason and a
        Collection Manager's approval; then the difference and the bank
        deposit are posted and the session becomes read-only."""
        self._utility_lock_for_closing()
        with self._utility_protected_write():
            return self._utility_close()

    def _utility_close(self):
        is_manager = self.env.user.has_group("utility_billing.group_utility_manager")
        denominations = {
            value
            for value, _label in self.env["utility.cashier.session.count"]._utility_denominations()
        }
        for session in self:
            if session.state != "closing_control":
                raise UserError(
                    self.env._("Count the cash (closing control) before closing %s.", session.name)
                )
            if session.user_id != self.env.user and not is_manager:
                raise UserError(self.env._("Session %s belongs to another cashier.", session.name))
            if denominations - set(session.count_line_ids.mapped("denomination")):
                raise UserError(
                    self.env._(
                        "The cash count of %s is incomplete: count every denomination "
                        "(enter 0 for none) before closing.",
                        session.name,
                    )
                )
            if session.difference_state == "approved" and not (
                session.difference_approved_by_id.has_group("utility_billing.group_utility_manager")
            ):
                # an approval is only as good as its approver's rights today
                session.difference_state = "to_approve"
            if (
                session.currency_id.compare_amounts(
                    session.deposit_amount, session.cash_register_balance_end_real
                )
                > 0
            ):
                raise UserError(
                    self.env._(
                        "The bank deposit is more than the cash counted in %s.", session.name
                    )
                )
            if session.deposit_amount and not session.deposit_journal_id:
                raise UserError(self.env._("Choose the bank the cash is deposited to."))
            if (
                session.currency_id.is_zero(session.cash_register_balance_end_real)
                and not session.currency_id.is_zero(session.cash_register_balance_end)
                and session.difference_state == "none"
                and not self.env.context.get("utility_confirm_empty_count")
            ):
                # an untouched count is far more often a forgotten count than an
                # empty drawer: the form asks to confirm it (see the view)
                raise UserError(
                    self.env._(
                        "No cash was counted in %(session)s while %(expected)s is expected: "
                        "enter the count by denomination, or confirm a count of 0.00.",
                        session=session.name,
                        expected=session.cash_register_balance_end,
                    )
                )
            if session.currency_id.is_zero(session.cash_register_difference):
                continue
            if not (session.difference_reason or "").strip():
                raise UserError(
                    self.env._(
                        "The counted cash differs from the expected cash by %(amount)s in "
                        "%(session)s: give the reason.",
                        amount=session.cash_register_difference,
                        session=session.name,
                    )
                )
            if session.difference_state != "approved":
                if not is_manager:
                    session.difference_state = "to_approve"
                    session.message_post(
                        body=self.env._(
                            "Cash difference of %(amount)s to be approved by a Collection "
                            "Manager: %(reason)s",
                            amount=session.cash_register_difference,
                            reason=session.difference_reason,
                        )
                    )
                    continue
                session.write(
                    {"difference_state": "approved", "difference_approved_by_id": self.env.uid}
                )
        to_close = self.filtered(
            lambda s: (
                s.currency_id.is_zero(s.cash_register_difference)
                or s.difference_state == "approved"
            )
        )
        for session in to_close:
            session._utility_post_closing_entries()
        to_close.write({"state": "closed", "stop_at": fields.Datetime.now()})
        return True

    def action_approve_difference(self):
        """Collection Manager: approve the cash difference and close."""
        self._utility_check_manager()
        for session in self:
            if session.state != "closing_control":
                raise UserError(
                    self.env._("Count the cash (closing control) before closing %s.", session.name)
                )
        with self._utility_protected_write():
            self.write({"difference_state": "approved", "difference_approved_by_id": self.env.uid})
        return self.action_close()

    def _utility_liquidity_move(self, journal, ref, debit_account, credit_account, amount):
        # sudo: called by the closing and hand-in steps once their own
        # checks passed; cashiers and collectors have no accounting rights
        move = (
            self.env["account.move"]
            .sudo()
            .create(
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "date": fields.Date.context_today(self),
                    "ref": ref,
                    "line_ids": [
                        fields.Command.create(
                            {"name": ref, "account_id": debit_account.id, "debit": amount}
                        ),
                        fields.Command.create(
                            {"name": ref, "account_id": credit_account.id, "credit": amount}
                        ),
                    ],
                }
            )
        )
        move.action_post()
        return move

    def _utility_post_closing_entries(self):
        """Post the cash difference to the journal's loss/profit account and
        the bank deposit to the liquidity transfer account."""
        self.ensure_one()
        journal = self.journal_id.sudo()
        cash_account = journal.default_account_id
        vals = {}
        difference = self.cash_register_difference
        if not self.currency_id.is_zero(difference):
            if difference < 0:
                if not journal.loss_account_id:
                    raise UserError(
                        self.env._(
                            "Set a loss account on journal %s to post cash shortages.", journal.name
                        )
                    )
                ref = self.env._("Cash shortage at closing of %s", self.name)
                move = self._utility_liquidity_move(
                    journal, ref, journal.loss_account_id, cash_account, -difference
                )
            else:
                if not journal.profit_account_id:
                    raise UserError(
                        self.env._(
                            "Set a profit account on journal %s to post cash surpluses.",
                            journal.name,
                        )
                    )
                ref = self.env._("Cash surplus at closing of %s", self.name)
                move = self._utility_liquidity_move(
                    journal, ref, cash_account, journal.profit_account_id, difference
                )
            vals["difference_move_id"] = move.id
        if not self.currency_id.is_zero(self.deposit_amount):
            transfer_account = self.company_id.sudo().transfer_account_id
            if not transfer_account:
                raise UserError(
                    self.env._("Set the company's internal transfer account to book bank deposits.")
                )
            ref = self.env._(
                "Deposit of %(session)s to %(bank)s",
                session=self.name,
                bank=self.deposit_journal_id.name,
            )
            move = self._utility_liquidity_move(
                journal, ref, transfer_account, cash_account, self.deposit_amount
            )
            vals["deposit_move_id"] = move.id
        if vals:
            self.write(vals)

    # -- navigation -------------------------------------------------------
    def action_view_payments(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "utility_payment_channels.action_utility_payment"
        )
        action["domain"] = [("utility_cashier_session_id", "=", self.id)]
        action["context"] = {}
        return action

    def action_open_counter(self):
        return self.env["utility.counter.payment"].action_open_counter()
