from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command


class UtilityBillCancel(models.TransientModel):
    """Cancel posted utility bills by credit notes, with a reason.

    Each bill is reversed in full (Odoo's reversal, reconciled with the bill);
    the bill is marked as credited and its readings go back to validated so a
    corrected bill can be issued by a new billing run."""

    _name = "utility.bill.cancel"
    _description = "Cancel Utility Bills"

    move_ids = fields.Many2many(
        comodel_name="account.move",
        string="Bills",
        required=True,
        domain=[("move_type", "=", "out_invoice"), ("utility_contract_id", "!=", False)],
    )
    reason = fields.Text(required=True, help="Printed on the credit notes and kept on the bills.")
    date = fields.Date(string="Credit Note Date", required=True, default=fields.Date.context_today)
    bill_count = fields.Integer(compute="_compute_bill_count")
    einvoice_request_ids = fields.Many2many(
        comodel_name="utility.einvoice.request",
        string="Issued E-invoices",
        compute="_compute_einvoice_request_ids",
        help="Issued e-invoices of these bills still without a red-letter confirmation: "
        "the credit notes post only once it is recorded.",
    )
    red_letter_number = fields.Char(
        string="Red-letter Confirmation Number",
        help="The tax platform's red-letter confirmation (红字确认) of the bill's e-invoice.",
    )
    red_letter_date = fields.Date(string="Red-letter Confirmation Date")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if (
            "move_ids" in fields_list
            and not values.get("move_ids")
            and self.env.context.get("active_model") == "account.move"
        ):
            values["move_ids"] = [Command.set(self.env.context.get("active_ids", []))]
        return values

    @api.depends("move_ids")
    def _compute_bill_count(self):
        for wizard in self:
            wizard.bill_count = len(wizard.move_ids)

    @api.depends("move_ids")
    def _compute_einvoice_request_ids(self):
        for wizard in self:
            wizard.einvoice_request_ids = wizard.move_ids._utility_einvoices_needing_red_letter()

    def _utility_record_red_letters(self):
        """Record the red-letter confirmation given on the form on the issued
        e-invoice of the bill; several issued e-invoices each need their own
        (recorded on the request), so the form takes one."""
        pending = self.move_ids._utility_einvoices_needing_red_letter()
        if not pending:
            return
        if not self.red_letter_number or not self.red_letter_date:
            raise UserError(
                self.env._(
                    "The e-invoice %s of these bills is issued: give the red-letter "
                    "confirmation number and date of the tax platform before the credit note.",
                    ", ".join(pending.mapped("name")),
                )
            )
        if len(pending) > 1:
            raise UserError(
                self.env._(
                    "Several issued e-invoices (%s) need a red-letter confirmation each: record "
                    "them on the e-invoice requests, then cancel the bills.",
                    ", ".join(pending.mapped("name")),
                )
            )
        pending._utility_record_red_letter(self.red_letter_number, self.red_letter_date)

    def action_confirm(self):
        """Reverse the bills, record the reason, free their readings."""
        self.ensure_one()
        moves = self.move_ids
        wrong = moves.filtered(
            lambda m: (
                m.move_type != "out_invoice"
                or m.state != "posted"
                or not m.utility_contract_id
                or m.utility_credited
            )
        )
        if wrong:
            raise UserError(
                self.env._(
                    "Only posted utility bills not yet credited can be cancelled: %s.",
                    ", ".join(wrong.mapped("display_name")),
                )
            )
        self._utility_record_red_letters()
        default_values_list = [
            {
                "ref": self.env._(
                    "Reversal of: %(bill)s, %(reason)s", bill=move.name, reason=self.reason
                ),
                "date": self.date,
                "invoice_date": self.date,
                "journal_id": move.journal_id.id,
                "utility_contract_id": move.utility_contract_id.id,
                "utility_service_point_id": move.utility_service_point_id.id,
                "utility_meter_id": move.utility_meter_id.id,
                "utility_station_id": move.utility_station_id.id,
                "utility_category": move.utility_category,
                "utility_period_start": move.utility_period_start,
                "utility_period_end": move.utility_period_end,
                "utility_consumption": -move.utility_consumption,
                "utility_billing_run_id": move.utility_billing_run_id.id,
            }
            for move in moves
        ]
        credit_notes = moves._reverse_moves(default_values_list, cancel=True)
        moves.write({"utility_credited": True, "utility_cancel_reason": self.reason})
        readings = moves.utility_reading_ids.filtered(
            lambda r: r.state == "billed" and r.move_id in moves
        )
        # the credit note gives the readings back to billing
        with readings._utility_protected_write():
            readings.write({"state": "validated", "move_id": False})
        for move, credit_note in zip(moves, credit_notes, strict=True):
            move.message_post(
                body=self.env._(
                    "Cancelled by credit note %(note)s: %(reason)s",
                    note=credit_note.name,
                    reason=self.reason,
                )
            )
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": [("id", "in", credit_notes.ids)],
            # last: Odoo's term extractor takes a parenthesis after _() for
            # another call, and would export "id" as a term
            "name": self.env._("Credit Notes"),
        }
