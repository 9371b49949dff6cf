from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common_counter import UtilityCounterCase


@tagged("post_install", "-at_install")
class TestConsolidatedPayment(UtilityCounterCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.utility_village = "Zhangwan"
        cls.neighbour = cls.env["res.partner"].create(
            {
                "name": "Li Na",
                "utility_customer_number": "0100000003",
                "utility_category": "residential",
                "utility_village": "Zhangwan",
            }
        )
        # not yet due: no late fee whatever arrears policy is installed
        today = fields.Date.context_today(cls.neighbour)
        cls.neighbour_bills = cls._utility_bill(
            cls.neighbour, 40.0, fields.Date.add(today, days=10)
        ) | cls._utility_bill(cls.neighbour, 60.0, fields.Date.add(today, days=20))
        cls.committee = cls.env["res.partner"].create({"name": "Zhangwan village committee"})
        cls.group = cls.env["utility.payer.group"].create(
            {
                "name": "Zhangwan households",
                "payer_id": cls.committee.id,
                "member_ids": [(6, 0, (cls.customer | cls.neighbour).ids)],
            }
        )

    def _pay_all(self, **values):
        form = Form(self.env["utility.consolidated.payment"].with_user(self.cashier))
        for name, value in values.items():
            setattr(form, name, value)
        wizard = form.save()
        wizard.action_confirm()
        return wizard

    def test_payer_group_settles_every_member_with_one_payment_each(self):
        wizard = self._pay_all(selection_mode="group", payer_group_id=self.group)
        self.assertEqual(wizard.payer_id, self.committee)
        self.assertEqual(wizard.amount_total, 400.0)
        payments = wizard.payment_ids
        self.assertEqual(len(payments), 2)
        by_customer = {payment.partner_id: payment for payment in payments}
        self.assertEqual(by_customer[self.customer].amount, 300.0)
        self.assertEqual(by_customer[self.neighbour].amount, 100.0)
        self.assertEqual(payments.utility_payer_id, self.committee)
        self.assertEqual(payments.utility_cashier_session_id, self.session)
        self.assertTrue(
            all(bill.payment_state == "paid" for bill in self.bills | self.neighbour_bills)
        )
        self.assertEqual(self.session.cash_register_balance_end, 900.0)

    def test_village_pick_and_one_receipt_per_customer_plus_payer_summary(self):
        wizard = self._pay_all(
            selection_mode="village", village="Zhangwan", payer_id=self.committee
        )
        self.assertEqual(wizard.payment_ids.partner_id, self.customer | self.neighbour)
        report = self.env["ir.actions.report"].with_user(self.cashier)
        receipts, _type = report._render_qweb_pdf(
            "utility_payment_channels.action_report_utility_receipt", wizard.payment_ids.ids
        )
        receipts = receipts.decode()
        self.assertEqual(receipts.count("o_utility_customer_number"), 2)
        self.assertIn("Zhangwan village committee", receipts)
        summary, _type = report._render_qweb_pdf(
            "utility_payment_channels.action_report_utility_payer_summary", wizard.payment_ids.ids
        )
        summary = summary.decode()
        self.assertIn("0100000002", summary)
        self.assertIn("0100000003", summary)
        self.assertIn("肆佰元整", summary)  # 400.00 in capitals

    def test_amount_paid_for_one_customer_can_be_changed(self):
        form = Form(self.env["utility.consolidated.payment"].with_user(self.cashier))
        form.payer_id = self.committee
        form.partner_ids.add(self.customer)
        form.partner_ids.add(self.neighbour)
        with form.line_ids.edit(0) as line:
            line.amount = 150.0
        wizard = form.save()
        wizard.action_confirm()
        jan, feb, _mar = self.bills
        self.assertEqual(jan.payment_state, "paid")
        self.assertEqual(feb.amount_residual, 70.0)

    # -- issue 21 -------------------------------------------------------------
    def test_group_member_owing_nothing_is_skipped_and_change_is_shown(self):
        paid_up = self.env["res.partner"].create(
            {
                "name": "Zhao Min",
                "utility_customer_number": "0100000004",
                "utility_category": "residential",
            }
        )
        self.group.member_ids = [(4, paid_up.id)]
        form = Form(self.env["utility.consolidated.payment"].with_user(self.cashier))
        form.selection_mode = "group"
        form.payer_group_id = self.group
        # the payer is the group's, without typing it
        self.assertEqual(form.payer_id, self.committee)
        self.assertEqual(len(form.line_ids), 2)
        form.amount_tendered = 500.0
        self.assertEqual(form.amount_total, 400.0)
        self.assertEqual(form.amount_change, 100.0)
        wizard = form.save()
        wizard.action_confirm()
        self.assertEqual(wizard.payment_ids.partner_id, self.customer | self.neighbour)
        self.assertEqual(wizard.amount_change, 100.0)

    def test_cash_tendered_below_the_total_is_refused(self):
        form = Form(self.env["utility.consolidated.payment"].with_user(self.cashier))
        form.selection_mode = "group"
        form.payer_group_id = self.group
        form.amount_tendered = 300.0
        wizard = form.save()
        with self.assertRaisesRegex(UserError, "less than the total"):
            wizard.action_confirm()
        self.assertFalse(wizard.payment_ids)
