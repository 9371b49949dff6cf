from odoo import fields
from odoo.tests import HttpCase, tagged

from .test_journey_tours import use_chinese


class CostControlTourCase(HttpCase):
    """李娜 (customer03, prepaid) of the demo, switched off with an estimated
    balance of -8.40 against a threshold of 0.00: 8.41 to pay."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract = cls.env.ref("utility_billing.contract_03", raise_if_not_found=False)
        cls.skip_reason = None
        if not cls.env.ref("utility_arrears.headend_county_hes", raise_if_not_found=False):
            cls.skip_reason = "needs the demo data (make test installs it)"
            return
        cls.contract.company_id.utility_cc_threshold = 0.0
        # valued at -8.40 as of now: the unbilled value that leaves the
        # customer's credit and open bills at -8.40
        live = cls.contract._utility_balance_now()[cls.contract.id]
        unbilled = cls.contract.valued_unbilled_amount + live + 8.4
        with cls.contract._utility_protected_write():
            cls.contract.write(
                {
                    "valued_at": fields.Datetime.now(),
                    "valued_balance": -8.4,
                    "valued_unbilled_amount": unbilled,
                }
            )

    def setUp(self):
        super().setUp()
        if self.skip_reason:
            self.skipTest(self.skip_reason)


@tagged("post_install", "-at_install")
class TestCostControlDashboardTour(CostControlTourCase):
    """The Collection Manager's remote cost control dashboard, from the menu,
    in Chinese, in Chromium: a meter off with its amount to pay, a failed
    command and its field order."""

    def test_manager_opens_the_dashboard_and_a_failed_commands_field_order(self):
        use_chinese(self.env, self.env.ref("base.user_admin"))
        failed = self.env.ref("utility_arrears.demo_meter_command_13_failed")
        self.assertEqual(failed.state, "failed")
        self.assertTrue(failed.field_order_id)
        self.assertEqual(self.contract._utility_amount_to_switch_on(), 8.41)
        self.start_tour("/odoo", "utility_cost_control_dashboard_tour", login="admin")


@tagged("post_install", "-at_install")
class TestPortalSupplyTour(CostControlTourCase):
    """The switched-off prepaid customer on a phone, in Chinese: the supply
    state and the amount to pay, then the top-up form of that amount."""

    browser_size = "390x844"
    touch_enabled = True

    def test_customer_sees_power_off_and_what_to_pay_on_a_phone(self):
        customer = self.env.ref("utility_billing.user_portal_customer_03")
        use_chinese(self.env, customer)
        self.assertTrue(self.contract.cost_control)
        self.assertEqual(self.contract.meter_id.supply_state, "off")
        self.start_tour(
            "/my/utility/contracts",
            "utility_portal_supply_off_amount_to_pay_zh",
            login="customer03",
        )
