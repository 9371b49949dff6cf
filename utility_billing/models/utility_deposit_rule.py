from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .res_partner import CATEGORY_SELECTION

CONTRACT_KIND_SELECTION = [("permanent", "Permanent"), ("temporary", "Temporary (临时用电)")]


class UtilityDepositRule(models.Model):
    """The security deposit a contract pays at its start, per customer
    category and contract kind (and billing mode, when it matters): the
    Collection Manager's configuration. The most specific active rule of
    the contract's company applies (one with the billing mode before one
    without)."""

    _name = "utility.deposit.rule"
    _description = "Security Deposit Rule"
    _inherit = ["utility.protected.fields.mixin"]
    _order = "company_id, category, contract_kind, billing_mode"

    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )
    currency_id = fields.Many2one(comodel_name="res.currency", related="company_id.currency_id")
    category = fields.Selection(
        selection=CATEGORY_SELECTION,
        string="Customer Category",
        required=True,
    )
    contract_kind = fields.Selection(
        selection=CONTRACT_KIND_SELECTION,
        required=True,
        default="permanent",
    )
    billing_mode = fields.Selection(
        selection=[("postpaid", "Postpaid"), ("prepaid", "Prepaid")],
        help="Empty: the rule applies to both billing modes.",
    )
    amount = fields.Monetary(
        string="Deposit",
        currency_field="currency_id",
        required=True,
        help="Amount invoiced as a security deposit when a contract of this kind is activated.",
    )
    active = fields.Boolean(default=True)
    note = fields.Text()

    _one_active_rule = models.UniqueIndex(
        "(company_id, category, contract_kind, COALESCE(billing_mode, '')) WHERE active",
        "There is already an active deposit rule for this category, contract kind and "
        "billing mode.",
    )

    @api.constrains("amount")
    def _check_amount(self):
        for rule in self:
            if rule.currency_id.compare_amounts(rule.amount, 0.0) <= 0:
                raise ValidationError(self.env._("A security deposit must be a positive amount."))

    @api.depends("category", "contract_kind", "amount")
    def _compute_display_name(self):
        category = dict(self._fields["category"]._description_selection(self.env))
        kind = dict(self._fields["contract_kind"]._description_selection(self.env))
        for rule in self:
            rule.display_name = (
                f"{category.get(rule.category, '')} / {kind.get(rule.contract_kind, '')}"
            )

    @api.model
    def _utility_rule_for(self, contract):
        """The active rule matching ``contract``, or an empty recordset."""
        rules = self.sudo().search(
            [
                ("company_id", "=", contract.company_id.id),
                ("category", "=", contract.partner_id.commercial_partner_id.utility_category),
                ("contract_kind", "=", contract.contract_kind or "permanent"),
                ("billing_mode", "in", (contract.billing_mode, False)),
            ]
        )
        # sudo: a rule is configuration every user activating a contract may apply
        return rules.sorted(lambda r: not r.billing_mode)[:1].sudo(False)
