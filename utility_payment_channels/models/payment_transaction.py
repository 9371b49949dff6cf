from odoo import models


class PaymentTransaction(models.Model):
    """Online payments from the portal are booked by Odoo's payment module,
    not by the payment service; they record their channel and the
    provider's transaction like every other channel's payment."""

    _inherit = "payment.transaction"

    def _create_payment(self, **extra_create_values):
        if "utility_channel" not in extra_create_values:
            extra_create_values["utility_channel"] = "online"
            extra_create_values["utility_external_txn_id"] = (
                self.provider_reference or self.reference
            )
        return super()._create_payment(**extra_create_values)
