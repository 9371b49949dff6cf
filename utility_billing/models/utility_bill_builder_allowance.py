from odoo import api, models


class UtilityBillBuilder(models.AbstractModel):
    """Bills with a social allowance: the free kWh are electricity sold (the
    allowance line carries the electricity product, as the block and
    register lines do), and their offset line is booked on the version's
    allowance account (the government receivable), not on the journal's
    revenue account."""

    _inherit = "utility.bill.builder"

    @api.model
    def _prepare_move_vals(self, run, bill, journal, product):
        vals = super()._prepare_move_vals(run, bill, journal, product)
        for command, line in zip(vals["invoice_line_ids"], bill["lines"], strict=True):
            if line["kind"] == "allowance":
                command[2].update(product_id=product.id, product_uom_id=product.uom_id.id)
            elif line["kind"] == "allowance_offset":
                # the same kWh, taken off: shown in kWh on the bill
                command[2]["product_uom_id"] = product.uom_id.id
            if line.get("account_id"):
                command[2]["account_id"] = line["account_id"]
        return vals
