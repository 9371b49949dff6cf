from odoo import api, fields, models


class UtilityTariff(models.Model):
    """An approved electricity price schedule (目錄電價) for a customer category.

    Prices live on dated versions (:class:`utility.tariff.version`); only an
    approved version bills, so nobody can add a mark-up or bill a category at
    another category's price."""

    _name = "utility.tariff"
    _description = "Tariff"
    _inherit = ["mail.thread"]
    _order = "category, name"

    name = fields.Char(required=True, translate=True, tracking=True)
    code = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    category = fields.Selection(
        selection="_selection_category",
        required=True,
        tracking=True,
        help="Customer category this tariff applies to; a contract may only use "
        "a tariff of its customer's category.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(comodel_name="res.currency", related="company_id.currency_id")
    version_ids = fields.One2many(comodel_name="utility.tariff.version", inverse_name="tariff_id")
    current_version_id = fields.Many2one(
        comodel_name="utility.tariff.version",
        compute="_compute_current_version",
        help="The approved version in force today.",
    )

    _code_company_uniq = models.Constraint(
        "UNIQUE(code, company_id)", "A tariff code must be unique per company."
    )

    @api.model
    def _selection_category(self):
        return self.env["res.partner"]._fields["utility_category"].selection

    def _compute_current_version(self):
        today = fields.Date.context_today(self)
        for tariff in self:
            tariff.current_version_id = tariff._get_versions(today, today)[:1]

    def _get_versions(self, date_from, date_to):
        """Approved versions in force for some day of [date_from, date_to],
        oldest first."""
        self.ensure_one()
        return self.version_ids.filtered(
            lambda v: (
                v.state == "approved"
                and v.date_from <= date_to
                and (not v.date_to or v.date_to >= date_from)
            )
        ).sorted("date_from")
