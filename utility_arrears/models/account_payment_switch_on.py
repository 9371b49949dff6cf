from odoo import api, models


class AccountPayment(models.Model):
    """Any payment, from any channel, that lifts a cost-controlled
    customer's balance above the threshold switches their meter back on:
    the switch-on is queued in the payment's own transaction and sent as
    soon as it commits."""

    _inherit = "account.payment"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _utility_after_reconcile(self, payments):  # pylint: disable=missing-return
        super()._utility_after_reconcile(payments)
        inbound = payments.filtered(lambda p: p.payment_type == "inbound" and p.state != "draft")
        if inbound:
            self.env["utility.contract"]._utility_switch_on_paid(inbound.partner_id)
