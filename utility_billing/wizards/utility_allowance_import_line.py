from odoo import fields, models

from odoo.addons.utility_billing.models.utility_allowance_certificate import ALLOWANCE_KINDS


class UtilityAllowanceImportLine(models.TransientModel):
    """The result of one line of an imported civil affairs list."""

    _name = "utility.allowance.import.line"
    _description = "Allowance Certificate Import Line"
    _order = "row"

    import_id = fields.Many2one(
        comodel_name="utility.allowance.import", required=True, ondelete="cascade"
    )
    row = fields.Integer(string="Line No.", help="Line number in the file (the header is line 1).")
    customer_number = fields.Char()
    holder_id_number = fields.Char(string="Holder ID Number")
    partner_id = fields.Many2one(comodel_name="res.partner", string="Customer")
    number = fields.Char(string="Certificate Number")
    kind = fields.Selection(selection=ALLOWANCE_KINDS)
    date_from = fields.Date(string="Valid From")
    date_to = fields.Date(string="Valid To")
    status = fields.Selection(
        selection=[
            ("created", "Created"),
            ("updated", "Updated"),
            ("unchanged", "Unchanged"),
            ("rejected", "Rejected"),
        ],
        required=True,
    )
    message = fields.Text(string="Reason")
    certificate_id = fields.Many2one(comodel_name="utility.allowance.certificate")
