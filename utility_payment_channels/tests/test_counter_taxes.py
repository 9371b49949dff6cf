from odoo import fields
from odoo.tests import Form, tagged

from odoo.addons.utility_billing.tests.common_taxes import (
    HENAN_FUND,
    HENAN_LINES,
    HENAN_NET,
    HENAN_TOTAL,
    HENAN_VAT,
    UtilityTaxedBillMixin,
)

from .common_counter import UtilityCounterCase


@tagged("post_install", "-at_install")
class TestCounterTaxes(UtilityCounterCase, UtilityTaxedBillMixin):
    """The cashier sees the parts of a taxed bill as its paper bill prints
    them (charges 157.52, VAT 20.48, fund 6.00) and takes its total, 184.00."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._utility_make_bill_taxes(cls.company)
        cls.taxed_customer = cls.env["res.partner"].create(
            {
                "name": "Zhao Lei",
                "utility_customer_number": "0100000077",
                "utility_category": "residential",
            }
        )
        today = fields.Date.context_today(cls.env.user)
        cls.taxed_bill = cls._utility_taxed_bill(
            cls.taxed_customer,
            HENAN_LINES,
            cls.fund | cls.vat13,
            fields.Date.add(today, days=10),
            invoice_date=fields.Date.subtract(today, days=5),
        )

    def test_cashier_sees_vat_and_funds_and_takes_the_total(self):
        counter = Form(self.env["utility.counter.payment"].with_user(self.cashier))
        counter.search_term = "0100000077"
        self.assertEqual(counter.partner_id, self.taxed_customer)
        self.assertEqual(len(counter.line_ids), 1)
        line = counter.line_ids.edit(0)
        self.assertEqual(
            (line.amount_untaxed, line.amount_vat, line.amount_funds, line.amount_total),
            (HENAN_NET, HENAN_VAT, HENAN_FUND, HENAN_TOTAL),
        )
        self.assertEqual(counter.amount_due, HENAN_TOTAL)
        counter.amount = HENAN_TOTAL
        counter.amount_tendered = 200.0
        self.assertEqual(counter.amount_change, 16.0)
        counter.save().action_confirm()
        self.assertEqual(self.taxed_bill.payment_state, "paid")

    def test_tax_free_bill_shows_its_total_as_charges(self):
        counter = Form(self.env["utility.counter.payment"].with_user(self.cashier))
        counter.search_term = "0100000002"
        line = counter.line_ids.edit(0)
        self.assertEqual(
            (line.amount_untaxed, line.amount_vat, line.amount_funds),
            (line.amount_total, 0.0, 0.0),
        )
