from datetime import UTC, timedelta

from pytz import timezone

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare

# how far ahead the next working time is looked for (the Spring Festival
# and a weekend fit well within)
NEXT_WORKING_SEARCH_DAYS = 40
CC_STATUS = [
    ("normal", "Normal"),
    ("low", "Balance Low"),
    ("notice", "Final Notice Sent"),
    ("approval", "Awaiting Approval"),
    ("queued", "Switch-off Queued"),
    ("off", "Switched Off"),
]


def _as_utc(moment):
    """A naive UTC datetime (the ORM's) as an aware one."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _as_naive(moment):
    return moment.astimezone(UTC).replace(tzinfo=None)


class UtilityContract(models.Model):
    """The rules that protect a cost-controlled customer before a remote
    switch-off (远程费控停电规则): the balance must stay at or below the
    company's threshold for the grace hours, then a final notice goes out,
    then, after the notice hours and only within the company's working
    calendar, the switch-off is queued; never for a caring-service or an
    important customer without a Collection Manager's approval (and, for a
    caring customer, a visit recorded since the episode began)."""

    _inherit = "utility.contract"  # pylint: disable=consider-merging-classes-inherited

    cc_low_since = fields.Datetime(
        string="Balance Low Since",
        readonly=True,
        copy=False,
        help="When the estimated balance went at or below the switch-off threshold; "
        "cleared when it rises above it again.",
    )
    cc_final_notice_at = fields.Datetime(
        string="Final Notice Sent At",
        readonly=True,
        copy=False,
        help="When the final notice before the remote switch-off was sent.",
    )
    cc_approved_by_id = fields.Many2one(
        comodel_name="res.users",
        string="Switch-off Approved By",
        readonly=True,
        copy=False,
        help="The Collection Manager who allowed switching off this caring-service or "
        "important customer, for the current episode only.",
    )
    cc_approved_at = fields.Datetime(string="Switch-off Approved At", readonly=True, copy=False)
    cc_command_id = fields.Many2one(
        comodel_name="utility.meter.command",
        string="Switch-off Command",
        readonly=True,
        copy=False,
        help="The remote switch-off queued in the current episode: never a second one.",
    )
    cc_needs_approval = fields.Boolean(
        string="Switch-off Needs Approval",
        compute="_compute_cc_status",
        help="A caring-service or important customer: switched off only with a Collection "
        "Manager's approval (and, for a caring customer, a visit recorded since the balance "
        "ran low).",
    )
    cc_status = fields.Selection(
        selection=CC_STATUS,
        string="Switch-off Status",
        compute="_compute_cc_status",
    )
    cc_switch_off_earliest = fields.Datetime(
        string="Earliest Switch-off",
        compute="_compute_cc_status",
        help="The first working time after the final notice period.",
    )
    cc_amount_to_pay = fields.Monetary(
        string="Amount to Pay",
        currency_field="currency_id",
        compute="_compute_cc_status",
        help="The least payment that lifts the estimated balance above the threshold.",
    )

    @api.model
    def _utility_protected_fields(self):
        # set by the hourly rules and the manager's approval only
        return super()._utility_protected_fields() | {
            "cc_low_since",
            "cc_final_notice_at",
            "cc_approved_by_id",
            "cc_approved_at",
            "cc_command_id",
        }

    @api.depends(
        "cost_control",
        "cc_low_since",
        "cc_final_notice_at",
        "cc_approved_by_id",
        "valued_balance",
        "partner_id.utility_is_care",
        "partner_id.utility_important",
    )
    def _compute_cc_status(self):
        meters = self.meter_id
        # one query for the switch-offs waiting of all the contracts shown
        pending = (
            self.env["utility.meter.command"]
            .sudo()
            ._read_group(
                [
                    ("meter_id", "in", meters.ids),
                    ("action", "=", "switch_off"),
                    ("state", "in", ("queued", "sent")),
                ],
                ["meter_id"],
            )
        )
        pending_meters = {meter for (meter,) in pending}
        for contract in self:
            company = contract.company_id or self.env.company
            partner = contract.partner_id
            contract.cc_needs_approval = bool(partner.utility_is_care or partner.utility_important)
            contract.cc_amount_to_pay = (
                contract._utility_amount_to_switch_on() if contract.cc_low_since else 0.0
            )
            contract.cc_switch_off_earliest = (
                self._utility_cc_next_working_time(
                    company,
                    contract.cc_final_notice_at + timedelta(hours=company.utility_cc_notice_hours),
                )
                if contract.cc_final_notice_at
                else False
            )
            meter = contract.meter_id
            if not contract.cost_control:
                status = "normal"
            elif meter.supply_state == "off":
                status = "off"
            elif meter._origin in pending_meters:
                status = "queued"
            elif contract.cc_final_notice_at and contract._utility_cc_waits_approval():
                status = "approval"
            elif contract.cc_final_notice_at:
                status = "notice"
            elif contract.cc_low_since:
                status = "low"
            else:
                status = "normal"
            contract.cc_status = status

    # ------------------------------------------------------------------
    # working time (documented in docs/ARCHITECTURE.md; used by the
    # switching commands and the end-to-end tests)
    # ------------------------------------------------------------------
    @api.model
    def _utility_cc_calendar(self, company):
        """The calendar that bounds remote switch-offs: the company's
        switch-off working time (Settings). Without one, switch-offs are not
        held to any hours: the demo company, and a new database's
        configuration, set one."""
        return company.utility_cc_calendar_id

    @api.model
    def _utility_cc_working_time(self, company, dt):
        """Whether ``dt`` (a naive UTC datetime, as the ORM's) lies within
        ``company``'s switch-off working time: an attendance of its
        calendar, in the calendar's time zone, outside the calendar's
        leaves (public holidays, rest days). Without any calendar, any
        time is working time."""
        return self._utility_cc_next_working_time(company, dt) == dt

    @api.model
    def _utility_cc_next_working_time(self, company, dt):
        """The first moment at or after ``dt`` (naive UTC) within
        ``company``'s switch-off working time, as a naive UTC datetime:
        ``dt`` itself when it is working time. ``dt`` itself without any
        calendar; None when the calendar has no working time in the next
        NEXT_WORKING_SEARCH_DAYS days."""
        calendar = self._utility_cc_calendar(company)
        if not calendar:
            return dt
        start = _as_utc(dt)
        tz = timezone(calendar.tz or "Asia/Shanghai")
        # sudo: the calendar and its leaves are configuration every rule
        # (run by any user's payment or by the cron) reads
        intervals = calendar.sudo()._work_intervals_batch(
            start, start + timedelta(days=NEXT_WORKING_SEARCH_DAYS), tz=tz
        )[False]
        for begin, end, _attendance in intervals:
            if end > start:
                return _as_naive(max(begin, start))
        return None

    # ------------------------------------------------------------------
    # the manager's approval
    # ------------------------------------------------------------------
    def _utility_cc_visited(self):
        """Whether the caring customer of the contract was visited since the
        balance ran low (a visit recorded on that day or later)."""
        self.ensure_one()
        if not self.cc_low_since:
            return False
        tz = timezone(self._utility_cc_calendar(self.company_id).tz or "Asia/Shanghai")
        since = _as_utc(self.cc_low_since).astimezone(tz).date()
        # sudo: the visits prove the rule; whoever reads the status may not
        # read the caring files
        return bool(
            self.env["utility.care.visit"]
            .sudo()
            .search_count([("partner_id", "=", self.partner_id.id), ("date", ">=", since)], limit=1)
        )

    def _utility_cc_waits_approval(self):
        """Whether the switch-off still waits for a Collection Manager (a
        caring customer: and a visit)."""
        self.ensure_one()
        if not self.cc_needs_approval:
            return False
        approver = self.cc_approved_by_id
        if not (approver and approver.has_group("utility_billing.group_utility_manager")):
            return True
        return bool(self.partner_id.utility_is_care and not self._utility_cc_visited())

    def action_cc_approve_switch_off(self):
        """A Collection Manager allows the remote switch-off of a caring or
        important customer whose balance ran out (this episode only)."""
        if not self.env.user.has_group("utility_billing.group_utility_manager"):
            raise AccessError(
                self.env._("Only a Collection Manager can approve a remote switch-off.")
            )
        self.check_access("write")
        for contract in self:
            if not (contract.cost_control and contract.cc_low_since):
                raise UserError(
                    self.env._(
                        "%s: the balance is not low; there is no switch-off to approve.",
                        contract.display_name,
                    )
                )
            if contract.partner_id.utility_is_care and not contract._utility_cc_visited():
                raise UserError(
                    self.env._(
                        "%s is a caring-service customer: record a visit first (since the "
                        "balance ran low), then approve the switch-off.",
                        contract.partner_id.display_name,
                    )
                )
        with self._utility_protected_write():
            self.write(
                {"cc_approved_by_id": self.env.user.id, "cc_approved_at": fields.Datetime.now()}
            )
        for contract in self:
            contract.message_post(
                body=self.env._("Remote switch-off approved by %s.", self.env.user.name)
            )
        # sudo: the approval closes the other managers' requests too
        self.sudo().activity_unlink(["utility_arrears.mail_activity_type_cc_approval"])
        return True

    # ------------------------------------------------------------------
    # the hourly rules
    # ------------------------------------------------------------------
    @api.model
    def _cron_utility_cost_control(self, now=None):
        """Apply the switch-off rules to every active cost-controlled
        contract, from the balance the valuation stored: open or clear the
        low-balance episodes, send the final notices, then queue the
        switch-offs due (within working time, approvals given). A few
        queries per company, whatever the number of contracts."""
        now = now or fields.Datetime.now()
        contracts = self.search(
            [
                "|",
                ("cc_low_since", "!=", False),
                "&",
                "&",
                ("cost_control", "=", True),
                ("state", "=", "active"),
                ("valued_at", "!=", False),
            ]
        )
        # a contract no longer cost-controlled (terminated, postpaid, its
        # meter replaced) ends its episode
        ended = contracts.filtered(
            lambda c: not (c.cost_control and c.state == "active" and c.valued_at)
        )
        ended._utility_cc_clear_episode()
        for company, company_contracts in (contracts - ended).grouped("company_id").items():
            company_contracts.with_company(company)._utility_cc_apply_rules(company, now)

    def _utility_cc_apply_rules(self, company, now):
        currency = company.currency_id
        threshold = company.utility_cc_threshold

        def is_low(contract):
            return (
                float_compare(
                    contract.valued_balance, threshold, precision_rounding=currency.rounding
                )
                <= 0
            )

        low = self.filtered(is_low)
        recovered = (self - low).filtered("cc_low_since")
        recovered._utility_cc_clear_episode()
        starting = low.filtered(lambda c: not c.cc_low_since)
        for valued_at, contracts in starting.grouped(lambda c: min(c.valued_at, now)).items():
            with contracts._utility_protected_write():
                contracts.write({"cc_low_since": valued_at})
        grace = timedelta(hours=company.utility_cc_grace_hours)
        to_notify = low.filtered(
            lambda c: not c.cc_final_notice_at and c.cc_low_since + grace <= now
        )
        # the notice, like the switch-off, in working time only: no SMS
        # in the night or on a holiday
        working = self._utility_cc_working_time(company, now)
        if working:
            to_notify._utility_cc_send_final_notice(now)
        notice = timedelta(hours=company.utility_cc_notice_hours)
        due = (low - to_notify).filtered(
            lambda c: c.cc_final_notice_at and c.cc_final_notice_at + notice <= now
        )
        if due and working:
            due._utility_cc_switch_off()

    def _utility_cc_clear_episode(self):
        """The balance rose above the threshold: the episode ends (its
        notice and approval with it)."""
        if not self:
            return
        with self._utility_protected_write():
            self.write(
                {
                    "cc_low_since": False,
                    "cc_final_notice_at": False,
                    "cc_approved_by_id": False,
                    "cc_approved_at": False,
                    "cc_command_id": False,
                }
            )
        # sudo: the managers' requests go with the episode, whoever ends it
        self.sudo().activity_unlink(["utility_arrears.mail_activity_type_cc_approval"])

    def _utility_cc_send_final_notice(self, now):
        """Send the final notice (SMS and e-mail, logged in the chatter)
        and record it; the earliest switch-off follows from it."""
        if not self:
            return
        with self._utility_protected_write():
            self.write({"cc_final_notice_at": now})
        sms_template = self.env.ref("utility_arrears.sms_template_cc_final_notice")
        mail_template = self.env.ref("utility_arrears.mail_template_cc_final_notice")
        self._message_sms_schedule_mass(template=sms_template, mass_keep_log=True)
        for lang, contracts in self.grouped(lambda c: c.partner_id.lang or "zh_CN").items():
            contracts = contracts.with_context(lang=lang)
            template = mail_template.with_context(lang=lang)
            bodies = template._render_field("body_html", contracts.ids)
            subjects = template._render_field("subject", contracts.ids)
            for contract in contracts:
                contract.message_post(
                    body=bodies[contract.id],
                    subject=subjects[contract.id],
                    partner_ids=contract.partner_id.ids,
                    message_type="comment",
                    subtype_xmlid="mail.mt_comment",
                )

    def _utility_cc_switch_off(self):
        """Queue the switch-off of the contracts due, but never twice in an
        episode (the episode's switch-off, whatever became of it, or the
        meter off), and never for a caring
        or important customer without the approval (an activity for the
        Collection Managers instead)."""
        waiting = self.browse()
        Command = self.env["utility.meter.command"]
        for contract in self:
            meter = contract.meter_id
            if not meter or meter.supply_state == "off":
                continue
            if contract.cc_command_id:
                continue
            if contract._utility_cc_waits_approval():
                waiting |= contract
                continue
            command = Command._utility_queue(
                meter,
                "switch_off",
                "balance",
                balance=contract.valued_balance,
                note=self.env._(
                    "Estimated balance %(balance)s at or below the threshold since %(since)s; "
                    "final notice sent at %(notice)s.",
                    balance=contract.valued_balance,
                    since=contract.cc_low_since,
                    notice=contract.cc_final_notice_at,
                ),
            )
            with contract._utility_protected_write():
                contract.cc_command_id = command[:1]
        waiting._utility_cc_ask_approval()

    def _utility_cc_ask_approval(self):
        """One activity per Collection Manager of the company on each
        contract waiting for an approval, unless it has one already."""
        if not self:
            return
        activity_type = self.env.ref("utility_arrears.mail_activity_type_cc_approval")
        Activity = self.env["mail.activity"].sudo()
        asked = set(
            Activity.search(
                [
                    ("res_model", "=", "utility.contract"),
                    ("res_id", "in", self.ids),
                    ("activity_type_id", "=", activity_type.id),
                ]
            ).mapped("res_id")
        )
        group = self.env.ref("utility_billing.group_utility_manager")
        managers = group.sudo().all_user_ids.filtered(lambda u: not u.share and u.active)
        model_id = self.env["ir.model"]._get_id("utility.contract")
        today = fields.Date.context_today(self)
        vals_list = []
        for contract in self.filtered(lambda c: c.id not in asked):
            partner = contract.partner_id
            for user in managers.filtered(lambda u, c=contract: c.company_id in u.company_ids):
                env = contract.with_context(lang=user.lang).env
                if partner.utility_is_care:
                    note = env._(
                        "%s (caring service) ran out of balance and got the final notice. "
                        "Record a visit, then approve the remote switch-off on the contract, "
                        "or arrange another solution.",
                        partner.display_name,
                    )
                else:
                    note = env._(
                        "%s (important customer) ran out of balance and got the final notice. "
                        "Approve the remote switch-off on the contract, or arrange another "
                        "solution.",
                        partner.display_name,
                    )
                vals_list.append(
                    {
                        "res_model_id": model_id,
                        "res_id": contract.id,
                        "activity_type_id": activity_type.id,
                        "summary": activity_type.with_context(lang=user.lang).summary,
                        "note": note,
                        "user_id": user.id,
                        "date_deadline": today,
                        "automated": True,
                    }
                )
        # sudo: the system plans the managers' activities, whoever runs the rules
        Activity.create(vals_list)


class UtilityMeterCommand(models.Model):
    """A switch-off goes out only in the company's switch-off working time
    and is checked again when it is sent; a switch-on never waits."""

    _inherit = "utility.meter.command"

    def _utility_send_eta(self):
        eta = super()._utility_send_eta()
        if self.action != "switch_off":
            return eta
        Contract = self.env["utility.contract"]
        moment = eta or fields.Datetime.now()
        working = Contract._utility_cc_next_working_time(self.company_id, moment)
        if working is None or working == moment:
            return eta
        return working

    def _utility_send_job(self):
        self.ensure_one()
        if self.action == "switch_off" and self.sudo().state == "queued":
            if self._utility_cc_hold():
                return
        return super()._utility_send_job()

    def _utility_cc_hold(self):
        """Re-check a switch-off at send time: cancel it when the balance
        that caused it went back above the threshold (the episode ended),
        postpone it when this is not working time (a retry). Returns True
        when the command was held."""
        command = self.sudo()
        contract = command.contract_id
        threshold = command.company_id.utility_cc_threshold
        if (
            command.reason == "balance"
            and contract.cost_control
            and (
                not contract.cc_low_since
                or command.currency_id.compare_amounts(contract.valued_balance, threshold) > 0
            )
        ):
            command._utility_cancel(
                self.env._(
                    "Cancelled before sending: the estimated balance is above the threshold again."
                )
            )
            return True
        now = fields.Datetime.now()
        working = self.env["utility.contract"]._utility_cc_next_working_time(
            command.company_id, now
        )
        if working is not None and working != now:
            command.message_post(
                body=self.env._(
                    "Not working time: the switch-off is postponed to %s (UTC).", working
                )
            )
            command._utility_enqueue(eta=working)
            return True
        return False
