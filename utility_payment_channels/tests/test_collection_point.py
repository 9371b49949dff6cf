from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


@tagged("post_install", "-at_install")
class TestCollectionPoint(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.group_ids |= cls.env.ref("utility_billing.group_utility_manager")

    def test_hall_books_into_its_cash_journal(self):
        cash = self.company_data["default_journal_cash"]
        hall = self.env["utility.collection.point"].create(
            {"name": "Chengguan hall", "code": "CG-H1", "kind": "hall", "journal_id": cash.id}
        )
        self.assertEqual(hall.journal_id, cash)
        self.assertEqual(hall.display_name, "[CG-H1] Chengguan hall")

    def test_point_cannot_book_into_a_sale_journal(self):
        with self.assertRaises(ValidationError):
            self.env["utility.collection.point"].create(
                {
                    "name": "Wrong",
                    "code": "X",
                    "journal_id": self.company_data["default_journal_sale"].id,
                }
            )
