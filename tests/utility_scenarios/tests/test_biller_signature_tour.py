from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .biller_client import BillerClient


@tagged("post_install", "-at_install")
class TestBillerSignatureTour(HttpCase):
    """The collection manager sets a biller to require signed requests and
    issues its terminal's key and signing secret, walked in Chromium from
    the menu, in Chinese; the credentials shown then work on the API."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.biller = cls.env.ref("utility_payment_channels.agency_wechat_pay", False)
        if not cls.biller:
            return
        cls.terminal = cls.env.ref("utility_payment_channels.terminal_wechat_pay")
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(
            ["base", "web", "mail", "utility_billing", "utility_payment_channels"],
            ["zh_CN"],
            overwrite=True,
        )
        county = cls.biller.company_id
        cls.manager = new_test_user(
            cls.env,
            login="biller_tour_manager",
            groups="utility_billing.group_utility_manager",
            company_id=county.id,
            company_ids=[(6, 0, county.ids)],
            lang="zh_CN",
        )

    def test_manager_requires_signatures_and_issues_key_and_secret(self):
        if not self.biller:
            self.skipTest("needs the demo data (make test installs it)")
        self.assertFalse(self.biller.signature_required)
        self.start_tour("/odoo", "utility_biller_signature_tour", login="biller_tour_manager")
        self.assertTrue(self.biller.signature_required)
        self.assertEqual(self.biller.signature_window, 300)
        self.assertTrue(self.terminal.has_key)
        self.assertTrue(self.terminal.has_signing_secret)
        secret = self.terminal._utility_signing_secret()
        self.assertGreaterEqual(len(secret), 40)
        bodies = " ".join(str(body) for body in self.terminal.message_ids.mapped("body"))
        self.assertNotIn(secret, bodies)
        # (the key shown in the browser is not readable here: a new one)
        key = self.terminal.with_user(self.manager).action_generate_key()["params"]["message"]
        # the secret the manager was shown works on the API: signed, and only signed
        client = BillerClient(self.base_url(), key, secret=secret, session=self.opener)
        self.assertEqual(client.bills("0100000001").status_code, 200)
        with mute_logger("odoo.addons.utility_payment_channels.models.utility_api_auth_failure"):
            unsigned = BillerClient(self.base_url(), key, session=self.opener).bills("0100000001")
        self.assertEqual(unsigned.json()["code"], "signature_missing")
