from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged

from .common import UtilityArrearsCase


@tagged("post_install", "-at_install")
class TestLateFee(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Policy = cls.env["utility.arrears.policy"]
        # the company's own policies (installed data) are replaced by these
        Policy.search([("company_id", "=", cls.env.company.id)]).active = False
        cls.residential = Policy.create(
            {
                "name": "Residential",
                "category": "residential",
                "late_fee_current_rate": 1.0,
                "late_fee_earlier_rate": 1.0,
            }
        )
        cls.general = Policy.create({"name": "Other customers"})

    def test_residential_fee_is_one_per_mille_a_day_from_the_day_after_due(self):
        # 300 yuan due on 10 March, paid on 30 March: 20 days x 0.3 = 6.00
        fee = self.residential._compute_late_fee(300.0, date(2025, 3, 10), date(2025, 3, 30))
        self.assertEqual(fee, 6.0)
        # paid on the due date: no fee
        self.assertEqual(
            self.residential._compute_late_fee(300.0, date(2025, 3, 10), date(2025, 3, 10)), 0.0
        )

    def test_fee_under_one_yuan_is_charged_as_one_yuan(self):
        # 50 yuan, 3 days: 0.15 -> 1.00
        fee = self.residential._compute_late_fee(50.0, date(2025, 3, 10), date(2025, 3, 13))
        self.assertEqual(fee, 1.0)

    def test_other_customers_pay_three_per_mille_once_arrears_cross_the_year(self):
        # 1000 yuan due 21 Dec 2024, paid 10 Jan 2025:
        # 10 days in 2024 at 2 per mille (20.00) + 10 days in 2025 at 3 per mille (30.00)
        fee = self.general._compute_late_fee(1000.0, date(2024, 12, 21), date(2025, 1, 10))
        self.assertEqual(fee, 50.0)

    def test_policy_of_the_category_wins_over_the_general_one(self):
        Policy = self.env["utility.arrears.policy"]
        self.assertEqual(Policy._get_policy("residential"), self.residential)
        self.assertEqual(Policy._get_policy("industrial"), self.general)


@tagged("post_install", "-at_install")
class TestBillLateFee(UtilityArrearsCase):
    """Late fees of real posted bills, charged as separate invoices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shop = cls._make_customer("Li Shop", "0200000001", "commercial")

    def test_company_without_policy_falls_back_to_the_regulated_rates(self):
        self.assertFalse(
            self.env["utility.arrears.policy"].search([("company_id", "=", self.company.id)])
        )
        home_bill = self._make_bill(self.customer, 300.0, "2025-03-10")
        self.assertEqual(home_bill._utility_late_fee(date(2025, 3, 30)), 6.0)
        shop_bill = self._make_bill(self.shop, 1000.0, "2024-12-21")
        self.assertEqual(shop_bill._utility_late_fee(date(2025, 1, 10)), 50.0)

    def test_category_policy_of_the_company_sets_the_rate(self):
        self.env["utility.arrears.policy"].create(
            {
                "name": "Commercial",
                "company_id": self.company.id,
                "category": "commercial",
                "late_fee_current_rate": 5.0,
                "late_fee_earlier_rate": 5.0,
            }
        )
        shop_bill = self._make_bill(self.shop, 1000.0, "2025-03-10")
        # 10 days x 5 per mille x 1000 = 50.00; the residential customer keeps 1 per mille
        self.assertEqual(shop_bill._utility_late_fee(date(2025, 3, 20)), 50.0)
        home_bill = self._make_bill(self.customer, 1000.0, "2025-03-10")
        self.assertEqual(home_bill._utility_late_fee(date(2025, 3, 20)), 10.0)

    def test_small_bill_late_fee_is_at_least_one_yuan(self):
        bill = self._make_bill(self.customer, 50.0, "2025-03-10")
        self.assertEqual(bill._utility_late_fee(date(2025, 3, 13)), 1.0)
        self.assertEqual(bill._utility_late_fee(date(2025, 3, 10)), 0.0)

    def test_late_fee_is_charged_as_a_separate_posted_invoice_on_the_late_fee_account(self):
        bill = self._make_bill(self.customer, 300.0, "2025-03-10")
        fee_invoice = self.env["account.move"]._utility_charge_late_fees(bill, date(2025, 3, 30))
        self.assertEqual(fee_invoice.state, "posted")
        self.assertEqual(fee_invoice.amount_total, 6.0)
        self.assertEqual(fee_invoice.utility_late_fee_bill_id, bill)
        self.assertEqual(fee_invoice.partner_id, self.customer)
        fee_line = fee_invoice.invoice_line_ids
        self.assertEqual(fee_line.account_id, self.company.utility_late_fee_account_id)
        self.assertEqual(fee_line.account_id.account_type, "income_other")
        # the bill itself is untouched: the fee is never hidden in its amount
        self.assertEqual(bill.amount_total, 300.0)
        self.assertEqual(bill.amount_residual, 300.0)

    def test_late_fee_invoices_bear_no_late_fee_of_their_own(self):
        bill = self._make_bill(self.customer, 300.0, "2025-03-10")
        fee_invoice = self.env["account.move"]._utility_charge_late_fees(bill, date(2025, 3, 30))
        # the fee invoice is due on 30 March and still unpaid months later
        self.assertEqual(fee_invoice._utility_late_fee(date(2025, 9, 30)), 0.0)
        again = self.env["account.move"]._utility_charge_late_fees(fee_invoice, date(2025, 9, 30))
        self.assertFalse(again)

    def test_partial_payment_is_charged_on_the_amount_paid(self):
        bill = self._make_bill(self.customer, 300.0, "2025-03-10")
        fee_invoice = self.env["account.move"]._utility_charge_late_fees(
            bill, date(2025, 3, 30), amounts={bill: 100.0}
        )
        # 100 x 20 days x 1 per mille = 2.00
        self.assertEqual(fee_invoice.amount_total, 2.0)

    def test_manager_waives_part_of_the_late_fee_with_a_reason(self):
        bill = self._make_bill(self.customer, 300.0, "2025-03-10")
        wizard = (
            self.env["utility.late.fee.waive.wizard"]
            .with_context(active_model="account.move", active_id=bill.id)
            .create(
                {
                    "on_date": date(2025, 3, 30),
                    "waive_all": False,
                    "amount": 2.0,
                    "reason": "Meter reading error delayed the bill",
                }
            )
        )
        self.assertEqual(wizard.late_fee, 6.0)
        wizard.action_confirm()
        self.assertEqual(bill.utility_late_fee_waiver_ids.amount, 2.0)
        self.assertIn("Meter reading error", bill.message_ids[0].body)
        self.assertEqual(bill._utility_late_fee(date(2025, 3, 30)), 4.0)
        fee_invoice = self.env["account.move"]._utility_charge_late_fees(bill, date(2025, 3, 30))
        self.assertEqual(fee_invoice.amount_total, 4.0)
        self.assertEqual(fee_invoice.utility_late_fee_waiver_used, 2.0)

    def test_full_waiver_leaves_nothing_to_charge(self):
        bill = self._make_bill(self.customer, 300.0, "2025-03-10")
        self.env["utility.late.fee.waive.wizard"].with_context(
            active_model="account.move", active_id=bill.id
        ).create({"on_date": date(2025, 3, 30), "reason": "Hospitalised"}).action_confirm()
        self.assertEqual(bill._utility_late_fee(date(2025, 3, 30)), 0.0)
        self.assertFalse(
            self.env["account.move"]._utility_charge_late_fees(bill, date(2025, 3, 30))
        )

    def test_cashier_cannot_waive_a_late_fee(self):
        bill = self._make_bill(self.customer, 300.0, "2025-03-10")
        cashier = self.env["res.users"].create(
            {
                "name": "Cashier",
                "login": "arrears_cashier",
                "company_id": self.company.id,
                "company_ids": [(6, 0, self.company.ids)],
                "group_ids": [(6, 0, [self.env.ref("utility_billing.group_utility_cashier").id])],
            }
        )
        with self.assertRaises(AccessError):
            self.env["utility.late.fee.waive.wizard"].with_user(cashier).with_context(
                active_model="account.move", active_id=bill.id
            ).create({"on_date": date(2025, 3, 30), "reason": "Friend"}).action_confirm()

    def test_channels_see_the_late_fee_of_each_open_bill(self):
        bill = self._make_bill(self.customer, 300.0, "2025-03-10")
        fee_invoice = self.env["account.move"]._utility_charge_late_fees(bill, date(2025, 3, 30))
        fees = self.env["account.move"]._utility_late_fee_as_of(
            bill | fee_invoice, date(2025, 3, 30)
        )
        self.assertEqual(fees, {bill.id: 6.0, fee_invoice.id: 0.0})
