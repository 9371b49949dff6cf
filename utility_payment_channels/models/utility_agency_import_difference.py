from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError


class UtilityAgencyImportDifference(models.Model):
    """A difference between an agency file and what the agency's networked
    counters booked through the terminal API for the same days."""

    _name = "utility.agency.import.difference"
    _description = "Agency File Difference"
    _inherit = ["utility.protected.fields.mixin"]
    _order = "import_id desc, kind, txn_id"

    import_id = fields.Many2one(
        comodel_name="utility.agency.import", required=True, ondelete="cascade", index=True
    )
    agency_id = fields.Many2one(related="import_id.agency_id", store=True)
    company_id = fields.Many2one(related="import_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="import_id.currency_id")
    kind = fields.Selection(
        selection=[
            ("file_only", "In the file, not booked by the API"),
            ("api_only", "Booked by the API, not in the file"),
            ("amount", "Amounts differ"),
            ("customer", "Customers differ"),
        ],
        required=True,
    )
    txn_id = fields.Char(string="Transaction", required=True)
    line_id = fields.Many2one(comodel_name="utility.agency.import.line", string="File Line")
    line_state = fields.Selection(related="line_id.state", string="Line Status")
    payment_id = fields.Many2one(comodel_name="account.payment", string="API Payment")
    amount_file = fields.Monetary(string="Amount in File")
    amount_api = fields.Monetary(string="Amount Booked by API")
    customer_file = fields.Char(string="Customer in File")
    customer_api = fields.Char(string="Customer Booked by API")
    payment_reversed = fields.Boolean(
        compute="_compute_payment_reversed",
        string="API Payment Reversed",
        help="The API payment was cancelled or reversed since.",
    )

    @api.model
    def _utility_protected_fields(self):
        # found by the import only: nothing of it is an accountant's to change
        return {
            "kind", "txn_id", "line_id", "payment_id", "amount_file", "amount_api",
            "customer_file", "customer_api",
        }  # fmt: skip

    @api.model
    def _utility_create_only_fields(self):
        return {"import_id"}

    @api.depends("payment_id.state", "payment_id.utility_reversal_move_id")
    def _compute_payment_reversed(self):
        for difference in self:
            payment = difference.payment_id
            difference.payment_reversed = bool(
                payment and (payment.state == "canceled" or payment.utility_reversal_move_id)
            )

    def action_reverse_payment(self):
        """Reverse the API payment of a difference after review (a payment
        booked here that the biller's file does not list, or lists with
        another amount or customer): a Collection Manager gives the reason in
        the payment's correction dialog (``account.payment.action_utility_reverse``)."""
        self.ensure_one()
        if not self.env.user.has_group("utility_billing.group_utility_manager"):
            raise AccessError(self.env._("Only a Collection Manager can reverse a payment."))
        if not self.payment_id or self.kind == "file_only":
            raise UserError(self.env._("This difference has no payment booked here to reverse."))
        if self.payment_reversed:
            raise UserError(self.env._("Payment %s is already cancelled.", self.payment_id.name))
        return self.payment_id.action_utility_reverse()
