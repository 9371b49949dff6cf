from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestAllowanceImportTour(HttpCase):
    """The civil affairs list imported by the billing officer from the menu,
    in Chinese, in Chromium."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = cls.env.ref("utility_billing.user_billing_officer", raise_if_not_found=False)
        if cls.officer:
            cls.env["res.lang"]._activate_lang("zh_CN")
            cls.env["ir.module.module"]._load_module_terms(
                ["base", "web", "utility_billing"], ["zh_CN"], overwrite=True
            )
            cls.officer.lang = "zh_CN"

    def test_billing_officer_imports_the_civil_affairs_list(self):
        if not self.officer:
            self.skipTest("needs the demo data (make test installs it)")
        Certificate = self.env["utility.allowance.certificate"]
        self.assertFalse(Certificate.search([("number", "=", "新民五保〔2026〕0021号")]))
        self.start_tour("/odoo", "utility_allowance_import_tour", login="officer_cg")
        certificate = Certificate.search([("number", "=", "新民五保〔2026〕0021号")])
        self.assertEqual(certificate.partner_id, self.env.ref("utility_billing.customer_04"))
        self.assertEqual(certificate.kind, "five_guarantee")
        self.assertEqual(certificate.holder_id_number, "410523195012120011")
        self.assertEqual(str(certificate.date_to), "2028-12-31")
        self.assertEqual(certificate.create_uid, self.officer)
        self.assertFalse(Certificate.search([("number", "=", "新民低保〔2026〕0099号")]))
