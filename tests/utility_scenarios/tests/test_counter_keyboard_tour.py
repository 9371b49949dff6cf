from odoo.tests import HttpCase, tagged

from .tour_common import customer_with_open_bills


@tagged("post_install", "-at_install")
class TestCounterKeyboardTour(HttpCase):
    """The counter served with the keyboard and a quick-cash button, in
    Chromium, by the demo cashier of the open Chengguan session."""

    def test_cashier_serves_a_villager_with_enter_and_quick_cash(self):
        session = self.env.ref("utility_payment_channels.session_cg_open", raise_if_not_found=False)
        if not session or session.state != "opened":
            self.skipTest("needs the demo data (make test installs it)")
        customer, bills = customer_with_open_bills(
            self.env, "周桂英", "0300000187", [100.0, 84.0], station="utility_billing.station_cg"
        )
        self.start_tour("/odoo", "utility_counter_keyboard_tour", login="cashier_cg")
        self.assertEqual(set(bills.mapped("payment_state")), {"paid"})
        payment = session.payment_ids.filtered(lambda p: p.partner_id == customer)
        self.assertEqual(payment.amount, 184.0)
        self.assertEqual(payment.utility_amount_tendered, 200.0)
        self.assertEqual(payment.utility_receipt_print_count, 1)
