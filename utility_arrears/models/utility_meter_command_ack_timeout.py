from datetime import timedelta

from odoo import api, fields, models


class UtilityHeadend(models.Model):
    """How long a head-end may take to acknowledge a command it accepted."""

    _inherit = "utility.headend"  # pylint: disable=consider-merging-classes-inherited

    ack_timeout_minutes = fields.Integer(
        string="Acknowledgement Timeout (minutes)",
        default=30,
        help="A command sent but not acknowledged within this time counts as a failed "
        "attempt: it is sent again with the retry delay, or fails and opens a field order "
        "after the last attempt. 0: wait for ever.",
    )

    _ack_timeout_positive = models.Constraint(
        "CHECK(ack_timeout_minutes >= 0)",
        "The acknowledgement timeout cannot be negative.",
    )


class UtilityMeterCommand(models.Model):
    """Commands a head-end accepted but never acknowledged."""

    _inherit = "utility.meter.command"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _cron_utility_ack_timeout(self):
        """Count a failed attempt for each command sent longer ago than its
        head-end's acknowledgement timeout: retried with the backoff, or
        failed and handed to a field order after the last attempt."""
        now = fields.Datetime.now()
        headends = self.env["utility.headend"].search([("ack_timeout_minutes", ">", 0)])
        overdue = self.browse()
        for headend in headends:
            overdue |= self.search(
                [
                    ("headend_id", "=", headend.id),
                    ("state", "=", "sent"),
                    ("sent_at", "<", now - timedelta(minutes=headend.ack_timeout_minutes)),
                ],
                order="id",
            )
        overdue._utility_ack_timed_out()
        return overdue

    def _utility_ack_timed_out(self):
        """The head-end did not acknowledge these commands in time. A
        command acknowledged (or locked by its acknowledgement) meanwhile is
        left alone: the acknowledgement wins."""
        if not self:
            return
        self.env.cr.execute(
            "SELECT id FROM utility_meter_command WHERE id = ANY(%s) AND state = 'sent' "
            "FOR UPDATE SKIP LOCKED",
            [self.ids],
        )
        commands = self.browse([row[0] for row in self.env.cr.fetchall()])
        commands.invalidate_recordset()
        for command in commands:
            command._utility_send_failed(
                self.env._(
                    "No acknowledgement from the head-end within %s minutes.",
                    command.headend_id.ack_timeout_minutes,
                )
            )
