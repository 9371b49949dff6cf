from odoo import api, fields, models


class UtilityCounterPaymentLine(models.TransientModel):
    """An open bill shown on the counter screen; ticking bills restricts the
    payment to them."""

    _name = "utility.counter.payment.line"
    _description = "Counter Payment Bill"
    _order = "date_due, id"

    wizard_id = fields.Many2one(
        comodel_name="utility.counter.payment", required=True, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="wizard_id.currency_id")
    bill_id = fields.Many2one(comodel_name="account.move", string="Bill", required=True)
    invoice_date = fields.Date(related="bill_id.invoice_date")
    date_due = fields.Date(related="bill_id.invoice_date_due", string="Due Date")
    amount_total = fields.Monetary(related="bill_id.amount_total", string="Billed")
    amount_residual = fields.Monetary(
        string="Open",
        compute="_compute_amount_residual",
        store=True,
        help="Open amount of the bill when the customer was served; it stays on the "
        "screen once the bill is paid.",
    )
    # the parts of the bill as its paper bill prints them (booked on its tax
    # lines); what the customer pays stays the bill's total
    amount_untaxed = fields.Monetary(
        string="Charges excl. VAT",
        compute="_compute_tax_parts",
        help="Charges of the bill net of VAT and of the government funds and surcharges.",
    )
    amount_vat = fields.Monetary(
        string="VAT",
        compute="_compute_tax_parts",
        help="Output VAT included in the bill.",
    )
    amount_funds = fields.Monetary(
        string="Funds and Surcharges",
        compute="_compute_tax_parts",
        help="Government funds and surcharges included in the bill.",
    )
    company_id = fields.Many2one(related="bill_id.company_id", string="Billed By")
    selected = fields.Boolean(string="Pay", help="Tick to pay only the ticked bills.")

    @api.depends("bill_id")
    def _compute_amount_residual(self):
        # a snapshot: once the payment settles the bill, the screen still shows
        # what was due, so that the change and prepaid credit stay right
        for line in self:
            line.amount_residual = line.bill_id.amount_residual

    @api.depends("bill_id")
    def _compute_tax_parts(self):
        for line in self:
            summary = line.bill_id._utility_tax_summary() if line.bill_id else {}
            line.amount_untaxed = summary.get("untaxed", 0.0)
            line.amount_vat = summary.get("vat_total", 0.0)
            line.amount_funds = summary.get("fund_total", 0.0)
