from odoo import models
from odoo.exceptions import UserError


class UtilityRefundRequest(models.Model):
    """A refund is never paid from a service hall's cash drawer: the cashier
    session counts the drawer from the payments it took in, so money paid
    out of it would leave the count short."""

    _inherit = "utility.refund.request"

    def _utility_check_refund_journal(self):
        super()._utility_check_refund_journal()
        points = (
            self.env["utility.collection.point"]
            .sudo()
            .search_count([("journal_id", "in", self.journal_id.ids)])
        )
        if points:
            raise UserError(
                self.env._(
                    "Journal %s is a service hall's cash drawer: pay refunds from the bank or "
                    "the finance office's cash journal.",
                    self.journal_id[:1].display_name,
                )
            )
        return True
