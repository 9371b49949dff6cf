from odoo import fields, models


class ResCompany(models.Model):
    """How the company's VAT e-invoice requests cover its bills."""

    _inherit = "res.company"

    utility_einvoice_per = fields.Selection(
        selection=[("bill", "Per bill"), ("payment", "Per payment")],
        string="E-invoice Requests",
        default="bill",
        # not required: a NOT NULL column on res_company would break every
        # company created by a module loaded before this one (Odoo's own
        # tests on an installed database); empty means per bill
        help="Per bill: one e-invoice request for each bill. Per payment: one "
        "request for the bills a payment paid.",
    )
