from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero

CHANNEL_SELECTION = [
    ("hall", "Service hall counter"),
    ("agency", "Agency"),
    ("terminal", "Self-service terminal"),
    ("field", "Door-to-door collection"),
    ("online", "Online"),
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

    _utility_txn_key_uniq = models.UniqueIndex(
        "(company_id, utility_txn_key) WHERE utility_txn_key IS NOT NULL",
        "This transaction has already been booked.",
    )

    @api.model
    def _utility_open_bills(self, partner, bills=None):
        """Open posted customer invoices of ``partner``, oldest due first;
        restricted to ``bills`` when given."""
        domain = [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
            ("commercial_partner_id", "=", partner.commercial_partner_id.id),
        ]
        if bills is not None:
            domain.append(("id", "in", bills.ids))
        return self.env["account.move"].search(domain, order="invoice_date_due, invoice_date, id")

    @api.model
    def _utility_pay(
        self,
        partner,
        amount,
        collection_point,
        *,
        bills=None,
        date=None,
        external_txn_id=None,
        txn_scope=None,
        payer=None,
        operator=None,
        journal=None,
        payment_method_line=None,
        memo=None,
    ):
        """Book a utility payment and allocate it.

        Creates and posts an inbound customer payment of ``amount`` in the
        collection point's journal (or ``journal``), then reconciles it with
        the named ``bills`` in the given order, or with the customer's open
        bills oldest due first. An amount above what is due stays as credit
        on the receivable (prepaid balance).

        ``external_txn_id`` with ``txn_scope`` (e.g. ``terminal:7``) makes the
        booking idempotent: a second call with the same pair returns the
        payment already booked instead of booking again.

        :returns: the posted ``account.payment``
        """
        company = collection_point.company_id
        currency = company.currency_id
        if float_compare(amount, 0.0, precision_rounding=currency.rounding) <= 0:
            raise UserError(self.env._("The amount paid must be positive."))
        if not float_is_zero(
            currency.round(amount) - amount, precision_digits=currency.decimal_places + 2
        ):
            raise UserError(
                self.env._(
                    "The amount %(amount)s has more decimals than the currency %(currency)s.",
                    amount=amount,
                    currency=currency.name,
                )
            )
        txn_key = None
        if external_txn_id:
            txn_key = f"{txn_scope or collection_point.kind}:{external_txn_id}"
            existing = self.search(
                [("company_id", "=", company.id), ("utility_txn_key", "=", txn_key)], limit=1
            )
            if existing:
                return existing
        journal = journal or collection_point.journal_id
        if not journal:
            raise UserError(
                self.env._(
                    "Collection point %s has no journal to book payments in.",
                    collection_point.display_name,
                )
            )
        method_line = payment_method_line or journal.inbound_payment_method_line_ids[:1]
        open_bills = self._utility_open_bills(partner, bills)
        if bills is not None and len(open_bills) != len(bills):
            raise UserError(
                self.env._("Some of the named bills are not open bills of %s.", partner.name)
            )
        if bills is not None:
            # keep the order the payer named them in
            order = {bill.id: index for index, bill in enumerate(bills)}
            open_bills = open_bills.sorted(lambda b: order[b.id])
        payment = self.create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": partner.commercial_partner_id.id,
                "amount": currency.round(amount),
                "currency_id": currency.id,
                "date": date or fields.Date.context_today(self),
                "journal_id": journal.id,
                "payment_method_line_id": method_line.id,
                "company_id": company.id,
                "memo": memo or external_txn_id or False,
                "utility_channel": collection_point.kind
                if collection_point.kind in dict(CHANNEL_SELECTION)
                else False,
                "utility_collection_point_id": collection_point.id,
                "utility_operator_id": (operator or self.env.user).id,
                "utility_payer_id": payer.id if payer else False,
                "utility_external_txn_id": external_txn_id or False,
                "utility_txn_key": txn_key,
            }
        )
        payment.action_post()
        payment._utility_allocate(open_bills)
        return payment

    def _utility_receivable_line(self):
        self.ensure_one()
        return self.move_id.line_ids.filtered(
            lambda line: line.account_id == self.destination_account_id and not line.reconciled
        )

    def _utility_allocate(self, bills):
        """Reconcile this payment with ``bills`` one after the other, in order,
        until the payment is used up."""
        self.ensure_one()
        settled = self.env["account.move"]
        for bill in bills:
            pay_line = self._utility_receivable_line()
            if not pay_line:
                break
            bill_lines = bill.line_ids.filtered(
                lambda line: line.account_id == self.destination_account_id and not line.reconciled
            )
            if not bill_lines:
                continue
            (pay_line + bill_lines).reconcile()
            settled |= bill
        if settled:
            self.utility_bill_ids = [fields.Command.link(bill.id) for bill in settled]
        return settled
