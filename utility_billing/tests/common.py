from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class UtilityBillingCase(AccountTestInvoicingCommon):
    """A company with its chart of accounts, a supply station, the Henan
    residential block tariff (approved) and one residential customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the accounting test user also runs the utility: give it the manager group
        cls.env.user.group_ids |= cls.env.ref("utility_billing.group_utility_manager")
        cls.station = cls.env["utility.supply.station"].create(
            {"name": "Chengguan", "code": "CG", "company_id": cls.company.id}
        )
        cls.tariff = cls.env["utility.tariff"].create(
            {
                "name": "Residential block tariff",
                "code": "RES",
                "category": "residential",
                "company_id": cls.company.id,
            }
        )
        cls.tariff_version = cls.env["utility.tariff.version"].create(
            {
                "tariff_id": cls.tariff.id,
                "date_from": "2024-01-01",
                "block_ids": [
                    (0, 0, {"sequence": 1, "name": "Block 1", "limit_to": 180, "price": 0.56}),
                    (0, 0, {"sequence": 2, "name": "Block 2", "limit_to": 260, "price": 0.61}),
                    (0, 0, {"sequence": 3, "name": "Block 3", "limit_to": 0, "price": 0.86}),
                ],
            }
        )
        cls.tariff_version.action_approve()
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Zhang Wei",
                "utility_customer_number": "0100000001",
                "utility_category": "residential",
                "utility_station_id": cls.station.id,
                "company_id": cls.company.id,
            }
        )
        cls.service_point = cls.env["utility.service.point"].create(
            {
                "name": "Zhang Wei house",
                "station_id": cls.station.id,
                "partner_id": cls.customer.id,
                "village": "Zhangwan",
                "company_id": cls.company.id,
            }
        )
        cls.meter = cls.env["utility.meter"].create(
            {"serial": "M0001", "service_point_id": cls.service_point.id, "digits": 5}
        )
        cls.contract = cls.env["utility.contract"].create(
            {
                "partner_id": cls.customer.id,
                "service_point_id": cls.service_point.id,
                "tariff_id": cls.tariff.id,
                "company_id": cls.company.id,
                "date_start": "2024-01-01",
            }
        )
        cls.contract.action_activate()

    def _new_customer(
        self,
        number,
        tariff=None,
        multiplier=1.0,
        activate=True,
        initial_reading=0.0,
        payment_term=None,
    ):
        """A residential customer of the station with a service point, a meter
        installed on 2024-01-01 and a supply contract (active by default).
        Returns ``(contract, meter)``."""
        partner = self.env["res.partner"].create(
            {
                "name": f"Customer {number}",
                "utility_customer_number": number,
                "utility_category": "residential",
                "company_id": self.company.id,
            }
        )
        point = self.env["utility.service.point"].create(
            {
                "name": f"House {number}",
                "station_id": self.station.id,
                "partner_id": partner.id,
                "company_id": self.company.id,
            }
        )
        meter = self.env["utility.meter"].create(
            {
                "serial": f"M{number}",
                "service_point_id": point.id,
                "multiplier": multiplier,
                "initial_reading": initial_reading,
                "install_date": "2024-01-01",
            }
        )
        contract = self.env["utility.contract"].create(
            {
                "partner_id": partner.id,
                "service_point_id": point.id,
                "tariff_id": (tariff or self.tariff).id,
                "company_id": self.company.id,
                "date_start": "2024-01-01",
                "payment_term_id": payment_term and payment_term.id,
            }
        )
        if activate:
            contract.action_activate()
        return contract, meter
