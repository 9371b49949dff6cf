{
    "name": "Utility Payment Channels",
    "summary": "Service-hall counters, cashier sessions, door-to-door rounds, "
    "agencies, self-service terminals and online payment of utility bills",
    "version": "19.0.1.0.0",
    "category": "Accounting/Utilities",
    "website": "https://github.com/utility-collections/utility-collections",
    "author": "Utility Collections contributors",
    "license": "AGPL-3",
    "installable": True,
    "depends": ["utility_billing", "report_xlsx"],
    "data": [
        "security/utility_payment_channels_security.xml",
        "security/ir.model.access.csv",
        "views/utility_collection_point_views.xml",
        "views/menus.xml",
    ],
    "demo": [
        "demo/utility_payment_channels_demo.xml",
    ],
}
