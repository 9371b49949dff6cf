from odoo import fields
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestCounterTour(HttpCase):
    """Browser test on the demo data: the Chengguan cashier pays two bills of
    customer 0300000184 at the counter screen and gets the change."""

    def test_cashier_pays_two_bills_at_the_counter_and_sees_the_change(self):
        cashier = self.env.ref("utility_payment_channels.user_cashier_cg", raise_if_not_found=False)
        session = self.env.ref("utility_payment_channels.session_cg_open", raise_if_not_found=False)
        if not cashier or not session or session.state != "opened":
            self.skipTest("needs the demo data of utility_payment_channels")
        county = self.env.ref("utility_billing.company_county")
        # a customer of the Lizhuang station paying at the Chengguan hall
        # (off-site payment), with exactly two open bills of 100 and 84 yuan
        customer = self.env["res.partner"].create(
            {
                "name": "罗晓兰",
                "company_id": county.id,
                "utility_customer_number": "0300000184",
                "utility_category": "residential",
                "utility_station_id": self.env.ref("utility_billing.station_lz").id,
            }
        )
        Move = self.env["account.move"].with_company(county)
        today = fields.Date.context_today(customer)
        bills = Move.create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    # due in the future: no late fee whatever arrears policy applies
                    "invoice_date": fields.Date.subtract(today, days=days),
                    "invoice_date_due": fields.Date.add(today, days=20 - days),
                    "invoice_line_ids": [
                        (
                            0,
                            0,
                            {
                                "name": "Electricity",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [(6, 0, [])],
                            },
                        )
                    ],
                }
                for days, amount in ((10, 100.0), (5, 84.0))
            ]
        )
        bills.action_post()
        self.start_tour(
            "/odoo/action-utility_payment_channels.action_utility_counter",
            "utility_counter_tour",
            login="cashier_cg",
        )
        self.assertEqual(set(bills.mapped("payment_state")), {"paid"})
        payment = session.payment_ids.sorted("id")[-1:]
        self.assertEqual(payment.amount, 184.0)
        self.assertEqual(payment.utility_operator_id, cashier)
        self.assertEqual(payment.utility_bill_ids, bills)
        self.assertEqual(payment.utility_receipt_print_count, 1)
        receipt, _type = self.env["ir.actions.report"]._render_qweb_pdf(
            "utility_payment_channels.action_report_utility_receipt", payment.ids
        )
        self.assertIn("壹佰捌拾肆元整", receipt.decode())
