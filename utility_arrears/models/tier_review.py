from odoo import api, models
from odoo.exceptions import AccessError

from odoo.addons.utility_billing.tools.protected import has_protected_write

# the models whose reviews only their own actions write
GUARDED_MODELS = ("utility.writeoff.batch",)
# what makes a review an approval: who, when, of what
GUARDED_FIELDS = {
    "status", "done_by", "reviewed_date", "model", "res_id", "definition_id",
    "sequence", "requested_by",
}  # fmt: skip


class TierReview(models.Model):
    """Guard of the reviews of bad-debt write-offs: base_tier_validation
    lets every internal user create and write ``tier.review`` rows, so a
    Meter Reader could otherwise mark a write-off approved over JSON-RPC.
    Only the batch's actions (``request_validation``, ``_validate_tier``,
    ``_rejected_tier``, cancel) write them, inside ``protected_write``."""

    _inherit = "tier.review"

    def _utility_refuse_review_write(self):
        raise AccessError(
            self.env._(
                "The reviews of a bad-debt write-off can only be changed by its Approve and "
                "Reject buttons."
            )
        )

    def _utility_guarded(self):
        return self.filtered(lambda review: review.model in GUARDED_MODELS)

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("model") in GUARDED_MODELS for vals in vals_list) and not (
            has_protected_write(self.browse())
        ):
            self._utility_refuse_review_write()
        return super().create(vals_list)

    def write(self, vals):
        touched = GUARDED_FIELDS.intersection(vals)
        if touched and not has_protected_write(self):
            guarded = self._utility_guarded() or (
                self if vals.get("model") in GUARDED_MODELS else self.browse()
            )
            # the promotion of a waiting review to pending (the reviewer's
            # systray counter does it) approves nothing
            promotion = touched == {"status"} and vals["status"] == "pending"
            if guarded and not (
                promotion and all(review.status == "waiting" for review in guarded)
            ):
                guarded._utility_refuse_review_write()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _utility_unlink_guarded(self):
        if self._utility_guarded() and not has_protected_write(self):
            self._utility_refuse_review_write()
