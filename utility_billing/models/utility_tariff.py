import calendar
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_is_zero, float_round

# decimals of electricity prices (yuan per kWh)
PRICE_DIGITS = 4


class UtilityTariff(models.Model):
    """An approved electricity price schedule (目錄電價) for a customer category.

    Prices live on dated versions (:class:`utility.tariff.version`); only an
    approved version bills, so nobody can add a mark-up or bill a category at
    another category's price."""

    _name = "utility.tariff"
    _description = "Tariff"
    _inherit = ["mail.thread", "utility.protected.fields.mixin"]
    _order = "category, name"

    name = fields.Char(required=True, translate=True, tracking=True)
    code = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    category = fields.Selection(
        selection="_selection_category",
        required=True,
        tracking=True,
        help="Customer category this tariff applies to; a contract may only use "
        "a tariff of its customer's category.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(comodel_name="res.currency", related="company_id.currency_id")
    version_ids = fields.One2many(comodel_name="utility.tariff.version", inverse_name="tariff_id")
    current_version_id = fields.Many2one(
        comodel_name="utility.tariff.version",
        compute="_compute_current_version",
        help="The approved version in force today.",
    )

    _code_company_uniq = models.Constraint(
        "UNIQUE(code, company_id)", "A tariff code must be unique per company."
    )

    @api.model
    def _ensure_price_precision(self, prices=None):
        """Electricity prices are quoted to 4 decimals (0.4870 yuan/kWh), and
        Odoo stores prices (tariff blocks, bill lines) with the "Product
        Price" precision, 2 by default. Raise it to 4 as soon as one of
        ``prices`` needs more than it keeps (all of them: without
        ``prices``), before they are stored; it is never lowered. Databases
        whose tariffs have 2-decimal prices keep Odoo's default."""
        precision = self.env.ref("product.decimal_price", raise_if_not_found=False)
        # sudo: a billing officer saving a tariff version reads the precision
        precision = precision and precision.sudo()
        if not precision or precision.digits >= PRICE_DIGITS:
            return
        if prices is not None and all(
            float_is_zero(
                (price or 0.0) - float_round(price or 0.0, precision_digits=precision.digits),
                precision_digits=PRICE_DIGITS + 2,
            )
            for price in prices
        ):
            return
        # sudo: the decimal accuracy is configuration; a billing officer
        # entering a tariff must not have a price silently rounded
        precision.sudo().digits = PRICE_DIGITS

    @api.model
    def _selection_category(self):
        return self.env["res.partner"]._fields["utility_category"]._description_selection(self.env)

    def _compute_current_version(self):
        today = fields.Date.context_today(self)
        for tariff in self:
            tariff.current_version_id = tariff._get_versions(today, today)[:1]

    def _get_versions(self, date_from, date_to):
        """Approved versions in force for some day of [date_from, date_to],
        oldest first."""
        self.ensure_one()
        return self.version_ids.filtered(
            lambda v: (
                v.state == "approved"
                and v.date_from <= date_to
                and (not v.date_to or v.date_to >= date_from)
            )
        ).sorted("date_from")

    # ------------------------------------------------------------------
    # Tariff arithmetic
    # ------------------------------------------------------------------
    @staticmethod
    def _month_fraction(date_from, date_to):
        """Months covered by [date_from, date_to]: whole months counted from
        ``date_from`` (a reading cycle from the 15th to the 14th is one month,
        as a calendar month is), the rest as its share of the days of the
        month it falls in (a half month is 0.5)."""
        end = date_to + timedelta(days=1)
        delta = relativedelta(end, date_from)
        months = delta.years * 12 + delta.months
        rest_start = date_from + relativedelta(months=months)
        rest_days = (end - rest_start).days
        if rest_days > 0:
            months += rest_days / calendar.monthrange(rest_start.year, rest_start.month)[1]
        return months

    def _get_billing_segments(self, date_from, date_to):
        """Split [date_from, date_to] by approved version and calendar year.

        :return: list of ``(version, segment_start, segment_end)``, in date order
        :raise UserError: when some day of the period has no approved version
        """
        self.ensure_one()
        date_from = fields.Date.to_date(date_from)
        date_to = fields.Date.to_date(date_to)
        issue = self._get_billing_issue(date_from, date_to)
        if issue:
            raise UserError(issue)
        segments = []
        for version in self._get_versions(date_from, date_to):
            start = max(version.date_from, date_from)
            end = min(version.date_to or date_to, date_to)
            for year in range(start.year, end.year + 1):
                segments.append(
                    (version, max(start, date(year, 1, 1)), min(end, date(year, 12, 31)))
                )
        return segments

    def _get_billing_issue(self, date_from, date_to):
        """Why this tariff cannot bill [date_from, date_to], or False.

        Only approved versions bill; every day of the period needs one, and
        the price components of each must still be what was approved (their
        taxes unchanged since)."""
        self.ensure_one()
        date_from = fields.Date.to_date(date_from)
        date_to = fields.Date.to_date(date_to)
        versions = self._get_versions(date_from, date_to)
        for version in versions:
            issue = version._get_component_issue()
            if issue:
                return issue
        covered = sum(
            (min(v.date_to or date_to, date_to) - max(v.date_from, date_from)).days + 1
            for v in versions
        )
        if covered < (date_to - date_from).days + 1:
            return self.env._(
                "No approved version of tariff %(tariff)s covers the whole period "
                "%(date_from)s to %(date_to)s.",
                tariff=self.display_name,
                date_from=date_from,
                date_to=date_to,
            )
        return False

    def _compute_charge_lines(
        self,
        date_from,
        date_to,
        consumption=0.0,
        registers=None,
        year_to_date=0.0,
        allowances=None,
    ):
        """Charge lines of a bill on this tariff.

        The period is split by approved version (and calendar year); when it
        spans two versions, the consumption (and each register) is split pro
        rata by days and the monthly block limits are scaled to the days each
        version covers. Annual blocks count from ``year_to_date``, the kWh
        already billed earlier in the calendar year. The fixed monthly charge
        is billed per month, pro rata for a partial month.

        :param consumption: kWh of the period (all registers together)
        :param registers: ``{"peak": kWh, "flat": kWh, "valley": kWh}`` for a
            time-of-use meter, or None
        :param year_to_date: kWh billed in the calendar year before ``date_from``
        :param allowances: the customer's social allowance certificates in
            force, ``[(kind, first day, last day)]`` (see
            ``utility.allowance.certificate._get_in_force``): each segment's
            free kWh (``utility.tariff.version._get_allowance_kwh``) come off
            its consumption before the blocks
        :return: list of dicts with ``name`` (block/register label), ``kind``
            (block, register, surcharge, allowance, allowance_offset or
            fixed), ``block_id``, ``register``, ``quantity``
            (kWh, months for the fixed charge), ``price_unit``, ``amount``
            (rounded by the currency) and ``version_id``
        :raise UserError: when no approved version covers the period
        """
        self.ensure_one()
        segments = self._get_billing_segments(date_from, date_to)
        qty_digits = self.env["decimal.precision"].precision_get("Product Unit")
        total_days = sum((end - start).days + 1 for __, start, end in segments)
        registers = {key: value for key, value in (registers or {}).items() if value}
        remaining = consumption
        remaining_registers = dict(registers)
        multi = len(segments) > 1
        lines = []
        offset = year_to_date
        previous_year = segments[0][1].year
        for index, (version, start, end) in enumerate(segments):
            last = index == len(segments) - 1
            share = ((end - start).days + 1) / total_days
            if last:
                quantity = float_round(remaining, precision_digits=qty_digits)
                segment_registers = {
                    key: float_round(value, precision_digits=qty_digits)
                    for key, value in remaining_registers.items()
                }
            else:
                quantity = float_round(consumption * share, precision_digits=qty_digits)
                segment_registers = {
                    key: float_round(value * share, precision_digits=qty_digits)
                    for key, value in registers.items()
                }
                remaining -= quantity
                remaining_registers = {
                    key: value - segment_registers[key]
                    for key, value in remaining_registers.items()
                }
            if start.year != previous_year:
                offset, previous_year = 0.0, start.year
            months = self._month_fraction(start, end)
            segment_lines = version._get_energy_lines(
                quantity,
                registers=segment_registers,
                limit_factor=months,
                offset=offset,
                free=version._get_allowance_kwh(start, end, allowances),
            )
            segment_lines += version._get_fixed_charge_line(months)
            if multi:
                for line in segment_lines:
                    line["name"] = self.env._(
                        "%(label)s (%(date_from)s - %(date_to)s)",
                        label=line["name"],
                        date_from=start,
                        date_to=end,
                    )
            lines += segment_lines
            offset += quantity
        return lines
