from collections import defaultdict

from odoo import api, models
from odoo.fields import Domain


class AccountMove(models.Model):
    """Prepaid draw-down: a newly posted utility bill is paid at once from
    the customer's unapplied credit (top-ups, over-payments), oldest credit
    first."""

    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    def _utility_is_bill(self):
        """Whether each move is a utility bill: a posted customer invoice of a
        contract."""
        invoices = self.filtered(lambda m: m.move_type == "out_invoice" and m.state == "posted")
        return invoices.filtered("utility_contract_id")

    @api.model
    def _utility_apply_prepaid(self, bills):
        """Reconcile the customers' open credit lines with ``bills``.

        Bills are paid oldest due date first, each from the oldest credit
        first, until either the credit or the bills run out. One search for
        all credit lines of all customers; the reconciliation itself is per
        pair of lines because the order matters.

        :returns: the bills that received some credit
        """
        bills = bills.filtered(lambda m: m._utility_is_open_bill())
        if not bills:
            return bills
        credit_lines = self.env["account.move.line"].search(
            Domain("partner_id", "in", bills.commercial_partner_id.ids)
            & Domain("company_id", "in", bills.company_id.ids)
            & Domain("account_type", "=", "asset_receivable")
            & Domain("parent_state", "=", "posted")
            & Domain("reconciled", "=", False)
            & Domain("amount_residual", "<", 0),
            order="date, id",
        )
        credits_by_key = defaultdict(list)
        for line in credit_lines:
            credits_by_key[(line.partner_id.id, line.company_id.id, line.account_id.id)].append(
                line
            )
        paid = self.browse()
        ordered = bills.sorted(lambda m: (m.invoice_date_due or m.date, m.date, m.id))
        for bill in ordered:
            for bill_line in bill.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable" and not line.reconciled
            ):
                key = (bill.commercial_partner_id.id, bill.company_id.id, bill_line.account_id.id)
                credits = credits_by_key.get(key, [])
                while credits and not bill_line.reconciled:
                    credit = credits[0]
                    (credit + bill_line).reconcile()
                    paid |= bill
                    if credit.reconciled:
                        credits.pop(0)
        return paid

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._utility_after_post_bills()
        return posted

    def _utility_after_post_bills(self):
        """Hook for the billing run, called on freshly posted bills: draws
        the prepaid balance down. Returns the bills paid from credit."""
        return self._utility_apply_prepaid(self._utility_is_bill())
