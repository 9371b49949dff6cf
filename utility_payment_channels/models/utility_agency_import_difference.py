from odoo import api, fields, models


class UtilityAgencyImportDifference(models.Model):
    """A difference between an agency file and what the agency's networked
    counters booked through the terminal API for the same days."""

    _name = "utility.agency.import.difference"
    _description = "Agency File Difference"
    _inherit = ["utility.protected.fields.mixin"]
    _order = "import_id desc, kind, txn_id"

    import_id = fields.Many2one(
        comodel_name="utility.agency.import", required=True, ondelete="cascade", index=True
    )
    agency_id = fields.Many2one(related="import_id.agency_id", store=True)
    company_id = fields.Many2one(related="import_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="import_id.currency_id")
    kind = fields.Selection(
        selection=[
            ("file_only", "In the file, not booked by the API"),
            ("api_only", "Booked by the API, not in the file"),
            ("amount", "Amounts differ"),
        ],
        required=True,
    )
    txn_id = fields.Char(string="Transaction", required=True)
    line_id = fields.Many2one(comodel_name="utility.agency.import.line", string="File Line")
    line_state = fields.Selection(related="line_id.state", string="Line Status")
    payment_id = fields.Many2one(comodel_name="account.payment", string="API Payment")
    amount_file = fields.Monetary(string="Amount in File")
    amount_api = fields.Monetary(string="Amount Booked by API")

    @api.model
    def _utility_protected_fields(self):
        # found by the import only: nothing of it is an accountant's to change
        return {"kind", "txn_id", "line_id", "payment_id", "amount_file", "amount_api"}

    @api.model
    def _utility_create_only_fields(self):
        return {"import_id"}
