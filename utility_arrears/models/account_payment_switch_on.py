import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)


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
        if not inbound:
            return
        try:
            with self.env.cr.savepoint():
                self.env["utility.contract"]._utility_switch_on_paid(inbound.partner_id, inbound)
        except UserError as error:
            # the money is taken whatever happens to the switch-on: a meter
            # that cannot be switched remotely is reconnected in the field
            _logger.warning("Payments %s: no remote switch-on queued: %s", inbound.ids, error)

    def _utility_switch_on_commands(self):
        """The remote switch-ons this payment caused."""
        # sudo: a cashier or a terminal may not read commands; the payment's
        # own switch-ons are shown on its confirmation
        return (
            self.env["utility.meter.command"]
            .sudo()
            .search([("payment_id", "in", self.ids)], order="id")
        )


class UtilityMeterCommand(models.Model):
    """The payment that caused a switch-on."""

    _inherit = "utility.meter.command"  # pylint: disable=consider-merging-classes-inherited

    payment_id = fields.Many2one(
        comodel_name="account.payment",
        string="Payment",
        readonly=True,
        index="btree_not_null",
        help="The payment that lifted the balance above the threshold and caused this switch-on.",
    )

    @api.model
    def _utility_protected_fields(self):
        # set by the system when a payment causes the switch-on
        return super()._utility_protected_fields() | {"payment_id"}
