from odoo import api, fields, models
from odoo.exceptions import ValidationError


class UtilityCollectionPoint(models.Model):
    """A place or way through which customers pay: a service-hall counter, an
    agency outlet (post office, bank), a self-service terminal or a field
    collection round. Each point books its payments in its own journal."""

    _name = "utility.collection.point"
    _description = "Collection Point"
    _inherit = ["mail.thread"]
    _order = "kind, code"

    name = fields.Char(required=True, translate=True, tracking=True)
    code = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    kind = fields.Selection(
        selection=[
            ("hall", "Service hall counter"),
            ("agency", "Agency outlet"),
            ("terminal", "Self-service terminal"),
            ("field", "Field collection round"),
            ("online", "Online"),
        ],
        required=True,
        default="hall",
        tracking=True,
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    station_id = fields.Many2one(
        comodel_name="utility.supply.station",
        string="Supply Station",
        check_company=True,
    )
    journal_id = fields.Many2one(
        comodel_name="account.journal",
        check_company=True,
        domain="[('type', 'in', ('cash', 'bank'))]",
        tracking=True,
        help="Journal where the payments taken at this point are booked.",
    )
    user_ids = fields.Many2many(
        comodel_name="res.users",
        string="Operators",
        help="Cashiers or collectors who work at this point.",
    )

    _code_company_uniq = models.Constraint(
        "UNIQUE(code, company_id)", "A collection point code must be unique per company."
    )

    @api.constrains("kind", "journal_id")
    def _check_journal(self):
        for point in self:
            if point.journal_id and point.journal_id.type not in ("cash", "bank"):
                raise ValidationError(
                    self.env._(
                        "Collection point %s must book into a cash or bank journal.",
                        point.name,
                    )
                )

    @api.depends("code", "name")
    def _compute_display_name(self):
        for point in self:
            point.display_name = f"[{point.code}] {point.name}"
