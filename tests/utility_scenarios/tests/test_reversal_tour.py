from odoo.tests import HttpCase, tagged

from .tour_common import customer_with_open_bills


@tagged("post_install", "-at_install")
class TestReversalAccountantTour(HttpCase):
    """A biller's reversal through the terminal API, found by the
    accountant from the menu, in Chinese, in Chromium."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = cls.env.ref(
            "utility_payment_channels.user_accountant", raise_if_not_found=False
        )
        if cls.accountant:
            cls.env["res.lang"]._activate_lang("zh_CN")
            cls.env["ir.module.module"]._load_module_terms(
                ["base", "web", "account", "utility_billing", "utility_payment_channels"],
                ["zh_CN"],
                overwrite=True,
            )
            cls.accountant.lang = "zh_CN"

    def test_accountant_finds_the_reversed_payment_and_its_reason(self):
        if not self.accountant:
            self.skipTest("needs the demo data (make test installs it)")
        _customer, bills = customer_with_open_bills(
            self.env, "冲正测试户", "0100009901", [88.0], station="utility_billing.station_cg"
        )
        terminal = self.env.ref("utility_payment_channels.terminal_atm_chengguan")
        receipt = terminal._utility_api_pay("0100009901", "88.00", "TOUR-REV-0001")
        terminal._utility_api_reverse("TOUR-REV-0001", "扣款失败，用户未付款")
        terminal._utility_api_reverse("TOUR-REV-0002", "超时未确认")
        self.assertEqual(bills.payment_state, "not_paid")
        self.start_tour("/odoo", "utility_reversal_accountant_tour", login="accountant")
        payment = self.env["account.payment"].browse(receipt["payment_id"])
        self.assertEqual(payment.state, "canceled")
