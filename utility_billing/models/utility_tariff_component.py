from odoo import api, fields, models
from odoo.exceptions import UserError

# tax fields whose change alters what a bill of an approved version books
TAX_FROZEN_FIELDS = frozenset(
    (
        "amount",
        "amount_type",
        "price_include_override",
        "include_base_amount",
        "is_base_affected",
        "tax_exigibility",
        "company_id",
        "children_tax_ids",
        "invoice_repartition_line_ids",
        "refund_repartition_line_ids",
        "repartition_line_ids",
        "active",
    )
)


class UtilityTariffComponent(models.Model):
    """One part of an approved price: energy (revenue, output VAT) or a
    government fund or surcharge (per kWh, booked to a liability account,
    outside the VAT base). Each component names the sales tax Odoo splits
    the tax-included price with: the energy component a percent
    price-included tax (13% output VAT), each fund a fixed price-included
    tax per kWh whose repartition books to a liability account. Taxes,
    rates and accounts are data; the rate is frozen when the version is
    approved, and a bill is refused if the tax no longer matches it.

    Which charge lines bear which components:
    ``utility.tariff.version._utility_component_taxes``."""

    _name = "utility.tariff.component"
    _description = "Tariff Price Component"
    _inherit = ["utility.protected.fields.mixin"]
    _order = "version_id, sequence, id"
    _check_company_auto = True

    version_id = fields.Many2one(
        comodel_name="utility.tariff.version",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(
        comodel_name="res.company", related="version_id.company_id", store=True
    )
    sequence = fields.Integer(default=10)
    kind = fields.Selection(
        selection=[("energy", "Energy"), ("fund", "Government fund or surcharge")],
        required=True,
        default="fund",
        help="Energy: the revenue part of the price, with its output VAT (one per "
        "version). Government fund or surcharge: a fixed amount per kWh included in "
        "the price, booked to a liability account, outside the VAT base.",
    )
    name = fields.Char(required=True, translate=True)
    tax_id = fields.Many2one(
        comodel_name="account.tax",
        string="Tax",
        required=True,
        ondelete="restrict",
        check_company=True,
        domain="[('type_tax_use', '=', 'sale')]",
        help="Sales tax that splits this component out of the tax-included price: a "
        "percent price-included tax for energy, a fixed price-included tax per kWh "
        "for a fund.",
    )
    rate = fields.Float(
        digits=(16, 4),
        readonly=True,
        copy=False,
        help="The tax's amount when the version was approved (percent for energy, "
        "per kWh for a fund). A bill is refused if the tax no longer has it.",
    )
    account_id = fields.Many2one(
        comodel_name="account.account",
        string="Revenue Account",
        ondelete="restrict",
        check_company=True,
        domain="[('account_type', 'in', ('income', 'income_other'))]",
        help="Energy: the revenue account of the bill lines (empty: the bill "
        "journal's default account). Funds book to their tax's repartition account.",
    )
    einvoice_item_name = fields.Char(
        string="E-invoice Item Name",
        translate=True,
        help="Item name printed on the VAT e-invoice for this component.",
    )
    einvoice_tax_code = fields.Char(
        string="Tax Classification Code",
        help="Goods and services tax classification code of the VAT e-invoice item.",
    )

    @api.model
    def _utility_protected_fields(self):
        # frozen by Approve from the tax
        return {"rate"}

    def _check_version_not_approved(self):
        if any(component.version_id.state == "approved" for component in self):
            raise UserError(
                self.env._(
                    "The price components of an approved tariff version cannot be changed. "
                    "Create a new version instead."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        components = super().create(vals_list)
        components._check_version_not_approved()
        return components

    def write(self, vals):
        self._check_version_not_approved()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_approved_version(self):
        self._check_version_not_approved()

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------
    def _get_tax_issue(self):
        """Why this component's tax cannot split a tax-included price as the
        component says, or False (checked at approval and at billing)."""
        self.ensure_one()
        tax = self.tax_id
        if not tax.active:
            return self.env._("its tax %s is archived", tax.name)
        if tax.tax_exigibility != "on_invoice":
            return self.env._("its tax %s is due on payment (cash basis)", tax.name)
        if not tax.price_include:
            return self.env._("its tax %s is not included in the price", tax.name)
        if tax.include_base_amount:
            return self.env._("its tax %s affects the base of the other taxes", tax.name)
        if self.kind == "energy":
            if tax.amount_type != "percent":
                return self.env._("its tax %s is not a percentage", tax.name)
            return False
        if tax.amount_type != "fixed":
            return self.env._("its tax %s is not a fixed amount per kWh", tax.name)
        accounts = tax.invoice_repartition_line_ids.filtered(
            lambda r: r.repartition_type == "tax"
        ).account_id
        if not accounts or any(
            not account.account_type.startswith("liability") for account in accounts
        ):
            return self.env._("its tax %s does not book to a liability account", tax.name)
        return False

    def _get_billing_issue(self):
        """Why this (approved) component cannot bill, or False: its tax no
        longer is what was approved."""
        self.ensure_one()
        issue = self._get_tax_issue()
        if not issue and self.tax_id.amount != self.rate:
            issue = self.env._(
                "its tax %(tax)s is now %(amount)s, approved at %(rate)s",
                tax=self.tax_id.name,
                amount=self.tax_id.amount,
                rate=self.rate,
            )
        return issue
