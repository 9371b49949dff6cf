from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestSwitchOnTour(HttpCase):
    """The demo cashier takes a top-up from Li Na, prepaid and switched off
    remotely, at the counter, in Chinese, in Chromium: the counter says the
    switch-on was sent, and the command names her payment."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cashier_session = cls.env.ref(
            "utility_payment_channels.session_cg_open", raise_if_not_found=False
        )
        cls.meter = cls.env.ref("utility_billing.meter_03", raise_if_not_found=False)
        if cls.cashier_session and cls.meter:
            cls.env["res.lang"]._activate_lang("zh_CN")
            cls.env["ir.module.module"]._load_module_terms(
                ["base", "web", "utility_billing", "utility_payment_channels", "utility_arrears"],
                ["zh_CN"],
                overwrite=True,
            )
            cls.cashier_session.user_id.lang = "zh_CN"

    def test_cashier_sees_the_switch_on_sent(self):
        if not (self.cashier_session and self.meter) or self.cashier_session.state != "opened":
            self.skipTest("needs the demo data (make test installs it)")
        self.assertTrue(self.meter.service_point_id.contract_ids.filtered("cost_control"))
        self.meter._utility_set_supply("off")
        self.start_tour("/odoo", "utility_switch_on_counter_tour", login="cashier_cg")
        command = self.env["utility.meter.command"].search(
            [
                ("meter_id", "=", self.meter.id),
                ("action", "=", "switch_on"),
                ("state", "=", "queued"),
            ]
        )
        self.assertEqual(len(command), 1)
        self.assertEqual(command.payment_id.utility_cashier_session_id, self.cashier_session)
        self.assertEqual(command.payment_id.amount, 100.0)
        self.assertEqual(command.reason, "payment")
