from datetime import date

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestLateFee(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Policy = cls.env["utility.arrears.policy"]
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
