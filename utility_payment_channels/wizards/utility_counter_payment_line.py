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
    company_id = fields.Many2one(related="bill_id.company_id", string="Billed By")
    selected = fields.Boolean(string="Pay", help="Tick to pay only the ticked bills.")

    @api.depends("bill_id")
    def _compute_amount_residual(self):
        # a snapshot: once the payment settles the bill, the screen still shows
        # what was due, so that the change and prepaid credit stay right
        for line in self:
            line.amount_residual = line.bill_id.amount_residual
