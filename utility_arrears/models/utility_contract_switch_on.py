from odoo import api, models


class UtilityContract(models.Model):
    """A cost-controlled contract's balance right now, and the remote
    switch-on a payment that lifts it above the company's threshold sends
    (远程复电)."""

    _inherit = "utility.contract"  # pylint: disable=consider-merging-classes-inherited

    def _utility_balance_now(self):
        """The balance of each contract as of now: ``{contract id: amount}``
        = the customer's live prepaid credit minus the residual of their open
        bills minus the stored unbilled value of the last valuation
        (``valued_unbilled_amount``), in one grouped query for all the
        contracts. A payment changes it at once; the unbilled value changes
        with the next valuation."""
        # what the customer owes (bills) less what they paid ahead (credit)
        # (a bill in a kept installment plan is owed on the plan's terms)
        owed = self._utility_owed_now_by_partner()
        return {
            contract.id: contract.currency_id.round(
                -owed.get(
                    (contract.partner_id.commercial_partner_id.id, contract.company_id.id), 0.0
                )
                - contract.valued_unbilled_amount
            )
            for contract in self
        }

    @api.model
    def _utility_switch_on_paid(self, partners, payments=None):
        """Queue a remote switch-on (reason ``payment``) for the
        cost-controlled contracts of ``partners`` whose balance now stands
        above their company's threshold and whose meter is off or has a
        switch-off queued or sent (a queued one is cancelled, a sent one is
        followed by the switch-on). One query finds the contracts of all the
        customers of an agency file, one their pending switch-offs.
        ``payments``: the payments that lifted the balances, recorded on the
        switch-ons they caused (the customer's last one).

        Returns the switch-on commands in force for them."""
        Command = self.env["utility.meter.command"]
        if not partners:
            return Command
        # sudo: called for whoever took the payment (a cashier, an agency
        # import, a portal customer); it reads contracts and meters only to
        # decide the switch-on the payment entitles the customer to
        contracts = (
            self.sudo()
            .search(
                [
                    ("partner_id.commercial_partner_id", "in", partners.commercial_partner_id.ids),
                    ("cost_control", "=", True),
                    ("state", "=", "active"),
                ]
            )
            .filtered(lambda contract: contract.meter_id.active)
        )
        if not contracts:
            return Command
        meters = contracts.meter_id
        switching_off = (
            Command.sudo()
            .search(
                [
                    ("meter_id", "in", meters.ids),
                    ("action", "=", "switch_off"),
                    ("state", "in", ("queued", "sent")),
                ]
            )
            .meter_id
        )
        balances = contracts._utility_balance_now()
        paid_by = {payment.partner_id.commercial_partner_id: payment for payment in payments or ()}
        commands = Command
        for contract in contracts:
            meter = contract.meter_id
            balance = balances[contract.id]
            threshold = contract.company_id.utility_cc_threshold
            if contract.currency_id.compare_amounts(balance, threshold) <= 0:
                continue
            if meter.supply_state != "off" and meter not in switching_off:
                continue
            queued = Command._utility_queue(
                meter,
                "switch_on",
                "payment",
                balance=balance,
                note=self.env._(
                    "Payment received: the balance of %(contract)s is %(balance)s, above "
                    "the switch-off threshold.",
                    contract=contract.name,
                    balance=contract.currency_id.format(balance),
                ),
            )
            payment = paid_by.get(contract.partner_id.commercial_partner_id)
            unlinked = queued.filtered(lambda c: not c.payment_id)
            if payment and unlinked:
                # sudo: the command's origin, set by the system for the
                # payment that caused it (see _utility_queue)
                with unlinked._utility_protected_write():
                    unlinked.sudo().payment_id = payment
            commands |= queued
        return commands.with_env(self.env)
