from odoo import api, fields, models
from odoo.exceptions import UserError

from .utility_meter_command import PENDING_STATES


class UtilityDisconnectionOrder(models.Model):
    """A postpaid disconnection order executed remotely: once lawful (the
    same checks as the field staff's execution), its switch-off goes to the
    meter's head-end, and the head-end's acknowledgement records the
    execution. The reconnection order of a paid order whose meter was
    switched off remotely goes out as a remote switch-on by itself."""

    _inherit = "utility.disconnection.order"  # pylint: disable=consider-merging-classes-inherited

    remote_executable = fields.Boolean(
        string="Can Execute Remotely",
        compute="_compute_remote_executable",
        help="A scheduled disconnection whose customer's meters are all switched remotely "
        "through a head-end, with no remote command on the way.",
    )

    def _utility_remote_meters(self):
        """The meters of the customer's active contracts, when all of them
        can be switched through a head-end; else no meter."""
        self.ensure_one()
        Command = self.env["utility.meter.command"]
        # sudo: whoever sees the order may need to know how it can be
        # executed; only the meters of its own customer are read
        meters = (
            self.env["utility.contract"]
            .sudo()
            .search(
                [
                    (
                        "partner_id.commercial_partner_id",
                        "=",
                        self.partner_id.commercial_partner_id.id,
                    ),
                    ("company_id", "=", self.company_id.id),
                    ("state", "=", "active"),
                ]
            )
            .meter_id
        )
        if not meters or any(
            not (meter.remote_capable and Command._utility_meter_headend(meter)) for meter in meters
        ):
            return meters.browse()
        return meters

    @api.depends("state", "kind", "partner_id")
    def _compute_remote_executable(self):
        for order in self:
            order.remote_executable = bool(
                order.kind == "disconnection"
                and order.state == "scheduled"
                and not order.meter_command_ids.filtered(lambda c: c.state in PENDING_STATES)
                and order._utility_remote_meters()
            )

    def action_execute_remote(self):
        """Send the switch-off of a lawful disconnection to the meters'
        head-end; its acknowledgement records the execution, its failure
        hands the order back to the field staff."""
        now = fields.Datetime.now()
        # the same rights and rules as the execution in the field
        self._utility_check_executable(now)
        Command = self.env["utility.meter.command"]
        for order in self:
            if order.kind != "disconnection":
                raise UserError(
                    self.env._(
                        "%s: only a disconnection is executed remotely; its reconnection "
                        "goes out by itself once the arrears are paid.",
                        order.name,
                    )
                )
            if order.meter_command_ids.filtered(lambda c: c.state in PENDING_STATES):
                raise UserError(
                    self.env._("%s: a remote command of this order is on its way.", order.name)
                )
            meters = order._utility_remote_meters()
            if not meters:
                raise UserError(
                    self.env._(
                        "%s: the customer's meters cannot all be switched remotely; execute "
                        "the order in the field.",
                        order.name,
                    )
                )
            commands = Command._utility_queue(
                meters, "switch_off", "arrears", balance=-order.amount_overdue, origin=order
            )
            order.invalidate_recordset(["meter_command_ids", "remote_executable"])
            order.message_post(
                body=self.env._(
                    "Remote switch-off %(commands)s sent by %(user)s; the order is executed "
                    "when the head-end acknowledges it.",
                    commands=", ".join(commands.mapped("name")),
                    user=self.env.user.name,
                )
            )
        return True

    def _utility_check_arrears_paid(self):
        reconnections = super()._utility_check_arrears_paid()
        Command = self.env["utility.meter.command"]
        reconnections.origin_order_id.invalidate_recordset(["meter_command_ids"])
        for reconnection in reconnections:
            switched_off = reconnection.origin_order_id.meter_command_ids.filtered(
                lambda c: c.action == "switch_off" and c.state == "acknowledged"
            )
            if switched_off:
                # switched off remotely: switched back on the same way, at once
                Command._utility_queue(
                    switched_off.meter_id, "switch_on", "payment", origin=reconnection
                )
        return reconnections


class UtilityMeterCommand(models.Model):
    """The acknowledgement of an order's command records its execution."""

    _inherit = "utility.meter.command"  # pylint: disable=consider-merging-classes-inherited

    def _utility_acknowledge(self, status, headend_reference=None, executed_at=None, message=None):
        answer = super()._utility_acknowledge(
            status, headend_reference=headend_reference, executed_at=executed_at, message=message
        )
        if self.state == "acknowledged" and self.disconnection_order_id:
            self._utility_execute_order()
        return answer

    def _utility_execute_order(self):
        """Mark the order this command carried out executed once all of its
        commands of the same action are acknowledged (a replayed
        acknowledgement finds it executed already and changes nothing)."""
        self.ensure_one()
        order = self.disconnection_order_id
        order.invalidate_recordset(["meter_command_ids"])
        action = "switch_off" if order.kind == "disconnection" else "switch_on"
        if order.state != "scheduled" or self.action != action:
            return
        commands = order.meter_command_ids.filtered(
            lambda c: c.action == action and c.state != "cancelled"
        )
        if commands.filtered(lambda c: c.state != "acknowledged"):
            return
        # sudo: the head-end's acknowledgement stands for the execution the
        # user who sent the command (or the payment) asked for
        order.sudo()._utility_mark_executed(max(commands.mapped("executed_at")), self.create_uid)
        order.message_post(
            body=self.env._(
                "Executed remotely: the head-end acknowledged %s.",
                ", ".join(commands.mapped("name")),
            )
        )
