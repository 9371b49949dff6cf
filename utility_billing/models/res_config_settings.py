from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    utility_einvoice_per = fields.Selection(
        related="company_id.utility_einvoice_per", readonly=False
    )
