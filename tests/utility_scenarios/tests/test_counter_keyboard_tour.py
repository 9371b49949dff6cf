from odoo import Command, fields
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestCounterKeyboardTour(HttpCase):
    """The counter served with the keyboard and a quick-cash button, in
    Chromium, by the demo cashier of the open Chengguan session."""

    def test_cashier_serves_a_villager_with_enter_and_quick_cash(self):
        session = self.env.ref("utility_payment_channels.session_cg_open", raise_if_not_found=False)
        if not session or session.state != "opened":
            self.skipTest("needs the demo data (make test installs it)")
        county = self.env.ref("utility_billing.company_county")
        customer = self.env["res.partner"].create(
            {
                "name": "周桂英",
                "company_id": county.id,
                "utility_customer_number": "0300000187",
                "utility_category": "residential",
                "utility_station_id": self.env.ref("utility_billing.station_cg").id,
            }
        )
        today = fields.Date.context_today(customer)
        # not due yet: no late fee, whatever the arrears policy says
        bills = (
            self.env["account.move"]
            .with_company(county)
            .create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": customer.id,
                        "invoice_date": today,
                        "invoice_date_due": fields.Date.add(today, days=15),
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": "电费",
                                    "quantity": 1,
                                    "price_unit": amount,
                                    "tax_ids": [Command.clear()],
                                }
                            )
                        ],
                    }
                    for amount in (100.0, 84.0)
                ]
            )
        )
        bills.action_post()
        self.start_tour("/odoo", "utility_counter_keyboard_tour", login="cashier_cg")
        self.assertEqual(set(bills.mapped("payment_state")), {"paid"})
        payment = session.payment_ids.filtered(lambda p: p.partner_id == customer)
        self.assertEqual(payment.amount, 184.0)
        self.assertEqual(payment.utility_amount_tendered, 200.0)
        self.assertEqual(payment.utility_receipt_print_count, 1)
