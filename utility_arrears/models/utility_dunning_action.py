import logging
from collections import defaultdict

from odoo import api, fields, models

from .utility_arrears_level import GENTLE_ACTIONS

_logger = logging.getLogger(__name__)


class UtilityDunningAction(models.Model):
    """One dunning action: a level of a policy applied to one overdue bill,
    through one channel, with its outcome. A level is applied at most once
    per bill. Each channel is carried out by its ``_action_<channel>`` hook
    (same shape as Odoo's payment providers): a module adding a channel adds
    a selection value and a hook, nothing else."""

    _name = "utility.dunning.action"
    _description = "Dunning Action"
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
        selection=lambda self: self.env["utility.arrears.level"]._fields["action"].selection,
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

    _bill_level_uniq = models.Constraint(
        "UNIQUE(bill_id, level_id)", "A dunning level is applied only once per bill."
    )

    @api.model
    def _is_allowed_for(self, partner, channel):
        """Caring-service customers only get gentle reminders."""
        return not partner.utility_is_care or channel in GENTLE_ACTIONS

    def _execute(self):
        """Carry out the actions to do, channel by channel through the hooks."""
        for channel, actions in (
            self.filtered(lambda a: a.state == "draft").grouped("channel").items()
        ):
            try:
                with self.env.cr.savepoint():
                    getattr(actions, f"_action_{channel}")()
            except Exception as error:  # pylint: disable=broad-except
                # one failing channel must not stop the other channels' batch
                _logger.exception("Dunning channel %s failed", channel)
                actions.write({"state": "error", "message": str(error)})

    def _responsible_user(self):
        self.ensure_one()
        return (
            self.level_id.user_id or self.partner_id.utility_station_id.manager_id or self.env.user
        )

    def _write_outcomes(self, outcomes):
        """Record the outcome of actions: ``outcomes`` is a list of
        ``(action, vals)``; one ``write`` per distinct set of values."""
        ids_by_vals = defaultdict(list)
        for action, vals in outcomes:
            ids_by_vals[tuple(sorted(vals.items()))].append(action.id)
        for vals, ids in ids_by_vals.items():
            self.browse(ids).write(dict(vals))

    def _action_sms(self):
        template = self.env.ref("utility_arrears.sms_template_arrears_reminder")
        outcomes = []
        send_ids = []
        for action in self:
            number = action.partner_id.phone_sanitized or action.partner_id.phone
            if not number:
                outcomes.append(
                    (action, {"state": "error", "message": self.env._("No phone number.")})
                )
                continue
            send_ids.append(action.id)
            outcomes.append(
                (action, {"state": "done", "message": self.env._("SMS sent to %s.", number)})
            )
        subtype_id = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        # one rendering per template for the whole batch, then one SMS per bill
        for sms_template, actions in (
            self.browse(send_ids).grouped(lambda a: a.level_id.sms_template_id or template).items()
        ):
            bodies = sms_template._render_field("body", actions.bill_id.ids, compute_lang=True)
            for action in actions:
                action.bill_id._message_sms(
                    bodies[action.bill_id.id],
                    subtype_id=subtype_id,
                    partner_ids=action.partner_id.ids,
                    # queued: the SMS cron sends them in bulk, the run does not wait
                    put_in_queue=True,
                )
        self._write_outcomes(outcomes)

    def _schedule_activity(self, activity_xmlid, summary):
        """One activity per bill for its responsible user, all created with
        one ``create``, as ``activity_schedule`` would make them."""
        if not self:
            return
        Bill = self.env["account.move"]
        activity_type = self.env["mail.activity.type"].browse(
            self.env["ir.model.data"]._xmlid_to_res_id(activity_xmlid, raise_if_not_found=False)
        )
        if not activity_type:
            activity_type = Bill._default_activity_type()
        model_id = self.env["ir.model"]._get(Bill._name).id
        # the activities' document names, read for the whole batch at once
        # (computed one bill at a time otherwise)
        bill_names = {bill.id: bill.display_name for bill in self.bill_id.sudo()}
        vals_list, outcomes = [], []
        for action in self:
            user = action._responsible_user()
            vals_list.append(
                {
                    "activity_type_id": activity_type.id,
                    "summary": summary or activity_type.summary,
                    "automated": True,
                    "note": activity_type.default_note,
                    "date_deadline": action.date or fields.Date.context_today(self),
                    "res_model_id": model_id,
                    "res_id": action.bill_id.id,
                    "res_name": bill_names[action.bill_id.id],
                    "user_id": user.id,
                }
            )
            outcomes.append(
                (
                    action,
                    {
                        "state": "done",
                        "message": self.env._(
                            "%(summary)s assigned to %(user)s.", summary=summary, user=user.name
                        ),
                    },
                )
            )
        if not self.env.context.get("mail_activity_automation_skip"):
            # no assignment e-mail per activity (thousands per run): the
            # responsible users find them in their activities, and follow the bills
            self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(
                vals_list
            )
        self._write_outcomes(outcomes)

    def _action_phone(self):
        self._schedule_activity("mail.mail_activity_data_call", self.env._("Arrears call"))

    def _action_visit(self):
        self._schedule_activity(
            "utility_arrears.mail_activity_type_arrears_visit", self.env._("Arrears visit")
        )

    def _action_letter(self):
        default = self.env.ref("utility_arrears.mail_template_arrears_letter")
        subtype_id = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        outcomes = []
        # one rendering per template for the whole batch, then one note per bill
        for template, actions in self.grouped(
            lambda a: a.level_id.mail_template_id or default
        ).items():
            bill_ids = actions.bill_id.ids
            bodies = template._render_field("body_html", bill_ids)
            subjects = template._render_field("subject", bill_ids)
            for action in actions:
                bill = action.bill_id
                bill.message_post(
                    body=bodies[bill.id],
                    subject=subjects[bill.id],
                    message_type="comment",
                    subtype_id=subtype_id,
                )
                outcomes.append(
                    (
                        action,
                        {
                            "state": "done",
                            "message": self.env._(
                                "Reminder letter to print for %s.", bill.partner_id.name
                            ),
                        },
                    )
                )
        self._write_outcomes(outcomes)

    def _action_tv(self):
        outcomes = []
        partner_ids = set()
        for action in self:
            partner = action.partner_id
            if not partner.utility_tv_account or partner.utility_tv_opt_out:
                outcomes.append(
                    (
                        action,
                        {
                            "state": "skipped",
                            "message": self.env._("No TV account, or the customer opted out."),
                        },
                    )
                )
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
            self.env["res.partner"].browse(partner_ids).sudo().write(
                {"utility_arrears_changed_at": fields.Datetime.now()}
            )
        self._write_outcomes(outcomes)

    def _action_disconnection_notice(self):
        Order = self.env["utility.disconnection.order"]
        for level, actions in self.grouped("level_id").items():
            orders = Order._create_from_level(level, actions.bill_id)
            by_partner = {order.partner_id: order for order in orders}
            for action in actions:
                order = by_partner.get(action.partner_id)
                action.write(
                    {
                        "state": "done",
                        "disconnection_order_id": order.id,
                        "message": self.env._(
                            "Written notice given; disconnection not before %s.",
                            order.scheduled_date,
                        ),
                    }
                )
