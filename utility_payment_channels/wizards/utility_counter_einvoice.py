from odoo import api, fields, models
from odoo.exceptions import UserError

BUYER_FIELDS = (
    "buyer_name",
    "buyer_tax_id",
    "buyer_address",
    "buyer_phone",
    "buyer_bank",
    "buyer_bank_account",
    "buyer_email",
)


class UtilityCounterEinvoice(models.TransientModel):
    """The cashier's VAT e-invoice request, right after a payment at the
    counter: the buyer's details, filled in from the customer's last
    request (or the customer), for the bills just paid (one request per
    bill) or for the payment (one request), as the company's setting
    says."""

    _name = "utility.counter.einvoice"
    _description = "Counter E-invoice Request"

    counter_payment_id = fields.Many2one(
        comodel_name="utility.counter.payment",
        string="Counter",
        required=True,
        readonly=True,
        ondelete="cascade",
    )
    payment_id = fields.Many2one(related="counter_payment_id.payment_id")
    partner_id = fields.Many2one(related="counter_payment_id.partner_id")
    einvoice_per = fields.Selection(
        related="counter_payment_id.session_id.company_id.utility_einvoice_per",
        string="E-invoice Requests",
    )
    invoice_type = fields.Selection(
        selection=[("ordinary", "Ordinary invoice"), ("special", "Special VAT invoice")],
        string="Kind of Invoice",
        required=True,
        default="ordinary",
    )
    buyer_name = fields.Char(string="Invoice Title", help="The buyer's name (发票抬头).")
    buyer_tax_id = fields.Char(string="Taxpayer ID")
    buyer_address = fields.Char(string="Registered Address")
    buyer_phone = fields.Char(string="Registered Phone")
    buyer_bank = fields.Char(string="Bank of the Account")
    buyer_bank_account = fields.Char(string="Bank Account Number")
    buyer_email = fields.Char(string="Email for the E-invoice")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        counter = self.env["utility.counter.payment"].browse(values.get("counter_payment_id"))
        if counter.exists() and counter.partner_id:
            defaults = counter.partner_id._utility_einvoice_buyer_defaults()
            values.update({name: value for name, value in defaults.items() if name in fields_list})
        return values

    def action_request(self):
        """Create the requests through the e-invoice creation API (origin
        counter) for the payment the counter just booked."""
        self.ensure_one()
        counter = self.counter_payment_id
        if counter.state != "done" or not counter.payment_id:
            raise UserError(self.env._("Take the payment first: an e-invoice follows a payment."))
        buyer_vals = {name: self[name] for name in BUYER_FIELDS}
        buyer_vals["invoice_type"] = self.invoice_type
        if self.invoice_type == "ordinary":
            # the bank details are printed on special invoices only
            for name in ("buyer_address", "buyer_phone", "buyer_bank", "buyer_bank_account"):
                buyer_vals[name] = False
        # read first as the cashier: another cashier's screen is refused
        # here by its record rule
        payment = counter.payment_id
        # sudo on the payment only: its paid bills (Odoo's
        # reconciled_invoice_ids) are computed with its statement lines, which
        # cashiers cannot read; it is the payment this counter screen, the
        # cashier's own, booked. The requests are created with the cashier's
        # rights; the creation API validates the buyer and refuses a second
        # request.
        self.env["utility.einvoice.request"]._utility_create_requests(
            payment.sudo(), buyer_vals, "counter"
        )
        return {"type": "ir.actions.act_window_close"}
