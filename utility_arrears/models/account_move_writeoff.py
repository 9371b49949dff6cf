from odoo import api, fields, models


class AccountMove(models.Model):
    """The written-off register line of a bill (bad-debt write-off)."""

    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    utility_writeoff_line_id = fields.Many2one(
        comodel_name="utility.writeoff.line",
        string="Write-off",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The line of the written-off register of this bill: set when the bill is "
        "written off as a bad debt (账销案存).",
    )

    @api.model
    def _utility_lifecycle_protected_fields(self):
        return super()._utility_lifecycle_protected_fields() | {"utility_writeoff_line_id"}
