from odoo import fields, models


class UtilityPaymentCancel(models.TransientModel):
    """Asks the reason of a payment cancellation (within the open session)
    or reversal (after closing, Collection Manager)."""

    _name = "utility.payment.cancel"
    _description = "Cancel or Reverse a Utility Payment"

    payment_id = fields.Many2one(comodel_name="account.payment", required=True)
    mode = fields.Selection(
        selection=[("cancel", "Cancel"), ("reverse", "Reverse")], required=True, default="cancel"
    )
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        if self.mode == "reverse":
            self.payment_id.action_utility_reverse(reason=self.reason)
        else:
            self.payment_id.action_utility_cancel(reason=self.reason)
        return {"type": "ir.actions.act_window_close"}
