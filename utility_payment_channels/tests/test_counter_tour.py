from odoo import fields
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestCounterTour(HttpCase):
    """Browser test on the demo data: the Chengguan cashier pays two bills of
    customer 0100000001 at the counter screen and gets the change."""

    def test_cashier_pays_two_bills_at_the_counter_and_sees_the_change(self):
        cashier = self.env.ref("utility_payment_channels.user_cashier_cg", raise_if_not_found=False)
        session = self.env.ref("utility_payment_channels.session_cg_open", raise_if_not_found=False)
        if not cashier or not session or session.state != "opened":
            self.skipTest("needs the demo data of utility_payment_channels")
        county = self.env.ref("utility_billing.company_county")
        customer = self.env.ref("utility_billing.customer_01")
        Move = self.env["account.move"].with_company(county)
        # clear what earlier runs left open so that 184 yuan is all that is due
        Move.search(
            [
                ("commercial_partner_id", "=", customer.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "draft"),
            ]
        ).unlink()
        self.assertFalse(self.env["account.payment"]._utility_open_bills(customer))
        today = fields.Date.context_today(customer)
        bills = Move.create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_date": fields.Date.subtract(today, months=months),
                    "invoice_date_due": fields.Date.subtract(today, months=months, days=-15),
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
                for months, amount in ((2, 100.0), (1, 84.0))
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
