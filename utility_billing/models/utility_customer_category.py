from odoo import api, fields, models


class UtilityCustomerCategory(models.Model):
    """One of the fixed customer categories of :class:`res.partner`
    (``utility_category``) as a record, so that a billing run's scope can
    pick several of them."""

    _name = "utility.customer.category"
    _description = "Customer Category"
    _inherit = ["utility.protected.fields.mixin"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    code = fields.Selection(
        selection="_selection_code",
        required=True,
        help="The customer category (on the customer) this record stands for.",
    )

    _code_uniq = models.Constraint("UNIQUE(code)", "Each customer category exists once.")

    @api.model
    def _selection_code(self):
        return self.env["res.partner"]._fields["utility_category"]._description_selection(self.env)
