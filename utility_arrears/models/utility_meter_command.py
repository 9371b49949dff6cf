import json
import logging
from datetime import UTC, datetime, timedelta

import requests

from odoo import api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

JOB_CHANNEL = "root.utility_arrears"
# a head-end answers at once (it queues the command on its side): a slow
# answer is a failure, retried later, rather than a worker held for long
SEND_TIMEOUT = 10
ACK_ROUTE = "/utility/api/v1/meter-commands/%s/ack"
PENDING_STATES = ("queued", "sent")


class UtilityHeadendCommandError(Exception):
    """A head-end refused a command or could not be reached: retried."""


class UtilityMeterCommand(models.Model):
    """A remote switching command (远程费控) for a smart meter: switch the
    supply off or on through the meter's head-end system.

    Every caller (valuation rules, payments, disconnection orders) goes
    through ``_utility_queue``, which creates the commands and queues their
    sending as queue_job jobs. The job hands the command to the head-end's
    provider (``utility.headend._headend_send_command``); a failure is
    retried with a doubling delay, at most the head-end's ``max_attempts``
    times, then the command fails and opens a field disconnection or
    reconnection order. The head-end confirms the execution through the
    acknowledgement route, which sets the meter's supply state."""

    _name = "utility.meter.command"
    _description = "Remote Switching Command"
    _inherit = ["mail.thread", "utility.protected.fields.mixin"]
    _order = "id desc"

    name = fields.Char(
        string="Reference",
        required=True,
        copy=False,
        readonly=True,
        default=lambda self: self.env._("New"),
        help="The command's reference, sent to the head-end and used by its acknowledgement.",
    )
    meter_id = fields.Many2one(
        comodel_name="utility.meter",
        required=True,
        index=True,
        readonly=True,
    )
    partner_id = fields.Many2one(
        related="meter_id.partner_id", string="Customer", store=True, index=True
    )
    service_point_id = fields.Many2one(related="meter_id.service_point_id")
    contract_id = fields.Many2one(
        comodel_name="utility.contract",
        compute="_compute_contract_id",
        help="The supply contract in force at the meter's service point.",
    )
    company_id = fields.Many2one(related="meter_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    headend_id = fields.Many2one(
        comodel_name="utility.headend",
        string="Head-end",
        required=True,
        index=True,
        readonly=True,
    )
    action = fields.Selection(
        selection=[("switch_off", "Switch Off"), ("switch_on", "Switch On")],
        string="Switching Action",
        required=True,
        readonly=True,
    )
    reason = fields.Selection(
        selection=[
            ("balance", "Balance exhausted"),
            ("arrears", "Arrears (disconnection order)"),
            ("payment", "Payment received"),
            ("manual", "Manual"),
        ],
        required=True,
        default="manual",
        readonly=True,
    )
    reason_note = fields.Text(string="Reason Details")
    balance = fields.Monetary(
        currency_field="currency_id",
        readonly=True,
        help="The balance that caused the command, when a balance did.",
    )
    state = fields.Selection(
        selection=[
            ("queued", "Queued"),
            ("sent", "Sent"),
            ("acknowledged", "Acknowledged"),
            ("failed", "Failed"),
            ("cancelled", "Cancelled"),
        ],
        default="queued",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    attempts = fields.Integer(readonly=True, help="Attempts made to send the command.")
    last_error = fields.Text(readonly=True)
    next_attempt_at = fields.Datetime(
        readonly=True, help="When the command is (or was) to be sent next."
    )
    headend_reference = fields.Char(
        string="Head-end Reference",
        readonly=True,
        index="btree_not_null",
        help="The head-end's own reference.",
    )
    sent_at = fields.Datetime(readonly=True)
    acknowledged_at = fields.Datetime(readonly=True)
    executed_at = fields.Datetime(
        readonly=True, help="When the meter switched, as the head-end reports it."
    )
    disconnection_order_id = fields.Many2one(
        comodel_name="utility.disconnection.order",
        string="From Order",
        readonly=True,
        index="btree_not_null",
        help="The disconnection or reconnection order this command carries out.",
    )
    field_order_id = fields.Many2one(
        comodel_name="utility.disconnection.order",
        string="Field Order",
        compute="_compute_field_order_id",
        help="The field order opened because the command failed.",
    )

    @api.model
    def _utility_protected_fields(self):
        # the life cycle is written by the sending job, the acknowledgement
        # route and the manager's buttons only
        return {
            "state",
            "attempts",
            "last_error",
            "next_attempt_at",
            "headend_reference",
            "sent_at",
            "acknowledged_at",
            "executed_at",
        }

    @api.depends("meter_id.service_point_id.contract_ids.state")
    def _compute_contract_id(self):
        for command in self:
            contracts = command.meter_id.service_point_id.contract_ids
            command.contract_id = contracts.filtered(lambda c: c.state == "active")[:1]

    def _compute_field_order_id(self):
        # the order names its command (utility.disconnection.order.meter_command_id)
        # (by _origin: a form's computed list, as the cost control
        # dashboard's, holds the commands as new records)
        orders = self.env["utility.disconnection.order"].search(
            [("meter_command_id", "in", self._origin.ids)], order="id"
        )
        by_command = {order.meter_command_id.id: order for order in orders}
        for command in self:
            command.field_order_id = by_command.get(command._origin.id, False)

    @api.model
    def _utility_create_only_fields(self):
        # a command stays what it was queued for
        return {
            "name",
            "meter_id",
            "headend_id",
            "action",
            "reason",
            "balance",
            "disconnection_order_id",
        }

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals.pop("name", None)
        commands = super().create(vals_list)
        with commands._utility_protected_write():
            for command in commands:
                command.name = self.env["ir.sequence"].next_by_code("utility.meter.command")
        # commands loaded in another state (data files) are not sent
        commands.filtered(lambda c: c.state == "queued")._utility_enqueue()
        return commands

    # ------------------------------------------------------------------
    # the entry point of every caller
    # ------------------------------------------------------------------
    @api.model
    def _utility_queue(
        self, meters, action, reason, balance=None, origin=None, note=None, headend=None
    ):
        """Queue ``action`` (``switch_off``/``switch_on``) for ``meters``,
        through each meter's head-end, and return the commands in force.

        A meter with a queued or sent command of the same action keeps it
        (no duplicate); a switch-on cancels a queued switch-off of the same
        meter. ``balance``: the balance that caused it; ``origin``: the
        disconnection or reconnection order it carries out; ``headend``: the
        head-end to use instead of the meter's own. Sent after the
        transaction commits (queue_job); a switch-on is sent at once."""
        if action not in ("switch_off", "switch_on"):
            raise UserError(self.env._("Unknown switching action %s.", action))
        if action == "switch_off" and reason == "arrears" and origin:
            # the order's bills may have gone into an installment plan, been
            # written off or paid since it was scheduled: no switch-off then
            origin._check_arrears_open()
        meters = meters.filtered("active")
        pending = self.search(
            [("meter_id", "in", meters.ids), ("state", "in", PENDING_STATES)],
            order="id",
        )
        kept = pending.filtered(lambda c: c.action == action)
        if action == "switch_on":
            superseded = pending.filtered(
                lambda c: c.action == "switch_off" and c.state == "queued"
            )
            superseded._utility_cancel(self.env._("Superseded by a switch-on of the same meter."))
        vals_list = []
        for meter in meters - kept.meter_id:
            meter_headend = headend or self._utility_meter_headend(meter)
            if not meter_headend:
                raise UserError(
                    self.env._(
                        "Meter %s has no head-end system: it cannot be switched remotely.",
                        meter.serial,
                    )
                )
            vals_list.append(
                {
                    "meter_id": meter.id,
                    "headend_id": meter_headend.id,
                    "action": action,
                    "reason": reason,
                    "reason_note": note,
                    "balance": balance,
                    "disconnection_order_id": origin.id if origin else False,
                }
            )
        # sudo: the callers (a payment, a rule) may not manage commands;
        # what is created is fixed by this method's own arguments
        with self.browse()._utility_protected_write():
            created = self.sudo().create(vals_list)
        return (kept | created).with_env(self.env)

    @api.model
    def _utility_meter_headend(self, meter):
        """The head-end that switches ``meter``: the meter's own when meters
        name one, else the company's only active one."""
        if meter._fields.get("headend_id") and meter.headend_id:
            return meter.headend_id
        # sudo: reading the head-end, not its secrets, to route the command
        headends = (
            self.env["utility.headend"]
            .sudo()
            .search([("company_id", "=", meter.company_id.id), ("state", "!=", "disabled")])
        )
        return headends if len(headends) == 1 else headends.browse()

    # ------------------------------------------------------------------
    # sending
    # ------------------------------------------------------------------
    def _utility_send_eta(self):
        """When to send a new command: at once. The rules that keep a
        switch-off inside working hours override this; a switch-on never
        waits."""
        self.ensure_one()
        return None

    def _utility_enqueue(self, eta=None):
        """Queue the sending job of each command (run after the commit)."""
        for command in self:
            when = eta or command._utility_send_eta()
            with command._utility_protected_write():
                command.next_attempt_at = when or fields.Datetime.now()
            command.with_delay(
                channel=JOB_CHANNEL,
                eta=when,
                description=self.env._(
                    "Send %(action)s %(ref)s",
                    action=command.action,
                    ref=command.name,
                ),
            )._utility_send_job()

    def _utility_command_payload(self):
        """The JSON body a head-end receives (see docs/ARCHITECTURE.md)."""
        self.ensure_one()
        return {
            "reference": self.name,
            "meter_serial": self.meter_id.serial,
            "action": self.action,
            "reason": self.reason,
            "callback_url": self.get_base_url() + ACK_ROUTE % self.name,
        }

    def _utility_send_job(self):
        """The queue_job job: send the command once. Idempotent: a command
        no longer queued (sent, cancelled, acknowledged) is left alone."""
        self.ensure_one()
        # sudo: a system job, queued by whoever's action (a payment at a
        # counter) asked for the switching; it only sends this command
        self = self.sudo()  # pylint: disable=self-cls-assignment
        self.env.cr.execute(
            "SELECT id FROM utility_meter_command WHERE id = %s FOR UPDATE", [self.id]
        )
        self.invalidate_recordset()
        if self.state != "queued":
            return
        headend = self.headend_id
        if headend.state == "disabled":
            with self._utility_protected_write():
                self.last_error = self.env._("The head-end system is disabled: nothing was sent.")
            return
        try:
            if headend.state == "test":
                reference = self._utility_send_test()
            else:
                reference = headend._headend_send_command(self)
        except (UtilityHeadendCommandError, UserError) as error:
            self._utility_send_failed(str(error))
            return
        with self._utility_protected_write():
            self.write(
                {
                    "state": "sent",
                    "attempts": self.attempts + 1,
                    "sent_at": fields.Datetime.now(),
                    "headend_reference": reference or False,
                    "last_error": False,
                }
            )

    def _utility_send_test(self):
        """A head-end in test mode: the command is logged, nothing is sent."""
        self.message_post(
            body=self.env._(
                "Test mode: the command was not sent. It would have been: %s",
                json.dumps(self._utility_command_payload(), ensure_ascii=False),
            )
        )
        return f"TEST-{self.name}"

    def _utility_send_failed(self, error):
        """Count a failed attempt: retry later with a doubling delay, or
        after the head-end's last attempt fail and open a field order."""
        self.ensure_one()
        attempts = self.attempts + 1
        headend = self.headend_id
        vals = {"attempts": attempts, "last_error": error}
        if attempts >= headend.max_attempts:
            vals.update(state="failed", next_attempt_at=False)
            with self._utility_protected_write():
                self.write(vals)
            self.message_post(
                body=self.env._(
                    "The command failed after %(count)s attempts: %(error)s",
                    count=attempts,
                    error=error,
                )
            )
            self._utility_open_field_order()
            return
        eta = fields.Datetime.now() + timedelta(minutes=headend.retry_minutes * 2 ** (attempts - 1))
        vals.update(state="queued")
        with self._utility_protected_write():
            self.write(vals)
        self._utility_enqueue(eta=eta)

    def _utility_open_field_order(self):
        """Open the field order that does by hand what the command could
        not: a disconnection order for a switch-off, a reconnection order
        for a switch-on, linked both ways."""
        self.ensure_one()
        Order = self.env["utility.disconnection.order"]
        origin = self.disconnection_order_id
        kind = "disconnection" if self.action == "switch_off" else "reconnection"
        if (
            origin.kind == kind
            and origin.state in ("draft", "notified", "scheduled")
            and not origin.meter_command_id
        ):
            # the order the command carried out is still open: its field
            # staff do the work, no second order for the same switching
            with origin._utility_protected_write():
                origin.sudo().meter_command_id = self
            origin.message_post(
                body=self.env._(
                    "The remote command %(ref)s failed: %(error)s. Carry out this order "
                    "in the field.",
                    ref=self.name,
                    error=self.last_error or "",
                )
            )
            self.invalidate_recordset(["field_order_id"])
            return origin
        if self.action == "switch_off":
            vals = {"kind": "disconnection", "partner_id": self.partner_id.id}
            if origin.kind == "disconnection":
                vals["bill_ids"] = [(6, 0, origin.bill_ids.ids)]
        else:
            vals = {
                "kind": "reconnection",
                "state": "scheduled",
                "scheduled_date": fields.Datetime.now(),
                "partner_id": self.partner_id.id,
            }
            if origin.kind == "disconnection":
                vals.update(origin_order_id=origin.id, bill_ids=[(6, 0, origin.bill_ids.ids)])
        vals.update(company_id=self.company_id.id, meter_command_id=self.id)
        # sudo: opened by the system for a failed command, whoever's job or
        # acknowledgement ran into the failure; the order keeps its own
        # workflow (notices, approvals) for the people who carry it out
        with Order.browse()._utility_protected_write():
            order = Order.sudo().create(vals)
        order.message_post(
            body=self.env._(
                "Opened because the remote command %(ref)s failed: %(error)s",
                ref=self.name,
                error=self.last_error or "",
            )
        )
        self.invalidate_recordset(["field_order_id"])
        return order

    # ------------------------------------------------------------------
    # the head-end's acknowledgement
    # ------------------------------------------------------------------
    def _utility_ack_answer(self):
        self.ensure_one()
        return {
            "reference": self.name,
            "state": self.state,
            "supply_state": self.meter_id.supply_state,
        }

    def _utility_acknowledge(self, status, headend_reference=None, executed_at=None, message=None):
        """Apply the head-end's acknowledgement. A replayed one changes
        nothing and gets the same answer. Returns the answer."""
        self.ensure_one()
        self.env.cr.execute(
            "SELECT id FROM utility_meter_command WHERE id = %s FOR UPDATE", [self.id]
        )
        self.invalidate_recordset()
        if status == "acknowledged":
            if self.state == "acknowledged":
                return self._utility_ack_answer()
            if self.state == "cancelled":
                raise UserError(self.env._("Command %s was cancelled.", self.name))
            # a failed command may still have reached the meter (a lost answer)
            now = fields.Datetime.now()
            executed = executed_at or now
            with self._utility_protected_write():
                self.write(
                    {
                        "state": "acknowledged",
                        "acknowledged_at": now,
                        "executed_at": executed,
                        "headend_reference": self.headend_reference or headend_reference,
                        "last_error": False,
                        "next_attempt_at": False,
                    }
                )
            self.meter_id._utility_set_supply(
                "off" if self.action == "switch_off" else "on", executed
            )
            if self.field_order_id:
                self.field_order_id.message_post(
                    body=self.env._(
                        "The head-end executed command %s after all: check whether the "
                        "field order is still needed.",
                        self.name,
                    )
                )
            return self._utility_ack_answer()
        # failed: only a sent command counts an attempt; a replay of the
        # failure of an earlier attempt finds it queued or failed already
        if self.state == "sent":
            self._utility_send_failed(
                message or self.env._("The head-end reported that the command failed.")
            )
        elif self.state == "acknowledged":
            raise UserError(self.env._("Command %s was already acknowledged.", self.name))
        return self._utility_ack_answer()

    # ------------------------------------------------------------------
    # the manager's buttons
    # ------------------------------------------------------------------
    def _utility_check_manager(self):
        if not self.env.user.has_group("utility_billing.group_utility_manager"):
            raise UserError(self.env._("Only a Collection Manager can retry or cancel a command."))

    def action_retry(self):
        """Send a failed (or stuck) command again, with a fresh count."""
        self._utility_check_manager()
        self.check_access("write")
        for command in self:
            if command.state not in ("failed", "queued"):
                raise UserError(
                    self.env._("%s: only a failed or queued command can be retried.", command.name)
                )
        with self._utility_protected_write():
            self.write({"state": "queued", "attempts": 0, "last_error": False})
        for command in self:
            command.message_post(body=self.env._("Retry asked by %s.", self.env.user.name))
        self._utility_enqueue()
        return True

    def action_cancel(self):
        """Cancel a command not yet executed."""
        self._utility_check_manager()
        self.check_access("write")
        if self.filtered(lambda c: c.state == "acknowledged"):
            raise UserError(self.env._("An acknowledged command cannot be cancelled."))
        self._utility_cancel(self.env._("Cancelled by %s.", self.env.user.name))
        return True

    def _utility_cancel(self, reason):
        commands = self.filtered(lambda c: c.state in ("queued", "sent", "failed"))
        with commands._utility_protected_write():
            commands.write({"state": "cancelled", "next_attempt_at": False})
        for command in commands:
            command.message_post(body=reason)


class UtilityHeadend(models.Model):
    _inherit = "utility.headend"

    def _headend_http_json_send_command(self, command):
        """Generic HTTP JSON provider: POST the command to ``api_url`` with
        the head-end's bearer token; a 2xx answer ``{"reference": ...}``
        accepts it, anything else is a failure to retry."""
        self.ensure_one()
        if not self.api_url:
            raise UtilityHeadendCommandError(
                self.env._("The head-end %s has no command URL.", self.name)
            )
        # sudo: the token is readable by administrators only; it is sent to
        # the head-end it belongs to and never shown
        token = self.sudo().api_token or ""
        try:
            response = requests.post(
                self.api_url,
                json=command._utility_command_payload(),
                headers={"Authorization": f"Bearer {token}"},
                timeout=SEND_TIMEOUT,
            )
        except requests.RequestException as error:
            raise UtilityHeadendCommandError(
                self.env._("The head-end could not be reached: %s", error)
            ) from error
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if not response.ok:
            raise UtilityHeadendCommandError(
                self.env._(
                    "The head-end answered %(status)s: %(message)s",
                    status=response.status_code,
                    message=(answer.get("message") if isinstance(answer, dict) else None)
                    or response.text[:200],
                )
            )
        if not isinstance(answer, dict):
            answer = {}
        return str(answer.get("reference") or "")[:64]


def parse_executed_at(value):
    """An ISO 8601 time (UTC unless an offset is given) as a naive UTC
    datetime, or None; ValueError when it is not one."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(value)
    moment = datetime.fromisoformat(value.strip())
    if moment.tzinfo:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment
