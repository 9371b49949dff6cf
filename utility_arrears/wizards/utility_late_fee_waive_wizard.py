from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError


class UtilityLateFeeWaiveWizard(models.TransientModel):
    """A Collection Manager waives all or part of a bill's late fee, with a
    reason logged in the bill's chatter."""

    _name = "utility.late.fee.waive.wizard"
    _description = "Waive Late Fee"

    bill_id = fields.Many2one(comodel_name="account.move", required=True, readonly=True)
    currency_id = fields.Many2one(related="bill_id.currency_id")
    on_date = fields.Date(string="Payment Date", required=True, default=fields.Date.context_today)
    late_fee = fields.Monetary(
        currency_field="currency_id",
        compute="_compute_late_fee",
        help="Late fee still due if paid on the payment date.",
    )
    waive_all = fields.Boolean(default=True)
    amount = fields.Monetary(currency_field="currency_id")
    reason = fields.Text(required=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "account.move":
            values.setdefault("bill_id", self.env.context.get("active_id"))
        return values

    @api.depends("bill_id", "on_date")
    def _compute_late_fee(self):
        for wizard in self:
            wizard.late_fee = (
                wizard.bill_id._utility_late_fee(wizard.on_date) if wizard.bill_id else 0.0
            )

    def action_confirm(self):
        self.ensure_one()
        if not self.env.user.has_group("utility_billing.group_utility_manager"):
            raise AccessError(self.env._("Only a Collection Manager can waive late fees."))
        amount = self.late_fee if self.waive_all else self.amount
        currency = self.currency_id
        if currency.compare_amounts(amount, 0.0) <= 0:
            raise UserError(self.env._("There is no late fee to waive."))
        if currency.compare_amounts(amount, self.late_fee) > 0:
            raise UserError(
                self.env._(
                    "You can waive at most the late fee due (%s).",
                    self.late_fee,
                )
            )
        self.env["utility.late.fee.waiver"].create(
            {
                "bill_id": self.bill_id.id,
                "amount": amount,
                "reason": self.reason,
                "date": self.on_date,
            }
        )
        self.bill_id.message_post(
            body=self.env._(
                "Late fee of %(amount)s waived by %(user)s: %(reason)s",
                amount=amount,
                user=self.env.user.name,
                reason=self.reason,
            )
        )
        return {"type": "ir.actions.act_window_close"}
