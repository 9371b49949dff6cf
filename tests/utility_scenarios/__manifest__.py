{
    "name": "Utility Scenarios (tests)",
    "summary": "End-to-end scenarios and browser tours across the utility add-ons",
    "version": "19.0.1.0.0",
    "category": "Hidden/Tests",
    "website": "https://github.com/utility-collections/utility-collections",
    "author": "Utility Collections contributors",
    "license": "AGPL-3",
    "installable": True,
    "depends": ["utility_billing", "utility_payment_channels", "utility_arrears", "payment_demo"],
    "data": [],
    "assets": {
        "web.assets_tests": [
            "utility_scenarios/static/tests/tours/*.js",
        ],
    },
}
