from odoo import models


class AccountPayment(models.Model):
    """A customer payment raising a prepaid balance clears its low-balance
    warnings as soon as it is posted, in every channel."""

    _inherit = "account.payment"

    def action_post(self):
        res = super().action_post()
        inbound = self.filtered(
            lambda p: p.partner_type == "customer" and p.payment_type == "inbound" and p.partner_id
        )
        if inbound:
            # sudo: whoever takes the payment need not manage warnings; only
            # the balance warnings of these payers are re-checked
            self.env["utility.warning"].sudo()._utility_clear_settled(partners=inbound.partner_id)
        return res
