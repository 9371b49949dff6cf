from odoo import api, fields, models


class UtilityCounterPayment(models.TransientModel):
    """The customer's security deposit and refunds in progress, shown to the
    cashier, and the button asking for a refund of an over-payment."""

    _inherit = "utility.counter.payment"

    deposit_held = fields.Monetary(
        string="Security Deposit Held",
        compute="_compute_deposit_refund",
        currency_field="currency_id",
    )
    deposit_unpaid = fields.Monetary(
        string="Deposit Still to Pay",
        compute="_compute_deposit_refund",
        currency_field="currency_id",
    )
    refund_in_progress_amount = fields.Monetary(
        string="Refund in Progress",
        compute="_compute_deposit_refund",
        currency_field="currency_id",
    )
    refund_in_progress_note = fields.Char(compute="_compute_deposit_refund")
    refundable_credit = fields.Monetary(
        string="Credit to Refund",
        compute="_compute_deposit_refund",
        currency_field="currency_id",
        help="The customer's unapplied credit, less the refunds in progress: what a refund "
        "request may ask for.",
    )

    @api.depends("partner_id")
    def _compute_deposit_refund(self):
        for wizard in self:
            # sudo: the cashier sees the customer's figures, not the entries
            contracts = (
                self.env["utility.contract"]
                .sudo()
                .search([("partner_id", "child_of", wizard.partner_id.commercial_partner_id.ids)])
                if wizard.partner_id
                else self.env["utility.contract"]
            )
            wizard.deposit_held = sum(contracts.mapped("deposit_held"))
            wizard.deposit_unpaid = sum(contracts.mapped("deposit_unpaid"))
            refunds = contracts[:1].refund_in_progress_ids.sudo()
            wizard.refund_in_progress_amount = sum(refunds.mapped("amount"))
            states = dict(refunds._fields["state"]._description_selection(self.env))
            # the credit is the customer's (all his contracts share it)
            wizard.refundable_credit = contracts[:1].prepaid_balance
            wizard.refund_in_progress_note = ", ".join(
                f"{refund.name} ({states[refund.state]})" for refund in refunds
            )

    def action_request_refund(self):
        """Open a refund request of the customer's credit, prefilled."""
        self.ensure_one()
        contract = self.env["utility.contract"].search(
            [("partner_id", "child_of", self.partner_id.commercial_partner_id.ids)], limit=1
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Refund Request"),
            "res_model": "utility.refund.request",
            "view_mode": "form",
            "target": "current",
            "context": {
                "default_partner_id": self.partner_id.commercial_partner_id.id,
                "default_contract_id": contract.id,
                "default_company_id": (contract.company_id or self.env.company).id,
                "default_reason": "duplicate",
                "default_amount": contract.prepaid_balance,
            },
        }
