"""Posted bills and utility payments are never deleted, not even by a
Collection Manager: they can only be reversed or cancelled with a reason."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.utility_payment_channels.tests.common import UtilityPaymentCase


@tagged("post_install", "-at_install")
class TestPostedDocumentsCannotBeDeleted(UtilityPaymentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="audit_manager",
            groups="utility_billing.group_utility_manager",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.cashier = new_test_user(
            cls.env,
            login="audit_cashier",
            groups="utility_billing.group_utility_cashier",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.hall.user_ids = [(4, cls.cashier.id)]
        cls.bill = cls.bills[0]
        cls.payment = cls.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": cls.customer.id,
                "amount": 100.0,
                "journal_id": cls.cash_journal.id,
                "utility_collection_point_id": cls.hall.id,
            }
        )
        cls.payment.action_post()

    def test_collection_manager_cannot_delete_a_posted_bill(self):
        self.assertEqual(self.bill.state, "posted")
        with self.assertRaises(UserError):
            self.bill.with_user(self.manager).unlink()
        self.assertTrue(self.bill.exists())
        self.assertEqual(self.bill.state, "posted")
        self.assertEqual(self.bill.amount_total, 100.0)

    def test_collection_manager_cannot_delete_a_posted_utility_payment(self):
        self.assertIn(self.payment.state, ("in_process", "paid"))
        with self.assertRaises(UserError):
            self.payment.with_user(self.manager).unlink()
        self.assertTrue(self.payment.exists())
        self.assertEqual(self.payment.amount, 100.0)

    def test_cashier_cannot_delete_the_payment_taken_at_the_counter(self):
        # the cashier sees the payment of the hall...
        self.assertTrue(self.payment.with_user(self.cashier).has_access("read"))
        # ...but deleting it is refused by the access rights
        with self.assertRaises(AccessError):
            self.payment.with_user(self.cashier).unlink()
        with self.assertRaises(AccessError):
            self.bill.with_user(self.cashier).unlink()
        self.assertTrue(self.payment.exists())
        self.assertTrue(self.bill.exists())
