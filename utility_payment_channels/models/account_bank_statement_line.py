from odoo import api, models
from odoo.fields import Domain
from odoo.tools import format_date
from odoo.tools.misc import formatLang


class AccountBankStatementLine(models.Model):
    """Bank transactions as an accountant recognises them when matching an
    agency's transfer: date, the bank's label and amount, not the number of
    the journal entry behind them (context key ``utility_transfer_label``)."""

    _inherit = "account.bank.statement.line"

    @api.depends_context("utility_transfer_label")
    def _compute_display_name(self):
        if not self.env.context.get("utility_transfer_label"):
            return super()._compute_display_name()
        for line in self:
            line.display_name = " · ".join(
                part
                for part in (
                    format_date(self.env, line.date),
                    line.payment_ref or line.move_id.name,
                    formatLang(self.env, line.amount, currency_obj=line.currency_id),
                )
                if part
            )
        return None

    @api.model
    def _search_display_name(self, operator, value):
        domain = super()._search_display_name(operator, value)
        if self.env.context.get("utility_transfer_label") and operator == "ilike" and value:
            domain = Domain("payment_ref", "ilike", value) | Domain(domain)
        return domain
