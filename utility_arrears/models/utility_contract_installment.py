from odoo import models


class UtilityContract(models.Model):
    """A cost-controlled customer's bills held by a kept installment plan
    are owed on the plan's terms, not now: the balance that switches their
    supply off (valuation) or back on (payment) leaves them out."""

    _inherit = "utility.contract"  # pylint: disable=consider-merging-classes-inherited

    def _utility_held_residual_by_partner(self):
        """Residual of the customers' bills on a collection hold per
        (commercial partner id, company id), in one grouped query."""
        partners = self.partner_id.commercial_partner_id
        if not partners:
            return {}
        # sudo: as _get_receivable_residual_by_partner, only sums leave
        groups = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                [
                    ("partner_id", "in", partners.ids),
                    ("company_id", "in", self.company_id.ids),
                    ("account_type", "=", "asset_receivable"),
                    ("parent_state", "=", "posted"),
                    ("reconciled", "=", False),
                    ("amount_residual", ">", 0),
                    ("move_id.utility_collection_hold", "!=", False),
                ],
                ["partner_id", "company_id"],
                ["amount_residual:sum"],
            )
        )
        return {(partner.id, company.id): residual for partner, company, residual in groups}

    def _utility_owed_now_by_partner(self, sign=None):
        """``_get_receivable_residual_by_partner(sign)`` less the bills on a
        collection hold (kept installment plan): what a cost-controlled
        customer owes now."""
        residuals = self._get_receivable_residual_by_partner(sign)
        if sign == "<":
            return residuals
        for key, held in self._utility_held_residual_by_partner().items():
            residuals[key] = residuals.get(key, 0.0) - held
        return residuals
