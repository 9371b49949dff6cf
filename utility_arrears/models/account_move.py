from markupsafe import escape

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.mail import generate_tracking_message_id

from odoo.addons.mail.models.mail_thread import MailThread

BILL_DELIVERY_CHANNELS = [
    ("portal", "Viewed on the portal"),
    ("email", "E-mail"),
    ("sms", "SMS bill notice"),
    ("paper", "Paper bill delivered"),
    ("counter", "Handed over at the counter"),
]


class AccountMove(models.Model):
    """Late fees and arrears on utility bills (posted customer invoices).

    The late fee of a bill is computed as of any date from the policy of the
    customer's category on the amount still open, minus what a manager waived.
    It is charged at payment as a separate customer invoice on the "Late
    payment fees" income account, linked to the bill; such late-fee invoices
    never bear a late fee themselves (no compounding).

    Bill delivery, for the "bill holding" figure (电费账单持有率): a bill is
    held by its customer once it has reached them through any channel — viewed
    on the portal, e-mailed, notified by SMS, delivered on paper or handed over
    at the counter. The first delivery is kept; later ones change nothing."""

    _inherit = "account.move"

    utility_late_fee_bill_id = fields.Many2one(
        comodel_name="account.move",
        string="Late Fee Of Bill",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The bill whose late payment this invoice charges.",
    )
    utility_late_fee_payment_id = fields.Many2one(
        comodel_name="account.payment",
        string="Late Fee Charged By",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The payment that charged this late fee: cancelling or reversing the "
        "payment cancels or reverses the fee with it.",
    )
    utility_late_fee_move_ids = fields.One2many(
        comodel_name="account.move",
        inverse_name="utility_late_fee_bill_id",
        string="Late Fee Invoices",
    )
    utility_late_fee_accrued = fields.Monetary(
        string="Late Fee Accrued",
        currency_field="currency_id",
        readonly=True,
        copy=False,
        help="Late fee computed on the part of the bill paid, before the minimum fee and the "
        "waiver: the minimum applies to the bill's late fees in all, not to each payment.",
    )
    utility_late_fee_waiver_used = fields.Monetary(
        string="Waiver Applied",
        currency_field="currency_id",
        readonly=True,
        copy=False,
        help="Part of the bill's waived late fee deducted on this late-fee invoice.",
    )
    utility_late_fee_waiver_ids = fields.One2many(
        comodel_name="utility.late.fee.waiver",
        inverse_name="bill_id",
        string="Late Fee Waivers",
    )
    utility_late_fee_today = fields.Monetary(
        string="Late Fee Today",
        currency_field="currency_id",
        compute="_compute_utility_late_fee_today",
        help="Late fee if the bill were paid today.",
    )
    utility_dunning_action_ids = fields.One2many(
        comodel_name="utility.dunning.action",
        inverse_name="bill_id",
        string="Dunning Actions",
    )

    @api.depends("amount_residual", "invoice_date_due", "utility_late_fee_waiver_ids.amount")
    def _compute_utility_late_fee_today(self):
        today = fields.Date.context_today(self)
        details = self._utility_late_fee_details(today)
        for move in self:
            move.utility_late_fee_today = details.get(move, {}).get("fee", 0.0)

    def _utility_late_fee_eligible(self):
        """Posted customer bills with a due date that can bear a late fee."""
        return self.filtered(
            lambda m: (
                m.move_type == "out_invoice"
                and m.state == "posted"
                and m.invoice_date_due
                and not m.utility_late_fee_bill_id
                # a security deposit (or any life-cycle entry) bears no fee
                and not m.utility_entry_kind
                # nor does a bill written off as bad debt
                and m.utility_collection_hold != "written_off"
            )
        )

    def _utility_late_fee_details(self, on_date, amounts=None):
        """Late fee of each bill if ``amounts`` (default: the open amount) are
        paid on ``on_date``: {bill: {"gross", "waiver", "fee", "policy"}}."""
        amounts = amounts or {}
        # a bill not yet past due on that day bears no fee (grace days only
        # push the start later): no policy, waiver or fee lookup for it
        bills = self._utility_late_fee_eligible().filtered(
            lambda bill: bill.invoice_date_due < on_date
        )
        policies = self.env["utility.arrears.policy"]._get_policy_map(
            {(bill.company_id, bill.partner_id.utility_category) for bill in bills}
        )
        result = {}
        for bill in bills:
            policy = policies[(bill.company_id, bill.partner_id.utility_category)]
            currency = bill.currency_id
            amount = amounts.get(bill, bill.amount_residual)
            accrued, any_fee = policy._compute_late_fee_accrued(
                amount, bill.invoice_date_due, bill._utility_late_fee_accrual_date(on_date)
            )
            # a fee cancelled or reversed with the payment that charged it
            # was never charged
            charged = bill.utility_late_fee_move_ids.filtered(
                lambda m: m.state != "cancel" and m.payment_state != "reversed"
            )
            # the minimum applies to the bill's late fees in all, known when
            # it is settled: what earlier payments accrued and were charged
            # (before their waiver) counts. A late-fee invoice of an earlier
            # version recorded no accrued fee: its charge stands for it.
            accrued_before = sum(
                move.utility_late_fee_accrued
                or move.amount_total + move.utility_late_fee_waiver_used
                for move in charged
            )
            charged_before = sum(
                move.amount_total + move.utility_late_fee_waiver_used for move in charged
            )
            gross = accrued
            # a payment settling the bill brings its late fees in all up to
            # the minimum; a part payment is charged what it accrued only
            settles = bill not in amounts or (
                currency.compare_amounts(amount, bill.amount_residual) >= 0
            )
            if any_fee and settles:
                total = max(accrued_before + accrued, policy.late_fee_minimum)
                gross = max(currency.round(total - charged_before), 0.0)
            waiver_left = sum(bill.utility_late_fee_waiver_ids.mapped("amount")) - sum(
                charged.mapped("utility_late_fee_waiver_used")
            )
            waiver = min(gross, max(waiver_left, 0.0))
            result[bill] = {
                "gross": gross,
                "accrued": accrued,
                "waiver": waiver,
                "fee": currency.round(gross - waiver),
                "policy": policy,
            }
        return result

    def _utility_late_fee_accrual_date(self, on_date):
        """The day this bill's late fee accrues up to when paid on
        ``on_date``: ``on_date`` (installment plans freeze it at the plan's
        start while the plan is kept)."""
        self.ensure_one()
        return on_date

    def _utility_late_fee(self, on_date, amount=None):
        """Late fee of this bill if ``amount`` (default: all that is still
        open) is paid on ``on_date``, after waivers. 0 for late-fee invoices."""
        self.ensure_one()
        amounts = {self: amount} if amount is not None else None
        return self._utility_late_fee_details(on_date, amounts).get(self, {}).get("fee", 0.0)

    def _get_invoice_next_payment_values(self, custom_amount=None):
        """What the portal and the payment links propose to pay: for an
        overdue utility bill paid in one go, the bill and its late fee of the
        day, which the online payment charges (see ``payment.transaction``);
        ``utility_late_fee`` gives the fee."""
        values = super()._get_invoice_next_payment_values(custom_amount=custom_amount)
        if (
            not values
            or custom_amount is not None
            or values["installment_state"] is not None
            or not self._utility_is_bill()
        ):
            return values
        # computed for the whole page of bills at once (the portal's bill
        # list asks bill by bill), 0 for a bill paid or not yet past due;
        # sudo: the portal's customer reads their bill, not the arrears
        # policies that price its late fee
        fee = self.sudo().utility_late_fee_today
        if self.currency_id.is_zero(fee):
            return values
        return {
            **values,
            "amount_due": self.currency_id.round(values["amount_due"] + fee),
            "next_amount_to_pay": self.currency_id.round(values["next_amount_to_pay"] + fee),
            "utility_late_fee": fee,
        }

    @api.model
    def _utility_late_fee_as_of(self, bills, date):
        """What the channels show as due (terminal API, counters, rounds):
        the late fee of each bill if paid on ``date``, added to the fees of
        other add-ons."""
        fees = super()._utility_late_fee_as_of(bills, date)
        details = bills._utility_late_fee_details(date)
        return {
            bill.id: fees.get(bill.id, 0.0) + details.get(bill, {}).get("fee", 0.0)
            for bill in bills
        }

    def _utility_receipt_label(self):
        # a late-fee invoice is named as the fee of its bill, not as a bill
        self.ensure_one()
        if self.utility_late_fee_bill_id:
            return self.env._("Late fee of %s", self.utility_late_fee_bill_id.name)
        return super()._utility_receipt_label()

    @api.model
    def _utility_charge_late_fees(self, bills, on_date, amounts=None, payments=None):
        """Charge the late fees of ``bills`` paid on ``on_date``: one posted
        late-fee invoice per bill with a fee, on the company's "Late payment
        fees" account, linked to the bill. The fee bears the company's
        late-fee taxes (``utility_late_fee_tax_ids``) mapped by the bill's
        fiscal position, included in it: the invoice's total is the fee.
        ``amounts`` ({bill: amount paid}) limits the fee to the part paid
        now; by default the whole open amount. ``payments`` ({bill:
        account.payment}) records the payment charging each fee, which
        cancels it with itself. Returns the late-fee invoices."""
        payments = payments or {}
        details = bills._utility_late_fee_details(on_date, amounts)
        vals_list = []
        for bill, detail in details.items():
            if bill.currency_id.is_zero(detail["fee"]):
                continue
            company = bill.company_id
            product = company._utility_late_fee_product()
            taxes = bill.fiscal_position_id.map_tax(company._utility_late_fee_taxes())
            # a fiscal position mapping the VAT to a tax on top of the price
            # would charge more than the fee shown to the customer
            if excluded := taxes.filtered(lambda tax: not tax.price_include):
                raise UserError(
                    self.env._(
                        "The fiscal position %(position)s maps the late-fee taxes to %(taxes)s, "
                        "which are not included in the price: map them to taxes included in "
                        "the price, as the late fee is the amount the customer owes.",
                        position=bill.fiscal_position_id.display_name,
                        taxes=", ".join(excluded.mapped("display_name")),
                    )
                )
            days = (on_date - bill.invoice_date_due).days
            vals_list.append(
                {
                    "move_type": "out_invoice",
                    "partner_id": bill.partner_id.id,
                    "company_id": company.id,
                    "journal_id": bill.journal_id.id,
                    "currency_id": bill.currency_id.id,
                    "invoice_date": on_date,
                    "invoice_date_due": on_date,
                    "invoice_payment_term_id": False,
                    "invoice_origin": bill.name,
                    "fiscal_position_id": bill.fiscal_position_id.id,
                    "utility_late_fee_bill_id": bill.id,
                    "utility_late_fee_payment_id": payments[bill].id if bill in payments else False,
                    "utility_late_fee_waiver_used": detail["waiver"],
                    "utility_late_fee_accrued": detail["accrued"],
                    "invoice_line_ids": [
                        (
                            0,
                            0,
                            {
                                "product_id": product.id,
                                "name": self.env._(
                                    "Late payment fee on %(bill)s: %(days)s days overdue "
                                    "until %(date)s",
                                    bill=bill.name,
                                    days=days,
                                    date=on_date,
                                ),
                                "quantity": 1.0,
                                "price_unit": detail["fee"],
                                "account_id": company._utility_late_fee_account().id,
                                "tax_ids": [Command.set(taxes.ids)],
                            },
                        )
                    ],
                }
            )
        fee_moves = self.create(vals_list)
        if fee_moves:
            fee_moves.action_post()
            for fee_move in fee_moves:
                fee_move.utility_late_fee_bill_id.message_post(
                    body=self.env._(
                        "Late payment fee of %(amount)s charged by %(invoice)s.",
                        amount=fee_move.amount_total,
                        invoice=fee_move.name,
                    )
                )
        return fee_moves

    def _utility_on_reconciliation(self):
        """Called after reconciliations touching these moves: refresh the
        customers' arrears and react to bills paid (disconnection orders)."""
        bills = self.filtered(lambda m: m.move_type == "out_invoice" and m.state == "posted")
        if not bills:
            return
        # a kept installment plan whose bills are all paid is done (sudo:
        # the payer's cashier does not manage plans)
        self.env["utility.installment.plan"].sudo()._utility_on_bills_reconciled(bills)
        # sudo: the cashier or agency import taking the payment need not
        # manage disconnection orders; stopping them on payment is a rule
        self.env["res.partner"].sudo()._utility_refresh_arrears(bills.partner_id)
        orders = (
            self.env["utility.disconnection.order"]
            .sudo()
            .search(
                [
                    ("bill_ids", "in", bills.ids),
                    ("kind", "=", "disconnection"),
                    ("state", "in", ("draft", "notified", "scheduled", "executed")),
                ]
            )
        )
        # the payment of the bills is what stops an order or creates its
        # reconnection: the rule writes the orders' workflow fields
        with orders.browse()._utility_protected_write():
            orders._utility_check_arrears_paid()

    def _utility_message_log_batch(
        self, bodies, message_type="notification", subjects=None, partner_ids=None
    ):
        """Log a note on each bill with one ``create``, as Odoo's
        ``mail.thread._message_log_batch`` (no notification, bodies escaped
        unless markup), with a subject and linked partners of its own per
        bill: ``bodies``, ``subjects`` and ``partner_ids`` are dicts keyed by
        bill id. Used by the dunning channels for whole batches of bills.
        Returns the messages (sudo), in the order of ``self``.

        The values are those ``_message_log_batch`` gives ``_message_create``
        (which then runs as Odoo's, overrides included, and the ORM fills
        any column a module adds to messages). When a module overrides
        ``_message_log_batch`` itself, the notes are logged through it, one
        bill at a time, so that they hold what it adds."""
        subjects = subjects or {}
        partner_ids = partner_ids or {}
        if type(self)._message_log_batch is not MailThread._message_log_batch:
            return (
                self.env["mail.message"]
                .sudo()
                .concat(
                    *(
                        bill._message_log_batch(
                            {bill.id: bodies.get(bill.id, "")},
                            subject=subjects.get(bill.id) or False,
                            message_type=message_type,
                            partner_ids=partner_ids.get(bill.id) or False,
                        )
                        for bill in self
                    )
                )
            )
        author_id, email_from = self._message_compute_author()
        base_values = {
            "author_id": author_id,
            "email_from": email_from,
            "model": self._name,
            "record_alias_domain_id": False,
            "record_company_id": False,
            "message_type": message_type,
            "is_internal": True,
            "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
            "email_add_signature": False,
            "message_id": generate_tracking_message_id("message-notify"),
            "reply_to": self.env["mail.thread"]._notify_get_reply_to(
                default=email_from, author_id=author_id
            )[False],
        }
        return self.sudo()._message_create(
            [
                dict(
                    base_values,
                    res_id=bill.id,
                    body=escape(bodies.get(bill.id, "")),
                    subject=subjects.get(bill.id) or False,
                    partner_ids=partner_ids.get(bill.id) or [],
                )
                for bill in self
            ]
        )

    # -- bill delivery (bill holding rate) ------------------------------------
    utility_bill_delivery = fields.Selection(
        selection=BILL_DELIVERY_CHANNELS,
        string="Bill Delivered Through",
        copy=False,
        tracking=True,
        help="How the bill first reached the customer. A bill counts as held by "
        "its customer (bill holding rate) once it has been delivered through any "
        "channel: viewed on the portal, e-mailed, notified by SMS, delivered on "
        "paper or handed over at the counter.",
    )
    utility_bill_delivered_date = fields.Date(
        string="Bill Delivered On",
        copy=False,
        tracking=True,
        help="Day the bill first reached the customer; empty while the bill has "
        "not been delivered.",
    )
    utility_bill_held = fields.Boolean(
        string="Bill Held by Customer",
        compute="_compute_utility_bill_held",
        store=True,
        help="The bill has been delivered to the customer through any channel "
        "(see Bill Delivered Through). Bills held over bills issued is the bill "
        "holding rate, one of the three 100% figures.",
    )

    @api.depends("utility_bill_delivered_date", "utility_bill_delivery")
    def _compute_utility_bill_held(self):
        for move in self:
            move.utility_bill_held = bool(
                move.utility_bill_delivered_date and move.utility_bill_delivery
            )

    def _utility_mark_bill_delivered(self, channel, date=None):
        """Record that these bills reached their customers through ``channel``
        (a key of ``BILL_DELIVERY_CHANNELS``) on ``date`` (today by default).
        Bills already delivered keep their first delivery. Public hook for the
        portal, e-mail and SMS sending and the paper-bill rounds."""
        bills = self.filtered(
            lambda m: (
                m.move_type == "out_invoice"
                and m.state == "posted"
                and not m.utility_bill_delivered_date
            )
        )
        if bills:
            bills.write(
                {
                    "utility_bill_delivery": channel,
                    "utility_bill_delivered_date": date or fields.Date.context_today(self),
                }
            )
        return bills

    def action_utility_mark_delivered_paper(self):
        """List action: the selected paper bills have been delivered."""
        self.check_access("read")
        # sudo: recording a delivery touches only the delivery fields, which
        # cashiers and field staff report without the right to edit bills
        self.sudo()._utility_mark_bill_delivered("paper")
        return True

    def action_utility_mark_delivered_counter(self):
        """List action: the selected bills have been handed over at the counter."""
        self.check_access("read")
        # sudo: see action_utility_mark_delivered_paper
        self.sudo()._utility_mark_bill_delivered("counter")
        return True
