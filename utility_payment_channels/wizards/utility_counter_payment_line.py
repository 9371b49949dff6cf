from odoo import fields, models


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
    amount_residual = fields.Monetary(related="bill_id.amount_residual", string="Open")
    company_id = fields.Many2one(related="bill_id.company_id", string="Billed By")
    selected = fields.Boolean(string="Pay", help="Tick to pay only the ticked bills.")
