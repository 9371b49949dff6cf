from odoo import api, fields, models

from .utility_bulk_booking import batch_checked


class AccountMoveLine(models.Model):
    """A utility bill line names the tariff version, block or register it
    charges, so a posted bill keeps the prices it was computed with."""

    _inherit = "account.move.line"

    utility_tariff_version_id = fields.Many2one(
        comodel_name="utility.tariff.version", string="Tariff Version", readonly=True
    )
    utility_tariff_block_id = fields.Many2one(
        comodel_name="utility.tariff.block", string="Tariff Block", readonly=True
    )
    utility_register = fields.Selection(
        selection=[("peak", "Peak"), ("flat", "Flat"), ("valley", "Valley")],
        string="Register",
        readonly=True,
    )
    utility_charge_kind = fields.Selection(
        selection=[
            ("block", "Block"),
            ("register", "Time-of-use register"),
            ("surcharge", "Tier surcharge"),
            ("fixed", "Fixed charge"),
            ("allowance", "Social allowance"),
            ("allowance_offset", "Social allowance borne by the government"),
        ],
        string="Charge Kind",
        readonly=True,
    )

    def _check_company(self, fnames=None):
        # the billing run's batches: each distinct value is checked once
        if batch_checked(self, fnames):
            return None
        return super()._check_company(fnames)

    @api.constrains("tax_ids", "tax_repartition_line_id")
    def _check_caba_non_caba_shared_tags(self):
        # Odoo's check can only refuse an item bearing a tax exigible on
        # payment (in its taxes or as its tax line's tax): without one there
        # is no cash-basis tag to share. A billing run's items (taxes due on
        # the invoice only) are cleared in one read instead of item by item.
        on_payment = (self.tax_ids | self.tax_repartition_line_id.tax_id).filtered(
            lambda tax: tax.tax_exigibility == "on_payment"
        )
        if not on_payment:
            return None
        return super(
            AccountMoveLine,
            self.filtered(
                lambda line: (line.tax_ids | line.tax_repartition_line_id.tax_id) & on_payment
            ),
        )._check_caba_non_caba_shared_tags()
