from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import formatLang

from odoo.addons.utility_billing.models.res_currency import AmountError

PAYMENT_METHODS = [("cash", "Cash"), ("card", "Bank card"), ("qr", "QR code")]


class UtilityCounterPayment(models.TransientModel):
    """The counter screen: find a customer with one search (customer number,
    name, phone or meter serial), see all their open bills from any station,
    take cash, card or QR-code money, give change, print the receipt.
    Bills are settled oldest first unless the cashier ticks some; paying more
    than due leaves a prepaid credit."""

    _name = "utility.counter.payment"
    _description = "Counter Payment"
    _inherit = ["utility.protected.fields.mixin"]

    session_id = fields.Many2one(
        comodel_name="utility.cashier.session",
        string="Session",
        readonly=True,
        default=lambda self: self.env["utility.cashier.session"]._utility_current_session(
            raise_if_none=False
        ),
    )
    collection_point_id = fields.Many2one(related="session_id.collection_point_id")
    currency_id = fields.Many2one(
        comodel_name="res.currency",
        compute="_compute_currency_id",
    )
    search_term = fields.Char(
        string="Find Customer",
        help="Customer number, name, phone or meter serial.",
    )
    candidate_ids = fields.Many2many(
        comodel_name="res.partner",
        compute="_compute_candidate_ids",
        string="Matching Customers",
    )
    candidate_count = fields.Integer(compute="_compute_candidate_ids")
    search_message = fields.Char(compute="_compute_candidate_ids")
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        domain="[('utility_customer_number', '!=', False)]",
    )
    customer_number = fields.Char(related="partner_id.utility_customer_number")
    line_ids = fields.One2many(
        comodel_name="utility.counter.payment.line",
        inverse_name="wizard_id",
        string="Open Bills",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
    )
    # stored: what was due when the customer was served stays on the screen
    # once paid (a live figure drops to zero and showed the whole payment as
    # prepaid credit)
    amount_open = fields.Monetary(string="Open Amount", compute="_compute_amounts", store=True)
    amount_extra = fields.Monetary(
        string="Other Charges",
        compute="_compute_amounts",
        store=True,
        help="Charges due with the bills (late fees when arrears are installed).",
    )
    amount_due = fields.Monetary(compute="_compute_amounts", store=True)
    amount = fields.Monetary(
        string="Amount Paid",
        compute="_compute_amount",
        store=True,
        readonly=False,
        help="Booked amount; more than due becomes prepaid credit.",
    )
    amount_tendered = fields.Monetary(string="Tendered", help="Cash handed over by the customer.")
    amount_change = fields.Monetary(string="Change", compute="_compute_change")
    amount_credit = fields.Monetary(string="Prepaid Credit", compute="_compute_change")
    payment_method = fields.Selection(selection=PAYMENT_METHODS, default="cash", required=True)
    state = fields.Selection(selection=[("draft", "Draft"), ("done", "Paid")], default="draft")
    payment_id = fields.Many2one(comodel_name="account.payment", readonly=True)
    topup_limit = fields.Monetary(
        string="Top-up Limit",
        compute="_compute_topup_limit",
        help="Prepaid credit the cashier may take above what is due without a "
        "Collection Manager's approval (company setting).",
    )
    topup_approved_by_id = fields.Many2one(
        comodel_name="res.users",
        string="Top-up Approved By",
        readonly=True,
        help="Collection Manager who approved a top-up above the limit.",
    )
    topup_approved_amount = fields.Monetary(
        readonly=True, help="Amount paid the manager approved: another amount needs a new approval."
    )

    @api.depends("partner_id")
    def _compute_display_name(self):
        # the breadcrumb and the window title: not "utility.counter.payment,NewId_..."
        for wizard in self:
            wizard.display_name = wizard.partner_id.name or self.env._("Counter")

    @api.depends("session_id")
    def _compute_currency_id(self):
        for wizard in self:
            wizard.currency_id = wizard.session_id.currency_id or self.env.company.currency_id

    @api.model
    def _utility_customer_domain(self, term):
        term = term.strip()
        return [
            ("utility_customer_number", "!=", False),
            "|",
            "|",
            "|",
            # a partial customer number (its last digits, or its first ones)
            ("utility_customer_number", "ilike", term),
            ("name", "ilike", term),
            ("phone", "ilike", term),
            ("utility_meter_ids.serial", "=", term),
        ]

    @api.depends("search_term")
    def _compute_candidate_ids(self):
        Partner = self.env["res.partner"]
        for wizard in self:
            if wizard.search_term and wizard.search_term.strip():
                # an exact customer number or meter serial wins over name matches
                term = wizard.search_term.strip()
                partners = Partner.search(
                    [
                        "|",
                        ("utility_customer_number", "=", term),
                        ("utility_meter_ids.serial", "=", term),
                    ],
                    limit=2,
                ) or Partner.search(self._utility_customer_domain(term), limit=20)
            else:
                partners = Partner
            wizard.candidate_ids = partners
            wizard.candidate_count = len(partners)
            wizard.search_message = False
            if wizard.search_term and wizard.search_term.strip() and not partners:
                wizard.search_message = self.env._(
                    "No customer found for “%s”: check the customer number, or search by "
                    "name, phone or meter serial.",
                    wizard.search_term.strip(),
                )
            elif len(partners) > 1:
                wizard.search_message = self.env._(
                    "%s customers match: pick the customer below.", len(partners)
                )

    @api.depends("search_term")
    def _compute_partner_id(self):
        for wizard in self:
            if len(wizard.candidate_ids) == 1:
                wizard.partner_id = wizard.candidate_ids
            elif wizard.partner_id not in wizard.candidate_ids:
                wizard.partner_id = False

    @api.depends("partner_id")
    def _compute_line_ids(self):
        for wizard in self:
            commands = [fields.Command.clear()]
            if wizard.partner_id:
                bills = self.env["account.payment"]._utility_open_bills(wizard.partner_id._origin)
                commands += [fields.Command.create({"bill_id": bill.id}) for bill in bills]
            wizard.line_ids = commands

    def _utility_selected_bills(self):
        """Bills to settle: the ticked ones, oldest first, else all of them."""
        self.ensure_one()
        ticked = self.line_ids.filtered("selected")
        return (ticked or self.line_ids).bill_id

    def _utility_extra_due(self, bills, date):
        """Extra amount due with ``bills`` at ``date`` (late fees...): none
        here; utility_arrears adds the late fee to date."""
        return 0.0

    @api.depends("session_id")
    def _compute_topup_limit(self):
        for wizard in self:
            company = wizard.session_id.company_id or self.env.company
            wizard.topup_limit = company.utility_topup_approval_limit

    # set by action_approve_topup only, through the server-side permission:
    # never by a client's write or create, whatever context it sends
    @api.model
    def _utility_protected_fields(self):
        return {"topup_approved_by_id", "topup_approved_amount"}

    @api.model
    def _utility_computed_protected_fields(self):
        # the screen's figures are recomputed by the server anyway; only the
        # approval is guarded here
        return set()

    @api.depends("line_ids.selected", "line_ids.amount_residual")
    def _compute_amounts(self):
        # the counter's day (its point's, else the company's), as the payment
        point = self.session_id.collection_point_id[:1]
        today = point._utility_today() if point else self.env.company._utility_today()
        for wizard in self:
            bills = wizard._utility_selected_bills()
            lines = wizard.line_ids.filtered(lambda line, bills=bills: line.bill_id in bills)
            wizard.amount_open = sum(lines.mapped("amount_residual"))
            wizard.amount_extra = wizard._utility_extra_due(bills, today) if bills else 0.0
            wizard.amount_due = wizard.amount_open + wizard.amount_extra

    @api.depends("amount_due")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = wizard.amount_due

    @api.depends("amount", "amount_tendered", "amount_due", "payment_method")
    def _compute_change(self):
        for wizard in self:
            currency = wizard.currency_id
            change = 0.0
            if wizard.payment_method == "cash" and wizard.amount_tendered:
                change = max(currency.round(wizard.amount_tendered - wizard.amount), 0.0)
            wizard.amount_change = change
            wizard.amount_credit = max(currency.round(wizard.amount - wizard.amount_due), 0.0)

    def _utility_check_before_paying(self):
        self.ensure_one()
        if not self.session_id:
            raise UserError(
                self.env._("You have no open cashier session: open one before taking payments.")
            )
        if self.state == "done":
            raise UserError(self.env._("This payment is already booked."))
        if not self.partner_id:
            raise UserError(self.env._("Find the customer first."))
        currency = self.currency_id
        self._utility_check_amount()
        if (
            self.payment_method == "cash"
            and self.amount_tendered
            and currency.compare_amounts(self.amount_tendered, self.amount) < 0
        ):
            raise UserError(
                self.env._(
                    "The cash tendered (%(tendered)s) is less than the amount paid (%(amount)s).",
                    tendered=self.amount_tendered,
                    amount=self.amount,
                )
            )

    def _utility_topup(self):
        """Prepaid credit this payment would leave above what is due."""
        self.ensure_one()
        return max(self.currency_id.round(self.amount - self.amount_due), 0.0)

    def _utility_check_amount(self):
        """The amount by the amount grammar of every channel (positive, the
        currency's decimals, bounded), and at most what is due with its late
        fees plus the company's top-up limit, unless a Collection Manager
        approved this very amount."""
        self.ensure_one()
        currency = self.currency_id
        try:
            currency._utility_parse_amount(self.amount, round_floats=True)
        except AmountError as error:
            raise UserError(error.args[0]) from error
        topup = self._utility_topup()
        if currency.compare_amounts(topup, self.topup_limit) <= 0:
            return
        approver = self.topup_approved_by_id
        if (
            approver
            and approver.has_group("utility_billing.group_utility_manager")
            and not currency.compare_amounts(self.topup_approved_amount, self.amount)
        ):
            return
        raise UserError(
            self.env._(
                "%(amount)s is %(topup)s more than the %(due)s due: a prepaid top-up above "
                "%(limit)s needs a Collection Manager's approval (Approve Top-up).",
                amount=formatLang(self.env, self.amount, currency_obj=currency),
                topup=formatLang(self.env, topup, currency_obj=currency),
                due=formatLang(self.env, self.amount_due, currency_obj=currency),
                limit=formatLang(self.env, self.topup_limit, currency_obj=currency),
            )
        )

    def action_approve_topup(self):
        """Collection Manager: approve the top-up of the amount now entered."""
        self.ensure_one()
        if not self.env.user.has_group("utility_billing.group_utility_manager"):
            raise AccessError(self.env._("Only a Collection Manager can approve a top-up."))
        if self.state != "draft":
            raise UserError(self.env._("This payment is already booked."))
        try:
            self.currency_id._utility_parse_amount(self.amount, round_floats=True)
        except AmountError as error:
            raise UserError(error.args[0]) from error
        with self._utility_protected_write():
            self.write({"topup_approved_by_id": self.env.uid, "topup_approved_amount": self.amount})
        return True

    def action_confirm(self):
        """Book the payment in the cashier's open session, then show the
        receipt and the change."""
        self._utility_check_before_paying()
        ticked = self.line_ids.filtered("selected").bill_id
        payment = self.session_id._utility_pay(
            self.partner_id,
            self.amount,
            self.payment_method,
            bills=ticked.sorted(lambda b: (b.invoice_date_due, b.id)) if ticked else None,
        )
        if self.payment_method == "cash" and self.amount_tendered:
            # sudo: cashiers read payments only; the tendered cash is printed
            # on the receipt of the payment they just took
            payment.sudo().utility_amount_tendered = self.amount_tendered
        self.write({"payment_id": payment.id, "state": "done"})
        # nothing to open: the same screen reloads with the change and the
        # receipt button, without a new breadcrumb per customer
        return True

    def action_print_receipt(self):
        self.ensure_one()
        return self.payment_id.action_utility_print_receipt()

    @api.model
    def action_open_counter(self):
        """Menu entry: a fresh counter screen in the cashier's open session."""
        session = self.env["utility.cashier.session"]._utility_current_session(raise_if_none=False)
        if not session:
            action = self.env["ir.actions.act_window"]._for_xml_id(
                "utility_payment_channels.action_utility_cashier_session"
            )
            action["views"] = [(False, "form")]
            action["context"] = {"default_user_id": self.env.uid}
            action["name"] = self.env._("Open a Cashier Session")
            return action
        # a new record, not a saved one: the web client puts the focus in the
        # search box of new records only; the screen is saved when paying
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "view_mode": "form",
            "views": [(False, "form")],
            "context": {"default_session_id": session.id},
            # the counter is the root of the screen: the next customer
            # replaces the breadcrumbs instead of adding one per customer
            "target": "main",
            "name": self.env._("Counter"),
        }

    def action_next_customer(self):
        return self.action_open_counter()
