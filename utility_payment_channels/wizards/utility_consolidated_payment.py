from odoo import api, fields, models
from odoo.exceptions import UserError

from .utility_counter_payment import PAYMENT_METHODS


class UtilityConsolidatedPayment(models.TransientModel):
    """Consolidated payment (整收): one payer (a village committee, a
    landlord, a company) settles the open bills of many customers at once.
    Customers are picked from a list, a village or a saved payer group; one
    payment per customer is booked in the cashier's open session with the
    payer recorded, each with its own receipt, plus a summary for the payer."""

    _name = "utility.consolidated.payment"
    _description = "Consolidated Payment"

    session_id = fields.Many2one(
        comodel_name="utility.cashier.session",
        readonly=True,
        default=lambda self: self.env["utility.cashier.session"]._utility_current_session(
            raise_if_none=False
        ),
    )
    currency_id = fields.Many2one(
        comodel_name="res.currency", default=lambda self: self.env.company.currency_id
    )
    payer_id = fields.Many2one(
        comodel_name="res.partner",
        string="Payer",
        required=True,
        compute="_compute_payer_id",
        store=True,
        readonly=False,
        help="Who hands over the money; the payer group's payer when paying for a group.",
    )
    selection_mode = fields.Selection(
        selection=[("list", "Customers"), ("village", "Village"), ("group", "Payer group")],
        string="Pick By",
        default="list",
        required=True,
    )
    partner_ids = fields.Many2many(
        comodel_name="res.partner",
        string="Customers",
        domain="[('utility_customer_number', '!=', False)]",
    )
    village = fields.Char()
    payer_group_id = fields.Many2one(comodel_name="utility.payer.group", string="Payer Group")
    payment_method = fields.Selection(selection=PAYMENT_METHODS, default="cash", required=True)
    line_ids = fields.One2many(
        comodel_name="utility.consolidated.payment.line",
        inverse_name="wizard_id",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
    )
    amount_total = fields.Monetary(compute="_compute_amount_total")
    amount_tendered = fields.Monetary(string="Tendered", help="Cash handed over by the payer.")
    amount_change = fields.Monetary(string="Change", compute="_compute_amount_change")
    state = fields.Selection(selection=[("draft", "Draft"), ("done", "Paid")], default="draft")
    payment_ids = fields.Many2many(comodel_name="account.payment", readonly=True)

    @api.depends("payer_id")
    def _compute_display_name(self):
        # the breadcrumb and the window title: not the technical record name
        for wizard in self:
            wizard.display_name = wizard.payer_id.name or self.env._("Consolidated Payment")

    @api.depends("selection_mode", "payer_group_id")
    def _compute_payer_id(self):
        for wizard in self:
            if wizard.selection_mode == "group" and wizard.payer_group_id.payer_id:
                wizard.payer_id = wizard.payer_group_id.payer_id

    def _utility_customers(self):
        self.ensure_one()
        if self.selection_mode == "village":
            if not self.village:
                return self.env["res.partner"]
            return self.env["res.partner"].search(
                [("utility_customer_number", "!=", False), ("utility_village", "=", self.village)]
            )
        if self.selection_mode == "group":
            return self.payer_group_id.member_ids
        return self.partner_ids

    @api.depends("selection_mode", "partner_ids", "village", "payer_group_id")
    def _compute_line_ids(self):
        for wizard in self:
            customers = wizard._utility_customers()._origin.commercial_partner_id
            due = {}
            if customers:
                Move = self.env["account.move"]
                bills = Move.search_fetch(
                    Move._utility_open_bill_domain(customers),
                    ["commercial_partner_id", "amount_residual"],
                )
                # the bills and their late fees today (the counter's day, the
                # payments' date), which the payments charge
                point = wizard.session_id.collection_point_id
                today = point._utility_today() if point else self.env.company._utility_today()
                fees = self.env["account.move"]._utility_late_fee_as_of(bills, today)
                for bill in bills:
                    amount, count = due.get(bill.commercial_partner_id, (0.0, 0))
                    due[bill.commercial_partner_id] = (
                        amount + bill.amount_residual + fees.get(bill.id, 0.0),
                        count + 1,
                    )
            commands = [fields.Command.clear()]
            for customer in customers:
                amount, count = due.get(customer, (0.0, 0))
                if not count and wizard.selection_mode != "list":
                    # a village or group member who owes nothing is not paid for;
                    # a customer picked by name may be given prepaid credit
                    continue
                amount = wizard.currency_id.round(amount)
                commands.append(
                    fields.Command.create(
                        {
                            "partner_id": customer.id,
                            "amount_due": amount,
                            "bill_count": count,
                            "amount": amount,
                        }
                    )
                )
            wizard.line_ids = commands

    @api.depends("line_ids.amount")
    def _compute_amount_total(self):
        for wizard in self:
            wizard.amount_total = sum(wizard.line_ids.mapped("amount"))

    @api.depends("amount_total", "amount_tendered", "payment_method")
    def _compute_amount_change(self):
        for wizard in self:
            change = 0.0
            if wizard.payment_method == "cash" and wizard.amount_tendered:
                change = max(
                    wizard.currency_id.round(wizard.amount_tendered - wizard.amount_total), 0.0
                )
            wizard.amount_change = change

    def action_confirm(self):
        """One payment per customer, payer recorded, oldest bills first."""
        self.ensure_one()
        if not self.session_id:
            raise UserError(
                self.env._("You have no open cashier session: open one before taking payments.")
            )
        if self.state == "done":
            raise UserError(self.env._("This consolidated payment is already booked."))
        lines = self.line_ids.filtered(lambda line: not self.currency_id.is_zero(line.amount))
        if not lines:
            raise UserError(self.env._("There is nothing to pay."))
        if (
            self.payment_method == "cash"
            and self.amount_tendered
            and self.currency_id.compare_amounts(self.amount_tendered, self.amount_total) < 0
        ):
            raise UserError(
                self.env._(
                    "The cash tendered (%(tendered)s) is less than the total paid (%(amount)s).",
                    tendered=self.amount_tendered,
                    amount=self.amount_total,
                )
            )
        payments = self.env["account.payment"]
        memo = self.env._("Consolidated payment by %s", self.payer_id.name)
        for line in lines:
            payments |= self.session_id._utility_pay(
                line.partner_id, line.amount, self.payment_method, payer=self.payer_id, memo=memo
            )
        self.write({"payment_ids": [fields.Command.set(payments.ids)], "state": "done"})
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
            "name": self.env._("Consolidated Payment"),
        }

    def action_print_receipts(self):
        self.ensure_one()
        return self.payment_ids.action_utility_print_receipt()

    def action_print_payer_summary(self):
        self.ensure_one()
        return self.env.ref(
            "utility_payment_channels.action_report_utility_payer_summary"
        ).report_action(self.payment_ids)
