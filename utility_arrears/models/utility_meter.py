from odoo import fields, models


class UtilityMeter(models.Model):
    """A smart meter read (and, when its relay allows it, switched) by a
    head-end system."""

    _inherit = "utility.meter"

    headend_id = fields.Many2one(
        comodel_name="utility.headend",
        string="Head-end System",
        index="btree_not_null",
        tracking=True,
        ondelete="restrict",
        domain="[('company_id', '=', company_id)]",
        help="The head-end system that reads this meter daily; only it may send its readings.",
    )
    remote_capable = fields.Boolean(
        string="Remote Switching",
        tracking=True,
        help="The meter's relay can be opened and closed remotely by its head-end.",
    )
