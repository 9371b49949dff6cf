from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import UtilityBillingCase


@tagged("post_install", "-at_install")
class TestProtectedFields(UtilityBillingCase):
    """The mechanism of utility.protected.fields.mixin, on a contract (its
    state is written by Activate and Terminate only)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_contract = cls.contract.copy({"date_start": "2024-02-01"})

    def test_a_manager_with_sudo_cannot_write_a_protected_field(self):
        for contract in (self.contract, self.contract.sudo()):
            with self.assertRaises(AccessError):
                contract.write({"state": "terminated"})
        self.assertEqual(self.contract.state, "active")

    def test_no_context_key_opens_the_permission(self):
        for key in ("install_mode", "utility_protected_write", "tracking_disable"):
            with self.assertRaises(AccessError):
                self.contract.with_context(**{key: True}).state = "terminated"
        self.assertEqual(self.contract.state, "active")

    def test_the_permission_covers_only_its_records_and_its_block(self):
        with self.contract._utility_protected_write():
            with self.assertRaises(AccessError):
                self.other_contract.state = "active"
            self.contract.state = "terminated"
        self.assertEqual(self.contract.state, "terminated")
        with self.assertRaises(AccessError):
            self.contract.state = "active"

    def test_create_accepts_the_default_and_refuses_any_other_value(self):
        vals = {
            "partner_id": self.customer.id,
            "service_point_id": self.service_point.id,
            "tariff_id": self.tariff.id,
            "date_start": "2025-01-01",
        }
        self.assertEqual(
            self.env["utility.contract"].create({**vals, "state": "draft"}).state, "draft"
        )
        with self.assertRaises(AccessError):
            self.env["utility.contract"].create({**vals, "state": "active"})
        with self.assertRaises(AccessError):
            self.env["utility.contract"].with_context(default_state="active").create(
                {**vals, "state": "active"}
            )

    def test_a_computed_field_cannot_be_written(self):
        reading = self.env["utility.meter.reading"].create(
            {"meter_id": self.meter.id, "reading_date": "2024-01-31", "value": 120}
        )
        with self.assertRaises(AccessError):
            reading.consumption = 1.0
        self.assertEqual(reading.consumption, 120)

    def test_an_imported_file_gets_no_permission(self):
        """``load()`` (the import of a file, callable over RPC) runs the same
        code as the data files, without their permission."""
        result = self.env["utility.contract"].load(
            ["partner_id/.id", "service_point_id/.id", "tariff_id/.id", "date_start", "state"],
            [
                [
                    str(self.customer.id),
                    str(self.service_point.id),
                    str(self.tariff.id),
                    "2025-01-01",
                    "active",
                ]
            ],
        )
        self.assertFalse(result["ids"])
        self.assertTrue(result["messages"])
