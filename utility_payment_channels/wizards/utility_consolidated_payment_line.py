from odoo import fields, models


class UtilityConsolidatedPaymentLine(models.TransientModel):
    """One customer of a consolidated payment with what is paid for them."""

    _name = "utility.consolidated.payment.line"
    _description = "Consolidated Payment Customer"

    wizard_id = fields.Many2one(
        comodel_name="utility.consolidated.payment", required=True, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="wizard_id.currency_id")
    partner_id = fields.Many2one(comodel_name="res.partner", string="Customer", required=True)
    customer_number = fields.Char(related="partner_id.utility_customer_number")
    village = fields.Char(related="partner_id.utility_village")
    bill_count = fields.Integer(string="Open Bills")
    amount_due = fields.Monetary(
        string="Due", help="The customer's open bills and their late fees as of today."
    )
    amount = fields.Monetary(string="Paid", help="More than due becomes prepaid credit.")
