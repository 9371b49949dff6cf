from odoo import api, fields, models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    """The VAT e-invoice requests of a bill, and the red-letter rule of its
    credit notes: a bill whose e-invoice is issued is credited only once the
    tax platform's red-letter confirmation (红字确认) is recorded."""

    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    # computed, not the inverse side of the requests' bills: a user who may
    # edit a bill must not relink requests through it
    utility_einvoice_request_ids = fields.Many2many(
        comodel_name="utility.einvoice.request",
        string="E-invoice Requests",
        compute="_compute_utility_einvoice_request_ids",
        search="_search_utility_einvoice_request_ids",
    )
    utility_einvoice_state = fields.Selection(
        selection=[
            ("requested", "Requested"),
            ("sent", "Sent"),
            ("issued", "Issued"),
            ("rejected", "Rejected"),
            ("cancelled", "Cancelled"),
        ],
        string="E-invoice",
        compute="_compute_utility_einvoice_state",
        help="State of the bill's latest e-invoice request.",
    )

    def _compute_utility_einvoice_request_ids(self):
        # sudo: a bill shows its requests to whoever sees the bill (the
        # requests' own rules would hide them from a portal customer)
        requests = (
            self.env["utility.einvoice.request"].sudo().search([("move_ids", "in", self.ids)])
            if self.ids
            else self.env["utility.einvoice.request"]
        )
        for move in self:
            move.utility_einvoice_request_ids = requests.filtered(lambda r, m=move: m in r.move_ids)

    def _search_utility_einvoice_request_ids(self, operator, value):
        if operator not in ("in", "any"):
            return NotImplemented
        Request = self.env["utility.einvoice.request"].sudo()
        if operator == "any":
            requests = Request.search(value)
        else:
            requests = Request.browse(value)
        return [("id", "in", requests.move_ids.ids)]

    @api.depends("utility_einvoice_request_ids.state")
    def _compute_utility_einvoice_state(self):
        for move in self:
            requests = move.sudo().utility_einvoice_request_ids.sorted("id")
            move.utility_einvoice_state = requests[-1:].state or False

    def _utility_einvoices_needing_red_letter(self):
        """Issued e-invoice requests of these bills without a red-letter
        confirmation recorded."""
        # sudo: the rule holds whoever posts; only the requests' states are read
        return self.sudo().utility_einvoice_request_ids.filtered(
            lambda r: r.state == "issued" and not r.red_letter_number
        )

    def _post(self, soft=True):
        credited = self.filtered(
            lambda m: m.move_type == "out_refund" and m.reversed_entry_id
        ).reversed_entry_id
        if credited:
            pending = credited._utility_einvoices_needing_red_letter()
            if pending:
                raise UserError(
                    self.env._(
                        "The e-invoice of %(bills)s is issued: record the red-letter "
                        "confirmation of %(requests)s before posting its credit note.",
                        bills=", ".join(
                            pending.move_ids.filtered(lambda m: m in credited).mapped("name")
                        ),
                        requests=", ".join(pending.mapped("name")),
                    )
                )
        return super()._post(soft=soft)

    def action_utility_request_einvoice(self):
        """Open the e-invoice request form for the selected bills."""
        return {
            "type": "ir.actions.act_window",
            "res_model": "utility.einvoice.request.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": "account.move", "active_ids": self.ids},
            "name": self.env._("Request E-invoice"),
        }
