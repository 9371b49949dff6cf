from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestTariffComponentTour(HttpCase):
    """The billing officer adds a fund to a draft tariff version's price
    components, walked in Chromium from the menu, in Chinese."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = cls.env.ref("utility_billing.user_billing_officer", raise_if_not_found=False)
        if not cls.officer:
            return
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(
            ["base", "web", "utility_billing"], ["zh_CN"], overwrite=True
        )
        cls.officer.lang = "zh_CN"
        henan = cls.env.ref("utility_billing.tariff_residential_henan_v1")
        cls.fund = cls.env.ref("utility_billing.tax_fund_water_works")
        cls.surcharge = cls.fund.copy({"name": "可再生能源电价附加", "amount": 0.019})
        # a new draft version of the Henan tariff (its components copied)
        cls.draft = henan.copy({"date_from": "2099-01-01"})

    def test_billing_officer_adds_a_fund_to_a_draft_version(self):
        if not self.officer or not self.draft.component_ids:
            self.skipTest("needs the demo data with price components (make test installs it)")
        self.start_tour("/odoo", "utility_tariff_component_tour", login="officer_cg")
        components = self.draft.component_ids.sorted("sequence")
        self.assertEqual(len(components), 3)
        added = components.filtered(lambda c: c.tax_id == self.surcharge)
        self.assertEqual(added.kind, "fund")
        self.assertEqual(added.name, "可再生能源电价附加")
        self.assertFalse(added.rate, "frozen only when the version is approved")
        # the draft now approves with two funds
        self.draft.action_approve()
        self.assertEqual(added.rate, 0.019)
