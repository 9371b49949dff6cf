from odoo import fields, models


class UtilityCounterPayment(models.TransientModel):
    """Once paid, the counter tells the cashier that the payment switched
    the customer's supply back on remotely, so that they can tell the
    customer."""

    _inherit = "utility.counter.payment"  # pylint: disable=consider-merging-classes-inherited

    switch_on_message = fields.Char(
        compute="_compute_switch_on_message",
        help="The remote switch-on the payment caused, if any.",
    )

    def _compute_switch_on_message(self):
        for counter in self:
            commands = counter.payment_id._utility_switch_on_commands()
            counter.switch_on_message = (
                self.env._(
                    "Supply switch-on sent to meter %(meters)s: the supply comes back within "
                    "minutes (command %(commands)s).",
                    meters=", ".join(commands.meter_id.mapped("serial")),
                    commands=", ".join(commands.mapped("name")),
                )
                if commands
                else False
            )
