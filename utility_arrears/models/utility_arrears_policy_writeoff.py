from odoo import fields, models


class UtilityArrearsPolicy(models.Model):
    """How long a bill must be overdue before it may be written off."""

    _inherit = "utility.arrears.policy"  # pylint: disable=consider-merging-classes-inherited

    writeoff_min_days_overdue = fields.Integer(
        string="Write-off After (days overdue)",
        default=365,
        tracking=True,
        help="A bill is proposed for a bad-debt write-off once it is overdue by at least "
        "this many days.",
    )
