from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import UtilityBillingCase


@tagged("post_install", "-at_install")
class TestCustomerArchive(UtilityBillingCase):
    def test_customer_number_is_unique_within_a_company(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self.env["res.partner"].create(
                {
                    "name": "Someone else",
                    "utility_customer_number": "0100000001",
                    "company_id": self.company.id,
                }
            )

    def test_same_customer_number_allowed_in_another_company(self):
        other = self.env["res.partner"].create(
            {
                "name": "Namesake in another county",
                "utility_customer_number": "0100000001",
                "company_id": self.env["res.company"].create({"name": "Other county"}).id,
            }
        )
        self.assertEqual(other.utility_customer_number, "0100000001")

    def test_customer_found_by_number_in_any_partner_search(self):
        found = self.env["res.partner"].name_search("0100000001")
        self.assertIn(self.customer.id, [pid for pid, _name in found])
        self.assertIn("0100000001", self.customer.display_name)

    def test_contract_gets_number_and_counts_in_station_signing_rate(self):
        self.assertTrue(self.contract.name.startswith("GYD"))
        self.assertEqual(self.station.contract_count, 1)
        self.assertEqual(self.station.signing_rate, 0.0)
        self.contract.signed_date = "2024-01-05"
        self.station.invalidate_recordset()
        self.assertEqual(self.station.signed_contract_count, 1)
        self.assertEqual(self.station.signing_rate, 100.0)

    def test_contract_cannot_use_another_categorys_tariff(self):
        commercial = self.env["utility.tariff"].create(
            {
                "name": "Commercial",
                "code": "COM",
                "category": "commercial",
                "company_id": self.company.id,
            }
        )
        with self.assertRaises(ValidationError):
            self.contract.tariff_id = commercial

    def test_second_active_contract_on_a_service_point_is_refused(self):
        second = self.env["utility.contract"].create(
            {
                "partner_id": self.customer.id,
                "service_point_id": self.service_point.id,
                "tariff_id": self.tariff.id,
                "company_id": self.company.id,
            }
        )
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            second.action_activate()
            self.env.flush_all()

    def test_meter_roll_over_gives_the_register_advance(self):
        # a 5-digit register rolls over after 99999
        self.assertEqual(self.meter._consumption_between(99950, 30), 80)
        self.assertEqual(self.meter._consumption_between(1200, 1350), 150)
        # far below the previous value: not a roll-over but an error
        self.assertIsNone(self.meter._consumption_between(40000, 100))
