from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

# output VAT of a late fee when the company has not set its own: the general
# rate, included in the fee (the fee is what the customer owes)
LATE_FEE_VAT_RATE = 13.0


class ResCompany(models.Model):
    """Company settings of arrears management: the power administration
    authority that receives copies of important customers' disconnection
    notices, the late-fee income account, product and taxes, and the
    allowance account and journal of bad-debt write-offs (created on
    demand)."""

    _inherit = "res.company"

    utility_authority_partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Power Administration Authority",
        help="Receives a copy of the disconnection notices of important customers.",
    )
    utility_late_fee_account_id = fields.Many2one(
        comodel_name="account.account",
        string="Late Payment Fees Account",
        help="Income account of the late payment fees; created on the first charge if empty.",
    )
    utility_late_fee_product_id = fields.Many2one(
        comodel_name="product.product",
        string="Late Payment Fee Product",
        help="Service product on the late-fee invoice lines; created on the first charge if empty.",
    )
    utility_late_fee_tax_ids = fields.Many2many(
        comodel_name="account.tax",
        relation="res_company_utility_late_fee_tax_rel",
        column1="company_id",
        column2="tax_id",
        string="Late Payment Fee Taxes",
        domain="[('type_tax_use', '=', 'sale'), ('company_id', 'parent_of', id)]",
        help="Output taxes of the late-fee invoices, included in the fee (the fee stays what "
        "the customer owes) and mapped by the bill's fiscal position. If empty, a 13% "
        "price-included output VAT is set on the first charge; a 0% tax charges none.",
    )

    @api.constrains("utility_late_fee_tax_ids")
    def _check_utility_late_fee_tax_ids(self):
        for company in self:
            excluded = company.utility_late_fee_tax_ids.filtered(
                lambda tax: not tax.price_include or tax.type_tax_use != "sale"
            )
            if excluded:
                raise ValidationError(
                    self.env._(
                        "The late-fee taxes must be sales taxes included in the price, as the "
                        "fee is the amount the customer owes: %s.",
                        ", ".join(excluded.mapped("display_name")),
                    )
                )

    def _utility_late_fee_account(self):
        """The company's late-fee income account, created on first use."""
        self.ensure_one()
        if self.utility_late_fee_account_id:
            return self.utility_late_fee_account_id
        # sudo: the cashier charging a late fee may not manage the chart of
        # accounts; the account is a fixed, documented company setting.
        company = self.sudo()
        Account = self.env["account.account"].sudo().with_company(self)
        start = company.income_account_id.code or "600000"
        account = Account.create(
            {
                "name": self.env._("Late payment fees"),
                "code": Account._search_new_account_code(start),
                "account_type": "income_other",
                "company_ids": [Command.set(self.ids)],
            }
        )
        company.utility_late_fee_account_id = account
        return account

    def _utility_late_fee_product(self):
        """The company's late-fee service product, created on first use."""
        self.ensure_one()
        if self.utility_late_fee_product_id:
            return self.utility_late_fee_product_id
        account = self._utility_late_fee_account()
        # sudo: same reason as for the account, a company setting.
        product = (
            self.env["product.product"]
            .sudo()
            .with_company(self)
            .create(
                {
                    "name": self.env._("Late payment fee"),
                    "type": "service",
                    "sale_ok": True,
                    "purchase_ok": False,
                    "company_id": self.id,
                    "taxes_id": [Command.clear()],
                    "property_account_income_id": account.id,
                }
            )
        )
        self.sudo().utility_late_fee_product_id = product
        return product

    def _utility_late_fee_taxes(self):
        """The company's late-fee taxes, before any fiscal position: the
        setting, or on first use the company's 13% price-included output VAT
        (created, on the account of the company's default sales tax, if the
        company has none), which becomes the setting."""
        self.ensure_one()
        if self.utility_late_fee_tax_ids:
            return self.utility_late_fee_tax_ids
        # one first charge at a time: two payments creating the tax at once
        # would each add theirs to the setting (a fee taxed twice); the
        # second waits here, then fails to serialize on the company row the
        # first one wrote and is retried, finding the setting made
        self.env.cr.execute(
            SQL("SELECT id FROM res_company WHERE id = %s FOR NO KEY UPDATE", self.id)
        )
        # sudo: the cashier charging a late fee may not manage taxes; the
        # tax is a fixed, documented company setting, like the account.
        company = self.sudo()
        Tax = self.env["account.tax"].sudo().with_company(self)
        tax = Tax.search(
            [
                *Tax._check_company_domain(self),
                ("type_tax_use", "=", "sale"),
                ("amount_type", "=", "percent"),
                ("amount", "=", LATE_FEE_VAT_RATE),
                ("price_include", "=", True),
                ("tax_scope", "in", (False, "service")),
            ],
            order="sequence, id",
            limit=1,
        )
        if not tax:
            tax = Tax.create(self._utility_late_fee_tax_vals())
        company.utility_late_fee_tax_ids = tax
        return tax

    def _utility_late_fee_tax_vals(self):
        """Values of the 13% price-included output VAT created for late fees:
        its VAT is booked on the tax account of the company's default sales
        tax (or of any of its sales taxes), or on a new "Output VAT" account,
        in the tax group of its other 13% sales VAT or a new "VAT 13%" one."""
        self.ensure_one()
        Tax = self.env["account.tax"].sudo().with_company(self)
        sale_taxes = self.account_sale_tax_id | Tax.search(
            [*Tax._check_company_domain(self), ("type_tax_use", "=", "sale")]
        )
        account = sale_taxes.invoice_repartition_line_ids.filtered(
            lambda line: line.repartition_type == "tax" and line.account_id
        ).account_id[:1]
        if not account:
            Account = self.env["account.account"].sudo().with_company(self)
            account = Account.create(
                {
                    "name": self.env._("Output VAT"),
                    "code": Account._search_new_account_code("2221"),
                    "account_type": "liability_current",
                    "company_ids": [Command.set(self.ids)],
                }
            )

        # the group of the company's other 13% sales VAT (e.g. price
        # excluded), or a group of its own: never another rate's group
        TaxGroup = self.env["account.tax.group"].sudo().with_company(self)
        country = self.account_fiscal_country_id or self.country_id
        group = sale_taxes.filtered(
            lambda tax: tax.amount_type == "percent" and tax.amount == LATE_FEE_VAT_RATE
        ).tax_group_id[:1] or TaxGroup.create(
            {
                "name": self.env._("VAT 13%"),
                "company_id": self.id,
                "country_id": country.id,
            }
        )

        def repartition():
            return [
                Command.create({"repartition_type": "base"}),
                Command.create({"repartition_type": "tax", "account_id": account.id}),
            ]

        return {
            "name": self.env._("13% VAT on late fees (included)"),
            "type_tax_use": "sale",
            "tax_scope": "service",
            "amount_type": "percent",
            "amount": LATE_FEE_VAT_RATE,
            "price_include_override": "tax_included",
            "company_id": self.id,
            "country_id": country.id,
            "tax_group_id": group.id,
            "invoice_repartition_line_ids": repartition(),
            "refund_repartition_line_ids": repartition(),
        }

    # -- bad-debt write-offs (账销案存): allowance account and journal ------
    utility_bad_debt_allowance_account_id = fields.Many2one(
        comodel_name="account.account",
        string="Bad Debt Allowance Account",
        help="Contra-asset account debited by the write-off of a bad debt (坏账准备, 1231). "
        "Found by its code 1231 or created on the first write-off.",
    )
    utility_writeoff_journal_id = fields.Many2one(
        comodel_name="account.journal",
        string="Bad Debt Write-offs Journal",
        help="Miscellaneous journal of the write-offs and of their recoveries (UWO). "
        "Created on the first write-off.",
    )

    # sudo below: the accountant posting a write-off or the cashier whose
    # payment recovers one may not manage the chart of accounts; these are
    # fixed, documented company settings.
    def _utility_bad_debt_allowance_account(self):
        """The company's bad-debt allowance account: the setting, else the
        chart's 1231 (坏账准备 in the Chinese chart), else a new one."""
        self.ensure_one()
        if self.utility_bad_debt_allowance_account_id:
            return self.utility_bad_debt_allowance_account_id
        Account = self.env["account.account"].sudo().with_company(self)
        account = Account.search(
            [
                *Account._check_company_domain(self),
                ("code", "=", "1231"),
                ("account_type", "=", "asset_current"),
            ],
            limit=1,
        ) or Account.create(
            {
                "name": self.env._("Provision for bad debts"),
                "code": Account._search_new_account_code("1231"),
                "account_type": "asset_current",
                "reconcile": False,
                "company_ids": [Command.set(self.ids)],
            }
        )
        self.sudo().utility_bad_debt_allowance_account_id = account
        return account

    def _utility_writeoff_journal(self):
        """The company's journal of bad-debt write-offs (UWO), created on
        first use."""
        self.ensure_one()
        if self.utility_writeoff_journal_id:
            return self.utility_writeoff_journal_id
        Journal = self.env["account.journal"].sudo().with_company(self)
        journal = Journal.search(
            [("company_id", "=", self.id), ("code", "=", "UWO")], limit=1
        ) or Journal.create(
            {
                "name": self.env._("Bad Debt Write-offs"),
                "code": "UWO",
                "type": "general",
                "company_id": self.id,
            }
        )
        self.sudo().utility_writeoff_journal_id = journal
        return journal
