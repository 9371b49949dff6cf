from odoo import fields, models


class UtilityPayerGroup(models.Model):
    """A saved list of customers one payer settles together (整收): a village
    committee for its households, a landlord for tenants, a company for its
    meters. Used by the consolidated payment."""

    _name = "utility.payer.group"
    _description = "Payer Group"
    _inherit = ["mail.thread", "utility.protected.fields.mixin"]
    _order = "name"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    payer_id = fields.Many2one(
        comodel_name="res.partner",
        string="Payer",
        tracking=True,
        help="Who usually pays for the members (proposed in the consolidated payment).",
    )
    member_ids = fields.Many2many(
        comodel_name="res.partner",
        relation="utility_payer_group_partner_rel",
        column1="group_id",
        column2="partner_id",
        string="Customers",
        domain="[('utility_customer_number', '!=', False)]",
    )
    member_count = fields.Integer(compute="_compute_member_count")

    def _compute_member_count(self):
        for group in self:
            group.member_count = len(group.member_ids)
