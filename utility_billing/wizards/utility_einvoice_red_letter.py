from odoo import api, fields, models
from odoo.fields import Command


class UtilityEinvoiceRedLetter(models.TransientModel):
    """Record the tax platform's red-letter confirmation (红字确认) of an
    issued e-invoice, so that a credit note of its bills may post."""

    _name = "utility.einvoice.red.letter"
    _description = "Record Red-letter Confirmation"

    request_ids = fields.Many2many(
        comodel_name="utility.einvoice.request", string="E-invoices", required=True
    )
    red_letter_number = fields.Char(string="Confirmation Number", required=True)
    red_letter_date = fields.Date(
        string="Confirmation Date", required=True, default=fields.Date.context_today
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == "utility.einvoice.request" and not values.get(
            "request_ids"
        ):
            values["request_ids"] = [Command.set(context.get("active_ids", []))]
        return values

    def action_confirm(self):
        self.ensure_one()
        self.request_ids._utility_record_red_letter(self.red_letter_number, self.red_letter_date)
        return {"type": "ir.actions.act_window_close"}
