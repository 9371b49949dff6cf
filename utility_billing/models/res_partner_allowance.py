from odoo import fields, models


class ResPartner(models.Model):
    """A customer's social allowance certificates (低保 / 五保)."""

    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    utility_allowance_certificate_ids = fields.One2many(
        comodel_name="utility.allowance.certificate",
        inverse_name="partner_id",
        string="Allowance Certificates",
        groups="utility_billing.group_utility_billing_officer,"
        "utility_billing.group_utility_accountant",
    )
