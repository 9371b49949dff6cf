from odoo import models


class UtilityPaymentTerminal(models.Model):
    """The terminal's receipt says when the payment switched the
    customer's supply back on."""

    _inherit = "utility.payment.terminal"  # pylint: disable=consider-merging-classes-inherited

    def _utility_api_receipt(self, payment, duplicate=False):
        receipt = super()._utility_api_receipt(payment, duplicate=duplicate)
        commands = payment._utility_switch_on_commands()
        if commands:
            # the latest state of the payment's switch-on: "queued" at once
            receipt["switch_on"] = commands[-1].state
        return receipt
