from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

# Days of validated readings the average daily consumption looks back on.
CONSUMPTION_WINDOW_DAYS = 90


class UtilityContract(models.Model):
    """Prepaid figures on the supply contract.

    The prepaid balance is what the customer paid in advance and no bill has
    used yet: the unreconciled credit on the customer's receivable account.
    Every payment channel books a top-up as an ordinary customer payment, so
    no separate "wallet" can drift away from the accounts."""

    _inherit = "utility.contract"  # pylint: disable=consider-merging-classes-inherited

    prepaid_balance = fields.Monetary(
        compute="_compute_prepaid_balance",
        currency_field="currency_id",
        help="Payments of the customer not yet applied to a bill (credit on the "
        "receivable account). New bills draw it down, oldest credit first.",
    )
    avg_daily_consumption = fields.Float(
        string="Average Daily Consumption (kWh)",
        compute="_compute_prepaid_forecast",
        digits=(16, 2),
        help="Consumption of the validated reading periods within the last 90 "
        "days divided by the days they cover.",
    )
    current_unit_price = fields.Float(
        compute="_compute_prepaid_forecast",
        digits="Product Price",
        help="Average price per kWh of a month at the average consumption, "
        "under the tariff version in force today.",
    )
    estimated_days_left = fields.Integer(
        compute="_compute_prepaid_forecast",
        help="Days the prepaid balance lasts at the average daily consumption "
        "and today's price; -1 when there is no consumption history.",
    )
    utility_warning_ids = fields.One2many(
        comodel_name="utility.warning",
        inverse_name="contract_id",
        string="Warnings",
    )
    utility_warning_count = fields.Integer(
        compute="_compute_utility_warning_count",
        string="Open Warnings",
    )

    # ------------------------------------------------------------------
    # computes
    # ------------------------------------------------------------------

    def _get_receivable_residual_by_partner(self, sign=None):
        """Open receivable residual per (commercial partner id, company id),
        in one grouped query: what the customers owe (``sign=">"``: their
        open bills), what they paid ahead (``"<"``: their unapplied credit,
        negative) or both netted (``None``)."""
        partners = self.partner_id.commercial_partner_id
        if not partners:
            return {}
        domain = [
            ("partner_id", "in", partners.ids),
            ("company_id", "in", self.company_id.ids),
            ("account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
        ]
        if sign:
            domain.append(("amount_residual", sign, 0))
        # sudo: the figures are shown to whoever may read the contract,
        # including portal customers and cashiers who cannot read journal
        # items; only sums per customer leave this method
        groups = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(domain, ["partner_id", "company_id"], ["amount_residual:sum"])
        )
        return {(partner.id, company.id): residual for partner, company, residual in groups}

    def _get_prepaid_credit_by_partner(self):
        """Unapplied receivable credit per (commercial partner id, company id),
        as a positive amount, in one grouped query."""
        return {
            key: -residual
            for key, residual in self._get_receivable_residual_by_partner("<").items()
        }

    @api.depends("partner_id", "company_id")
    def _compute_prepaid_balance(self):
        credit = self._get_prepaid_credit_by_partner()
        for contract in self:
            key = (contract.partner_id.commercial_partner_id.id, contract.company_id.id)
            contract.prepaid_balance = contract.currency_id.round(credit.get(key, 0.0))

    def _get_avg_daily_consumption(self):
        """Average kWh per day of each contract: {contract id: kWh/day}, one
        SQL query.

        The validated readings whose period lies within the last 90 days
        count: their consumption over the days they cover. A period that
        began before the window is left out — the first reading of a meter
        covers the years since its installation, and averaging a month's
        use over 1,300 days would make a prepaid balance last for ever.
        Without any such period, the latest validated reading's own period
        is the only history there is."""
        if not self.ids:
            return {}
        self.env["utility.meter.reading"].flush_model(
            ["contract_id", "reading_date", "consumption", "period_days", "state"]
        )
        since = fields.Date.context_today(self) - timedelta(days=CONSUMPTION_WINDOW_DAYS)
        self.env.cr.execute(
            SQL(
                """
                SELECT contract_id,
                       SUM(consumption) FILTER (WHERE reading_date - period_days >= %(since)s),
                       SUM(period_days) FILTER (WHERE reading_date - period_days >= %(since)s),
                       (ARRAY_AGG(consumption ORDER BY reading_date DESC, id DESC))[1],
                       (ARRAY_AGG(period_days ORDER BY reading_date DESC, id DESC))[1]
                  FROM utility_meter_reading
                 WHERE contract_id = ANY(%(ids)s)
                   AND state IN ('validated', 'billed')
                   AND period_days > 0
                   AND reading_date > %(since)s
              GROUP BY contract_id
                """,
                ids=self.ids,
                since=since,
            )
        )
        result = {}
        for contract_id, total, days, last_total, last_days in self.env.cr.fetchall():
            if not days:
                total, days = last_total, last_days
            if total and total > 0 and days:
                result[contract_id] = total / days
        return result

    def _get_unit_price(self, monthly_kwh):
        """Average price per kWh of ``monthly_kwh`` under today's approved
        version: block prices weighted by the kWh in each block; the flat
        price for time-of-use versions."""
        self.ensure_one()
        version = self.tariff_id.current_version_id
        if not version:
            return 0.0
        blocks = version.block_ids.sorted(lambda b: (b.sequence, b.id))
        if not blocks:
            return version.price_flat or version.price_peak or version.price_valley
        if monthly_kwh <= 0:
            return blocks[0].price
        charge, lower = 0.0, 0.0
        for block in blocks:
            upper = block.limit_to or monthly_kwh
            in_block = max(0.0, min(monthly_kwh, upper) - lower)
            charge += in_block * block.price
            lower = upper
            if lower >= monthly_kwh:
                break
        return charge / monthly_kwh

    @api.depends("partner_id", "tariff_id", "company_id")
    def _compute_prepaid_forecast(self):
        averages = self._get_avg_daily_consumption()
        for contract in self:
            avg = averages.get(contract.id, 0.0)
            price = contract._get_unit_price(avg * 30)
            contract.avg_daily_consumption = avg
            contract.current_unit_price = price
            daily_cost = avg * price
            if daily_cost > 0:
                contract.estimated_days_left = int(max(contract.prepaid_balance, 0.0) // daily_cost)
            else:
                contract.estimated_days_left = -1

    def _compute_utility_warning_count(self):
        counts = dict(
            self.env["utility.warning"]._read_group(
                [("contract_id", "in", self.ids), ("cleared_at", "=", False)],
                ["contract_id"],
                ["__count"],
            )
        )
        for contract in self:
            contract.utility_warning_count = counts.get(contract, 0)

    # ------------------------------------------------------------------
    # credit lines and refund
    # ------------------------------------------------------------------

    def _get_prepaid_credit_lines(self):
        """Open credit lines on the receivable of these contracts' customers,
        oldest first."""
        return self.env["account.move.line"].search(
            Domain("partner_id", "in", self.partner_id.commercial_partner_id.ids)
            & Domain("company_id", "in", self.company_id.ids)
            & Domain("account_type", "=", "asset_receivable")
            & Domain("parent_state", "=", "posted")
            & Domain("reconciled", "=", False)
            & Domain("amount_residual", "<", 0),
            order="date, id",
        )

    def action_open_prepaid_refund(self):
        """Open the wizard refunding the remaining prepaid balance."""
        self.ensure_one()
        if self.currency_id.compare_amounts(self.prepaid_balance, 0.0) <= 0:
            raise UserError(self.env._("Contract %s has no prepaid balance to refund.", self.name))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Refund Prepaid Balance"),
            "res_model": "utility.prepaid.refund",
            "view_mode": "form",
            "target": "new",
            "context": {"default_contract_id": self.id},
        }

    def action_view_utility_warnings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "utility_billing.action_utility_warning"
        )
        action["domain"] = [("contract_id", "=", self.id)]
        action["context"] = {"search_default_filter_open": 1}
        return action
