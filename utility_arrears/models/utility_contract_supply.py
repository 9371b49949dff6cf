from odoo import fields, models
from odoo.fields import Domain
from odoo.tools import float_repr

from .utility_meter_command import PENDING_STATES


class UtilityContract(models.Model):
    """What a customer sees of their supply (通断电状态): whether the meter
    of a contract is on or off or a switching command is on its way, and
    what to pay to be switched back on."""

    _inherit = "utility.contract"  # pylint: disable=consider-merging-classes-inherited

    def _utility_supply_status(self):
        """The supply state of each contract's meter as its customer sees it:
        ``{contract id: code}``, the code one of ``on``, ``off``, ``unknown``
        or ``<action>_<state>`` of the meter's latest command still on its
        way (``switch_off_queued``, ``switch_on_sent``...). A contract
        without a remotely switched meter answers ``False``."""
        meters = self.meter_id.filtered("remote_capable")
        pending = {}
        if meters:
            # one search for all meters; the newest pending command wins
            commands = self.env["utility.meter.command"].search(
                [("meter_id", "in", meters.ids), ("state", "in", PENDING_STATES)],
                order="id desc",
            )
            for command in commands:
                pending.setdefault(command.meter_id.id, command)
        status = {}
        for contract in self:
            meter = contract.meter_id
            if not meter or not meter.remote_capable:
                status[contract.id] = False
            elif meter.id in pending:
                command = pending[meter.id]
                status[contract.id] = f"{command.action}_{command.state}"
            else:
                status[contract.id] = meter.supply_state
        return status

    def _utility_supply_status_label(self, code):
        """The customer's words for a code of ``_utility_supply_status``."""
        _ = self.env._
        return {
            "on": _("Power on"),
            "off": _("Power off"),
            "unknown": _("Not reported yet"),
            "switch_off_queued": _("Switch-off scheduled"),
            "switch_off_sent": _("Switching off"),
            "switch_on_queued": _("Switch-on scheduled"),
            "switch_on_sent": _("Switching on"),
        }.get(code, "")

    def _utility_overdue_amount(self):
        """The amount still due on the contract's bills past their due date."""
        self.ensure_one()
        domain = (
            self.env["account.move"]._utility_open_bill_domain(self.partner_id)
            & Domain("utility_contract_id", "=", self.id)
            & Domain("invoice_date_due", "<", fields.Date.context_today(self))
        )
        [(residual,)] = self.env["account.move"]._read_group(domain, [], ["amount_residual:sum"])
        return residual

    def _utility_amount_to_switch_on(self):
        """What the customer pays to have the supply switched back on (复电
        应缴金额). For a cost-controlled contract, the smallest payment after
        which a payment switches the meter on (``_utility_switch_on_paid``):
        the one lifting the balance as of now (``_utility_balance_now``:
        credit minus every open bill minus the unbilled value, since a
        payment settles the open bills before it becomes credit) strictly
        above the company's switch-off threshold. For any other contract,
        what is still due on its bills past their due date. Rounded by the
        currency; 0 when nothing is owed."""
        self.ensure_one()
        currency = self.currency_id
        if not self.cost_control:
            return currency.round(self._utility_overdue_amount())
        balance = self._utility_balance_now().get(self.id, 0.0)
        shortfall = self.company_id.utility_cc_threshold - balance
        if currency.compare_amounts(shortfall, 0.0) < 0:
            return 0.0
        # at the threshold is still off: one cent above it
        return currency.round(shortfall + currency.rounding)

    def _utility_switch_on_payment_url(self, amount):
        """Where the portal's customer pays ``amount`` to be switched back
        on: the prepaid top-up form with the amount filled in, or the
        payment of the overdue bills of a postpaid contract."""
        self.ensure_one()
        if self.billing_mode == "prepaid":
            shown = float_repr(amount, self.currency_id.decimal_places)
            return f"/my/utility/contracts/{self.id}/topup?amount={shown}"
        return "/my/invoices/overdue"
