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
