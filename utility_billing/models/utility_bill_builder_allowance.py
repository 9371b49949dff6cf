from odoo import api, models


class UtilityBillBuilder(models.AbstractModel):
    """Bills with a social allowance: the offset line of the free kWh is
    booked on the version's allowance account (the government receivable),
    not on the journal's revenue account."""

    _inherit = "utility.bill.builder"

    @api.model
    def _prepare_move_vals(self, run, bill, journal, product):
        vals = super()._prepare_move_vals(run, bill, journal, product)
        for command, line in zip(vals["invoice_line_ids"], bill["lines"], strict=True):
            if line.get("account_id"):
                command[2]["account_id"] = line["account_id"]
        return vals
