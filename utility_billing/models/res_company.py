from odoo import fields, models


class ResCompany(models.Model):
    """How the company's VAT e-invoice requests cover its bills."""

    _inherit = "res.company"

    utility_einvoice_per = fields.Selection(
        selection=[("bill", "Per bill"), ("payment", "Per payment")],
        string="E-invoice Requests",
        default="bill",
        required=True,
        help="Per bill: one e-invoice request for each bill. Per payment: one "
        "request for the bills a payment paid.",
    )
