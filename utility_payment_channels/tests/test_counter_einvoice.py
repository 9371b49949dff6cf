from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common_counter import UtilityCounterCase


@tagged("post_install", "-at_install")
class TestCounterEinvoice(UtilityCounterCase):
    """The cashier asks for the VAT e-invoice of the bills just paid at the
    counter, with the buyer's details, as the company's setting says: one
    request per bill, or one for the payment."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"vat": "91410100MA00000000", "email": "wang.fang@example.com"})

    def _pay(self, amount=220.0):
        counter = Form(self.env["utility.counter.payment"].with_user(self.cashier))
        counter.search_term = "0100000002"
        counter.amount = amount
        wizard = counter.save()
        wizard.action_confirm()
        return wizard

    def _dialog(self, wizard):
        action = wizard.action_request_einvoice()
        self.assertEqual(action["res_model"], "utility.counter.einvoice")
        self.assertEqual(action["target"], "new")
        return Form(
            self.env["utility.counter.einvoice"]
            .with_user(self.cashier)
            .with_context(**action["context"])
        )

    def test_no_request_before_the_payment_is_taken(self):
        counter = Form(self.env["utility.counter.payment"].with_user(self.cashier))
        counter.search_term = "0100000002"
        wizard = counter.save()
        self.assertFalse(wizard.einvoice_can_request)
        dialog = (
            self.env["utility.counter.einvoice"]
            .with_user(self.cashier)
            .create({"counter_payment_id": wizard.id, "buyer_name": "Wang Fang"})
        )
        with self.assertRaisesRegex(UserError, "Take the payment first"):
            dialog.action_request()
        self.assertFalse(self.env["utility.einvoice.request"].search([]))

    def test_per_bill_one_request_for_each_bill_just_paid(self):
        self.company_data["company"].utility_einvoice_per = "bill"
        wizard = self._pay(220.0)
        self.assertTrue(wizard.einvoice_can_request)
        dialog = self._dialog(wizard)
        # filled in from the customer
        self.assertEqual(dialog.buyer_name, "Wang Fang")
        self.assertEqual(dialog.buyer_tax_id, "91410100MA00000000")
        self.assertEqual(dialog.buyer_email, "wang.fang@example.com")
        self.assertEqual(dialog.invoice_type, "ordinary")
        dialog.save().action_request()
        requests = wizard.einvoice_request_ids
        jan, feb, _mar = self.bills
        self.assertEqual(len(requests), 2)
        self.assertEqual(requests.move_ids, jan | feb)
        self.assertEqual(set(requests.mapped("origin")), {"counter"})
        self.assertEqual(set(requests.mapped("state")), {"requested"})
        self.assertEqual(requests.payment_id, wizard.payment_id)
        self.assertEqual(sorted(requests.mapped("amount_total")), [100.0, 120.0])
        self.assertEqual(set(requests.mapped("create_uid")), {self.cashier})
        wizard.invalidate_recordset(["einvoice_can_request"])
        self.assertFalse(wizard.einvoice_can_request, "no second request for the same payment")

    def test_per_payment_one_request_for_the_payment(self):
        self.company_data["company"].utility_einvoice_per = "payment"
        wizard = self._pay(220.0)
        dialog = self._dialog(wizard)
        dialog.invoice_type = "special"
        dialog.buyer_name = "郑州某某商贸有限公司"
        dialog.buyer_address = "郑州市金水区花园路1号"
        dialog.buyer_phone = "0371-66000000"
        dialog.buyer_bank = "中国工商银行郑州花园路支行"
        dialog.buyer_bank_account = "1702020109000000000"
        dialog.save().action_request()
        request = wizard.einvoice_request_ids
        self.assertEqual(len(request), 1)
        self.assertEqual(request.invoice_type, "special")
        self.assertEqual(request.buyer_name, "郑州某某商贸有限公司")
        self.assertEqual(request.buyer_bank_account, "1702020109000000000")
        self.assertEqual(request.move_ids, self.bills[:2])
        self.assertEqual(request.amount_total, 220.0)
        self.assertEqual(request.origin, "counter")

    def test_ordinary_invoice_leaves_out_the_bank_details(self):
        self.customer.bank_ids = [
            (0, 0, {"acc_number": "6222000000000000", "partner_id": self.customer.id})
        ]
        wizard = self._pay(100.0)
        dialog = self._dialog(wizard)
        self.assertEqual(dialog.buyer_bank_account, "6222000000000000")
        dialog.save().action_request()
        self.assertFalse(wizard.einvoice_request_ids.buyer_bank_account)

    def test_special_invoice_without_bank_details_is_refused_and_creates_nothing(self):
        wizard = self._pay(100.0)
        dialog = (
            self.env["utility.counter.einvoice"]
            .with_user(self.cashier)
            .create(
                {
                    "counter_payment_id": wizard.id,
                    "invoice_type": "special",
                    "buyer_name": "郑州某某商贸有限公司",
                    "buyer_tax_id": "91410100MA00000000",
                }
            )
        )
        with self.assertRaises(UserError):
            dialog.action_request()
        self.assertFalse(self.env["utility.einvoice.request"].search([]))

    def test_second_request_for_the_same_payment_is_refused(self):
        wizard = self._pay(100.0)
        self._dialog(wizard).save().action_request()
        with self.assertRaises(UserError):
            self._dialog(wizard).save().action_request()
        self.assertEqual(len(self.env["utility.einvoice.request"].search([])), 1)

    def test_another_cashiers_counter_cannot_be_used_to_request(self):
        wizard = self._pay(100.0)
        dialog = (
            self.env["utility.counter.einvoice"]
            .with_user(self.cashier_b)
            .create({"counter_payment_id": wizard.id, "buyer_name": "Wang Fang"})
        )
        with self.assertRaises(AccessError):
            dialog.action_request()
        self.assertFalse(self.env["utility.einvoice.request"].search([]))

    def test_cashier_cannot_write_the_issued_fields(self):
        wizard = self._pay(100.0)
        self._dialog(wizard).save().action_request()
        request = wizard.einvoice_request_ids.with_user(self.cashier)
        for vals in (
            {"einvoice_number": "25412000000000000001"},
            {"state": "issued"},
            {"einvoice_date": "2026-12-01"},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                request.write(vals)
        self.assertFalse(request.sudo().einvoice_number)
        self.assertEqual(request.sudo().state, "requested")
