from odoo import models
from odoo.exceptions import UserError


class UtilityRefundRequest(models.Model):
    """A refund is never paid from a collection channel's journal (a service
    hall's cash drawer, an agency's or a terminal's clearing account): the
    cashier session counts the drawer from the payments it took in, and the
    channels' settlements are matched with what they collected, so money paid
    out of them would leave the count or the settlement short."""

    _inherit = "utility.refund.request"

    def _utility_check_refund_journal(self):
        super()._utility_check_refund_journal()
        point = (
            self.env["utility.collection.point"]
            .sudo()
            .search([("journal_id", "in", self.journal_id.ids)], limit=1)
        )
        if point:
            raise UserError(
                self.env._(
                    "Journal %(journal)s collects the payments of %(point)s: pay refunds from "
                    "the company's bank account or the finance office's cash journal.",
                    journal=point.journal_id.display_name,
                    point=point.display_name,
                )
            )
        return True
