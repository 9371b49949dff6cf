from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestBackendTours(HttpCase):
    def test_billing_officer_opens_a_contract_from_the_list(self):
        """In Chromium: the Utilities contract list opens a demo customer's
        contract with its customer number."""
        if not self.env.ref("utility_billing.contract_01", raise_if_not_found=False):
            self.skipTest("needs the demo data (make test installs it)")
        self.start_tour("/odoo", "utility_contract_list_tour", login="admin")
