import logging
from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.tools import SQL, clean_context

from odoo.addons.utility_billing.models.utility_bulk_booking import unknown_columns

from .utility_arrears_level import GENTLE_ACTIONS

# percentage of each table page the dunning actions fill on insert
ACTION_FILLFACTOR = 50
# columns of mail_activity the SQL insert of activities writes, and those
# Odoo's create leaves empty for such an activity (not done, no feedback, no
# chaining): any other column (added by a module, possibly required or
# computed) sends the activities to the ORM
ACTIVITY_COLUMNS = frozenset(
    (
        "res_model_id",
        "res_model",
        "res_id",
        "res_name",
        "activity_type_id",
        "summary",
        "note",
        "date_deadline",
        "user_id",
        "user_tz",
        "automated",
        "active",
        "create_uid",
        "create_date",
        "write_uid",
        "write_date",
    )
)
ACTIVITY_EMPTY_COLUMNS = frozenset(
    ("date_done", "feedback", "previous_activity_type_id", "recommended_activity_type_id")
)
# columns of mail_followers the SQL insert of followers writes
FOLLOWER_COLUMNS = frozenset(("res_model", "res_id", "partner_id"))

_logger = logging.getLogger(__name__)


class UtilityDunningAction(models.Model):
    """One dunning action: a level of a policy applied to one overdue bill,
    through one channel, with its outcome. A level is applied at most once
    per bill. Each channel is carried out by its ``_action_<channel>`` hook
    (same shape as Odoo's payment providers): a module adding a channel adds
    a selection value and a hook, nothing else."""

    _name = "utility.dunning.action"
    _description = "Dunning Action"
    _inherit = ["utility.protected.fields.mixin"]
    _order = "id desc"

    run_id = fields.Many2one(
        comodel_name="utility.dunning.run", ondelete="cascade", index=True, readonly=True
    )
    bill_id = fields.Many2one(
        comodel_name="account.move", required=True, index=True, readonly=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner", required=True, index=True, readonly=True
    )
    customer_number = fields.Char(related="partner_id.utility_customer_number")
    station_id = fields.Many2one(related="partner_id.utility_station_id", store=True)
    company_id = fields.Many2one(related="bill_id.company_id", store=True)
    currency_id = fields.Many2one(related="bill_id.currency_id")
    amount_residual = fields.Monetary(
        string="Amount Due", related="bill_id.amount_residual", currency_field="currency_id"
    )
    level_id = fields.Many2one(
        comodel_name="utility.arrears.level", required=True, readonly=True, index=True
    )
    channel = fields.Selection(
        selection="_selection_channel",
        required=True,
        readonly=True,
    )
    days_overdue = fields.Integer(readonly=True)
    date = fields.Date(readonly=True)
    state = fields.Selection(
        selection=[
            ("draft", "To Do"),
            ("done", "Done"),
            ("skipped", "Skipped"),
            ("error", "Error"),
        ],
        default="draft",
        required=True,
        readonly=True,
    )
    message = fields.Text(readonly=True, help="What was sent to whom, or why not.")
    disconnection_order_id = fields.Many2one(
        comodel_name="utility.disconnection.order", readonly=True
    )

    @api.model
    def _selection_channel(self):
        # the levels' actions, labelled in the user's language (a selection
        # borrowed as a plain list would show the English labels)
        return self.env["utility.arrears.level"]._fields["action"]._description_selection(self.env)

    _bill_level_uniq = models.Constraint(
        "UNIQUE(bill_id, level_id)", "A dunning level is applied only once per bill."
    )

    @api.model
    def _utility_protected_fields(self):
        # what the dunning run did to a bill: made and carried out by the run only
        return {
            "bill_id",
            "channel",
            "date",
            "days_overdue",
            "disconnection_order_id",
            "level_id",
            "message",
            "partner_id",
            "run_id",
            "state",
        }

    def init(self):
        result = super().init()
        # every action is written twice: inserted by the run's preview, then
        # updated with its outcome by a job. Half of each table page is left
        # free so that PostgreSQL updates the rows in place (HOT), without
        # writing each of their indexes again
        self.env.cr.execute(
            SQL(
                "ALTER TABLE %s SET (fillfactor = %s)",
                SQL.identifier(self._table),
                ACTION_FILLFACTOR,
            )
        )
        return result

    @api.model
    def _is_allowed_channel(self, is_care, channel):
        """Caring-service customers (``is_care``) only get gentle reminders."""
        return not is_care or channel in GENTLE_ACTIONS

    def _execute(self):
        """Carry out the actions to do, channel by channel through the hooks."""
        todo = self.filtered(lambda a: a.state == "draft")
        todo -= todo._utility_skip_unchased()
        for channel, actions in todo.grouped("channel").items():
            try:
                with self.env.cr.savepoint():
                    getattr(actions, f"_action_{channel}")()
            except Exception as error:  # pylint: disable=broad-except
                # one failing channel must not stop the other channels' batch
                _logger.exception("Dunning channel %s failed", channel)
                with actions._utility_protected_write():
                    actions.write({"state": "error", "message": str(error)})

    def _utility_skip_unchased(self):
        """Skip the actions whose bill may no longer be chased since the
        preview: put into an installment plan, written off or paid. Returns
        the actions skipped."""
        outcomes = []
        for action in self:
            bill = action.bill_id
            if bill.utility_collection_hold == "plan":
                message = self.env._("Skipped: the bill is in an installment plan.")
            elif bill.utility_collection_hold == "written_off":
                message = self.env._("Skipped: the bill is written off.")
            elif bill.payment_state not in ("not_paid", "partial") or bill.state != "posted":
                message = self.env._("Skipped: the bill is paid.")
            else:
                continue
            outcomes.append((action, {"state": "skipped", "message": message}))
        self._write_outcomes(outcomes)
        return self.browse([action.id for action, _vals in outcomes])

    def _responsible_user(self):
        self.ensure_one()
        return (
            self.level_id.user_id or self.partner_id.utility_station_id.manager_id or self.env.user
        )

    def _write_outcomes(self, outcomes):
        """Record the outcome of actions: ``outcomes`` is a list of
        ``(action, vals)`` (``state``, ``message`` and optionally
        ``disconnection_order_id``); one SQL ``UPDATE`` per state for the
        whole batch (the messages differ per action)."""
        if not outcomes:
            return
        rows_by_state = defaultdict(list)
        # a fallback channel says why it replaced the level's channel
        note = self.env.context.get("utility_dunning_fallback_note")
        for action, vals in outcomes:
            message = vals.get("message") or None
            if note:
                message = f"{note} {message}" if message else note
            rows_by_state[vals["state"]].append(
                (action.id, message, vals.get("disconnection_order_id") or None)
            )
        self.flush_model(["state", "message", "disconnection_order_id"])
        for state, rows in rows_by_state.items():
            ids, messages, order_ids = zip(*rows, strict=True)
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE utility_dunning_action a
                       SET state = %(state)s,
                           message = v.message,
                           disconnection_order_id = COALESCE(v.order_id, a.disconnection_order_id),
                           write_uid = %(uid)s,
                           write_date = %(now)s
                      FROM unnest(%(ids)s::int[], %(messages)s::text[], %(orders)s::int[])
                           AS v(id, message, order_id)
                     WHERE a.id = v.id
                    """,
                    state=state,
                    uid=self.env.uid,
                    now=self.env.cr.now(),
                    ids=list(ids),
                    messages=list(messages),
                    orders=list(order_ids),
                )
            )
        self.browse([action.id for action, _vals in outcomes]).invalidate_recordset(
            ["state", "message", "disconnection_order_id", "write_uid", "write_date"]
        )

    def _action_sms(self):
        """One SMS per bill, queued, as Odoo's SMS composer does in mass mode:
        the chatter messages of the batch logged with one ``create`` (type
        SMS, the customer as recipient), the ``sms.sms`` records with one
        ``create`` (state outgoing: the SMS cron sends them in bulk, the run
        does not wait) and their delivery notifications with one ``create``
        (the SMS status shows on the chatter message as after ``_message_sms``)."""
        template = self.env.ref("utility_arrears.sms_template_arrears_reminder")
        outcomes = []
        numbers = {}
        for action in self:
            number = action.partner_id.phone_sanitized or action.partner_id.phone
            if not number:
                outcomes.append(
                    (action, {"state": "error", "message": self.env._("No phone number.")})
                )
                continue
            numbers[action.id] = number
            outcomes.append(
                (action, {"state": "done", "message": self.env._("SMS sent to %s.", number)})
            )
        sms_vals = []
        # one rendering per template for the whole batch
        for sms_template, actions in (
            self.browse(list(numbers)).grouped(lambda a: a.level_id.sms_template_id or template)
        ).items():
            bills = actions.bill_id
            bodies = sms_template._render_field("body", bills.ids, compute_lang=True)
            messages = bills._utility_message_log_batch(
                bodies,
                message_type="sms",
                partner_ids={action.bill_id.id: action.partner_id.ids for action in actions},
            )
            message_ids = dict(zip(bills.ids, messages.ids, strict=True))
            sms_vals += [
                {
                    "body": bodies[action.bill_id.id],
                    "number": numbers[action.id],
                    "partner_id": action.partner_id.id,
                    "mail_message_id": message_ids[action.bill_id.id],
                    "state": "outgoing",
                }
                for action in actions
            ]
        if sms_vals:
            sms_all = self.env["sms.sms"].sudo().create(sms_vals)
            author_id = self.env.user.partner_id.id
            self.env["mail.notification"].sudo().create(
                [
                    {
                        "author_id": author_id,
                        "mail_message_id": sms.mail_message_id.id,
                        "res_partner_id": sms.partner_id.id,
                        "sms_number": sms.number,
                        "notification_type": "sms",
                        "sms_id_int": sms.id,
                        "sms_tracker_ids": [Command.create({"sms_uuid": sms.uuid})],
                        "is_read": True,
                        "notification_status": "ready",
                    }
                    for sms in sms_all
                ]
            )
        self._write_outcomes(outcomes)

    def _schedule_activity(self, activity_xmlid, summary):
        """One activity per bill for its responsible user, as
        ``activity_schedule`` would make them, written in SQL for the whole
        batch (the ORM ``create`` of ``mail.activity`` costs milliseconds a
        record: minutes for a county's run): the activities, the
        notification of each user assigned by someone else, the responsible
        users following the bills with the default subtypes (existing
        followers kept) and one "activity created" bus notice per user
        (see ``_insert_activities``)."""
        if not self:
            return
        Bill = self.env["account.move"]
        activity_type = self.env["mail.activity.type"].browse(
            self.env["ir.model.data"]._xmlid_to_res_id(activity_xmlid, raise_if_not_found=False)
        )
        if not activity_type:
            activity_type = Bill._default_activity_type()
        model_id = self.env["ir.model"]._get(Bill._name).id
        # the activities' document names and responsible users, read for the
        # whole batch at once (only the columns they need, not whole rows)
        bills = self.bill_id.sudo()
        bills.fetch(["name", "ref", "state", "move_type", "partner_id", "date"])
        # (account.move's display name, without the compute machinery per bill)
        bill_names = {bill.id: bill._get_move_display_name(show_ref=True) for bill in bills}
        self.level_id.fetch(["user_id"])
        self.partner_id.fetch(["utility_station_id"])
        self.partner_id.utility_station_id.fetch(["manager_id"])
        today = fields.Date.context_today(self)
        rows, outcomes = [], []
        outcome_by_user = {}
        # the responsible user depends on the level and the customer's station
        user_by_key = {}
        for action in self:
            key = (action.level_id, action.partner_id.utility_station_id)
            user = user_by_key.get(key)
            if user is None:
                user = user_by_key[key] = action._responsible_user()
            rows.append((action.bill_id.id, user.id, action.date or today))
            if user not in outcome_by_user:
                outcome_by_user[user] = {
                    "state": "done",
                    "message": self.env._(
                        "%(summary)s assigned to %(user)s.", summary=summary, user=user.name
                    ),
                }
            outcomes.append((action, outcome_by_user[user]))
        if not self.env.context.get("mail_activity_automation_skip"):
            self._insert_activities(
                rows,
                {
                    "activity_type_id": activity_type.id,
                    "summary": summary or activity_type.summary,
                    "note": activity_type.default_note or None,
                    "res_model_id": model_id,
                    "res_model": Bill._name,
                },
                bill_names,
            )
        self._write_outcomes(outcomes)

    @api.model
    def _activity_insert_allowed(self):
        """Whether activities and followers may be inserted in SQL: every
        column of ``mail_activity`` and ``mail_followers`` is one the insert
        writes or one Odoo leaves empty for such an activity."""
        return not (
            unknown_columns(self.env["mail.activity"], ACTIVITY_COLUMNS | ACTIVITY_EMPTY_COLUMNS)
            or unknown_columns(self.env["mail.followers"], FOLLOWER_COLUMNS)
        )

    @api.model
    def _create_activities(self, rows, common):
        """Odoo's create of the activities of ``_insert_activities`` (the
        path when a column is unknown to the insert). Returns their ids."""
        # sudo: as the SQL insert, whatever the rights of the user running
        # the dunning job; the run decided who is responsible
        activities = (
            self.env["mail.activity"]
            .sudo()
            .with_context(clean_context(self.env.context))
            .create(
                [
                    {
                        "res_model_id": common["res_model_id"],
                        "res_id": res_id,
                        "activity_type_id": common["activity_type_id"],
                        "summary": common["summary"],
                        "note": common["note"] or False,
                        "date_deadline": deadline,
                        "user_id": user_id,
                        "automated": True,
                    }
                    for res_id, user_id, deadline in rows
                ]
            )
        )
        return activities.ids

    @api.model
    def _notify_assigned_users(self, activities):
        """What ``mail.activity.create`` does for the activities it creates
        for someone else than the current user: ``action_notify`` (an inbox
        or e-mail notification "... assigned to you" on the document),
        as the current user when they can read the assignee, else as
        superuser."""
        if self.env.context.get("mail_activity_quick_update"):
            return
        to_notify = activities.filtered(lambda act: act.user_id != self.env.user)
        if not to_notify:
            return
        readable = to_notify.user_id.partner_id._filtered_access("read")
        to_sudo = to_notify.filtered(lambda act: act.user_id.partner_id not in readable)
        to_sudo.sudo().action_notify()
        (to_notify - to_sudo).action_notify()

    @api.model
    def _insert_activities(self, rows, common, res_names):
        """Insert automated activities ``rows`` (``(res_id, user_id,
        date_deadline)``) with the ``common`` values in one statement, then
        do what ``mail.activity.create`` does after its insert: notify the
        users assigned by someone else (``action_notify``), subscribe each
        responsible user to their documents and notify the users' activity
        counters. A column of ``mail_activity`` or ``mail_followers`` the
        insert does not know (``_activity_insert_allowed``) sends the whole
        batch to Odoo's create instead. Returns the ids of the activities."""
        if not self._activity_insert_allowed():
            return self._create_activities(rows, common)
        self.env.flush_all()
        cr = self.env.cr
        res_ids, user_ids, deadlines = (list(col) for col in zip(*rows, strict=True))
        now = cr.now()
        cr.execute(
            SQL(
                """
                INSERT INTO mail_activity (
                    res_model_id, res_model, res_id, res_name, activity_type_id, summary,
                    note, date_deadline, user_id, user_tz, automated, active,
                    create_uid, create_date, write_uid, write_date)
                SELECT %(model_id)s, %(model)s, v.res_id, v.res_name, %(type_id)s, %(summary)s,
                       %(note)s, v.deadline, v.user_id, up.tz, TRUE, TRUE,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(res_ids)s::int[], %(names)s::varchar[], %(users)s::int[],
                              %(deadlines)s::date[]) AS v(res_id, res_name, user_id, deadline)
             LEFT JOIN res_users u ON u.id = v.user_id
             LEFT JOIN res_partner up ON up.id = u.partner_id
             RETURNING id
                """,
                model_id=common["res_model_id"],
                model=common["res_model"],
                type_id=common["activity_type_id"],
                summary=common["summary"],
                note=common["note"],
                uid=self.env.uid,
                now=now,
                res_ids=res_ids,
                names=[res_names.get(res_id) for res_id in res_ids],
                users=user_ids,
                deadlines=deadlines,
            )
        )
        activity_ids = [row[0] for row in cr.fetchall()]
        self._notify_assigned_users(self.env["mail.activity"].browse(activity_ids))
        # responsible users follow their documents (default subtypes, as
        # message_subscribe; existing subscriptions are kept)
        users = self.env["res.users"].sudo().browse(sorted(set(user_ids)))
        default, _internal, external = self.env["mail.message.subtype"].default_subtypes(
            common["res_model"]
        )
        res_ids_by_user = defaultdict(set)
        todo_by_user = defaultdict(int)
        today = fields.Date.context_today(self)
        for res_id, user_id, deadline in rows:
            res_ids_by_user[user_id].add(res_id)
            if deadline <= today:
                todo_by_user[user_id] += 1
        for user in users:
            partner = user.partner_id
            subtype_ids = external.ids if partner.partner_share else default.ids
            cr.execute(
                SQL(
                    """
                    WITH new AS (
                        INSERT INTO mail_followers (res_model, res_id, partner_id)
                        SELECT %(model)s, res_id, %(partner)s FROM unnest(%(res_ids)s::int[]) res_id
                        ON CONFLICT (res_model, res_id, partner_id) DO NOTHING
                        RETURNING id
                    )
                    INSERT INTO mail_followers_mail_message_subtype_rel
                           (mail_followers_id, mail_message_subtype_id)
                    SELECT new.id, subtype_id FROM new, unnest(%(subtypes)s::int[]) subtype_id
                    """,
                    model=common["res_model"],
                    partner=partner.id,
                    res_ids=sorted(res_ids_by_user[user.id]),
                    subtypes=subtype_ids,
                )
            )
            if todo_by_user.get(user.id):
                user._bus_send(
                    "mail.activity/updated",
                    {"activity_created": True, "count_diff": todo_by_user[user.id]},
                )
        self.env[common["res_model"]].invalidate_model()
        self.env["mail.followers"].invalidate_model()
        return activity_ids

    def _action_phone(self):
        self._schedule_activity("mail.mail_activity_data_call", self.env._("Arrears call"))

    def _action_visit(self):
        self._schedule_activity(
            "utility_arrears.mail_activity_type_arrears_visit", self.env._("Arrears visit")
        )

    def _action_letter(self):
        """The rendered reminder letter left in each bill's chatter (an
        internal note to print), the notes of the batch logged with one
        ``create`` like ``mail.thread._message_log_batch``."""
        default = self.env.ref("utility_arrears.mail_template_arrears_letter")
        outcomes = []
        # one rendering per template for the whole batch
        for template, actions in self.grouped(
            lambda a: a.level_id.mail_template_id or default
        ).items():
            bills = actions.bill_id
            bills._utility_message_log_batch(
                template._render_field("body_html", bills.ids),
                message_type="comment",
                subjects=template._render_field("subject", bills.ids),
            )
            outcomes += [
                (
                    action,
                    {
                        "state": "done",
                        "message": self.env._(
                            "Reminder letter to print for %s.", action.partner_id.name
                        ),
                    },
                )
                for action in actions
            ]
        self._write_outcomes(outcomes)

    def _action_tv(self):
        """Queue a notice on the customer's TV screen (the operator's feed);
        a customer without a TV account, or who opted out, gets the level's
        reminder through their next channel instead: an SMS to their phone,
        else a letter (see ``_fallback_from_tv``)."""
        outcomes = []
        partner_ids = set()
        no_tv_ids = []
        for action in self:
            partner = action.partner_id
            if not partner.utility_tv_account or partner.utility_tv_opt_out:
                no_tv_ids.append(action.id)
                continue
            partner_ids.add(partner.id)
            outcomes.append(
                (
                    action,
                    {
                        "state": "done",
                        "message": self.env._(
                            "TV notice queued for account %s.", partner.utility_tv_account
                        ),
                    },
                )
            )
        # the operator's feed picks the customers up from this timestamp
        if partner_ids:
            customers = self.env["res.partner"].browse(partner_ids).sudo()
            customers.write({"utility_arrears_changed_at": fields.Datetime.now()})
            customers._utility_stamp_arrears_change()
        self._write_outcomes(outcomes)
        self.browse(no_tv_ids)._fallback_from_tv()

    def _fallback_from_tv(self):
        """TV notices that cannot be shown go out through the customer's next
        channel: SMS when they have a phone number, else a letter. The action
        records the channel used; its message says why."""
        with_phone = self.filtered(lambda a: a.partner_id.phone_sanitized or a.partner_id.phone)
        fallbacks = self.with_context(
            utility_dunning_fallback_note=self.env._("No TV account, or the customer opted out:")
        )
        for channel, actions in (("sms", with_phone), ("letter", self - with_phone)):
            if actions:
                with actions._utility_protected_write():
                    actions.write({"channel": channel})
                getattr(fallbacks.browse(actions.ids), f"_action_{channel}")()

    def _action_disconnection_notice(self):
        # the written notices are queued for the mail cron, not sent one by
        # one inside the batch's transaction
        Order = self.env["utility.disconnection.order"].with_context(mail_notify_force_send=False)
        outcomes = []
        for level, actions in self.grouped("level_id").items():
            orders = Order._create_from_level(level, actions.bill_id)
            by_partner = {order.partner_id: order for order in orders}
            for action in actions:
                order = by_partner.get(action.partner_id)
                outcomes.append(
                    (
                        action,
                        {
                            "state": "done",
                            "disconnection_order_id": order.id,
                            "message": self.env._(
                                "Written notice given; disconnection not before %s.",
                                order.scheduled_date,
                            ),
                        },
                    )
                )
        self._write_outcomes(outcomes)
