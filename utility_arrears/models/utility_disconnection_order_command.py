from odoo import api, fields, models


class UtilityDisconnectionOrder(models.Model):
    """Disconnection orders and the remote switching commands: an order
    opened because a command failed, and the commands an order caused."""

    _inherit = "utility.disconnection.order"

    meter_command_id = fields.Many2one(
        comodel_name="utility.meter.command",
        string="Failed Remote Command",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The remote switching command whose failure opened this order.",
    )
    meter_command_ids = fields.Many2many(
        comodel_name="utility.meter.command",
        string="Remote Commands",
        compute="_compute_meter_command_ids",
    )

    def _compute_meter_command_ids(self):
        # computed, not a one2many: the commands are made by their own
        # entry point only, never through this record
        commands = self.env["utility.meter.command"].search(
            [("disconnection_order_id", "in", self.ids)], order="id desc"
        )
        for record in self:
            record.meter_command_ids = commands.filtered(
                lambda c, r=record: c.disconnection_order_id == r
            )

    @api.model
    def _utility_protected_fields(self):
        return super()._utility_protected_fields() | {"meter_command_id"}

    @api.constrains("bill_ids", "partner_id", "kind")
    def _check_bills(self):
        # a prepaid customer switched off for an exhausted balance may have
        # no overdue bill: the failed command is what the order is for
        return super(
            UtilityDisconnectionOrder, self.filtered(lambda o: not o.meter_command_id)
        )._check_bills()

    def _check_arrears_open(self):
        # same: an order of a failed switch-off without bills goes on
        return super(
            UtilityDisconnectionOrder,
            self.filtered(lambda o: not (o.meter_command_id and not o.bill_ids)),
        )._check_arrears_open()
