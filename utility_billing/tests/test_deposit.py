from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .test_prepaid import UtilityPrepaidCase


class UtilityDepositCase(UtilityPrepaidCase):
    """A deposit rule of 300.00 for residential permanent contracts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract.billing_mode = "postpaid"
        cls.rule = cls.env["utility.deposit.rule"].create(
            {
                "company_id": cls.company.id,
                "category": "residential",
                "contract_kind": "permanent",
                "amount": 300.0,
            }
        )
        cls.accountant = new_test_user(
            cls.env,
            login="deposit_accountant",
            groups="utility_billing.group_utility_accountant",
            company_id=cls.company.id,
            company_ids=cls.company.ids,
        )

    def _pay(self, move, amount=None):
        payment = self._topup(amount or move.amount_residual, partner=move.partner_id)
        (self._receivable_line(payment) + move.line_ids).filtered(
            lambda line: line.account_type == "asset_receivable" and not line.reconciled
        ).reconcile()
        return payment

    def _receivable_balance(self, partner):
        lines = self.env["account.move.line"].search(
            [
                ("partner_id", "=", partner.id),
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
            ]
        )
        return round(sum(lines.mapped("balance")), 2)


@tagged("post_install", "-at_install")
class TestDeposit(UtilityDepositCase):
    def test_activation_invoices_the_deposit_of_the_rule_on_the_liability_account(self):
        contract, _meter = self._new_customer("0100000101")
        deposit = contract.deposit_invoice_ids
        self.assertEqual(len(deposit), 1)
        self.assertEqual(deposit.state, "posted")
        self.assertEqual(deposit.utility_entry_kind, "deposit")
        self.assertFalse(deposit.utility_contract_id, "a deposit is no consumption bill")
        self.assertEqual(deposit.journal_id.code, "UDP")
        account = self.company.utility_deposit_account_id
        self.assertEqual(account.account_type, "liability_current")
        self.assertTrue(account.code.startswith("2241"))
        # Dr receivable 300.00 / Cr customer deposits 300.00, no tax
        entries = sorted(
            (line.account_id.account_type, line.debit, line.credit) for line in deposit.line_ids
        )
        self.assertEqual(
            entries, [("asset_receivable", 300.0, 0.0), ("liability_current", 0.0, 300.0)]
        )
        self.assertEqual(contract.deposit_required, 300.0)
        self.assertEqual(contract.deposit_unpaid, 300.0)
        self.assertEqual(contract.deposit_held, 0.0)
        self._pay(deposit)
        contract.invalidate_recordset()
        self.assertEqual(contract.deposit_held, 300.0)
        self.assertEqual(contract.deposit_unpaid, 0.0)

    def test_no_rule_no_deposit_and_one_deposit_per_contract(self):
        contract, _meter = self._new_customer("0100000102", activate=False)
        contract.contract_kind = "temporary"
        contract.action_activate()
        self.assertFalse(contract.deposit_invoice_ids)
        self.rule.contract_kind = "temporary"
        contract._utility_issue_deposit_invoices()
        contract._utility_issue_deposit_invoices()
        self.assertEqual(len(contract.deposit_invoice_ids), 1)

    def test_next_bill_does_not_eat_the_deposit(self):
        contract, _meter = self._new_customer("0100000103")
        deposit = contract.deposit_invoice_ids
        # credit of 50.00 while the deposit is unpaid: a new bill takes it,
        # the deposit invoice does not
        self._topup(50.0, partner=contract.partner_id)
        bill = self._bill(30.0, contract=contract)
        self.assertEqual(bill.payment_state, "paid")
        self.assertEqual(deposit.amount_residual, 300.0)
        # the paid deposit stays on the liability account when a bill comes
        self._pay(deposit)
        bill2 = self._bill(100.0, contract=contract)
        self.assertEqual(bill2.amount_residual, 80.0)
        contract.invalidate_recordset()
        self.assertEqual(contract.deposit_held, 300.0)

    def test_deposit_gets_no_einvoice(self):
        contract, _meter = self._new_customer("0100000104")
        deposit = contract.deposit_invoice_ids
        with self.assertRaises(UserError):
            self.env["utility.einvoice.request"]._utility_create_requests(
                deposit, {"invoice_type": "normal", "buyer_name": "Customer"}, "back_office"
            )

    def test_unpaid_deposit_is_cancelled_at_move_out(self):
        contract, _meter = self._new_customer("0100000105")
        deposit = contract.deposit_invoice_ids
        application = contract._utility_apply_deposit(fields.Date.today())
        self.assertFalse(application)
        self.assertEqual(deposit.amount_residual, 0.0)
        credit_note = contract.deposit_invoice_ids.filtered(lambda m: m.move_type == "out_refund")
        self.assertEqual(credit_note.amount_total, 300.0)
        contract.invalidate_recordset()
        self.assertEqual(contract.deposit_held, 0.0)
        self.assertEqual(contract.deposit_unpaid, 0.0)
        self.assertEqual(self._receivable_balance(contract.partner_id), 0.0)

    def test_move_out_deposit_pays_the_final_bill_and_the_rest_is_credit(self):
        """PLAN27 §3: deposit 300 paid, over-payment 20, final bill 92.00:
        the deposit pays 72.00 of the bill and 228.00 is left to refund."""
        contract, _meter = self._new_customer("0100000106")
        partner = contract.partner_id
        self._pay(contract.deposit_invoice_ids)
        self._topup(20.0, partner=partner)
        final_bill = self._bill(92.0, contract=contract)
        self.assertEqual(final_bill.amount_residual, 72.0)  # the 20.00 credit applied
        application = contract._utility_apply_deposit(fields.Date.today())
        self.assertEqual(application.utility_entry_kind, "deposit_application")
        self.assertEqual(application.journal_id.code, "ULC")
        deposit_account = self.company.utility_deposit_account_id
        self.assertEqual(
            application.line_ids.filtered(lambda line: line.account_id == deposit_account).debit,
            300.0,
        )
        self.assertEqual(final_bill.payment_state, "paid")
        contract.invalidate_recordset()
        self.assertEqual(contract.deposit_held, 0.0)
        self.assertEqual(contract.prepaid_balance, 228.0)
        self.assertEqual(self._receivable_balance(partner), -228.0)
        # 224101 nets to 0 for this customer
        deposit_lines = self.env["account.move.line"].search(
            [("account_id", "=", deposit_account.id), ("partner_id", "=", partner.id)]
        )
        self.assertEqual(round(sum(deposit_lines.mapped("balance")), 2), 0.0)

    def test_entry_kind_and_deposit_contract_are_never_written_by_hand(self):
        contract, _meter = self._new_customer("0100000107")
        deposit = contract.deposit_invoice_ids
        for vals in ({"utility_entry_kind": False}, {"utility_deposit_contract_id": False}):
            with self.assertRaises(AccessError):
                deposit.sudo().write(vals)
        bill = self._bill(10.0, contract=contract)
        with self.assertRaises(AccessError):
            bill.write({"utility_entry_kind": "deposit"})
        with self.assertRaises(AccessError):
            self.env["account.move"].create(
                {"move_type": "entry", "utility_entry_kind": "refund_reserve"}
            )
