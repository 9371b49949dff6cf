from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_round

from .utility_tariff_version import REGISTERS

# kWh are taken off the time-of-use registers in this order
ALLOWANCE_REGISTER_ORDER = ("flat", "valley", "peak")


class UtilityTariffVersion(models.Model):
    """The social electricity allowance of a tariff version: free kWh per
    month for low-income (低保) and five-guarantee (五保) households, and
    the account the province reimburses them on.

    A bill whose customer holds a certificate in force
    (``utility.allowance.certificate``) gets, per version segment, the
    version's free kWh of the certificate's kind, prorated like the monthly
    block limits to the months the certificate covers in the segment, and
    never above the segment's consumption. The blocks (or time-of-use
    registers) bill the rest; an ``allowance`` line shows the free kWh at
    the first block's price (the flat price for a time-of-use or flat
    price list), and an ``allowance_offset`` line takes the same amount off
    on ``allowance_account_id``: the customer pays the billable kWh only,
    and the free kWh are owed by the province."""

    _inherit = "utility.tariff.version"

    allowance_kwh_low_income = fields.Float(
        string="Free kWh: Low-income",
        digits="Product Unit",
        tracking=True,
        help="Free kWh per month for a low-income household (低保户) with a "
        "certificate in force (10 or 15 by province; 0: no allowance).",
    )
    allowance_kwh_five_guarantee = fields.Float(
        string="Free kWh: Five-guarantee",
        digits="Product Unit",
        tracking=True,
        help="Free kWh per month for a five-guarantee household (五保户) with a "
        "certificate in force (0: no allowance).",
    )
    allowance_account_id = fields.Many2one(
        comodel_name="account.account",
        string="Allowance Account",
        tracking=True,
        check_company=True,
        domain="[('account_type', 'in', ('asset_current', 'asset_receivable', 'expense'))]",
        help="Where the free kWh are booked: a receivable from the government "
        "when the province reimburses the allowance, or an expense account.",
    )

    @api.constrains("allowance_kwh_low_income", "allowance_kwh_five_guarantee")
    def _check_allowance_kwh(self):
        for version in self:
            if version.allowance_kwh_low_income < 0 or version.allowance_kwh_five_guarantee < 0:
                raise ValidationError(
                    self.env._("The free kWh of %s cannot be negative.", version.display_name)
                )

    def action_approve(self):
        for version in self:
            if (
                version.allowance_kwh_low_income or version.allowance_kwh_five_guarantee
            ) and not version.allowance_account_id:
                raise ValidationError(
                    self.env._(
                        "Version %s grants free kWh: set the allowance account (the "
                        "receivable from the government, or an expense account).",
                        version.display_name,
                    )
                )
        return super().action_approve()

    def _get_allowance_kwh(self, date_from, date_to, allowances):
        """Free kWh of this version for the segment [``date_from``,
        ``date_to``]: for each ``(kind, first day, last day)`` of
        ``allowances`` (the customer's certificates in force, in date order),
        the kind's monthly kWh times the months of the segment it covers
        (``utility.tariff._month_fraction``, as the block limits). Days
        covered by two certificates count once, for the first one."""
        self.ensure_one()
        qty_digits = self.env["decimal.precision"].precision_get("Product Unit")
        month_fraction = self.env["utility.tariff"]._month_fraction
        free = 0.0
        covered_to = None
        for kind, first, last in allowances or ():
            start = max(first, date_from)
            if covered_to and start <= covered_to:
                start = fields.Date.add(covered_to, days=1)
            end = min(last, date_to)
            if start > end:
                continue
            free += (self[f"allowance_kwh_{kind}"] or 0.0) * month_fraction(start, end)
            covered_to = end
        return float_round(free, precision_digits=qty_digits)

    def _get_energy_lines(self, quantity, registers=None, limit_factor=1.0, offset=0.0, free=0.0):
        """As the base method, ``free`` kWh (never above ``quantity``) off
        first: the blocks split the rest, a time-of-use meter loses them on
        its flat register first, then valley, then peak. Then an allowance
        line (the free kWh at the first block's price, or the flat price) and
        its offset on the allowance account (see the class docstring)."""
        self.ensure_one()
        qty_digits = self.env["decimal.precision"].precision_get("Product Unit")
        free = float_round(min(free or 0.0, quantity), precision_digits=qty_digits)
        if free <= 0:
            return super()._get_energy_lines(
                quantity, registers=registers, limit_factor=limit_factor, offset=offset
            )
        billable = float_round(quantity - free, precision_digits=qty_digits)
        tou = bool(registers and any(registers.values()) and self._has_tou_prices())
        if tou:
            registers = dict(registers)
            left = free
            for register in ALLOWANCE_REGISTER_ORDER:
                taken = min(left, registers.get(register) or 0.0)
                registers[register] = float_round(
                    (registers.get(register) or 0.0) - taken, precision_digits=qty_digits
                )
                left -= taken
            registers = {key: registers[key] for key in REGISTERS if registers.get(key)}
        lines = super()._get_energy_lines(
            billable, registers=registers, limit_factor=limit_factor, offset=offset
        )
        # the zero line a bill without consumption keeps: the allowance line
        # shows the reading here
        lines = [line for line in lines if line["quantity"]]
        blocks = self.block_ids.sorted(lambda b: (b.sequence, b.id))
        price = self.price_flat if (tou or not blocks) else blocks[0].price
        return lines + self._get_allowance_lines(free, price)

    def _get_allowance_lines(self, free, price):
        """The allowance line and its offset for ``free`` kWh at ``price``."""
        allowance = self._prepare_charge_line(
            self.env._("Social allowance: free kWh"), "allowance", free, price
        )
        offset = self._prepare_charge_line(
            self.env._("Social allowance: borne by the government"),
            "allowance_offset",
            free,
            -price,
        )
        offset["account_id"] = self.allowance_account_id.id
        return [allowance, offset]
