{
    "name": "Utility Arrears",
    "summary": "Arrears ageing, dunning, late-payment fees, disconnection, "
    "caring service, TV-operator feed and collection KPIs",
    "version": "19.0.1.0.0",
    "category": "Accounting/Utilities",
    "website": "https://github.com/utility-collections/utility-collections",
    "author": "Utility Collections contributors",
    "license": "AGPL-3",
    "installable": True,
    "depends": ["utility_payment_channels", "sms"],
    "data": [
        "security/utility_arrears_security.xml",
        "security/ir.model.access.csv",
        "views/utility_arrears_policy_views.xml",
        "views/menus.xml",
    ],
    "demo": [
        "demo/utility_arrears_demo.xml",
    ],
}
