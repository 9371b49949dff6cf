from odoo import Command, fields, models


class ResCompany(models.Model):
    """Company settings of arrears management: the power administration
    authority that receives copies of important customers' disconnection
    notices, and the late-fee income account and product (created on demand)."""

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
