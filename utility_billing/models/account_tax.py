from odoo import api, models
from odoo.exceptions import UserError

from .utility_tariff_component import TAX_FROZEN_FIELDS

# repartition-line fields that decide what a tax books, and where
REPARTITION_FROZEN_FIELDS = frozenset(
    ("account_id", "factor_percent", "repartition_type", "document_type", "tax_id")
)


def _refuse_if_approved(env, taxes):
    """Refuse a change to ``taxes`` when an approved tariff version prices
    with one of them: its bills must split as approved."""
    if not taxes:
        return
    component = (
        env["utility.tariff.component"]
        .sudo()
        .search(
            [("tax_id", "in", taxes.ids), ("version_id.state", "=", "approved")],
            limit=1,
        )
    )
    if component:
        raise UserError(
            env._(
                "Tax %(tax)s is a price component of the approved tariff version "
                "%(version)s and cannot be changed: create a new tax and a new tariff "
                "version with it.",
                tax=component.tax_id.name,
                version=component.version_id.display_name,
            )
        )


class AccountTax(models.Model):
    _inherit = "account.tax"

    def write(self, vals):
        frozen = TAX_FROZEN_FIELDS.intersection(vals)
        if frozen:
            # (a data file loaded again writes the same values)
            _refuse_if_approved(
                self.env,
                self.filtered(
                    lambda tax: any(
                        tax._fields[name].type in ("one2many", "many2many")
                        or tax._fields[name].convert_to_write(tax[name], tax) != vals[name]
                        for name in frozen
                    )
                ),
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_utility_component(self):
        _refuse_if_approved(self.env, self)


class AccountTaxRepartitionLine(models.Model):
    _inherit = "account.tax.repartition.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        # a new tax gets its first lines of each document type (computed)
        # after it is created
        changed = lines.tax_id.filtered(
            lambda tax: (tax.repartition_line_ids - lines).filtered(
                lambda line: (
                    line.document_type
                    in lines.filtered(lambda new: new.tax_id == tax).mapped("document_type")
                )
            )
        )
        _refuse_if_approved(self.env, changed)
        return lines

    def write(self, vals):
        frozen = REPARTITION_FROZEN_FIELDS.intersection(vals)
        if frozen:
            changed = self.filtered(
                lambda line: any(
                    line._fields[name].convert_to_write(line[name], line) != vals[name]
                    for name in frozen
                )
            )
            _refuse_if_approved(self.env, changed.tax_id)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_utility_component(self):
        _refuse_if_approved(self.env, self.tax_id)
