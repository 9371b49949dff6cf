from odoo import Command, models
from odoo.fields import Domain

from ..tools.protected import protected_write


class UtilityContractChange(models.Model):
    """The money steps of an account change: what becomes of the old
    customer's credit once the final bill is paid from it and from the
    deposit (refunded through a refund request, kept, or transferred to the
    new customer with both consents)."""

    _inherit = "utility.contract.change"

    def _utility_open_credit_lines(self, partner):
        """Open credit lines of ``partner``'s receivable, oldest first."""
        self.ensure_one()
        return (
            self.env["account.move.line"]
            .sudo()
            .search(
                Domain("partner_id", "=", partner.commercial_partner_id.id)
                & Domain("company_id", "=", self.company_id.id)
                & Domain("account_type", "=", "asset_receivable")
                & Domain("parent_state", "=", "posted")
                & Domain("reconciled", "=", False)
                & Domain("amount_residual", "<", 0),
                order="date, id",
            )
        )

    def _utility_settle_credit(self):
        """Refund the customer's credit (a submitted refund request) or keep it."""
        if self.credit_action != "refund":
            return
        self.invalidate_recordset(["customer_credit"])
        credit = self.customer_credit
        if self.currency_id.compare_amounts(credit, 0.0) <= 0:
            return
        request = self.env["utility.refund.request"]._utility_request_for_credit(
            self.partner_id.commercial_partner_id,
            credit,
            self.kind if self.kind in ("move_out", "transfer") else "other",
            contract=self.contract_id,
            journal=self.refund_journal_id,
            bank=self.refund_partner_bank_id,
            note=self.env._("Credit left at %(change)s", change=self.name),
        )
        with self._utility_protected_write():
            self.refund_request_id = request

    def _utility_transfer_credit(self):
        """Move the old customer's credit to the new customer's receivable:
        ULC ``credit_transfer`` Dr receivable old / Cr receivable new, the
        old side reconciled with his credit lines (oldest first), the new
        side applied to the new customer's open bills or left as credit."""
        Move = self.env["account.move"]
        old = self.partner_id.commercial_partner_id
        new = self.new_partner_id.commercial_partner_id
        credit_lines = self._utility_open_credit_lines(old)
        amount = self.currency_id.round(-sum(credit_lines.mapped("amount_residual")))
        if self.currency_id.compare_amounts(amount, 0.0) <= 0:
            return
        company = self.company_id
        label = self.env._(
            "Credit transferred from %(old)s to %(new)s (%(change)s)",
            old=old.name,
            new=new.name,
            change=self.name,
        )
        with protected_write(Move):
            move = Move.create(
                {
                    "move_type": "entry",
                    "journal_id": company._utility_lifecycle_journal().id,
                    "company_id": company.id,
                    "date": self.change_date,
                    "ref": label,
                    "utility_entry_kind": "credit_transfer",
                    "line_ids": [
                        Command.create(
                            {
                                "name": label,
                                "account_id": old.with_company(
                                    company
                                ).property_account_receivable_id.id,
                                "partner_id": old.id,
                                "debit": amount,
                            }
                        ),
                        Command.create(
                            {
                                "name": label,
                                "account_id": new.with_company(
                                    company
                                ).property_account_receivable_id.id,
                                "partner_id": new.id,
                                "credit": amount,
                            }
                        ),
                    ],
                }
            )
        move.action_post()
        debit_line = move.line_ids.filtered(lambda line: line.partner_id == old)
        for credit_line in credit_lines:
            if debit_line.reconciled:
                break
            (debit_line + credit_line).reconcile()
        with self._utility_protected_write():
            self.credit_transfer_move_id = move
        bills = Move.search(
            Move._utility_open_bill_domain(new)
            & Domain("company_id", "=", company.id)
            & Domain("utility_contract_id", "!=", False)
        )
        Move._utility_apply_prepaid(bills)
