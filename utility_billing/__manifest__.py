{
    "name": "Utility Billing",
    "summary": "Customer archive, meters, supply contracts, approved tariffs, "
    "meter readings and batch billing for utilities",
    "version": "19.0.1.0.0",
    "category": "Accounting/Utilities",
    "website": "https://github.com/utility-collections/utility-collections",
    "author": "Utility Collections contributors",
    "license": "AGPL-3",
    "application": True,
    "installable": True,
    "depends": ["account", "mail", "portal", "queue_job"],
    "external_dependencies": {"python": ["cn2an"]},
    "data": [
        "security/utility_billing_security.xml",
        "security/ir.model.access.csv",
        "data/ir_sequence_data.xml",
        "views/utility_supply_station_views.xml",
        "views/utility_service_point_views.xml",
        "views/utility_meter_views.xml",
        "views/utility_tariff_views.xml",
        "views/utility_contract_views.xml",
        "views/res_partner_views.xml",
        "views/menus.xml",
    ],
    "demo": [
        "demo/utility_billing_demo.xml",
    ],
}
