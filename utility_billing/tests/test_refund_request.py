from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .test_deposit import UtilityDepositCase


@tagged("post_install", "-at_install")
class TestRefundRequest(UtilityDepositCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        users = {}
        for login, group in (
            ("refund_cashier", "utility_billing.group_utility_cashier"),
            ("refund_manager", "utility_billing.group_utility_manager"),
            ("refund_manager2", "utility_billing.group_utility_manager"),
        ):
            users[login] = new_test_user(
                cls.env,
                login=login,
                groups=group,
                company_id=cls.company.id,
                company_ids=cls.company.ids,
            )
        cls.cashier = users["refund_cashier"]
        cls.manager = users["refund_manager"]
        cls.manager2 = users["refund_manager2"]

    def _duplicate(self, amount=183.60):
        """A bill of ``amount`` paid at the counter and again in an agency
        file: the second payment is credit."""
        bill = self._bill(amount)
        first = self._pay(bill)
        second = self._topup(amount)
        return bill, first, second

    def _request(self, amount, payments=None, user=None):
        Request = self.env["utility.refund.request"].with_user(user or self.cashier)
        return Request.create(
            {
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "contract_id": self.contract.id,
                "reason": "duplicate",
                "reason_note": "Paid at the counter and at the post office",
                "amount": amount,
                "payment_ids": [(6, 0, (payments or self.env["account.payment"]).ids)],
                "journal_id": self.bank_journal.id,
            }
        )

    def test_duplicate_payment_is_refunded_after_approval(self):
        _bill, _first, second = self._duplicate()
        self.assertEqual(self.contract.prepaid_balance, 183.60)
        # the accountant names the agency's payment (a cashier sees only the
        # payments of the counters)
        request = self._request(183.60, second, user=self.accountant)
        self.assertTrue(request.name.startswith("RF/"))
        self.assertEqual(request.available_credit, 183.60)
        request.action_submit()
        self.assertEqual(request.state, "to_approve")
        self.assertEqual(request.requested_by_id, self.accountant)
        # submit: ULC Dr receivable 183.60 (reconciled with the agency
        # payment's line) / Cr refunds payable 183.60
        reserve = request.reserve_move_id
        self.assertEqual(reserve.utility_entry_kind, "refund_reserve")
        payable = self.company.utility_refund_payable_account_id
        self.assertEqual(payable.account_type, "liability_payable")
        self.assertTrue(payable.reconcile)
        entries = sorted(
            (line.account_id.account_type, line.debit, line.credit) for line in reserve.line_ids
        )
        self.assertEqual(
            entries, [("asset_receivable", 183.6, 0.0), ("liability_payable", 0.0, 183.6)]
        )
        self.assertTrue(self._receivable_line(second).reconciled)
        self.contract.invalidate_recordset()
        self.assertEqual(self.contract.prepaid_balance, 0.0)
        self.assertEqual(self.contract.refund_in_progress_amount, 183.60)
        self.assertEqual(self.contract.refund_in_progress_ids, request)
        request.with_user(self.manager).action_approve()
        self.assertEqual(request.approved_by_id, self.manager)
        request.with_user(self.accountant).action_pay()
        self.assertEqual(request.state, "paid")
        payment = request.refund_payment_id
        self.assertEqual(payment.payment_type, "outbound")
        self.assertEqual(payment.amount, 183.60)
        self.assertEqual(payment.destination_account_id, payable)
        payable_lines = (payment.move_id.line_ids + reserve.line_ids).filtered(
            lambda line: line.account_id == payable
        )
        self.assertTrue(all(payable_lines.mapped("reconciled")))
        self.assertEqual(round(sum(payable_lines.mapped("balance")), 2), 0.0)
        self.assertEqual(self._receivable_balance(self.customer), 0.0)
        self.contract.invalidate_recordset()
        self.assertEqual(self.contract.refund_in_progress_amount, 0.0)

    def test_approver_cannot_be_the_requester(self):
        self._duplicate(50.0)
        request = self._request(50.0, user=self.manager)
        request.action_submit()
        with self.assertRaises(UserError):
            request.with_user(self.manager).action_approve()
        with self.assertRaises(AccessError):
            request.with_user(self.cashier).action_approve()
        with self.assertRaises(AccessError):
            request.with_user(self.cashier).action_pay()
        request.with_user(self.manager2).action_approve()
        self.assertEqual(request.state, "approved")
        with self.assertRaises(AccessError):
            request.with_user(self.cashier).action_cancel()  # not the requester
        request.with_user(self.manager).action_cancel()
        self.assertEqual(request.state, "cancelled")
        self.assertEqual(self.contract.prepaid_balance, 50.0)

    def test_amount_above_the_credit_is_refused(self):
        self._duplicate(50.0)
        request = self._request(60.0)
        with self.assertRaises(UserError):
            request.action_submit()
        self.assertEqual(request.state, "draft")
        self.assertFalse(request.reserve_move_id)
        first = self._request(30.0)
        first.action_submit()
        second = self._request(30.0)
        with self.assertRaises(UserError):
            second.action_submit()  # only 20.00 of credit is left

    def test_reserved_credit_is_not_used_by_the_next_bill(self):
        self._duplicate(50.0)
        self._request(50.0).action_submit()
        bill = self._bill(40.0)
        self.assertEqual(bill.amount_residual, 40.0)

    def test_rejected_refund_gives_the_credit_back_to_open_bills(self):
        self._duplicate(50.0)
        request = self._request(50.0)
        request.action_submit()
        bill = self._bill(40.0)
        self.assertEqual(bill.amount_residual, 40.0)
        with self.assertRaises(UserError):
            request.with_user(self.manager).action_reject()  # no reason
        request.with_user(self.manager).write({"reject_reason": "Second payment was a top-up"})
        request.with_user(self.manager).action_reject()
        self.assertEqual(request.state, "rejected")
        self.assertEqual(bill.payment_state, "paid")
        self.contract.invalidate_recordset()
        self.assertEqual(self.contract.prepaid_balance, 10.0)
        self.assertEqual(self.contract.refund_in_progress_amount, 0.0)

    def test_workflow_fields_are_refused_to_a_cashier(self):
        self._duplicate(50.0)
        request = self._request(20.0)
        request.action_submit()
        for vals in (
            {"state": "paid"},
            {"amount": 50.0},
            {"approved_by_id": self.manager.id},
            {"reserve_move_id": False},
        ):
            with self.assertRaises(AccessError):
                request.with_user(self.cashier).write(vals)
        with self.assertRaises(AccessError):
            self.env["utility.refund.request"].with_user(self.cashier).create(
                {
                    "partner_id": self.customer.id,
                    "reason": "other",
                    "reason_note": "x",
                    "amount": 5.0,
                    "state": "approved",
                }
            )
        with self.assertRaises(UserError):
            request.unlink()
