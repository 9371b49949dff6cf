from odoo import Command, fields, models


class ResCompany(models.Model):
    """How the company's VAT e-invoice requests cover its bills; the accounts
    and journals of security deposits and refunds (created on first use)."""

    _inherit = "res.company"

    utility_einvoice_per = fields.Selection(
        selection=[("bill", "Per bill"), ("payment", "Per payment")],
        string="E-invoice Requests",
        default="bill",
        # not required: a NOT NULL column on res_company would break every
        # company created by a module loaded before this one (Odoo's own
        # tests on an installed database); empty means per bill
        help="Per bill: one e-invoice request for each bill. Per payment: one "
        "request for the bills a payment paid.",
    )

    utility_deposit_account_id = fields.Many2one(
        comodel_name="account.account",
        string="Customer Deposits Account",
        help="Liability account holding the customers' security deposits (客户保证金). "
        "Created on first use.",
    )
    utility_refund_payable_account_id = fields.Many2one(
        comodel_name="account.account",
        string="Customer Refunds Payable Account",
        help="Payable account holding the credit of refund requests awaiting payment "
        "(应付客户退款), so that no bill uses it. Created on first use.",
    )
    utility_deposit_journal_id = fields.Many2one(
        comodel_name="account.journal",
        string="Security Deposits Journal",
        help="Sales journal of the deposit invoices (UDP). Created on first use.",
    )
    utility_lifecycle_journal_id = fields.Many2one(
        comodel_name="account.journal",
        string="Customer Life Cycle Journal",
        help="Miscellaneous journal of deposit applications and refund reserves (ULC). "
        "Created on first use.",
    )

    # sudo in the helpers below: the user activating a contract or asking for
    # a refund may not manage the chart of accounts; these are fixed,
    # documented company settings.
    def _utility_new_account(self, name, account_type, reconcile):
        Account = self.env["account.account"].sudo().with_company(self)
        return Account.create(
            {
                "name": name,
                "code": Account._search_new_account_code("224100"),
                "account_type": account_type,
                "reconcile": reconcile,
                "company_ids": [Command.set(self.ids)],
            }
        )

    def _utility_deposit_account(self):
        """The customer-deposits liability account, created on first use."""
        self.ensure_one()
        if not self.utility_deposit_account_id:
            self.sudo().utility_deposit_account_id = self._utility_new_account(
                self.env._("Customer deposits"), "liability_current", False
            )
        return self.utility_deposit_account_id

    def _utility_refund_payable_account(self):
        """The customer-refunds payable account (reconcilable: the refund's
        payment is matched with the reserve), created on first use."""
        self.ensure_one()
        if not self.utility_refund_payable_account_id:
            self.sudo().utility_refund_payable_account_id = self._utility_new_account(
                self.env._("Customer refunds payable"), "liability_payable", True
            )
        return self.utility_refund_payable_account_id

    def _utility_new_journal(self, name, code, journal_type):
        Journal = self.env["account.journal"].sudo().with_company(self)
        existing = Journal.search([("company_id", "=", self.id), ("code", "=", code)], limit=1)
        return existing or Journal.create(
            {"name": name, "code": code, "type": journal_type, "company_id": self.id}
        )

    def _utility_deposit_journal(self):
        """The sales journal of security deposits (UDP), created on first use."""
        self.ensure_one()
        if not self.utility_deposit_journal_id:
            self.sudo().utility_deposit_journal_id = self._utility_new_journal(
                self.env._("Security Deposits"), "UDP", "sale"
            )
        return self.utility_deposit_journal_id

    def _utility_lifecycle_journal(self):
        """The miscellaneous journal of the life-cycle entries (ULC), created
        on first use."""
        self.ensure_one()
        if not self.utility_lifecycle_journal_id:
            self.sudo().utility_lifecycle_journal_id = self._utility_new_journal(
                self.env._("Customer Life Cycle"), "ULC", "general"
            )
        return self.utility_lifecycle_journal_id
