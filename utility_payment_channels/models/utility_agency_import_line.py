from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools.misc import formatLang

KEPT_REASONS = [
    ("unknown_customer", "Unknown customer"),
    ("unknown_bill", "Unknown bill"),
    ("bill_not_open", "Bill already paid"),
    ("amount_mismatch", "Amount mismatch"),
    ("unknown_outlet", "Unknown outlet"),
    ("booking_error", "Booking refused"),
    ("duplicate_conflict", "Transaction id reused with another customer, bill or amount"),
    # a biller's reconciliation file, compared with what its API booked
    ("api_missing", "On the file only"),
    ("api_amount", "Amount differs from the API"),
    ("api_customer", "Customer differs from the API"),
]


# the total of its file a line's money is in, by the line's state
LINE_CATEGORIES = {
    "duplicate": "matched",
    "booked": "booked",
    "resolved": "booked",
    "kept": "kept",
    "noted": "kept",
    "refund": "kept",
}


class UtilityAgencyImportLine(models.Model):
    """One transaction of an agency file and what became of it: booked,
    already booked, or kept for an accountant with the reason, until the
    accountant books it on a customer or bill of their choice or marks it
    for refund."""

    _name = "utility.agency.import.line"
    _description = "Agency Collection File Line"
    _inherit = ["utility.protected.fields.mixin"]
    _order = "import_id desc, line_no"

    import_id = fields.Many2one(
        comodel_name="utility.agency.import", required=True, ondelete="cascade", index=True
    )
    agency_id = fields.Many2one(related="import_id.agency_id", store=True, index=True)
    company_id = fields.Many2one(related="import_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="import_id.currency_id")
    line_no = fields.Integer(string="Line", readonly=True, aggregator=None)
    txn_id = fields.Char(string="Transaction", required=True, readonly=True, index=True)
    paid_at = fields.Datetime(readonly=True)
    paid_date = fields.Date(
        readonly=True, help="Day of the payment at the agency, in the agency's local time."
    )
    customer_number = fields.Char(readonly=True)
    bill_number = fields.Char(readonly=True)
    amount = fields.Monetary(readonly=True)
    outlet_code = fields.Char(readonly=True)
    state = fields.Selection(
        selection=[
            ("new", "New"),
            ("matched", "Matched"),
            ("booked", "Booked"),
            ("duplicate", "Already booked"),
            ("kept", "To resolve"),
            ("resolved", "Booked after review"),
            ("refund", "To refund"),
            ("noted", "Kept with a note"),
        ],
        default="new",
        required=True,
        readonly=True,
        index=True,
    )
    reason = fields.Selection(selection=KEPT_REASONS, readonly=True)
    category = fields.Selection(
        selection=[
            ("matched", "Matched"),
            ("booked", "Booked from file"),
            ("kept", "Kept"),
            ("pending", "Being booked"),
        ],
        compute="_compute_category",
        store=True,
        help="Which total of the file the line's money is in: matched with a payment "
        "already booked (for a biller, by its API), booked from the file, or kept.",
    )
    note = fields.Char(readonly=True, help="Details of why the line was kept.")
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        help="Customer of the line; an accountant may pick another one to book a kept line.",
    )
    bill_id = fields.Many2one(
        comodel_name="account.move",
        string="Bill",
        # the browser's copy of account.move._utility_open_bill_domain()
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), "
        "('payment_state', 'in', ('not_paid', 'partial'))]",
    )
    collection_point_id = fields.Many2one(comodel_name="utility.collection.point", string="Outlet")
    payment_id = fields.Many2one(comodel_name="account.payment", readonly=True, index=True)
    review_note = fields.Char(
        help="The accountant's note on a biller's line kept rather than booked (e.g. the "
        "biller reported the payment failed and refunds the payer).",
    )

    @api.model
    def _utility_protected_fields(self):
        # what the file says (written by the import only), and what became of
        # the line: its state, the reason and details it was kept for and the
        # payment booked (by the import, the Book button or the booking job)
        return {
            "line_no", "txn_id", "paid_at", "paid_date", "customer_number", "bill_number",
            "amount", "outlet_code", "state", "reason", "note", "payment_id",
        }  # fmt: skip

    @api.model
    def _utility_create_only_fields(self):
        return {"import_id"}

    @api.model
    def _utility_review_fields(self):
        """What an accountant picks on a line kept for review before pressing
        Book: editable on kept lines only."""
        return {"partner_id", "bill_id", "collection_point_id", "review_note"}

    @api.depends("state")
    def _compute_category(self):
        for line in self:
            line.category = LINE_CATEGORIES.get(line.state, "pending")

    def write(self, vals):
        if (
            self._utility_review_fields().intersection(vals)
            and not self._utility_has_protected_write()
            and self.filtered(lambda line: line.state != "kept")
        ):
            raise AccessError(
                self.env._(
                    "Only the customer, bill, outlet and note of a line kept for review can "
                    "be changed, before booking it."
                )
            )
        return super().write(vals)

    def _txn_key(self):
        self.ensure_one()
        return f"{self.agency_id._utility_txn_scope()}:{self.txn_id}"

    def _match(self):
        """Decide the fate of new lines with one search per kind of record:
        customers, bills, outlets and transactions already booked."""
        if not self:
            return
        agency = self.agency_id.ensure_one()
        company = agency.company_id
        currency = company.currency_id
        customers = self.env["res.partner"].search(
            [
                ("utility_customer_number", "in", list(set(self.mapped("customer_number")))),
                ("company_id", "in", (company.id, False)),
            ]
        )
        customer_by_number = {partner.utility_customer_number: partner for partner in customers}
        Move = self.env["account.move"]
        numbers = [number for number in set(self.mapped("bill_number")) if number]
        bills = Move.search(
            Domain("company_id", "=", company.id)
            & (
                (
                    Domain("move_type", "=", "out_invoice")
                    & Domain("state", "=", "posted")
                    & Domain("name", "in", numbers)
                )
                | Move._utility_open_bill_domain(customers)
            )
        )
        bill_by_number = {bill.name: bill for bill in bills}
        open_bills = bills.filtered(lambda b: b._utility_is_open_bill())
        due_by_partner = {}
        for bill in open_bills:
            partner = bill.commercial_partner_id
            due_by_partner[partner] = due_by_partner.get(partner, 0.0) + bill.amount_residual
        fees_on = self._late_fees_on(open_bills)
        outlet_by_code = {outlet.code: outlet for outlet in agency.outlet_ids}
        keys = {line: line._txn_key() for line in self}
        booked = self.env["account.payment"].search(
            [("company_id", "=", company.id), ("utility_txn_key", "in", list(keys.values()))]
        )
        booked_by_key = {payment.utility_txn_key: payment for payment in booked}
        # transaction id -> its first line; bill -> line number paying it
        seen, claimed = {}, {}

        def money(amount):
            return formatLang(self.env, amount, currency_obj=currency)

        for line in self.sorted("line_no"):
            partner = customer_by_number.get(line.customer_number, self.env["res.partner"])
            bill = bill_by_number.get(line.bill_number, self.env["account.move"])
            vals = {
                "partner_id": partner.id,
                "collection_point_id": outlet_by_code.get(line.outlet_code, False)
                and outlet_by_code[line.outlet_code].id,
            }
            earlier = seen.get(line.txn_id)
            earlier_payment = booked_by_key.get(keys[line])
            if earlier_payment:
                # already booked (an earlier file, the API): the same payment
                # again, or another customer's money under a reused id, which
                # is kept for an accountant rather than dropped
                if line._is_same_payment(partner, earlier_payment):
                    vals.update(state="duplicate", payment_id=earlier_payment.id)
                else:
                    vals.update(
                        state="kept",
                        reason="duplicate_conflict",
                        note=self.env._(
                            "This transaction id was already booked as %(payment)s: "
                            "%(amount)s from %(customer)s%(state)s. This line is another "
                            "payment: check it with the agency, then book it or mark it "
                            "for refund.",
                            payment=earlier_payment.name,
                            amount=money(earlier_payment.amount),
                            customer=earlier_payment.partner_id.display_name,
                            state=self.env._(" (cancelled)")
                            if earlier_payment.state == "canceled"
                            else "",
                        ),
                    )
            elif earlier and not (
                earlier.customer_number == line.customer_number
                and earlier.bill_number == line.bill_number
                and not currency.compare_amounts(earlier.amount, line.amount)
            ):
                vals.update(
                    state="kept",
                    reason="duplicate_conflict",
                    note=self.env._(
                        "Line %s of this file has this transaction id with another customer, "
                        "bill or amount.",
                        earlier.line_no,
                    ),
                )
            elif earlier:
                vals.update(
                    state="duplicate",
                    note=self.env._("The same payment as line %s of this file.", earlier.line_no),
                )
            elif line.outlet_code not in outlet_by_code:
                vals.update(state="kept", reason="unknown_outlet")
            elif not partner:
                vals.update(state="kept", reason="unknown_customer")
            elif line.bill_number and (
                not bill or bill.commercial_partner_id != partner.commercial_partner_id
            ):
                vals.update(state="kept", reason="unknown_bill")
            elif bill and not bill._utility_is_open_bill():
                vals.update(state="kept", reason="bill_not_open", bill_id=bill.id)
            elif bill and bill in claimed:
                vals.update(
                    state="kept",
                    reason="bill_not_open",
                    bill_id=bill.id,
                    note=self.env._("Line %s of this file already pays this bill.", claimed[bill]),
                )
            elif bill and not self._pays_bill(line, bill, fees_on):
                fee = fees_on(line.paid_date)[0].get(bill.id, 0.0)
                vals.update(
                    state="kept",
                    reason="amount_mismatch",
                    bill_id=bill.id,
                    note=self.env._("The bill still owes %s.", money(bill.amount_residual))
                    if currency.is_zero(fee)
                    else self.env._(
                        "The bill still owes %(due)s, or %(total)s with its late fee on %(date)s.",
                        due=money(bill.amount_residual),
                        total=money(bill.amount_residual + fee),
                        date=line.paid_date,
                    ),
                )
            elif not bill and (owed := self._customer_due(line, partner, due_by_partner, fees_on)):
                vals.update(
                    state="kept",
                    reason="amount_mismatch",
                    note=self.env._(
                        "The customer owes %(total)s in all with the late fees on %(date)s.",
                        total=money(owed[0]),
                        date=line.paid_date,
                    )
                    if owed[1]
                    else self.env._("The customer owes %s in all.", money(owed[0])),
                )
            else:
                vals.update(state="matched", bill_id=bill.id)
                if bill:
                    claimed[bill] = line.line_no
                    # what is left for the customer's lines naming no bill
                    commercial = partner.commercial_partner_id
                    due_by_partner[commercial] = (
                        due_by_partner.get(commercial, 0.0) - bill.amount_residual
                    )
            seen.setdefault(line.txn_id, line)
            with line._utility_protected_write():
                line.write(vals)

    def _is_same_payment(self, partner, payment):
        """Whether this line is ``payment`` sent again: the same customer,
        amount and (when the line names one) bill, and still booked."""
        self.ensure_one()
        return bool(
            partner
            and payment.state != "canceled"
            and payment.partner_id.commercial_partner_id == partner.commercial_partner_id
            and not payment.currency_id.compare_amounts(payment.amount, self.amount)
            and (
                not self.bill_number or self.bill_number in payment.utility_bill_ids.mapped("name")
            )
        )

    def _booking_txn_id(self):
        """Transaction id a line is booked under: the agency's, or for a line
        whose id was already used by another payment and that an accountant
        books after review, one of its own (the agency's id stays in the
        memo), so that the booking is not taken for the earlier payment."""
        self.ensure_one()
        # a biller's transaction whose API payment was cancelled or reversed
        # keeps that payment under its id (the line points to it)
        if self.reason == "duplicate_conflict" or (
            self.reason == "api_missing" and self.payment_id
        ):
            return f"{self.txn_id}#{self.import_id.name}-{self.line_no}"
        return self.txn_id

    @api.model
    def _late_fees_on(self, open_bills):
        """``fees_on(date)``: the late fees of ``open_bills`` if paid on
        ``date``, as ``({bill id: fee}, {commercial partner: fees})``,
        computed for all of them at once the first time a date is asked for
        (most files have one or two)."""
        fees_by_date = {}

        def fees_on(date):
            if date not in fees_by_date:
                by_bill = self.env["account.move"]._utility_late_fee_as_of(open_bills, date)
                by_partner = defaultdict(float)
                for bill in open_bills:
                    by_partner[bill.commercial_partner_id] += by_bill.get(bill.id, 0.0)
                fees_by_date[date] = by_bill, by_partner
            return fees_by_date[date]

        return fees_on

    def _pays_bill(self, line, bill, fees_on):
        """A line naming an open bill pays what it owes: the bill, or the
        bill and its late fee on the day paid (what the terminal API shows
        as due), which the booking charges before settling the bill."""
        currency = bill.currency_id
        if not currency.compare_amounts(line.amount, bill.amount_residual):
            return True
        total = bill.amount_residual + fees_on(line.paid_date)[0].get(bill.id, 0.0)
        return not currency.compare_amounts(line.amount, total)

    def _customer_due(self, line, partner, due_by_partner, fees_on):
        """A line naming no bill can be booked on ``partner``'s open bills
        when its amount is at most what they still owe (``due_by_partner``,
        counted off as lines are matched), late fees on the day paid
        included. Returns ``None`` when it can (and counts it off), else
        ``(what the customer owes in all, whether late fees are in it)``."""
        commercial = partner.commercial_partner_id
        currency = line.currency_id
        due = due_by_partner.get(commercial, 0.0)
        fees = 0.0
        if currency.compare_amounts(line.amount, due) > 0:
            fees = fees_on(line.paid_date)[1].get(commercial, 0.0)
        if currency.compare_amounts(line.amount, due + fees) > 0:
            return currency.round(max(due + fees, 0.0)), not currency.is_zero(fees)
        due_by_partner[commercial] = due - line.amount
        return None

    def _book(self, state="booked"):
        """Book the lines through the payment service, all in one batch
        (``account.payment._utility_pay_batch``), idempotent on the agency's
        transaction id; a line the service refuses is kept with its reason."""
        requests = [
            {
                "partner": line.partner_id,
                "amount": line.amount,
                "collection_point": line.collection_point_id,
                "bills": line.bill_id or None,
                "date": line.paid_date,
                "external_txn_id": line._booking_txn_id(),
                "txn_scope": line.agency_id._utility_txn_scope(),
                "journal": line.agency_id.journal_id,
                "memo": line.txn_id,
                # a biller's line: its trade date, as the API would have kept
                "trade_date": line.import_id.trade_date or None,
            }
            for line in self
        ]
        results = self.env["account.payment"]._utility_pay_batch(requests, raise_errors=False)
        with self._utility_protected_write():
            for line, result in zip(self, results):
                if isinstance(result, UserError):
                    line.write({"state": "kept", "reason": "booking_error", "note": str(result)})
                else:
                    line.write({"state": state, "payment_id": result.id, "reason": False})

    def action_book(self):
        """Book a kept line on the customer, bill and outlet the accountant picked."""
        for line in self:
            if line.state != "kept":
                raise UserError(self.env._("Only lines kept for review can be booked by hand."))
            if line.reason in ("api_amount", "api_customer"):
                raise UserError(
                    self.env._(
                        "Line %(line)s: the API already booked this transaction as %(payment)s. "
                        "Keep the line with a note, or have a Collection Manager reverse the "
                        "API payment from the differences.",
                        line=line.line_no,
                        payment=line.payment_id.name,
                    )
                )
            if line.bill_id and not line.partner_id:
                line.partner_id = line.bill_id.partner_id
            if not line.partner_id or not line.collection_point_id:
                raise UserError(
                    self.env._(
                        "Line %s: pick the customer (or the bill) and the outlet first.",
                        line.line_no,
                    )
                )
            if (
                line.bill_id
                and line.bill_id.commercial_partner_id != line.partner_id.commercial_partner_id
            ):
                raise UserError(self.env._("The bill picked is not a bill of the customer picked."))
            # the values picked are checked now, whatever the client sent
            if line.collection_point_id not in line.agency_id.outlet_ids:
                raise UserError(
                    self.env._(
                        "Line %(line)s: the outlet picked is not an outlet of %(agency)s.",
                        line=line.line_no,
                        agency=line.agency_id.name,
                    )
                )
            if line.bill_id and line.bill_id.company_id != line.company_id:
                raise UserError(self.env._("The bill picked is not a bill of this company."))
            line._book(state="resolved")
            if line.state != "resolved":
                raise UserError(line.note)
        return True

    def action_mark_refund(self):
        """Give the money back instead of booking it (the agency refunds the payer)."""
        if self.filtered(lambda line: line.state != "kept"):
            raise UserError(self.env._("Only lines kept for review can be marked for refund."))
        with self._utility_protected_write():
            self.write({"state": "refund"})
        return True

    def action_keep_noted(self):
        """Keep a biller's line without booking it, with the accountant's
        note saying why (the line's money stays in the kept total)."""
        for line in self:
            if line.state != "kept":
                raise UserError(self.env._("Only lines kept for review can be kept with a note."))
            if not (line.review_note or "").strip():
                raise UserError(
                    self.env._("Line %s: write the note saying why it is kept first.", line.line_no)
                )
        with self._utility_protected_write():
            self.write({"state": "noted"})
        return True

    @api.model
    def _get_reason_label(self, reason):
        return dict(KEPT_REASONS).get(reason, "")
