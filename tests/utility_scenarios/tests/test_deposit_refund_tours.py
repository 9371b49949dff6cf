from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .test_journey_tours import use_chinese


@tagged("post_install", "-at_install")
class TestDepositRefundTours(HttpCase):
    """Deposits and refunds as the people who handle them, in Chinese, on
    the demo database: the cashier takes a deposit and asks for a refund at
    the counter, the accountant pays an approved refund, the customer sees
    both on his phone. Every tour is checked against the entries."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env.ref("utility_billing.customer_01")
        cls.contract = cls.env["utility.contract"].search(
            [("partner_id", "=", cls.customer.id), ("state", "=", "active")], limit=1
        )
        cls.company = cls.contract.company_id
        users = cls.env["res.users"].search(
            [("login", "in", ("cashier_cg", "accountant", "customer01"))]
        )
        use_chinese(cls.env, users)
        cls.manager = new_test_user(
            cls.env,
            login="deposit_tour_manager",
            name="Deposit Manager",
            groups="utility_billing.group_utility_manager",
            company_id=cls.company.id,
            company_ids=cls.company.ids,
            lang="zh_CN",
        )
        # household supply asks for a deposit of 300 in these tours
        cls.env["utility.deposit.rule"].create(
            {
                "company_id": cls.company.id,
                "category": cls.customer.utility_category,
                "contract_kind": cls.contract.contract_kind,
                "amount": 300.0,
            }
        )
        cls.deposit = cls.contract._utility_issue_deposit_invoices()
        cls.bank = cls.env["account.journal"].search(
            [("code", "=", "JBH"), ("company_id", "=", cls.company.id)], limit=1
        )

    def _pay_twice(self, amount):
        """A payment of ``amount`` nothing is left to settle: the customer's
        credit (the bill it was meant for was already paid at the counter)."""
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
                "amount": amount,
                "journal_id": self.bank.id,
                "company_id": self.company.id,
                "date": fields.Date.today(),
            }
        )
        payment.action_post()
        return payment

    def _submitted_request(self):
        cashier = self.env["res.users"].search([("login", "=", "cashier_cg")])
        request = (
            self.env["utility.refund.request"]
            .with_user(cashier)
            .create(
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "contract_id": self.contract.id,
                    "reason": "duplicate",
                    "reason_note": "柜台与邮政各缴一次。",
                    "amount": 183.60,
                }
            )
        )
        request.action_submit()
        return request

    def _receivable_balance(self):
        lines = self.env["account.move.line"].search(
            [
                ("partner_id", "=", self.customer.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
            ]
        )
        return sum(lines.mapped("balance"))

    def test_cashier_takes_the_deposit_at_the_counter(self):
        self.assertEqual(self.deposit.amount_residual, 300.0)
        self.assertEqual(self.deposit.utility_entry_kind, "deposit")
        self.start_tour("/odoo", "utility_deposit_counter_tour", login="cashier_cg")
        self.deposit.invalidate_recordset()
        self.assertEqual(self.deposit.payment_state, "paid")
        self.contract.invalidate_recordset()
        self.assertEqual(self.contract.deposit_held, 300.0)
        self.assertEqual(self.contract.deposit_unpaid, 0.0)
        # the 300.00 sits on the deposits liability account, not as credit
        deposit_account = self.company._utility_deposit_account()
        self.assertEqual(
            sum(
                self.env["account.move.line"]
                .search(
                    [("move_id", "=", self.deposit.id), ("account_id", "=", deposit_account.id)]
                )
                .mapped("balance")
            ),
            -300.0,
        )

    def test_cashier_asks_for_a_refund_at_the_counter(self):
        before = self._receivable_balance()
        self._pay_twice(183.60)
        self.assertEqual(self.contract.prepaid_balance, 183.60)
        self.start_tour("/odoo", "utility_refund_counter_tour", login="cashier_cg")
        request = self.env["utility.refund.request"].search(
            [("partner_id", "=", self.customer.id)], order="id desc", limit=1
        )
        self.assertEqual(request.state, "to_approve")
        self.assertEqual(request.amount, 183.60)
        self.assertEqual(request.requested_by_id.login, "cashier_cg")
        self.assertIn("邮政", request.reason_note)
        self.assertEqual(request.reason, "duplicate")
        self.assertEqual(request.contract_id, self.contract)
        # the credit is reserved: the receivable is back where it was and
        # the next bill cannot draw on it
        self.contract.invalidate_recordset()
        self.assertEqual(self.contract.prepaid_balance, 0.0)
        self.assertAlmostEqual(self._receivable_balance(), before, places=2)

    def test_accountant_pays_an_approved_refund(self):
        self._pay_twice(183.60)
        request = self._submitted_request()
        request.with_user(self.manager).action_approve()
        request = request.with_env(self.env)
        self.start_tour("/odoo", "utility_refund_pay_tour", login="accountant")
        request.invalidate_recordset()
        self.assertEqual(request.state, "paid")
        payment = request.refund_payment_id
        self.assertEqual(payment.journal_id, self.bank)
        self.assertEqual(payment.payment_type, "outbound")
        self.assertEqual(payment.amount, 183.60)
        # the refunds payable account nets to zero, reconciled
        payable = self.company._utility_refund_payable_account()
        lines = (payment.move_id.line_ids | request.reserve_move_id.line_ids).filtered(
            lambda line: line.account_id == payable
        )
        self.assertEqual(sum(lines.mapped("balance")), 0.0)
        self.assertTrue(all(lines.mapped("reconciled")))

    def test_customer_sees_deposit_and_refund_on_a_phone(self):
        self.browser_size = "390x844"
        self.touch_enabled = True
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.deposit.ids
        ).create(
            {"journal_id": self.bank.id, "payment_date": fields.Date.today()}
        )._create_payments()
        self._pay_twice(183.60)
        request = self._submitted_request()
        self.start_tour(
            "/my/utility/contracts", "utility_portal_deposit_refund_tour", login="customer01"
        )
        self.assertEqual(self.contract.deposit_held, 300.0)
        self.assertIn(request, self.contract.refund_in_progress_ids)
