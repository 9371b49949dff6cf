from odoo import fields, models


class UtilityMeterReading(models.Model):
    _inherit = "utility.meter.reading"

    reading_type = fields.Selection(
        selection_add=[("remote", "Remote (head-end)")],
        ondelete={"remote": "set default"},
    )
