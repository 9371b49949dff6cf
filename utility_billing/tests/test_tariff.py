from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import UtilityBillingCase


@tagged("post_install", "-at_install")
class TestTariffApproval(UtilityBillingCase):
    def test_approval_records_who_and_when(self):
        self.assertEqual(self.tariff_version.state, "approved")
        self.assertEqual(self.tariff_version.approved_by_id, self.env.user)
        self.assertTrue(self.tariff_version.approved_date)
        self.assertEqual(self.tariff.current_version_id, self.tariff_version)

    def test_approved_version_prices_cannot_change(self):
        with self.assertRaises(UserError):
            self.tariff_version.fixed_charge = 5.0
        with self.assertRaises(UserError):
            self.tariff_version.block_ids[0].price = 0.50
        with self.assertRaises(UserError):
            self.tariff_version.unlink()

    def test_new_version_supersedes_the_old_one_from_its_start(self):
        new = self.env["utility.tariff.version"].create(
            {
                "tariff_id": self.tariff.id,
                "date_from": "2025-07-01",
                "block_ids": [(0, 0, {"name": "Block 1", "limit_to": 0, "price": 0.58})],
            }
        )
        self.assertFalse(self.tariff_version.date_to)
        new.action_approve()
        self.assertEqual(str(self.tariff_version.date_to), "2025-06-30")
        versions = self.tariff._get_versions(self.tariff_version.date_to, new.date_from)
        self.assertEqual(versions, self.tariff_version | new)

    def test_only_a_collection_manager_approves(self):
        officer = new_test_user(
            self.env,
            login="officer",
            groups="utility_billing.group_utility_billing_officer",
            company_id=self.company.id,
        )
        draft = self.env["utility.tariff.version"].create(
            {
                "tariff_id": self.tariff.id,
                "date_from": "2026-01-01",
                "block_ids": [(0, 0, {"name": "Block 1", "limit_to": 0, "price": 0.6})],
            }
        )
        with self.assertRaises(UserError):
            draft.with_user(officer).action_approve()
        self.assertEqual(draft.state, "draft")

    def test_a_version_whose_last_block_is_capped_cannot_be_approved(self):
        capped = self.env["utility.tariff.version"].create(
            {
                "tariff_id": self.tariff.id,
                "date_from": "2027-01-01",
                "block_ids": [
                    (0, 0, {"sequence": 1, "name": "Block 1", "limit_to": 180, "price": 0.56}),
                    (0, 0, {"sequence": 2, "name": "Block 2", "limit_to": 260, "price": 0.61}),
                ],
            }
        )
        with self.assertRaises(UserError):
            capped.action_approve()
        self.assertEqual(capped.state, "draft")

    def test_price_precision_is_raised_only_when_a_price_needs_it(self):
        precision = self.env.ref("product.decimal_price")
        precision.digits = 2
        version = self.env["utility.tariff.version"].create(
            {
                "tariff_id": self.tariff.id,
                "date_from": "2031-01-01",
                "block_ids": [
                    Command.create({"sequence": 1, "name": "Block 1", "limit_to": 0, "price": 0.56})
                ],
            }
        )
        self.assertEqual(precision.digits, 2, "2-decimal prices keep Odoo's default")
        version.block_ids.write({"price": 0.5283})
        self.assertEqual(precision.digits, 4)
        self.assertEqual(version.block_ids.price, 0.5283, "the price is stored unrounded")
        version.write({"price_peak": 1.025})
        self.assertEqual(version.price_peak, 1.025)
