from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, float_compare, float_round, format_date

# the only fields the billing run (and the cancellation of a bill) may write
# on a billed reading; everything else is frozen once billed
BILLING_FIELDS = frozenset({"state", "move_id", "message_main_attachment_id"})
# fields that change the register values or their place in the meter history
REGISTER_FIELDS = frozenset(
    {"meter_id", "reading_date", "value", "value_peak", "value_flat", "value_valley"}
)
REGISTERS = ("", "_peak", "_flat", "_valley")
# number of previous validated readings the "abnormal jump" average looks at
RECENT_READINGS = 6


class UtilityMeterReading(models.Model):
    """A reading of a meter's register(s) on a date.

    The consumption of a reading is the register advance since the previous
    non-cancelled reading of the same meter (or since the meter's initial
    reading for its first one), roll-over aware, times the multiplier. A meter
    replacement needs nothing special: each meter has its own history, the
    removed meter ends with its ``final`` reading and the new one starts from
    its own initial reading.

    Estimated readings carry an estimated register value. The next actual
    reading takes the estimate as its previous reading, so its consumption is
    ``actual - estimate``: the estimate and the correction always add up to
    the real advance between the two actual readings. An actual reading below
    an estimate is therefore accepted and gives a negative consumption (a
    credit on the next bill).
    """

    _name = "utility.meter.reading"
    _description = "Meter Reading"
    _inherit = ["mail.thread", "utility.protected.fields.mixin"]
    _order = "reading_date desc, id desc"

    meter_id = fields.Many2one(
        comodel_name="utility.meter",
        required=True,
        index=True,
        tracking=True,
        ondelete="restrict",
    )
    service_point_id = fields.Many2one(
        comodel_name="utility.service.point",
        related="meter_id.service_point_id",
        store=True,
        index=True,
    )
    route = fields.Char(related="service_point_id.route", store=True, index=True)
    contract_id = fields.Many2one(
        comodel_name="utility.contract",
        compute="_compute_contract_id",
        store=True,
        index=True,
        help="The supply contract of the meter's service point in force on the reading's "
        "date (the one billing that day), else its active contract.",
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        compute="_compute_partner_id",
        string="Customer",
        store=True,
        index=True,
        help="The customer of the reading's contract (of its bill once billed), else "
        "the service point's: after a transfer the old owner keeps the old readings.",
    )
    customer_number = fields.Char(related="partner_id.utility_customer_number")
    station_id = fields.Many2one(
        comodel_name="utility.supply.station",
        related="service_point_id.station_id",
        store=True,
        index=True,
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        related="service_point_id.company_id",
        store=True,
        index=True,
    )
    register_type = fields.Selection(related="meter_id.register_type")
    reading_date = fields.Date(
        required=True,
        index=True,
        default=fields.Date.context_today,
        tracking=True,
    )
    value = fields.Float(
        digits=(16, 2),
        tracking=True,
        help="Register value read on the meter (total register of a time-of-use meter).",
    )
    value_peak = fields.Float(string="Peak Register", digits=(16, 2))
    value_flat = fields.Float(string="Flat Register", digits=(16, 2))
    value_valley = fields.Float(string="Valley Register", digits=(16, 2))
    previous_reading_id = fields.Many2one(
        comodel_name="utility.meter.reading",
        compute="_compute_previous_reading_id",
        store=True,
        index="btree_not_null",
        help="Latest non-cancelled reading of the same meter before this one. "
        "Without one, the meter's initial reading is the base.",
    )
    previous_date = fields.Date(
        compute="_compute_previous_values",
        store=True,
        help="Date of the previous reading, or the meter's installation date.",
    )
    previous_value = fields.Float(
        compute="_compute_previous_values",
        store=True,
        digits=(16, 2),
        help="Register value the consumption is counted from.",
    )
    previous_value_peak = fields.Float(
        compute="_compute_previous_values", store=True, digits=(16, 2)
    )
    previous_value_flat = fields.Float(
        compute="_compute_previous_values", store=True, digits=(16, 2)
    )
    previous_value_valley = fields.Float(
        compute="_compute_previous_values", store=True, digits=(16, 2)
    )
    multiplier = fields.Float(
        compute="_compute_multiplier",
        store=True,
        digits=(12, 4),
        help="Meter multiplier when the reading was taken: a later change of the "
        "meter's multiplier does not alter readings already taken.",
    )
    period_days = fields.Integer(
        compute="_compute_previous_values",
        store=True,
        help="Days since the previous reading.",
    )
    consumption = fields.Float(
        string="Consumption (kWh)",
        compute="_compute_consumption",
        store=True,
        digits=(16, 2),
        help="Register advance since the previous reading times the multiplier.",
    )
    consumption_peak = fields.Float(
        string="Peak (kWh)", compute="_compute_consumption", store=True, digits=(16, 2)
    )
    consumption_flat = fields.Float(
        string="Flat (kWh)", compute="_compute_consumption", store=True, digits=(16, 2)
    )
    consumption_valley = fields.Float(
        string="Valley (kWh)", compute="_compute_consumption", store=True, digits=(16, 2)
    )
    reading_type = fields.Selection(
        selection=[
            ("manual", "Manual"),
            ("imported", "Imported"),
            ("estimated", "Estimated"),
            ("self", "Customer self-reading"),
            ("final", "Final (meter removed)"),
            ("move_out", "Move-out / transfer (final)"),
            ("move_in", "Move-in (opening)"),
        ],
        default="manual",
        required=True,
        tracking=True,
    )
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("to_review", "To Review"),
            ("validated", "Validated"),
            ("billed", "Billed"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        index=True,
        tracking=True,
        copy=False,
    )
    review_reason = fields.Text(
        readonly=True,
        copy=False,
        help="Why validation held this reading for a billing officer's review.",
    )
    move_id = fields.Many2one(
        comodel_name="account.move",
        string="Bill",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
    )
    reader_id = fields.Many2one(
        comodel_name="res.users",
        string="Read By",
        default=lambda self: self.env.user,
    )
    note = fields.Text()

    _meter_date_uniq = models.UniqueIndex(
        "(meter_id, reading_date) WHERE state != 'cancelled'",
        "A meter can have only one reading per date: cancel the other reading first.",
    )
    _meter_date_idx = models.Index("(meter_id, reading_date DESC)")

    # ------------------------------------------------------------------
    # computes
    # ------------------------------------------------------------------

    @api.model
    def _utility_protected_fields(self):
        # the review and the bill of a reading: validated, reviewed and
        # billed by the actions and the billing run
        return {"move_id", "review_reason", "state"}

    @api.depends("meter_id", "reading_date")
    def _compute_display_name(self):
        for reading in self:
            date = format_date(self.env, reading.reading_date) if reading.reading_date else ""
            reading.display_name = f"{reading.meter_id.serial or ''} {date}".strip()

    @api.depends("service_point_id", "reading_date")
    def _compute_contract_id(self):
        """The contract billing the reading's date (``billed_from`` to
        ``date_end``): on the handover day of a transfer, the old one. A
        reading dated outside every contract goes to the active one."""
        points = self.service_point_id
        contracts = self.env["utility.contract"].search(
            [("service_point_id", "in", points.ids), ("state", "in", ("active", "terminated"))],
            order="billed_from desc, id desc",
        )
        by_point = defaultdict(list)
        for contract in contracts:
            by_point[contract.service_point_id.id].append(contract)
        for reading in self:
            candidates = by_point.get(reading.service_point_id.id, [])
            day = reading.reading_date
            in_force = next(
                (
                    c
                    for c in candidates
                    if day
                    and c.billed_from
                    and c.billed_from <= day
                    and (not c.date_end or day <= c.date_end)
                ),
                None,
            )
            active = next((c for c in candidates if c.state == "active"), False)
            reading.contract_id = in_force or active

    @api.depends("contract_id.partner_id", "service_point_id.partner_id")
    def _compute_partner_id(self):
        # a billed reading stays its bill's customer's (not a dependency:
        # billing does not change it)
        for reading in self:
            reading.partner_id = (
                reading.move_id.partner_id
                or reading.contract_id.partner_id
                or reading.service_point_id.partner_id
            )

    @api.depends("meter_id")
    def _compute_multiplier(self):
        for reading in self:
            reading.multiplier = reading.meter_id.multiplier or 1.0

    @api.depends("meter_id", "reading_date")
    def _compute_previous_reading_id(self):
        stored = self.filtered(lambda r: isinstance(r.id, int))
        previous = {}
        if stored:
            # the history lives in the database: make pending changes visible
            self.flush_model(["meter_id", "reading_date", "state"])
            self.env.cr.execute(
                SQL(
                    """
                    SELECT r.id, p.id
                      FROM utility_meter_reading r
                      JOIN LATERAL (
                            SELECT h.id
                              FROM utility_meter_reading h
                             WHERE h.meter_id = r.meter_id
                               AND h.reading_date < r.reading_date
                               AND h.state != 'cancelled'
                          ORDER BY h.reading_date DESC, h.id DESC
                             LIMIT 1
                           ) p ON TRUE
                     WHERE r.id = ANY(%s)
                    """,
                    stored.ids,
                )
            )
            previous = dict(self.env.cr.fetchall())
        for reading in self:
            if isinstance(reading.id, int):
                reading.previous_reading_id = previous.get(reading.id, False)
            elif reading.meter_id and reading.reading_date:
                # a reading being edited in a form (not saved yet)
                reading.previous_reading_id = self.search(
                    [
                        ("meter_id", "=", reading.meter_id.id),
                        ("reading_date", "<", reading.reading_date),
                        ("state", "!=", "cancelled"),
                    ],
                    order="reading_date desc, id desc",
                    limit=1,
                )
            else:
                reading.previous_reading_id = False

    @api.depends(
        "meter_id",
        "reading_date",
        "previous_reading_id",
        "previous_reading_id.reading_date",
        "previous_reading_id.value",
        "previous_reading_id.value_peak",
        "previous_reading_id.value_flat",
        "previous_reading_id.value_valley",
    )
    def _compute_previous_values(self):
        for reading in self:
            previous = reading.previous_reading_id
            if previous:
                reading.previous_date = previous.reading_date
                for suffix in REGISTERS:
                    reading[f"previous_value{suffix}"] = previous[f"value{suffix}"]
            else:
                # first reading of a meter (also of a replacement meter):
                # counted from the meter's own initial register values
                reading.previous_date = reading.meter_id.install_date
                for suffix in REGISTERS:
                    reading[f"previous_value{suffix}"] = reading.meter_id[
                        f"initial_reading{suffix}"
                    ]
            if reading.reading_date and reading.previous_date:
                reading.period_days = (reading.reading_date - reading.previous_date).days
            else:
                reading.period_days = 0

    @api.depends(
        "value",
        "value_peak",
        "value_flat",
        "value_valley",
        "previous_value",
        "previous_value_peak",
        "previous_value_flat",
        "previous_value_valley",
        "multiplier",
        "previous_reading_id.reading_type",
    )
    def _compute_consumption(self):
        for reading in self:
            for suffix in REGISTERS:
                advance = reading._register_advance(suffix)
                if advance is None:
                    # below the previous value and not a roll-over: shown
                    # negative, validation rejects it
                    advance = reading[f"value{suffix}"] - reading[f"previous_value{suffix}"]
                reading[f"consumption{suffix}"] = advance * (reading.multiplier or 1.0)

    def _register_advance(self, suffix=""):
        """Register advance of one register (``suffix`` '', '_peak', '_flat'
        or '_valley') since the previous reading, in register units.

        Returns None when the value is below the previous one and this is
        neither a roll-over nor the correction of an estimate."""
        self.ensure_one()
        current = self[f"value{suffix}"]
        previous = self[f"previous_value{suffix}"]
        if not self.meter_id or float_compare(current, previous, precision_digits=2) >= 0:
            return current - previous
        rollover = self.meter_id._rollover_value
        if (
            self.previous_reading_id.reading_type == "estimated"
            and previous - current < rollover / 2
        ):
            # the estimate was too high: the actual reading corrects it
            return current - previous
        return self.meter_id._consumption_between(previous, current)

    # ------------------------------------------------------------------
    # CRUD and the billed lock
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        readings = super().create(vals_list)
        readings._check_not_before_billed()
        readings._recompute_following()
        return readings

    def write(self, vals):
        changed = set(vals)
        billed = self.filtered(lambda r: r.state == "billed")
        if billed and changed - BILLING_FIELDS:
            raise UserError(
                self.env._(
                    "Billed readings are locked: %s. Cancel the bill first.",
                    ", ".join(billed.mapped("display_name")),
                )
            )
        if vals.get("state") == "billed" and self.filtered(
            lambda r: r.state not in ("validated", "billed")
        ):
            raise UserError(self.env._("Only validated readings can be billed."))
        if changed & REGISTER_FIELDS:
            frozen = self.filtered(lambda r: r.state not in ("draft", "to_review"))
            if frozen:
                raise UserError(
                    self.env._(
                        "Reset readings %s to draft before changing their values or dates.",
                        ", ".join(frozen.mapped("display_name")),
                    )
                )
        moves_history = bool(changed & {"meter_id", "reading_date"}) or (
            "state" in vals
            and (vals["state"] == "cancelled" or self.filtered(lambda r: r.state == "cancelled"))
        )
        if moves_history or changed & REGISTER_FIELDS:
            self._check_not_before_billed()
        if moves_history:
            old_following = self._get_following()
        res = super().write(vals)
        if moves_history:
            self._check_not_before_billed()
            (old_following | self)._recompute_following()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_validated_or_billed(self):
        locked = self.filtered(lambda r: r.state in ("validated", "billed"))
        if locked:
            raise UserError(
                self.env._(
                    "Validated or billed readings cannot be deleted: %s. "
                    "Cancel them (or their bill) instead.",
                    ", ".join(locked.mapped("display_name")),
                )
            )

    def unlink(self):
        following = self._get_following()
        res = super().unlink()
        following.exists()._recompute_following()
        return res

    def _check_not_before_billed(self):
        """A reading dated before a billed reading of its meter would change
        the consumption of a bill already issued."""
        if not self:
            return
        last_billed = dict(
            self._read_group(
                [("meter_id", "in", self.meter_id.ids), ("state", "=", "billed")],
                ["meter_id"],
                ["reading_date:max"],
            )
        )
        wrong = self.filtered(
            lambda r: (
                r.state != "billed"
                and last_billed.get(r.meter_id)
                and r.reading_date < last_billed[r.meter_id]
            )
        )
        if wrong:
            raise UserError(
                self.env._(
                    "Readings %s are dated before a billed reading of their meter: "
                    "they would change a bill already issued.",
                    ", ".join(wrong.mapped("display_name")),
                )
            )

    def _get_following(self):
        """Unbilled readings of the same meters dated after the earliest of
        ``self``: their previous reading may change when ``self`` does."""
        if not self:
            return self.browse()
        return self.search(
            [
                ("meter_id", "in", self.meter_id.ids),
                ("reading_date", ">", min(self.mapped("reading_date"))),
                ("state", "!=", "billed"),
                ("id", "not in", self.ids),
            ]
        )

    def _recompute_following(self):
        following = self._get_following() | self.filtered(lambda r: r.state != "billed")
        # their previous reading, previous values and consumption follow
        following.modified(["reading_date"])

    # ------------------------------------------------------------------
    # validation
    # ------------------------------------------------------------------
    def _get_validation_errors(self):
        """Reasons why each reading cannot be validated.

        :return: dict {reading id: [reason, ...]} for rejected readings only
        """
        errors = defaultdict(list)
        for reading in self:
            meter = reading.meter_id
            values = [reading.value, reading.value_peak, reading.value_flat, reading.value_valley]
            if any(float_compare(v, 0.0, precision_digits=2) < 0 for v in values):
                errors[reading.id].append(self.env._("A register value cannot be negative."))
                continue
            if any(v >= meter._rollover_value for v in values):
                errors[reading.id].append(
                    self.env._(
                        "The value exceeds the %(digits)s digits of meter %(serial)s.",
                        digits=meter.digits,
                        serial=meter.serial,
                    )
                )
            if meter.remove_date and reading.reading_date > meter.remove_date:
                errors[reading.id].append(
                    self.env._(
                        "Meter %(serial)s was removed on %(date)s: "
                        "no reading can be dated after that.",
                        serial=meter.serial,
                        date=format_date(self.env, meter.remove_date),
                    )
                )
            elif meter.state == "removed" and reading.reading_type != "final":
                errors[reading.id].append(
                    self.env._(
                        "Meter %s is removed: only its final reading can be recorded.",
                        meter.serial,
                    )
                )
            if meter.install_date and reading.reading_date < meter.install_date:
                errors[reading.id].append(
                    self.env._(
                        "Meter %(serial)s was installed on %(date)s, after this reading.",
                        serial=meter.serial,
                        date=format_date(self.env, meter.install_date),
                    )
                )
            for suffix in REGISTERS:
                if reading._register_advance(suffix) is None:
                    errors[reading.id].append(
                        self.env._(
                            "Value %(value)s is below the previous value %(previous)s "
                            "(%(date)s) and is not a roll-over of the %(digits)s-digit "
                            "register.",
                            value=reading[f"value{suffix}"],
                            previous=reading[f"previous_value{suffix}"],
                            date=format_date(self.env, reading.previous_date),
                            digits=meter.digits,
                        )
                    )
                    break
        return dict(errors)

    @api.model
    def _get_abnormal_factor(self):
        param = (
            self.env["ir.config_parameter"].sudo().get_param("utility_billing.abnormal_factor", "3")
        )
        try:
            return float(param)
        except ValueError:
            return 3.0

    def _get_recent_daily_average(self):
        """Average daily consumption of the last validated or billed readings
        of each reading's meter before its date: {reading id: kWh/day}.
        A meter's first reading (counted from its installation) and estimates
        are left out: they are no measured reading period."""
        if not self:
            return {}
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT r.id, SUM(h.consumption), SUM(h.period_days)
                  FROM utility_meter_reading r
                  JOIN LATERAL (
                        SELECT p.consumption, p.period_days
                          FROM utility_meter_reading p
                         WHERE p.meter_id = r.meter_id
                           AND p.reading_date < r.reading_date
                           AND p.state IN ('validated', 'billed')
                           AND p.reading_type != 'estimated'
                           AND p.previous_reading_id IS NOT NULL
                      ORDER BY p.reading_date DESC
                         LIMIT %s
                       ) h ON TRUE
                 WHERE r.id = ANY(%s)
              GROUP BY r.id
                """,
                RECENT_READINGS,
                self.ids,
            )
        )
        return {
            rid: total / days
            for rid, total, days in self.env.cr.fetchall()
            if days and total and total > 0
        }

    def action_validate(self):
        """Validate draft readings in batch.

        Any rejected reading blocks the whole batch (UserError listing every
        reason). A consumption above ``utility_billing.abnormal_factor``
        (default 3) times the recent daily average is held in ``to_review``."""
        readings = self.filtered(lambda r: r.state == "draft")
        if not readings:
            raise UserError(self.env._("Only draft readings can be validated."))
        # the contract may have been activated after the reading was entered
        self.env.add_to_compute(self._fields["contract_id"], readings)
        errors = readings._get_validation_errors()
        if errors:
            lines = [
                f"{reading.display_name}: {' '.join(errors[reading.id])}"
                for reading in readings
                if reading.id in errors
            ]
            raise UserError(self.env._("These readings cannot be validated:\n%s", "\n".join(lines)))
        with readings._utility_protected_write():
            factor = self._get_abnormal_factor()
            averages = readings._get_recent_daily_average()
            to_review = self.browse()
            for reading in readings:
                reason = reading._registers_mismatch()
                if reason:
                    reading.review_reason = reason
                    to_review |= reading
                    continue
                average = averages.get(reading.id)
                if not average or reading.reading_type == "estimated" or not reading.period_days:
                    continue
                expected = average * reading.period_days
                if float_compare(reading.consumption, factor * expected, precision_digits=2) > 0:
                    reading.review_reason = self.env._(
                        "Consumption %(consumption)s kWh over %(days)s days is more than "
                        "%(factor)s times the recent average (%(expected)s kWh for the "
                        "same number of days).",
                        consumption=round(reading.consumption, 2),
                        days=reading.period_days,
                        factor=f"{factor:g}",
                        expected=round(expected, 2),
                    )
                    to_review |= reading
            to_review.write({"state": "to_review"})
            (readings - to_review).write({"state": "validated", "review_reason": False})
        return True

    def _registers_mismatch(self):
        """Why the peak, flat and valley advances of a time-of-use reading
        (which are billed) do not add up to its total advance, or False. A
        register unit of difference is allowed for the registers' rounding."""
        self.ensure_one()
        if self.meter_id.register_type != "tou" or self.reading_type == "estimated":
            return False
        total = self._register_advance()
        registers = [self._register_advance(suffix) for suffix in REGISTERS[1:]]
        if total is None or None in registers or abs(sum(registers) - total) <= 1.0:
            return False
        return self.env._(
            "The peak, flat and valley advances (%(registers)s) do not add up to the total "
            "advance (%(total)s): check the readings, or the meter's initial register values.",
            registers=" + ".join(f"{advance:g}" for advance in registers),
            total=f"{total:g}",
        )

    def action_approve_review(self):
        """A billing officer accepts readings held for review."""
        if not self.env.user.has_group("utility_billing.group_utility_billing_officer"):
            raise AccessError(self.env._("Only a billing officer can approve a reading."))
        if self.filtered(lambda r: r.state != "to_review"):
            raise UserError(self.env._("Only readings to review can be approved."))
        with self._utility_protected_write():
            self.write({"state": "validated"})
        for reading in self:
            reading.message_post(
                body=self.env._("Abnormal consumption approved: %s", reading.review_reason)
            )
        return True

    def action_reset_draft(self):
        if self.filtered(lambda r: r.state in ("billed", "draft")):
            raise UserError(
                self.env._("Only readings to review, validated or cancelled can be reset.")
            )
        with self._utility_protected_write():
            self.write({"state": "draft"})
        return True

    def action_cancel(self):
        if self.filtered(lambda r: r.state == "billed"):
            raise UserError(
                self.env._("A billed reading cannot be cancelled: cancel its bill first.")
            )
        with self._utility_protected_write():
            self.write({"state": "cancelled"})
        return True

    # ------------------------------------------------------------------
    # estimates
    # ------------------------------------------------------------------
    @api.model
    def _create_estimates(self, meters, reading_date):
        """Estimate the register of ``meters`` on ``reading_date`` from the
        average daily consumption of their last validated actual readings.

        The estimate is an ``estimated`` draft reading whose register value is
        the previous value plus average x days (divided by the multiplier,
        wrapped past the register's capacity). The next actual reading takes
        it as its previous reading, which corrects the estimate.

        :return: (created readings, {meter: reason} of the meters skipped)
        """
        skipped = {}
        if not meters:
            return self.browse(), skipped
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT m.id, SUM(h.consumption), SUM(h.period_days)
                  FROM utility_meter m
                  JOIN LATERAL (
                        SELECT p.consumption, p.period_days
                          FROM utility_meter_reading p
                         WHERE p.meter_id = m.id
                           AND p.reading_date < %s
                           AND p.state IN ('validated', 'billed')
                           AND p.reading_type != 'estimated'
                           AND p.previous_reading_id IS NOT NULL
                      ORDER BY p.reading_date DESC
                         LIMIT %s
                       ) h ON TRUE
                 WHERE m.id = ANY(%s)
              GROUP BY m.id
                """,
                reading_date,
                RECENT_READINGS,
                meters.ids,
            )
        )
        daily = {mid: total / days for mid, total, days in self.env.cr.fetchall() if days}
        existing = self.search(
            [
                ("meter_id", "in", meters.ids),
                ("reading_date", "=", reading_date),
                ("state", "!=", "cancelled"),
            ]
        ).meter_id
        vals_list = []
        for meter in meters:
            if meter in existing:
                skipped[meter] = self.env._("A reading already exists on that date.")
            elif meter.state == "removed":
                skipped[meter] = self.env._("The meter is removed.")
            elif meter.register_type == "tou":
                skipped[meter] = self.env._("Time-of-use meters are not estimated.")
            elif meter.id not in daily:
                skipped[meter] = self.env._("No validated reading to estimate from.")
            else:
                vals_list.append(
                    {
                        "meter_id": meter.id,
                        "reading_date": reading_date,
                        "reading_type": "estimated",
                        # placeholder: the register value needs the previous one
                        "value": 0.0,
                    }
                )
        estimates = self.create(vals_list)
        for reading in estimates:
            meter = reading.meter_id
            advance = daily[meter.id] * reading.period_days / (reading.multiplier or 1.0)
            value = (reading.previous_value + advance) % meter._rollover_value
            reading.value = float_round(value, precision_digits=0)
        return estimates, skipped

    # ------------------------------------------------------------------
    # interface for the billing run
    # ------------------------------------------------------------------
    @api.model
    def _get_billable(self, contracts, date_from, date_to):
        """Validated, not yet billed readings of the meters of ``contracts``'
        service points dated in [date_from, date_to], oldest first. A move-in
        (opening) reading is never billed: what the meter turned while the
        point had no contract is billed to nobody."""
        return self.search(
            [
                ("service_point_id", "in", contracts.service_point_id.ids),
                ("state", "=", "validated"),
                ("move_id", "=", False),
                ("reading_type", "!=", "move_in"),
                ("reading_date", ">=", date_from),
                ("reading_date", "<=", date_to),
            ],
            order="service_point_id, meter_id, reading_date, id",
        )

    @api.model
    def _mark_billed(self, move_by_reading):
        """Lock readings on their bill: ``move_by_reading`` maps a reading
        (record or id) to an account.move (record or id). One write per bill."""
        by_move = defaultdict(list)
        for reading, move in move_by_reading.items():
            by_move[int(move)].append(int(reading))
        # the bill is the record of the billing: no chatter line per reading
        readings = self.with_context(tracking_disable=True)
        for move_id, reading_ids in by_move.items():
            with readings.browse(reading_ids)._utility_protected_write():
                readings.browse(reading_ids).write({"state": "billed", "move_id": move_id})
        return True
