from odoo.tests import HttpCase, tagged

from .test_journey_tours import use_chinese
from .tour_common import customer_with_open_bills


@tagged("post_install", "-at_install")
class TestPortalEinvoiceTour(HttpCase):
    """张伟 (customer01), on a phone in Chinese, asks for the VAT e-invoice
    of his latest bill from the portal home; a first try without the
    special invoice's details is refused in the form."""

    browser_size = "390x844"
    touch_enabled = True

    def test_customer_requests_an_einvoice_on_a_phone_in_chinese(self):
        user = self.env.ref("utility_billing.user_portal_customer_01", raise_if_not_found=False)
        if not user:
            self.skipTest("needs the demo data (make test installs it)")
        use_chinese(self.env, user)
        customer = user.partner_id.commercial_partner_id
        Request = self.env["utility.einvoice.request"]
        # the tour opens the first bill of the list: no request on it yet
        Request.search([("partner_id", "=", customer.id)]).filtered(
            lambda r: r.state == "requested"
        ).action_cancel()
        before = Request.search([])
        self.start_tour(
            "/my", "utility_portal_customer_requests_an_einvoice_zh", login="customer01"
        )
        request = Request.search([]) - before
        self.assertEqual(len(request), 1, "one request, the refused try created none")
        self.assertEqual(request.origin, "portal")
        self.assertEqual(request.partner_id, customer)
        self.assertEqual(request.invoice_type, "ordinary")
        self.assertEqual(request.buyer_name, "张伟")
        self.assertEqual(request.buyer_email, "zhangwei@example.com")
        self.assertEqual(request.state, "requested")
        self.assertEqual(len(request.move_ids), 1)
        self.assertEqual(request.amount_total, request.move_ids.amount_total)


@tagged("post_install", "-at_install")
class TestCounterEinvoiceTour(HttpCase):
    """The Chengguan cashier, in Chinese, takes the payment of two bills of
    a hardware shop, then asks for its special VAT invoices from the counter
    screen: one request per bill paid (the demo company's setting)."""

    def test_cashier_requests_the_einvoice_of_a_payment_in_chinese(self):
        cashier = self.env.ref("utility_payment_channels.user_cashier_cg", raise_if_not_found=False)
        session = self.env.ref("utility_payment_channels.session_cg_open", raise_if_not_found=False)
        if not cashier or not session or session.state != "opened":
            self.skipTest("needs the demo data (make test installs it)")
        use_chinese(self.env, cashier)
        customer, bills = customer_with_open_bills(
            self.env,
            "新源县城关五金商店",
            "0300000188",
            [100.0, 84.0],
            station="utility_billing.station_cg",
        )
        customer.write(
            {
                "vat": "92410725MA45B3XK7Q",
                "street": "新源县城关镇南街8号",
                "phone": "0373-7015588",
                "is_company": True,
            }
        )
        self.assertEqual(customer.company_id.utility_einvoice_per, "bill")
        self.start_tour(
            "/odoo", "utility_counter_cashier_requests_an_einvoice_zh", login="cashier_cg"
        )
        payment = session.payment_ids.filtered(lambda p: p.partner_id == customer)
        self.assertEqual(payment.amount, 184.0)
        requests = bills.utility_einvoice_request_ids
        self.assertEqual(len(requests), 2)
        self.assertEqual(requests.move_ids, bills)
        self.assertEqual(set(requests.mapped("origin")), {"counter"})
        self.assertEqual(requests.payment_id, payment)
        self.assertEqual(set(requests.mapped("invoice_type")), {"special"})
        self.assertEqual(set(requests.mapped("buyer_tax_id")), {"92410725MA45B3XK7Q"})
        self.assertEqual(set(requests.mapped("buyer_bank_account")), {"16230101040099999"})
        self.assertEqual(set(requests.mapped("create_uid")), {cashier})
