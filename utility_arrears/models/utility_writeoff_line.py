from odoo import api, fields, models
from odoo.exceptions import UserError


class UtilityWriteoffLine(models.Model):
    """A bill of a bad-debt write-off: once posted, a line of the
    written-off register (账销案存: the debt is off the books but kept on
    record), with what later payments recovered."""

    _name = "utility.writeoff.line"
    _description = "Written-off Bill"
    _inherit = ["utility.protected.fields.mixin"]
    _order = "date desc, id"
    _rec_name = "bill_id"

    batch_id = fields.Many2one(
        comodel_name="utility.writeoff.batch",
        string="Write-off",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="batch_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="batch_id.currency_id")
    bill_id = fields.Many2one(
        comodel_name="account.move", string="Bill", required=True, index=True, ondelete="restrict"
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        related="bill_id.commercial_partner_id",
        store=True,
        index=True,
    )
    bill_date_due = fields.Date(string="Due Date", related="bill_id.invoice_date_due")
    is_late_fee = fields.Boolean(
        string="Late Fee",
        compute="_compute_is_late_fee",
        store=True,
        help="The late-fee invoice of a written-off bill.",
    )
    date = fields.Date(related="batch_id.date", store=True, string="Write-off Date")
    reason = fields.Selection(related="batch_id.reason", store=True)
    state = fields.Selection(related="batch_id.state", store=True, index=True)
    amount = fields.Monetary(
        string="Written Off",
        currency_field="currency_id",
        help="The bill's amount due, written off.",
    )
    writeoff_aml_id = fields.Many2one(
        comodel_name="account.move.line", string="Write-off Journal Item", readonly=True
    )
    reversal_move_ids = fields.Many2many(
        comodel_name="account.move",
        relation="utility_writeoff_line_reversal_rel",
        column1="line_id",
        column2="move_id",
        string="Recoveries",
        readonly=True,
        help="The entries that put back on the receivable what later payments recovered.",
    )
    amount_recovered = fields.Monetary(string="Recovered", currency_field="currency_id")
    amount_outstanding = fields.Monetary(
        string="Not Recovered",
        currency_field="currency_id",
        compute="_compute_amount_outstanding",
        store=True,
        help="Written off and not recovered yet.",
    )

    _bill_written_off_once = models.UniqueIndex(
        "(bill_id) WHERE state = 'posted'",
        "A bill can be written off only once.",
    )

    @api.model
    def _utility_protected_fields(self):
        return {"amount", "writeoff_aml_id", "reversal_move_ids", "amount_recovered"}

    @api.model
    def _utility_create_only_fields(self):
        return {"batch_id", "bill_id"}

    @api.depends("bill_id.utility_late_fee_bill_id")
    def _compute_is_late_fee(self):
        for line in self:
            line.is_late_fee = bool(line.bill_id.utility_late_fee_bill_id)

    @api.depends("amount", "amount_recovered")
    def _compute_amount_outstanding(self):
        for line in self:
            line.amount_outstanding = line.currency_id.round(line.amount - line.amount_recovered)

    @api.model_create_multi
    def create(self, vals_list):
        batches = self.env["utility.writeoff.batch"].browse(
            {vals.get("batch_id") for vals in vals_list}
        )
        if batches.filtered(lambda b: b.state != "draft"):
            raise UserError(self.env._("Bills can be added to a draft write-off only."))
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if self.filtered(lambda line: line.state != "draft"):
            raise UserError(self.env._("A bill can be removed from a draft write-off only."))
