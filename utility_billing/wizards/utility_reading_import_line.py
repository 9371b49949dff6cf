from odoo import fields, models


class UtilityReadingImportLine(models.TransientModel):
    """The result of one row of an imported readings file."""

    _name = "utility.reading.import.line"
    _description = "Meter Reading Import Row"
    _order = "row"

    import_id = fields.Many2one(
        comodel_name="utility.reading.import", required=True, ondelete="cascade"
    )
    row = fields.Integer(help="Row number in the file (the header is row 1).")
    meter_serial = fields.Char()
    reading_date = fields.Date()
    value = fields.Float(digits=(16, 2))
    status = fields.Selection(
        selection=[
            ("imported", "Imported"),
            ("to_review", "Imported, to review"),
            ("not_imported", "Not imported"),
            ("rejected", "Rejected"),
        ],
        required=True,
    )
    message = fields.Text(string="Reason")
    reading_id = fields.Many2one(comodel_name="utility.meter.reading")
