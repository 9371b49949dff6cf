import base64

from odoo import fields, models


class UtilityEinvoiceImport(models.TransientModel):
    """Import the tax platform's results for a batch: a results sheet
    (serial, invoice number, date or reason), or a zip archive with the
    sheet and the issued PDF/OFD files."""

    _name = "utility.einvoice.import"
    _description = "Import E-invoice Results"

    batch_id = fields.Many2one(comodel_name="utility.einvoice.batch", required=True)
    file = fields.Binary(string="Results File", required=True)
    filename = fields.Char()

    def action_import(self):
        self.ensure_one()
        content = base64.b64decode(self.file) if self.file else b""
        self.batch_id._utility_import_results(content, self.filename)
        return {
            "type": "ir.actions.act_window",
            "res_model": "utility.einvoice.batch",
            "res_id": self.batch_id.id,
            "view_mode": "form",
            "name": self.env._("E-invoice Batch"),
        }
