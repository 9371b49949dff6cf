from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    utility_cc_threshold = fields.Monetary(
        related="company_id.utility_cc_threshold", readonly=False
    )
    utility_cc_grace_hours = fields.Integer(
        related="company_id.utility_cc_grace_hours", readonly=False
    )
    utility_cc_notice_hours = fields.Integer(
        related="company_id.utility_cc_notice_hours", readonly=False
    )
    utility_cc_calendar_id = fields.Many2one(
        related="company_id.utility_cc_calendar_id", readonly=False
    )
