from collections import defaultdict
from datetime import UTC, datetime, time, timedelta

import psycopg2.errors
import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, ConcurrencyError, UserError
from odoo.tools import SQL, float_compare, format_datetime

from odoo.addons.utility_payment_channels.tools.api_error import UtilityApiError

# the most readings one request may carry
MAX_BATCH = 1000
# the register of a daily reading -> the suffix of utility.meter.reading's
# register fields (value, value_peak, ...)
REGISTER_SUFFIX = {"total": "", "peak": "_peak", "flat": "_flat", "valley": "_valley"}
# previous OK daily readings the "abnormal jump" average looks at
RECENT_DAILY = 7
# a reading dated later than this after its receipt is refused
FUTURE_TOLERANCE = timedelta(hours=1)


class UtilityMeterDailyReading(models.Model):
    """A register reading of a smart meter sent by its head-end system.

    Light on purpose (no chatter, no computed chain): the readings API
    stores up to 1,000 of them per request and 300,000 meters a day. The
    consumption is the register advance since the previous daily reading of
    the same meter and register (roll-over aware, times the multiplier),
    computed once when the reading is received. A reading the rules of
    ``utility.meter.reading`` would hold (below the previous value, a
    roll-over, an abnormal jump) is stored in ``review`` with its reason,
    never dropped; a second, different value for the same meter, register and
    time flags the stored reading ``conflict`` and keeps its value.

    Billing reads the meters once a month: see
    ``_create_period_end_readings``."""

    _name = "utility.meter.daily.reading"
    _description = "Daily Meter Reading"
    _inherit = ["utility.protected.fields.mixin"]
    _order = "read_at desc, id desc"
    _rec_name = "meter_id"

    meter_id = fields.Many2one(
        comodel_name="utility.meter", required=True, index=True, ondelete="restrict"
    )
    register = fields.Selection(
        selection=[("total", "Total"), ("peak", "Peak"), ("flat", "Flat"), ("valley", "Valley")],
        required=True,
        default="total",
    )
    read_at = fields.Datetime(
        string="Read At", required=True, help="When the meter's register was read."
    )
    read_day = fields.Date(
        string="Day",
        index=True,
        help="The local day of the reading (the company's time zone).",
    )
    value = fields.Float(digits=(16, 2), help="Register value.")
    previous_read_at = fields.Datetime(
        help="Time of the previous daily reading of the register, if any."
    )
    previous_value = fields.Float(
        digits=(16, 2),
        help="Register value the consumption is counted from: the previous daily reading, "
        "else the meter's last validated reading or its initial value.",
    )
    consumption = fields.Float(
        string="Consumption (kWh)",
        digits=(16, 2),
        help="Register advance since the previous value times the meter's multiplier.",
    )
    state = fields.Selection(
        selection=[
            ("ok", "OK"),
            ("review", "To Review"),
            ("conflict", "Conflict"),
            ("rejected", "Rejected"),
        ],
        default="ok",
        required=True,
        index=True,
    )
    review_codes = fields.Char(
        help="Why the reading is held, as codes (comma-separated): rollover, negative, jump, "
        "digits, before_install, conflict."
    )
    expected_consumption = fields.Float(
        digits=(16, 2),
        help="Consumption expected from the recent average over the same time (abnormal jumps).",
    )
    reason = fields.Text(compute="_compute_reason", help="Why the reading is held for review.")
    conflict_value = fields.Float(
        digits=(16, 2),
        help="Another value the head-end sent later for the same meter, register and time "
        "(the stored value is kept).",
    )
    headend_id = fields.Many2one(
        comodel_name="utility.headend", string="Head-end System", required=True, index=True
    )
    company_id = fields.Many2one(comodel_name="res.company", required=True, index=True)
    received_at = fields.Datetime(string="Received At", required=True)
    review_note = fields.Text(help="The billing officer's note on the review.")
    reviewed_by_id = fields.Many2one(comodel_name="res.users", string="Reviewed By")
    reviewed_at = fields.Datetime(string="Reviewed At")
    meter_reading_id = fields.Many2one(
        comodel_name="utility.meter.reading",
        string="Period-end Reading",
        index="btree_not_null",
        ondelete="set null",
        help="The monthly reading billing created from this daily reading.",
    )
    partner_id = fields.Many2one(related="meter_id.partner_id", string="Customer")

    # also the index of "the latest reading of a meter's register at or
    # before a time" (scanned backwards)
    _meter_register_time_uniq = models.Constraint(
        "UNIQUE(meter_id, register, read_at)",
        "A meter register has only one reading at a given time.",
    )

    @api.model
    def _utility_protected_fields(self):
        # everything but the officer's note: written by the readings API
        # and the review actions only
        return {
            "meter_id", "register", "read_at", "read_day", "value", "previous_read_at",
            "previous_value", "consumption", "state", "review_codes", "expected_consumption",
            "conflict_value", "headend_id",
            "company_id", "received_at", "reviewed_by_id", "reviewed_at", "meter_reading_id",
        }  # fmt: skip

    @api.depends("review_codes", "value", "previous_value", "consumption", "conflict_value")
    def _compute_reason(self):
        # rendered in the reader's language (the codes and figures are stored)
        for reading in self:
            reading.reason = self._review_reason_text(
                reading.review_codes,
                {
                    "value": reading.value,
                    "previous_value": reading.previous_value,
                    "consumption": reading.consumption,
                    "expected": reading.expected_consumption,
                    "conflict_value": reading.conflict_value,
                    "digits": reading.meter_id.digits,
                },
            )

    @api.model
    def _review_reason_text(self, codes, data):
        """The sentence(s) of the review ``codes`` (comma-separated) with the
        figures of ``data``, in the environment's language, or False."""
        if not codes:
            return False

        def number(value):
            return f"{value or 0.0:.2f}"

        texts = {
            "digits": lambda: self.env._(
                "The value exceeds the %(digits)s digits of the meter.", digits=data["digits"]
            ),
            "rollover": lambda: self.env._(
                "Roll-over of the %(digits)s-digit register: %(previous)s to %(value)s.",
                digits=data["digits"],
                previous=number(data["previous_value"]),
                value=number(data["value"]),
            ),
            "negative": lambda: self.env._(
                "Value %(value)s is below the previous value %(previous)s: negative consumption.",
                value=number(data["value"]),
                previous=number(data["previous_value"]),
            ),
            "jump": lambda: self.env._(
                "Consumption %(consumption)s kWh is more than %(factor)s times the recent "
                "average (%(expected)s kWh for the same time).",
                consumption=number(data["consumption"]),
                factor=f"{self.env['utility.meter.reading']._get_abnormal_factor():g}",
                expected=number(data["expected"]),
            ),
            "before_install": lambda: self.env._(
                "The reading is dated before the meter was installed."
            ),
            "conflict": lambda: self.env._(
                "The head-end sent another value (%(value)s) for the same time: "
                "the first value is kept.",
                value=number(data["conflict_value"]),
            ),
        }
        return "\n".join(texts[code]() for code in codes.split(",") if code in texts) or False

    @api.depends("meter_id", "register", "read_at")
    def _compute_display_name(self):
        for reading in self:
            register = dict(reading._fields["register"]._description_selection(self.env)).get(
                reading.register, ""
            )
            read_at = format_datetime(self.env, reading.read_at) if reading.read_at else ""
            reading.display_name = f"{reading.meter_id.serial or ''} {register} {read_at}".strip()

    # ------------------------------------------------------------------
    # the readings API
    # ------------------------------------------------------------------
    @api.model
    def _utility_api_receive(self, headend, payload):
        """Store a batch of readings sent by ``headend`` (a sudo record).

        ``payload`` is the request's JSON body. Returns the answer: per
        reading, in order, ``accepted``, ``duplicate``, ``review`` (with the
        reason) or ``refused`` (with a code), and the totals. Raises
        ``UtilityApiError`` for a body that is not a batch (422) or too big
        (413)."""
        items = payload.get("readings") if isinstance(payload, dict) else None
        if not isinstance(items, list):
            raise UtilityApiError(
                422, "invalid_body", "The body must be an object with a 'readings' list."
            )
        if len(items) > MAX_BATCH:
            raise UtilityApiError(
                413, "batch_too_large", f"At most {MAX_BATCH} readings per request."
            )
        now = fields.Datetime.now()
        results = [None] * len(items)
        parsed = {}  # index -> (serial, register, read_at, value)
        for index, item in enumerate(items):
            outcome = self._utility_api_parse(item, now)
            if isinstance(outcome, dict):
                results[index] = outcome
            else:
                parsed[index] = outcome
        meters = self._utility_api_meters(headend, {p[0] for p in parsed.values()})
        for index, (serial, *_rest) in list(parsed.items()):
            meter = meters.get(serial)
            refusal = self._utility_api_meter_refusal(headend, meter, _rest[1])
            if refusal:
                results[index] = refusal
                del parsed[index]
        keys = {(meters[p[0]]["id"], p[1], p[2]) for p in parsed.values()}
        existing = self._utility_api_existing(keys)
        history = self._utility_api_history(keys)
        tz = pytz.timezone(headend.company_id.partner_id.tz or self.env.user.tz or "Asia/Shanghai")
        factor = self.env["utility.meter.reading"]._get_abnormal_factor()
        vals_list, conflicts, seen = [], defaultdict(list), {}
        # oldest first per register, so that a batch of several days chains
        for index in sorted(parsed, key=lambda i: parsed[i][2]):
            serial, register, read_at, value = parsed[index]
            meter = meters[serial]
            key = (meter["id"], register, read_at)
            known = existing.get(key) or seen.get(key)
            if known is not None:
                if float_compare(known["value"], value, precision_digits=2) == 0:
                    results[index] = {"status": "duplicate"}
                else:
                    if known.get("id"):
                        conflicts[known["id"]].append(value)
                    else:
                        known["state"], known["conflict_value"] = "conflict", value
                        known["review_codes"] = ",".join(
                            filter(None, [known["review_codes"], "conflict"])
                        )
                    results[index] = {"status": "conflict", "code": "conflicting_value"}
                continue
            vals = self._utility_api_prepare(
                headend, meter, register, read_at, value, history, factor, tz, now
            )
            seen[key] = vals
            vals_list.append(vals)
            # the next reading of the register in the batch counts from this one
            history[(meter["id"], register)]["previous"] = (read_at, value)
            history[(meter["id"], register)].pop("monthly", None)
            results[index] = (
                {
                    "status": "review",
                    "reason": self._review_reason_text(
                        vals["review_codes"],
                        {
                            **vals,
                            "expected": vals["expected_consumption"],
                            "digits": meter["digits"],
                        },
                    ),
                }
                if vals["state"] == "review"
                else {"status": "accepted"}
            )
        try:
            with self.browse()._utility_protected_write():
                self.create(vals_list)
        except psycopg2.errors.UniqueViolation as error:
            # another request of the head-end (a retry sent while the first
            # one was still running) stored some of these readings first:
            # the request is run again, and then answers them as duplicates
            raise ConcurrencyError("daily readings stored by a concurrent request") from error
        self._utility_api_flag_conflicts(conflicts)
        for index, result in enumerate(results):
            item = items[index] if isinstance(items[index], dict) else {}
            serial = item.get("meter_serial")
            result["index"] = index
            result["meter_serial"] = serial if isinstance(serial, str) else None
        totals = defaultdict(int)
        for result in results:
            totals[result["status"]] += 1
        return {
            "received": len(items),
            "totals": {
                status: totals[status]
                for status in ("accepted", "review", "duplicate", "conflict", "refused")
            },
            "results": results,
        }

    @api.model
    def _utility_api_parse(self, item, now):
        """(serial, register, read_at as naive UTC, value) of one reading,
        or its refusal."""

        def refused(code, message):
            return {"status": "refused", "code": code, "message": message}

        if not isinstance(item, dict):
            return refused("invalid_reading", "A reading must be an object.")
        serial = item.get("meter_serial")
        if (
            not isinstance(serial, str)
            or not serial.strip()
            or len(serial) > 64
            or "\x00" in serial  # PostgreSQL refuses NUL in text
        ):
            return refused("invalid_meter_serial", "meter_serial must be a non-empty string.")
        register = item.get("register", "total")
        if register not in REGISTER_SUFFIX:
            return refused("invalid_register", "register must be total, peak, flat or valley.")
        raw_time = item.get("read_at")
        try:
            read_at = datetime.fromisoformat(raw_time) if isinstance(raw_time, str) else None
            if read_at is not None and read_at.tzinfo is not None:
                read_at = read_at.astimezone(UTC).replace(tzinfo=None, microsecond=0)
            else:
                read_at = None
        except (ValueError, OverflowError):
            read_at = None
        if read_at is None:
            return refused(
                "invalid_read_at", "read_at must be an ISO 8601 time with its UTC offset."
            )
        if read_at > now + FUTURE_TOLERANCE:
            return refused("invalid_read_at", "read_at is in the future.")
        value = item.get("value")
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or value != value  # NaN
            or not 0 <= value < 1e12
        ):
            return refused("invalid_value", "value must be a register value, zero or more.")
        return serial.strip(), register, read_at, float(value)

    @api.model
    def _utility_api_meters(self, headend, serials):
        """The meters of ``serials`` in the head-end's company (one query):
        {serial: row}."""
        if not serials:
            return {}
        self.env.cr.execute(
            SQL(
                """
                SELECT id, serial, headend_id, state, remove_date, install_date, digits,
                       multiplier, initial_reading, initial_reading_peak,
                       initial_reading_flat, initial_reading_valley
                  FROM utility_meter
                 WHERE company_id = %s AND serial = ANY(%s) AND active
                """,
                headend.company_id.id,
                list(serials),
            )
        )
        return {row["serial"]: row for row in self.env.cr.dictfetchall()}

    @api.model
    def _utility_api_meter_refusal(self, headend, meter, read_at):
        if meter is None:
            # a meter of another company is "unknown" as well: the answer
            # tells nothing of other companies' meters
            return {
                "status": "refused",
                "code": "unknown_meter",
                "message": "No meter with this serial number.",
            }
        if meter["headend_id"] != headend.id:
            return {
                "status": "refused",
                "code": "meter_not_on_headend",
                "message": "This meter is not read by this head-end system.",
            }
        if meter["remove_date"] and read_at.date() > meter["remove_date"]:
            return {
                "status": "refused",
                "code": "meter_removed",
                "message": "The meter was removed before this time.",
            }
        return None

    @api.model
    def _utility_api_existing(self, keys):
        """Stored readings with one of ``keys`` (meter id, register, read_at)."""
        if not keys:
            return {}
        meter_ids, registers, times = zip(*keys, strict=True)
        self.env.cr.execute(
            SQL(
                """
                SELECT d.id, d.meter_id, d.register, d.read_at, d.value
                  FROM utility_meter_daily_reading d
                  JOIN unnest(%s::int[], %s::varchar[], %s::timestamp[]) k(m, r, t)
                    ON d.meter_id = k.m AND d.register = k.r AND d.read_at = k.t
                """,
                list(meter_ids),
                list(registers),
                list(times),
            )
        )
        return {
            (row["meter_id"], row["register"], row["read_at"]): row
            for row in self.env.cr.dictfetchall()
        }

    @api.model
    def _utility_api_history(self, keys):
        """Per (meter id, register) of ``keys``, in one query: the previous
        non-rejected daily reading before the earliest time of the batch,
        else the meter's last validated reading, and the recent daily
        average of its OK readings (kWh per day)."""
        history = defaultdict(dict)
        if not keys:
            return history
        earliest = {}
        for meter_id, register, read_at in keys:
            key = (meter_id, register)
            earliest[key] = min(read_at, earliest.get(key, read_at))
        meter_ids, registers, times = zip(
            *((m, r, t) for (m, r), t in earliest.items()), strict=True
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT k.m, k.r, p.read_at, p.value, mr.reading_date,
                       mr.value, mr.value_peak, mr.value_flat, mr.value_valley,
                       a.total, a.seconds
                  FROM unnest(%s::int[], %s::varchar[], %s::timestamp[]) k(m, r, t)
             LEFT JOIN LATERAL (
                        SELECT d.read_at, d.value
                          FROM utility_meter_daily_reading d
                         WHERE d.meter_id = k.m AND d.register = k.r AND d.read_at < k.t
                           AND d.state != 'rejected'
                      ORDER BY d.read_at DESC
                         LIMIT 1
                       ) p ON TRUE
             LEFT JOIN LATERAL (
                        SELECT r.reading_date, r.value, r.value_peak, r.value_flat,
                               r.value_valley
                          FROM utility_meter_reading r
                         WHERE p.read_at IS NULL AND r.meter_id = k.m
                           AND r.reading_date < k.t::date
                           AND r.state IN ('validated', 'billed')
                      ORDER BY r.reading_date DESC
                         LIMIT 1
                       ) mr ON TRUE
             LEFT JOIN LATERAL (
                        SELECT SUM(h.consumption) AS total,
                               SUM(EXTRACT(EPOCH FROM h.read_at - h.previous_read_at))
                                   AS seconds
                          FROM (
                                SELECT d.consumption, d.read_at, d.previous_read_at
                                  FROM utility_meter_daily_reading d
                                 WHERE d.meter_id = k.m AND d.register = k.r
                                   AND d.read_at < k.t AND d.state = 'ok'
                                   AND d.previous_read_at IS NOT NULL
                              ORDER BY d.read_at DESC
                                 LIMIT %s
                               ) h
                       ) a ON TRUE
                """,
                list(meter_ids),
                list(registers),
                list(times),
                RECENT_DAILY,
            )
        )
        for row in self.env.cr.fetchall():
            (m, r, p_at, p_value, mr_date, *mr_values, total, seconds) = row
            entry = history[(m, r)]
            if p_at:
                entry["previous"] = (p_at, p_value)
            elif mr_date:
                register_value = mr_values[list(REGISTER_SUFFIX).index(r)]
                # a monthly reading counts from the end of its day (local
                # time is close enough for a base value)
                entry["previous"] = (datetime.combine(mr_date, time()), register_value)
                entry["monthly"] = True
            if total and seconds and total > 0:
                entry["daily_average"] = total / (seconds / 86400.0)
        return history

    @api.model
    def _utility_api_prepare(
        self, headend, meter, register, read_at, value, history, factor, tz, now
    ):
        """Values of one new daily reading: its consumption and whether the
        rules of meter readings hold it for review."""
        entry = history[(meter["id"], register)]
        suffix = REGISTER_SUFFIX[register]
        previous_at, previous_value = entry.get("previous") or (
            None,
            meter[f"initial_reading{suffix}"] or 0.0,
        )
        rollover = 10 ** meter["digits"]
        multiplier = meter["multiplier"] or 1.0
        reasons = []
        expected = 0.0
        if value >= rollover:
            reasons.append("digits")
            advance = value - previous_value
        elif float_compare(value, previous_value, precision_digits=2) >= 0:
            advance = value - previous_value
        else:
            advance = rollover - previous_value + value
            if advance <= rollover / 2:
                reasons.append("rollover")
            else:
                advance = value - previous_value
                reasons.append("negative")
        consumption = advance * multiplier
        average = entry.get("daily_average")
        if not reasons and average and previous_at and not entry.get("monthly"):
            days = (read_at - previous_at).total_seconds() / 86400.0
            expected = average * days
            if days > 0 and float_compare(consumption, factor * expected, precision_digits=2) > 0:
                reasons.append("jump")
        if meter["install_date"] and read_at.date() < meter["install_date"]:
            reasons.append("before_install")
        local_day = pytz.utc.localize(read_at).astimezone(tz).date()
        return {
            "meter_id": meter["id"],
            "register": register,
            "read_at": read_at,
            "read_day": local_day,
            "value": value,
            "previous_read_at": previous_at if not entry.get("monthly") else False,
            "previous_value": previous_value,
            "consumption": consumption,
            "state": "review" if reasons else "ok",
            "review_codes": ",".join(reasons) or False,
            "expected_consumption": expected,
            "headend_id": headend.id,
            "company_id": headend.company_id.id,
            "received_at": now,
        }

    @api.model
    def _utility_api_flag_conflicts(self, conflicts):
        """Flag stored readings that received another value: kept, for review."""
        if not conflicts:
            return
        readings = self.browse(list(conflicts))
        with readings._utility_protected_write():
            for reading in readings:
                value = conflicts[reading.id][-1]
                vals = {"conflict_value": value}
                if reading.state != "rejected":
                    vals["state"] = "conflict"
                    codes = (reading.review_codes or "").split(",")
                    if "conflict" not in codes:
                        vals["review_codes"] = ",".join(filter(None, [*codes, "conflict"]))
                reading.write(vals)

    # ------------------------------------------------------------------
    # review
    # ------------------------------------------------------------------
    def _check_reviewer(self):
        if not self.env.user.has_group("utility_billing.group_utility_billing_officer"):
            raise AccessError(self.env._("Only a billing officer can review daily readings."))
        if self.filtered(lambda r: r.state not in ("review", "conflict")):
            raise UserError(
                self.env._("Only readings held for review or in conflict can be reviewed.")
            )
        self.check_access("write")

    def action_approve(self):
        """A billing officer accepts held readings: they become OK (a
        conflict keeps its first value)."""
        self._check_reviewer()
        with self._utility_protected_write():
            self.write(
                {
                    "state": "ok",
                    "reviewed_by_id": self.env.user.id,
                    "reviewed_at": fields.Datetime.now(),
                }
            )
        return True

    def action_reject(self):
        """A billing officer rejects held readings, with a note saying why:
        they are kept on file and no longer count."""
        self._check_reviewer()
        if self.filtered(lambda r: not (r.review_note or "").strip()):
            raise UserError(
                self.env._("Write a review note saying why before rejecting a reading.")
            )
        with self._utility_protected_write():
            self.write(
                {
                    "state": "rejected",
                    "reviewed_by_id": self.env.user.id,
                    "reviewed_at": fields.Datetime.now(),
                }
            )
        return True

    # ------------------------------------------------------------------
    # extension points: billing and the valuation
    # ------------------------------------------------------------------
    @api.model
    def _get_latest_ok(self, meters, at, register="total"):
        """The latest OK daily reading of each of ``meters`` for
        ``register`` at or before ``at`` (naive UTC datetime), in one query:
        {meter id: utility.meter.daily.reading}."""
        if not meters:
            return {}
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT m.id, d.id
                  FROM unnest(%s::int[]) m(id)
                  JOIN LATERAL (
                        SELECT d.id
                          FROM utility_meter_daily_reading d
                         WHERE d.meter_id = m.id AND d.register = %s
                           AND d.read_at <= %s AND d.state = 'ok'
                      ORDER BY d.read_at DESC
                         LIMIT 1
                       ) d ON TRUE
                """,
                meters.ids,
                register,
                at,
            )
        )
        return {meter_id: self.browse(rid) for meter_id, rid in self.env.cr.fetchall()}

    @api.model
    def _period_end_utc(self, company, day):
        """The end of local ``day`` (the company's time zone) in naive UTC."""
        tz = pytz.timezone(company.partner_id.tz or self.env.user.tz or "Asia/Shanghai")
        end = tz.localize(datetime.combine(day + timedelta(days=1), time()))
        return end.astimezone(UTC).replace(tzinfo=None) - timedelta(seconds=1)

    @api.model
    def _create_period_end_readings(self, meters, date_from, date_to):
        """Billing's monthly reading of the meters read by a head-end.

        For each of ``meters`` with a head-end and no non-cancelled reading
        dated in [date_from, date_to], one ``remote`` reading dated
        ``date_to`` from the last OK daily reading at or before the end of
        that day (the company's time zone), validated like any reading (it
        may be held for review). Daily readings never become monthly readings
        one per day. Idempotent: a second call finds the reading and creates
        nothing. Returns the created readings."""
        reading_model = self.env["utility.meter.reading"]
        meters = meters.filtered(lambda m: m.headend_id and m.state == "installed")
        if not meters:
            return reading_model
        read = reading_model.search(
            [
                ("meter_id", "in", meters.ids),
                ("reading_date", ">=", date_from),
                ("reading_date", "<=", date_to),
                ("state", "!=", "cancelled"),
            ]
        ).meter_id
        meters -= read
        vals_list, sources = [], []
        for company, company_meters in meters.grouped("company_id").items():
            end = self._period_end_utc(company, date_to)
            latest = {
                register: self._get_latest_ok(company_meters, end, register)
                for register in REGISTER_SUFFIX
            }
            for meter in company_meters:
                total = latest["total"].get(meter.id)
                if not total:
                    continue
                vals = {
                    "meter_id": meter.id,
                    "reading_date": date_to,
                    "reading_type": "remote",
                    "value": total.value,
                    "reader_id": self.env.user.id,
                }
                source = total
                if meter.register_type == "tou":
                    for register in ("peak", "flat", "valley"):
                        daily = latest[register].get(meter.id)
                        if not daily:
                            break
                        vals[f"value_{register}"] = daily.value
                        source |= daily
                    else:
                        vals_list.append(vals)
                        sources.append(source)
                    continue
                vals_list.append(vals)
                sources.append(source)
        readings = reading_model.create(vals_list)
        # a reading validation rejects stays a draft (the run skips its
        # contract and says why); the others are validated or held
        errors = readings._get_validation_errors()
        valid = readings.filtered(lambda r: r.id not in errors)
        if valid:
            valid.action_validate()
        for reading, source in zip(readings, sources, strict=True):
            with source._utility_protected_write():
                source.write({"meter_reading_id": reading.id})
        return readings
