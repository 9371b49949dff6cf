from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common_counter import UtilityCounterCase


@tagged("post_install", "-at_install")
class TestRefundChannels(UtilityCounterCase):
    """A refund leaves the customer's money from the bank, never from a
    service hall's drawer, and no cashier session counts it."""

    def test_refund_payment_is_not_counted_in_a_cashier_session(self):
        session = self.session.with_user(self.cashier)
        session._utility_pay(self.customer, 150.0)
        self.assertEqual(session.cash_register_balance_end, 650.0)
        # the same amount paid again through an agency: credit of 50.00
        agency_payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
                "amount": sum(self.bills.mapped("amount_residual")) + 50.0,
                "journal_id": self.bank_journal.id,
                "date": fields.Date.today(),
            }
        )
        agency_payment.action_post()
        (agency_payment.move_id.line_ids + self.bills.line_ids).filtered(
            lambda line: line.account_type == "asset_receivable" and not line.reconciled
        ).reconcile()
        request = (
            self.env["utility.refund.request"]
            .with_user(self.cashier)
            .create(
                {
                    "partner_id": self.customer.id,
                    "reason": "duplicate",
                    "reason_note": "paid at the counter and at the post office",
                    "amount": 50.0,
                    "journal_id": self.company_data["default_journal_cash"].id,
                }
            )
        )
        request.action_submit()
        request.with_user(self.manager).action_approve()
        accountant = new_test_user(
            self.env,
            login="refund_channel_accountant",
            groups="utility_billing.group_utility_accountant",
            company_id=self.company_data["company"].id,
            company_ids=self.company_data["company"].ids,
        )
        self.assertEqual(self.hall.journal_id, self.company_data["default_journal_cash"])
        with self.assertRaises(UserError):
            request.with_user(accountant).action_pay()  # the hall's drawer
        request.journal_id = self.bank_journal
        request.with_user(accountant).action_pay()
        self.assertEqual(request.state, "paid")
        self.assertFalse(request.refund_payment_id.utility_cashier_session_id)
        session.invalidate_recordset()
        self.assertEqual(session.payment_count, 1)
        self.assertEqual(session.cash_register_balance_end, 650.0)
