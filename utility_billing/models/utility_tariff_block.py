from odoo import api, fields, models
from odoo.exceptions import UserError


class UtilityTariffBlock(models.Model):
    """One tier of a block tariff: consumption above the previous block's
    limit and up to ``limit_to`` kWh is billed at ``price``."""

    _name = "utility.tariff.block"
    _description = "Tariff Block"
    _inherit = ["utility.protected.fields.mixin"]
    _order = "version_id, sequence, id"

    version_id = fields.Many2one(
        comodel_name="utility.tariff.version",
        required=True,
        ondelete="cascade",
        index=True,
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(
        string="Block",
        required=True,
        translate=True,
        help="Label printed on the bill, e.g. 'Block 1'.",
    )
    limit_from = fields.Float(
        compute="_compute_limit_from",
        digits=(16, 2),
        help="kWh above which this block starts (the previous block's limit).",
    )
    limit_to = fields.Float(
        digits=(16, 2),
        help="kWh (per month or per year, as the version says) up to which this "
        "block applies; 0 means no upper limit.",
    )
    price = fields.Float(required=True, digits="Product Price", help="Price per kWh.")

    _price_positive = models.Constraint("CHECK(price >= 0)", "A block price cannot be negative.")

    @api.depends("version_id.block_ids.limit_to", "version_id.block_ids.sequence")
    def _compute_limit_from(self):
        for block in self:
            previous = 0.0
            for other in block.version_id.block_ids.sorted(lambda b: (b.sequence, b.id)):
                if other == block:
                    break
                previous = other.limit_to
            block.limit_from = previous

    def _check_version_not_approved(self):
        if any(block.version_id.state == "approved" for block in self):
            raise UserError(
                self.env._(
                    "The blocks of an approved tariff version cannot be changed. "
                    "Create a new version instead."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self.env["utility.tariff"]._ensure_price_precision(
            [vals["price"] for vals in vals_list if "price" in vals]
        )
        blocks = super().create(vals_list)
        blocks._check_version_not_approved()
        return blocks

    def write(self, vals):
        self._check_version_not_approved()
        if "price" in vals:
            self.env["utility.tariff"]._ensure_price_precision([vals["price"]])
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_approved_version(self):
        self._check_version_not_approved()
