import logging
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, float_round, split_every

from odoo.addons.queue_job.delay import group

_logger = logging.getLogger(__name__)

# contracts valued per queue_job job by the daily valuation
VALUATION_BATCH_SIZE = 2000

VALUED_FIELDS = (
    "valued_at",
    "valued_reading_at",
    "valued_unbilled_kwh",
    "valued_unbilled_amount",
    "valued_balance",
    "valued_days_left",
)


class UtilityContract(models.Model):
    """The daily valuation of cost-controlled contracts (费控测算).

    ``_utility_value_balances`` values a batch of contracts in a few
    queries: the consumption read by the head-end since the last bill,
    priced by the tariff's own charge computation, and the customer's
    credit and open bills. It writes the ``valued_*`` fields in one SQL
    UPDATE and never posts anything."""

    _inherit = "utility.contract"  # pylint: disable=consider-merging-classes-inherited

    meter_supply_state = fields.Selection(
        selection="_selection_meter_supply_state",
        string="Supply State",
        compute="_compute_meter_supply_state",
        help="Whether the meter's supply is on or off, as its head-end last acknowledged.",
    )

    @api.model
    def _selection_meter_supply_state(self):
        return self.env["utility.meter"]._fields["supply_state"]._description_selection(self.env)

    def _compute_meter_supply_state(self):
        # not a related field: the contract's meter is computed, not searchable
        for contract in self:
            contract.meter_supply_state = contract.meter_id.supply_state or False

    # ------------------------------------------------------------------
    # valuation
    # ------------------------------------------------------------------
    def _utility_valuation_baselines(self):
        """{contract id: (meter id, register value, date)}: what each
        contract's current meter was last billed on — the value and date
        of its last billed reading on this contract, else the meter's
        initial value and installation date. One query."""
        if not self.ids:
            return {}
        self.env["utility.meter.reading"].flush_model(
            ["meter_id", "contract_id", "state", "reading_date", "value"]
        )
        self.env["utility.meter"].flush_model(
            ["service_point_id", "state", "install_date", "initial_reading"]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT c.id, m.id, COALESCE(b.value, m.initial_reading),
                       COALESCE(b.reading_date, m.install_date)
                  FROM utility_contract c
                  JOIN LATERAL (
                        SELECT id, initial_reading, install_date
                          FROM utility_meter
                         WHERE service_point_id = c.service_point_id
                           AND state = 'installed'
                      ORDER BY install_date DESC, id DESC
                         LIMIT 1
                       ) m ON TRUE
             LEFT JOIN LATERAL (
                        SELECT value, reading_date
                          FROM utility_meter_reading
                         WHERE meter_id = m.id AND contract_id = c.id
                           AND state = 'billed'
                      ORDER BY reading_date DESC, id DESC
                         LIMIT 1
                       ) b ON TRUE
                 WHERE c.id = ANY(%s)
                """,
                self.ids,
            )
        )
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    def _utility_value_balances(self, at=None):
        """Value these contracts' balances as of ``at`` (naive UTC datetime,
        default now) and store them in the ``valued_*`` fields.

        - unbilled kWh: the latest OK daily reading of the total register
          (``utility.meter.daily.reading._get_latest_ok``) read on a day
          after the last bill's reading, minus that reading (none: the
          meter's initial value), times the meter's multiplier; 0 (and no
          reading time) without such a daily reading;
        - unbilled value: that kWh priced as a bill of the days since the
          last bill would price it (``utility.tariff._compute_charge_lines``:
          approved version, tax-included block prices, monthly limits
          prorated by the days);
        - estimated balance: the customer's prepaid credit minus their open
          bills' residual minus the unbilled value of their contracts valued
          here;
        - days left: the balance over the average daily consumption at the
          current price (``_get_avg_daily_consumption``, else the unbilled
          period's), -1 without history.

        Contracts without an installed meter, or whose tariff cannot price
        the period, are left as they were. No journal entry is posted.

        :return: {contract id: estimated balance}
        """
        if not self.env.su:
            # sudo: a payment from any channel (a cashier, a terminal, the
            # portal) values its customer's contracts again, and its user may
            # not read daily readings or journal items; the valuation only
            # reads them to write the valued figures (a private method, not
            # callable over RPC)
            return self.sudo()._utility_value_balances(at=at)
        at = at or fields.Datetime.now()
        contracts = self.with_context(prefetch_fields=False)
        baselines = contracts._utility_valuation_baselines()
        if not baselines:
            return {}
        meters = self.env["utility.meter"].browse({b[0] for b in baselines.values()})
        latest = self.env["utility.meter.daily.reading"]._get_latest_ok(meters, at)
        # records iterated from one recordset are read together, not one by one
        dailies = self.env["utility.meter.daily.reading"].browse(
            [reading.id for reading in latest.values()]
        )
        latest = {reading.meter_id.id: reading for reading in dailies}
        meter_of = {meter.id: meter for meter in meters}
        credit = self._get_prepaid_credit_by_partner()
        # a bill in a kept installment plan is owed on the plan's terms
        owed = self._utility_owed_now_by_partner(">")
        averages = self._get_avg_daily_consumption()
        charges, unit_prices, valued = {}, {}, {}
        unbilled_by_partner = defaultdict(float)
        for contract in self:
            if contract.id not in baselines:
                continue
            meter_id, base_value, base_date = baselines[contract.id]
            meter = meter_of[meter_id]
            currency = contract.currency_id
            daily = latest.get(meter_id)
            kwh, amount, read_at, days = 0.0, 0.0, False, 0
            if daily and daily.read_day and daily.read_day > base_date:
                advance = meter._consumption_between(base_value, daily.value)
                read_at = daily.read_at
                days = (daily.read_day - base_date).days
                kwh = max(advance or 0.0, 0.0) * (meter.multiplier or 1.0)
                kwh = float_round(kwh, precision_digits=2)
                key = (contract.tariff_id.id, base_date, daily.read_day)
                if key not in charges:
                    charges[key] = contract.tariff_id._utility_unbilled_pricer(
                        base_date + timedelta(days=1), daily.read_day
                    )
                if charges[key] is None:
                    continue
                amount = charges[key](kwh)
            partner_key = (contract.partner_id.commercial_partner_id.id, contract.company_id.id)
            unbilled_by_partner[partner_key] += amount
            avg = averages.get(contract.id) or (kwh / days if days and kwh > 0 else 0.0)
            # the price of a month's use, to the kWh: a day's cost is an estimate
            price_key = (contract.tariff_id.id, int(avg * 30 + 0.5))
            if price_key not in unit_prices:
                unit_prices[price_key] = contract._get_unit_price(price_key[1])
            valued[contract] = [read_at, kwh, amount, partner_key, avg * unit_prices[price_key]]
        rows = []
        balances = {}
        for contract, (read_at, kwh, amount, partner_key, daily_cost) in valued.items():
            currency = contract.currency_id
            balance = currency.round(
                credit.get(partner_key, 0.0)
                - owed.get(partner_key, 0.0)
                - unbilled_by_partner[partner_key]
            )
            days_left = int(max(balance, 0.0) // daily_cost) if daily_cost > 0 else -1
            balances[contract.id] = balance
            rows.append((contract.id, read_at or None, kwh, amount, balance, days_left))
        self._utility_store_valuation(rows, at)
        return balances

    def _utility_store_valuation(self, rows, at):
        """Write the valuation ``rows`` ``(contract id, reading time, kWh,
        amount, balance, days left)`` in one UPDATE: the ORM would write
        (and check) each contract one by one."""
        if not rows:
            return
        columns = list(zip(*rows, strict=True))
        self.env.cr.execute(
            SQL(
                """
                UPDATE utility_contract c
                   SET valued_at = %(at)s,
                       valued_reading_at = v.read_at,
                       valued_unbilled_kwh = v.kwh,
                       valued_unbilled_amount = v.amount,
                       valued_balance = v.balance,
                       valued_days_left = v.days
                  FROM unnest(%(ids)s::int[], %(read_at)s::timestamp[], %(kwh)s::float8[],
                              %(amount)s::numeric[], %(balance)s::numeric[], %(days)s::int[])
                       AS v(id, read_at, kwh, amount, balance, days)
                 WHERE c.id = v.id
                """,
                at=at,
                ids=list(columns[0]),
                read_at=list(columns[1]),
                kwh=list(columns[2]),
                amount=list(columns[3]),
                balance=list(columns[4]),
                days=list(columns[5]),
            )
        )
        self.invalidate_model(list(VALUED_FIELDS))

    def _utility_valuation_summary(self):
        """The valuation as the terminal API answers it (``cost_control``
        of the bills query): estimated balance, days left (-1 unknown),
        when valued (UTC, ISO 8601, null before the first valuation) and
        the meter's supply state."""
        self.ensure_one()
        return {
            "estimated_balance": self.currency_id.round(self.valued_balance),
            "days_left": self.valued_days_left if self.valued_at else -1,
            "valued_at": self.valued_at and self.valued_at.isoformat() + "Z" or None,
            "supply_state": self.meter_supply_state or "unknown",
        }

    # ------------------------------------------------------------------
    # daily run and button
    # ------------------------------------------------------------------
    def _utility_value_balances_job(self, at=None):
        """Job: value a batch of contracts (idempotent: valuing twice
        stores the same figures)."""
        # sudo: the daily run values the contracts of every company, whoever
        # enqueued it; it only writes the valued figures
        self.sudo()._utility_value_balances(at=at and fields.Datetime.to_datetime(at))
        return self.env._("%s contracts valued.", len(self))

    @api.model
    def _cron_utility_value_balances(self):
        """Scheduled action: value every active cost-controlled contract, in
        queue_job jobs of ``VALUATION_BATCH_SIZE`` contracts (a customer's
        contracts stay together as far as the batches allow), then evaluate
        the balance warning rules once every job is done."""
        at = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM utility_contract
                 WHERE cost_control AND state = 'active'
              ORDER BY partner_id, id
                """
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        if not ids:
            return True
        batches = list(split_every(VALUATION_BATCH_SIZE, ids))
        jobs = [
            self.browse(batch)
            .delayable(
                description=self.env._(
                    "Daily valuation %(index)s/%(total)s", index=index, total=len(batches)
                )
            )
            ._utility_value_balances_job(at=fields.Datetime.to_string(at))
            for index, batch in enumerate(batches, start=1)
        ]
        rules = self.env["utility.warning.rule"].search(
            [("kind", "in", ("balance_amount", "balance_days"))]
        )
        chain = group(*jobs)
        if rules:
            chain.on_done(
                rules.delayable(
                    description=self.env._("Balance warnings after the daily valuation")
                )._evaluate()
            )
        chain.delay()
        _logger.info("Daily valuation: %s contracts in %s jobs.", len(ids), len(batches))
        return True

    def action_utility_value_now(self):
        """Button (billing officers): value these cost-controlled contracts
        now, from the latest daily readings."""
        if not self.env.user.has_group("utility_billing.group_utility_billing_officer"):
            raise AccessError(self.env._("Only a billing officer may value balances."))
        self.check_access("read")
        contracts = self.filtered("cost_control")
        if not contracts:
            raise UserError(
                self.env._("Only a contract under remote cost control is valued every day.")
            )
        contracts._utility_value_balances()
        return True


class UtilityTariff(models.Model):
    """Pricing many contracts' unbilled consumption over the same days."""

    _inherit = "utility.tariff"

    def _utility_unbilled_pricer(self, date_from, date_to):
        """A function pricing kWh consumed over [date_from, date_to] as a bill
        of these days on this tariff would (tax-included amount, rounded by
        the currency), or None when no approved version covers the days.

        The tariff's own ``_compute_charge_lines`` prices the days once, for
        an unbounded consumption: its lines give the widths of the blocks
        (monthly limits prorated to the days) and their prices, and the fixed
        charge. A contract's kWh then fill the blocks in order, each line
        rounded as ``_compute_charge_lines`` rounds it — the same amount, not
        one ORM call per contract. Periods it cannot split that way (two
        versions or two calendar years, annual blocks, time-of-use prices)
        are priced by ``_compute_charge_lines`` for each kWh figure."""
        self.ensure_one()
        try:
            segments = self._get_billing_segments(date_from, date_to)
        except UserError as error:
            _logger.warning("Valuation on tariff %s skipped: %s", self.code, error)
            return None
        currency = self.currency_id
        version = segments[0][0]
        simple = (
            len(segments) == 1
            and version.block_basis != "annual"
            and version.block_ids
            and not version._has_tou_prices()
        )
        if not simple:

            def price_by_lines(kwh):
                lines = self._compute_charge_lines(date_from, date_to, consumption=kwh)
                return currency.round(sum(line["amount"] for line in lines))

            return price_by_lines
        unbounded = 10.0**9
        lines = self._compute_charge_lines(date_from, date_to, consumption=unbounded)
        blocks = [
            (line["quantity"], line["price_unit"]) for line in lines if line["kind"] == "block"
        ]
        fixed = sum(line["amount"] for line in lines if line["kind"] != "block")
        qty_digits = self.env["decimal.precision"].precision_get("Product Unit")
        last = len(blocks) - 1

        def price_by_blocks(kwh):
            kwh = float_round(kwh, precision_digits=qty_digits)
            amount, lower = fixed, 0.0
            for index, (width, price) in enumerate(blocks):
                in_block = kwh - lower if index == last else min(kwh - lower, width)
                in_block = float_round(in_block, precision_digits=qty_digits)
                if in_block > 0:
                    amount += currency.round(in_block * price)
                lower += width
                if lower >= kwh:
                    break
            return currency.round(amount)

        return price_by_blocks
