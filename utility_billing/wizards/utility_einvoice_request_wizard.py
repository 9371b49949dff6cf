from odoo import api, fields, models
from odoo.fields import Command


class UtilityEinvoiceRequestWizard(models.TransientModel):
    """Ask for a VAT e-invoice for bills, from the back office: the buyer
    as the customer gives it, pre-filled as the portal and the counter are
    (``res.partner._utility_einvoice_buyer_defaults``)."""

    _name = "utility.einvoice.request.wizard"
    _description = "Request E-invoice"

    move_ids = fields.Many2many(
        comodel_name="account.move",
        string="Bills",
        required=True,
        domain=[("move_type", "=", "out_invoice"), ("state", "=", "posted")],
    )
    company_id = fields.Many2one(comodel_name="res.company", compute="_compute_company_id")
    einvoice_per = fields.Selection(related="company_id.utility_einvoice_per")
    invoice_type = fields.Selection(
        selection=[("special", "Special VAT invoice"), ("ordinary", "Ordinary invoice")],
        required=True,
        default="ordinary",
    )
    buyer_name = fields.Char(string="Buyer Name")
    buyer_tax_id = fields.Char(string="Buyer Tax ID")
    buyer_address = fields.Char(string="Buyer Address")
    buyer_phone = fields.Char(string="Buyer Phone")
    buyer_bank = fields.Char(string="Buyer Bank")
    buyer_bank_account = fields.Char(string="Buyer Bank Account")
    buyer_email = fields.Char(string="Buyer Email")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == "account.move" and not values.get("move_ids"):
            bills = self.env["account.move"].browse(context.get("active_ids", [])).exists()
            values["move_ids"] = [Command.set(bills.ids)]
            partner = bills.commercial_partner_id[:1]
            if partner:
                values.update(partner._utility_einvoice_buyer_defaults())
        return values

    @api.depends("move_ids")
    def _compute_company_id(self):
        for wizard in self:
            wizard.company_id = wizard.move_ids.company_id[:1] or self.env.company

    def action_confirm(self):
        """Create the requests (one per bill, or one for the bills, as the
        company's setting says) and show them."""
        self.ensure_one()
        buyer_vals = {
            fname: self[fname]
            for fname in (
                "invoice_type",
                "buyer_name",
                "buyer_tax_id",
                "buyer_address",
                "buyer_phone",
                "buyer_bank",
                "buyer_bank_account",
                "buyer_email",
            )
        }
        requests = self.env["utility.einvoice.request"]._utility_create_requests(
            self.move_ids, buyer_vals, "back_office"
        )
        action = {
            "type": "ir.actions.act_window",
            "res_model": "utility.einvoice.request",
            "name": self.env._("E-invoice Requests"),
        }
        if len(requests) == 1:
            return {**action, "view_mode": "form", "res_id": requests.id}
        return {**action, "view_mode": "list,form", "domain": [("id", "in", requests.ids)]}
