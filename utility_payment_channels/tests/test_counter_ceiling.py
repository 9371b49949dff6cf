from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common_counter import UtilityCounterCase


@tagged("post_install", "-at_install")
class TestCounterCeiling(UtilityCounterCase):
    """The counter takes what is due with its late fees, plus a prepaid
    top-up up to the company's limit; a larger top-up needs a Collection
    Manager's approval of that very amount."""

    def setUp(self):
        super().setUp()
        self.company_data["company"].utility_topup_approval_limit = 200.0

    def _counter(self, amount):
        counter = Form(self.env["utility.counter.payment"].with_user(self.cashier))
        counter.search_term = "0100000002"
        counter.amount = amount
        return counter.save()

    def test_cashier_cannot_book_a_trillion_for_a_customer_owing_300(self):
        wizard = self._counter(1_000_000_000_000.0)
        with self.assertRaisesRegex(UserError, "too large"):
            wizard.action_confirm()
        self.assertFalse(wizard.payment_id)
        self.assertEqual(self.customer.credit, 300.0)

    def test_top_up_within_the_limit_is_taken(self):
        wizard = self._counter(500.0)  # 300 due + 200 credit
        wizard.action_confirm()
        self.assertEqual(wizard.payment_id.amount, 500.0)
        self.assertEqual(self.customer.credit, -200.0)

    def test_top_up_above_the_limit_needs_a_managers_approval_of_that_amount(self):
        wizard = self._counter(800.0)
        with self.assertRaisesRegex(UserError, "Collection Manager"):
            wizard.action_confirm()
        with self.assertRaises(AccessError):
            wizard.action_approve_topup()
        with self.assertRaises(AccessError):
            wizard.write({"topup_approved_by_id": self.manager.id, "topup_approved_amount": 800})
        wizard.with_user(self.manager).action_approve_topup()
        self.assertEqual(wizard.topup_approved_by_id, self.manager)
        # another amount after the approval needs a new one
        wizard.amount = 900.0
        with self.assertRaisesRegex(UserError, "Collection Manager"):
            wizard.action_confirm()
        wizard.amount = 800.0
        wizard.action_confirm()
        self.assertEqual(wizard.payment_id.amount, 800.0)
        self.assertEqual(self.customer.credit, -500.0)
