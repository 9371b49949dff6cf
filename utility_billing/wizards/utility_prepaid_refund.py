from odoo import api, fields, models
from odoo.exceptions import UserError


class UtilityPrepaidRefund(models.TransientModel):
    """Pay back the remaining prepaid balance of an ended contract: a refund
    request of that credit (``utility.refund.request``, reason move-out),
    submitted at once: the credit is reserved, a Collection Manager approves
    it and the accountant pays it out, reconciled."""

    _name = "utility.prepaid.refund"
    _description = "Refund Prepaid Balance"

    contract_id = fields.Many2one(comodel_name="utility.contract", required=True, readonly=True)
    partner_id = fields.Many2one(related="contract_id.partner_id")
    company_id = fields.Many2one(related="contract_id.company_id")
    currency_id = fields.Many2one(related="contract_id.currency_id")
    balance = fields.Monetary(
        string="Prepaid Balance",
        currency_field="currency_id",
        compute="_compute_balance",
    )
    amount = fields.Monetary(
        currency_field="currency_id",
        compute="_compute_amount",
        store=True,
        readonly=False,
        help="Amount paid back; at most the prepaid balance.",
    )
    journal_id = fields.Many2one(
        comodel_name="account.journal",
        domain="[('type', 'in', ('bank', 'cash')), ('company_id', '=', company_id)]",
        compute="_compute_journal_id",
        store=True,
        readonly=False,
        help="Bank or cash journal the money is paid out from.",
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    memo = fields.Char(help="Reason or reference printed on the payment.")

    @api.depends("contract_id")
    def _compute_balance(self):
        for wizard in self:
            wizard.balance = wizard.contract_id.prepaid_balance

    @api.depends("contract_id")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = wizard.contract_id.prepaid_balance

    @api.depends("company_id")
    def _compute_journal_id(self):
        for wizard in self:
            wizard.journal_id = self.env["account.journal"].search(
                [("type", "=", "bank"), ("company_id", "=", wizard.company_id.id)], limit=1
            )

    def action_refund(self):
        """Request the refund of the credit (submitted: reserved at once)."""
        self.ensure_one()
        contract = self.contract_id
        currency = self.currency_id
        if contract.state != "terminated":
            raise UserError(
                self.env._(
                    "Contract %s is still in force: terminate it before refunding its "
                    "prepaid balance.",
                    contract.name,
                )
            )
        if not self.journal_id:
            raise UserError(self.env._("Choose the journal the refund is paid from."))
        if currency.compare_amounts(self.amount, 0.0) <= 0:
            raise UserError(self.env._("The amount to refund must be positive."))
        if currency.compare_amounts(self.amount, contract.prepaid_balance) > 0:
            raise UserError(
                self.env._(
                    "You cannot refund %(amount)s: the prepaid balance is only %(balance)s.",
                    amount=currency.format(self.amount),
                    balance=currency.format(contract.prepaid_balance),
                )
            )
        # one path for every refund: a request of the credit, reserved now,
        # paid once a Collection Manager approves it
        request = self.env["utility.refund.request"]._utility_request_for_credit(
            contract.partner_id.commercial_partner_id,
            self.amount,
            "move_out",
            contract=contract,
            journal=self.journal_id,
            note=self.memo or self.env._("Prepaid balance refund, contract %s", contract.name),
        )
        contract.message_post(
            body=self.env._(
                "Refund of the prepaid balance of %(amount)s requested (%(request)s).",
                amount=currency.format(self.amount),
                request=request.name,
            )
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "utility.refund.request",
            "res_id": request.id,
            "view_mode": "form",
        }
