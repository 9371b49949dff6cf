from odoo import api, fields, models
from odoo.fields import Domain

# a request in these states stands: the counter offers no second one
ACTIVE_STATES = ("requested", "sent", "issued")


class UtilityCounterPayment(models.TransientModel):
    """The counter screen, once paid: the VAT e-invoice requests of the
    payment and the button asking for one."""

    _inherit = "utility.counter.payment"  # pylint: disable=consider-merging-classes-inherited

    einvoice_request_ids = fields.Many2many(
        comodel_name="utility.einvoice.request",
        string="E-invoice Requests",
        compute="_compute_einvoice_request_ids",
    )
    einvoice_can_request = fields.Boolean(compute="_compute_einvoice_request_ids")

    @api.depends("payment_id", "state")
    def _compute_einvoice_request_ids(self):
        Request = self.env["utility.einvoice.request"]
        for wizard in self:
            payment = wizard.payment_id
            requests = Request
            if payment:
                requests = Request.search(
                    Domain("payment_id", "=", payment.id)
                    | Domain("move_ids", "in", payment.utility_bill_ids.ids)
                )
            wizard.einvoice_request_ids = requests
            wizard.einvoice_can_request = (
                wizard.state == "done"
                and bool(payment)
                and not any(request.state in ACTIVE_STATES for request in requests)
            )

    def action_request_einvoice(self):
        """The buyer's details of the e-invoice of the payment just taken."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "utility.counter.einvoice",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_counter_payment_id": self.id},
            "name": self.env._("Request an E-invoice"),
        }
