import re

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command

# 统一社会信用代码 (18) or taxpayer identification number (15, 17 or 20):
# digits and uppercase letters only, as the tax platform accepts them
TAX_ID_PATTERN = re.compile(r"(?:[0-9A-Z]{15}|[0-9A-Z]{17}|[0-9A-Z]{18}|[0-9A-Z]{20})")
# the platform's 发票流水号: at most 20 characters, unique per invoice
SERIAL_MAX_LENGTH = 20
BUYER_FIELDS = (
    "buyer_name",
    "buyer_tax_id",
    "buyer_address",
    "buyer_phone",
    "buyer_bank",
    "buyer_bank_account",
    "buyer_email",
)
# a request in one of these states no longer covers its bills
INACTIVE_STATES = ("rejected", "cancelled")


class UtilityEinvoiceRequest(models.Model):
    """A customer's request for a VAT e-invoice (数电票) for bills.

    One request per bill, or per payment (the bills it paid), as the
    company's ``utility_einvoice_per`` says. Every channel (back office,
    counter, portal) creates requests with ``_utility_create_requests``; the
    provider sends them (``utility.einvoice.provider._einvoice_send``) and
    records the issued invoice (number, date, PDF/OFD files) or the
    rejection. The issued invoice's red-letter confirmation (红字确认) is
    recorded before a credit note of its bills may post."""

    _name = "utility.einvoice.request"
    _description = "E-invoice Request"
    _inherit = ["mail.thread", "utility.protected.fields.mixin"]
    _order = "id desc"

    name = fields.Char(string="Reference", readonly=True, copy=False, default="/")
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Customer", readonly=True, index=True, tracking=True
    )
    move_ids = fields.Many2many(
        comodel_name="account.move",
        relation="utility_einvoice_request_move_rel",
        column1="request_id",
        column2="move_id",
        string="Bills",
        readonly=True,
        copy=False,
        help="The bills the e-invoice covers: one bill, or the bills a payment paid.",
    )
    payment_id = fields.Many2one(
        comodel_name="account.payment", string="Payment", readonly=True, copy=False, index=True
    )
    invoice_type = fields.Selection(
        selection=[("special", "Special VAT invoice"), ("ordinary", "Ordinary invoice")],
        required=True,
        default="ordinary",
        tracking=True,
        help="A special VAT invoice (专票) lets a VAT-registered buyer deduct the "
        "input VAT: it needs the buyer's tax id, address, phone and bank account.",
    )
    buyer_name = fields.Char(string="Buyer Name", tracking=True, help="购买方名称")
    buyer_tax_id = fields.Char(
        string="Buyer Tax ID",
        tracking=True,
        help="Unified social credit code (统一社会信用代码) or taxpayer identification "
        "number: 15, 17, 18 or 20 digits and uppercase letters.",
    )
    buyer_address = fields.Char(string="Buyer Address")
    buyer_phone = fields.Char(string="Buyer Phone")
    buyer_bank = fields.Char(string="Buyer Bank")
    buyer_bank_account = fields.Char(string="Buyer Bank Account")
    buyer_email = fields.Char(string="Buyer Email", help="Where the platform sends the e-invoice.")
    currency_id = fields.Many2one(
        comodel_name="res.currency", related="company_id.currency_id", string="Currency"
    )
    amount_total = fields.Monetary(
        string="Amount", readonly=True, copy=False, help="Total of the bills covered, tax included."
    )
    origin = fields.Selection(
        selection=[("back_office", "Back office"), ("counter", "Counter"), ("portal", "Portal")],
        default="back_office",
        required=True,
        readonly=True,
    )
    state = fields.Selection(
        selection=[
            ("requested", "Requested"),
            ("sent", "Sent"),
            ("issued", "Issued"),
            ("rejected", "Rejected"),
            ("cancelled", "Cancelled"),
        ],
        default="requested",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    provider_id = fields.Many2one(
        comodel_name="utility.einvoice.provider", readonly=True, copy=False, index=True
    )
    batch_id = fields.Many2one(
        comodel_name="utility.einvoice.batch", readonly=True, copy=False, index=True
    )
    serial = fields.Char(
        string="Invoice Serial",
        readonly=True,
        copy=False,
        index=True,
        help="发票流水号: the reference the tax platform's batch file and results carry.",
    )
    einvoice_number = fields.Char(
        string="E-invoice Number", readonly=True, copy=False, index=True, tracking=True
    )
    einvoice_date = fields.Date(string="E-invoice Date", readonly=True, copy=False)
    attachment_ids = fields.Many2many(
        comodel_name="ir.attachment",
        relation="utility_einvoice_request_attachment_rel",
        column1="request_id",
        column2="attachment_id",
        string="E-invoice Files",
        readonly=True,
        copy=False,
        help="The issued e-invoice (PDF, OFD) as the tax platform returned it.",
    )
    reject_reason = fields.Text(readonly=True, copy=False)
    red_letter_number = fields.Char(
        string="Red-letter Confirmation Number",
        readonly=True,
        copy=False,
        tracking=True,
        help="红字确认单编号: recorded before a credit note of the invoiced bills posts.",
    )
    red_letter_date = fields.Date(string="Red-letter Confirmation Date", readonly=True, copy=False)

    _serial_uniq = models.UniqueIndex(
        "(serial) WHERE serial IS NOT NULL", "Each e-invoice serial is used once."
    )

    # -- protection ----------------------------------------------------------
    @api.model
    def _utility_create_only_fields(self):
        # given at creation (a plain create is refused anyway: no bills)
        return {"company_id"}

    @api.model
    def _utility_protected_fields(self):
        return {
            "name",
            "partner_id",
            "move_ids",
            "payment_id",
            "amount_total",
            "origin",
            "state",
            "provider_id",
            "batch_id",
            "serial",
            "einvoice_number",
            "einvoice_date",
            "attachment_ids",
            "reject_reason",
            "red_letter_number",
            "red_letter_date",
        }

    @api.model_create_multi
    def create(self, vals_list):
        requests = super().create(vals_list)
        # a constraint runs only for the fields given: a request made
        # without bills (a plain create) is refused here
        requests._check_move_ids()
        # the bills compute their requests (not stored): read them afresh
        self.env["account.move"].invalidate_model(
            ["utility_einvoice_request_ids", "utility_einvoice_state"]
        )
        for request in requests:
            # sudo: the reference is the sequence's, whoever creates (a
            # cashier at the counter may create requests, not edit them)
            with request._utility_protected_write():
                request.sudo().name = (
                    self.env["ir.sequence"]
                    .with_company(request.company_id)
                    .next_by_code("utility.einvoice.request")
                    or "/"
                )
        return requests

    def write(self, vals):
        if set(BUYER_FIELDS + ("invoice_type",)).intersection(vals) and not (
            self._utility_has_protected_write()
        ):
            sent = self.filtered(lambda r: r.state != "requested")
            if sent:
                raise UserError(
                    self.env._(
                        "The buyer of an e-invoice request can only be changed before it is "
                        "sent: %s.",
                        ", ".join(sent.mapped("name")),
                    )
                )
        result = super().write(vals)
        if {"move_ids", "state"}.intersection(vals):
            self.env["account.move"].invalidate_model(
                ["utility_einvoice_request_ids", "utility_einvoice_state"]
            )
        return result

    @api.constrains("move_ids", "payment_id")
    def _check_move_ids(self):
        for request in self:
            if not request.move_ids:
                raise ValidationError(self.env._("An e-invoice request covers at least one bill."))

    @api.constrains("invoice_type", *BUYER_FIELDS)
    def _check_buyer(self):
        for request in self:
            request._utility_check_buyer_vals(
                {fname: request[fname] for fname in ("invoice_type", *BUYER_FIELDS)}
            )

    @api.model
    def _utility_check_buyer_vals(self, vals):
        """Refuse buyer values the tax platform would refuse."""
        if not (vals.get("buyer_name") or "").strip():
            raise ValidationError(self.env._("The buyer's name (invoice title) is required."))
        tax_id = (vals.get("buyer_tax_id") or "").strip()
        if vals.get("invoice_type") == "special":
            labels = {
                "buyer_tax_id": self.env._("tax ID"),
                "buyer_address": self.env._("address"),
                "buyer_phone": self.env._("phone"),
                "buyer_bank": self.env._("bank"),
                "buyer_bank_account": self.env._("bank account"),
            }
            missing = [
                label for fname, label in labels.items() if not (vals.get(fname) or "").strip()
            ]
            if missing:
                raise ValidationError(
                    self.env._("A special VAT invoice needs the buyer's %s.", ", ".join(missing))
                )
        if tax_id and not TAX_ID_PATTERN.fullmatch(tax_id):
            raise ValidationError(
                self.env._(
                    "%s is not a valid tax ID: a unified social credit code or taxpayer "
                    "identification number has 15, 17, 18 or 20 digits and uppercase letters.",
                    tax_id,
                )
            )

    # -- creation ------------------------------------------------------------
    @api.model
    def _utility_create_requests(self, targets, buyer_vals, origin):
        """Create the e-invoice requests of ``targets`` for every channel.

        ``targets``: customer bills (``account.move``) or one
        ``account.payment`` (its bills are those it paid). The company's
        ``utility_einvoice_per`` decides the shape: one request per bill, or
        one request for the bills of the payment (per customer, for bills).
        ``buyer_vals``: ``invoice_type`` and the ``buyer_*`` fields.
        ``origin``: back_office, counter or portal. Returns the requests;
        raises a ``UserError`` and creates nothing when a bill cannot be
        invoiced or the buyer is incomplete."""
        payment = self.env["account.payment"]
        if targets._name == "account.payment":
            payment = targets
            payment.ensure_one()
            # a security deposit is no sale: it gets no VAT e-invoice
            bills = (payment.reconciled_invoice_ids | payment.invoice_ids).filtered(
                lambda m: (
                    m.move_type == "out_invoice"
                    and m.state == "posted"
                    and not m.utility_entry_kind
                )
            )
            if not bills:
                raise UserError(
                    self.env._("Payment %s paid no bill to invoice.", payment.display_name)
                )
            company = payment.company_id
        else:
            bills = targets
            if not bills:
                raise UserError(self.env._("Select the bills to invoice."))
            company = bills[0].company_id
        wrong = bills.filtered(
            lambda m: (
                m.move_type != "out_invoice"
                or m.state != "posted"
                or m.company_id != company
                or m.utility_entry_kind
            )
        )
        if wrong:
            raise UserError(
                self.env._(
                    "Only posted customer bills of one company can be invoiced: %s.",
                    ", ".join(wrong.mapped("display_name")),
                )
            )
        taken = bills.sudo().utility_einvoice_request_ids.filtered(
            lambda r: r.state not in INACTIVE_STATES
        )
        if taken:
            raise UserError(
                self.env._(
                    "These bills already have an e-invoice request: %s.",
                    ", ".join(sorted({move.display_name for move in taken.move_ids & bills})),
                )
            )
        buyer = {fname: (buyer_vals.get(fname) or "").strip() or False for fname in BUYER_FIELDS}
        buyer["invoice_type"] = buyer_vals.get("invoice_type") or "ordinary"
        if buyer["buyer_tax_id"]:
            buyer["buyer_tax_id"] = buyer["buyer_tax_id"].upper()
        try:
            self._utility_check_buyer_vals(buyer)
        except ValidationError as error:
            raise UserError(error.args[0]) from error
        if company.utility_einvoice_per == "payment":
            groups = [
                bills.filtered(lambda m, p=partner: m.commercial_partner_id == p)
                for partner in bills.commercial_partner_id
            ]
        else:
            groups = list(bills)
        vals_list = [
            {
                **buyer,
                "company_id": company.id,
                "partner_id": group.commercial_partner_id[:1].id,
                "move_ids": [Command.set(group.ids)],
                "payment_id": payment.id,
                "amount_total": sum(group.mapped("amount_total")),
                "origin": origin,
            }
            for group in groups
        ]
        with self.browse()._utility_protected_write():
            return self.create(vals_list)

    # -- sending and the results -------------------------------------------
    def _utility_assign_serials(self):
        """Give each request its 发票流水号 (≤ 20 characters, unique)."""
        with self._utility_protected_write():
            for request in self.filtered(lambda r: not r.serial):
                request.serial = f"UE{request.id:012d}"[-SERIAL_MAX_LENGTH:]

    def action_send(self):
        """Send the requested requests, with each company's provider."""
        requests = self.filtered(lambda r: r.state == "requested")
        if not requests:
            raise UserError(self.env._("Select e-invoice requests that are still to be sent."))
        batches = self.env["utility.einvoice.batch"]
        for company in requests.company_id:
            company_requests = requests.filtered(lambda r, c=company: r.company_id == c)
            provider = self.env["utility.einvoice.provider"]._utility_get_provider(company)
            result = provider._einvoice_send(company_requests)
            if result and result._name == "utility.einvoice.batch":
                batches |= result
        if len(batches) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "utility.einvoice.batch",
                "res_id": batches.id,
                "view_mode": "form",
                "name": self.env._("E-invoice Batch"),
            }
        return True

    def action_cancel(self):
        """Withdraw requests not yet sent (the customer no longer wants one)."""
        wrong = self.filtered(lambda r: r.state != "requested")
        if wrong:
            raise UserError(
                self.env._(
                    "Only requests not yet sent can be cancelled: %s.",
                    ", ".join(wrong.mapped("name")),
                )
            )
        with self._utility_protected_write():
            self.write({"state": "cancelled"})

    def _utility_record_red_letter(self, number, date):
        """Record the red-letter confirmation (红字确认) of issued e-invoices."""
        number = (number or "").strip()
        if not number or not date:
            raise UserError(self.env._("Give the red-letter confirmation number and date."))
        wrong = self.filtered(lambda r: r.state != "issued")
        if wrong:
            raise UserError(
                self.env._(
                    "Only issued e-invoices take a red-letter confirmation: %s.",
                    ", ".join(wrong.mapped("name")),
                )
            )
        with self._utility_protected_write():
            self.write({"red_letter_number": number, "red_letter_date": date})
        for request in self:
            request.message_post(body=self.env._("Red-letter confirmation %s recorded.", number))
