from odoo import api, fields, models
from odoo.exceptions import ValidationError


class UtilityLateFeeWaiver(models.Model):
    """Part or all of a bill's late fee waived by a Collection Manager, with
    the reason. Later late-fee computations of the bill subtract it."""

    _name = "utility.late.fee.waiver"
    _description = "Late Fee Waiver"
    _inherit = ["utility.protected.fields.mixin"]
    _order = "date desc, id desc"

    bill_id = fields.Many2one(
        comodel_name="account.move",
        required=True,
        ondelete="cascade",
        index=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted')]",
    )
    partner_id = fields.Many2one(related="bill_id.partner_id", store=True)
    company_id = fields.Many2one(related="bill_id.company_id", store=True)
    currency_id = fields.Many2one(related="bill_id.currency_id")
    date = fields.Date(required=True, default=fields.Date.context_today)
    amount = fields.Monetary(currency_field="currency_id", required=True)
    reason = fields.Text(required=True)
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Waived By",
        required=True,
        default=lambda self: self.env.user,
    )

    @api.model
    def _utility_protected_fields(self):
        # the manager who waives is the user creating the waiver
        return {"user_id"}

    @api.model
    def _utility_create_only_fields(self):
        # a waiver given is not changed afterwards: later fees subtract it
        return {"bill_id", "amount", "date"}

    @api.constrains("amount")
    def _check_amount(self):
        for waiver in self:
            if waiver.currency_id.compare_amounts(waiver.amount, 0.0) <= 0:
                raise ValidationError(self.env._("A waived late fee must be positive."))
