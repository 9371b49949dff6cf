from datetime import date

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.utility_billing.tests.common_taxes import (
    HENAN_LINES,
    HENAN_TOTAL,
    UtilityTaxedBillMixin,
)
from odoo.addons.utility_payment_channels.tests.common import UtilityPaymentCase

from .common import UtilityArrearsCase


def _tax_account(tax):
    return tax.invoice_repartition_line_ids.filtered(
        lambda line: line.repartition_type == "tax"
    ).account_id


@tagged("post_install", "-at_install")
class TestLateFeeVat(UtilityArrearsCase, UtilityTaxedBillMixin):
    """A late fee bears output VAT on its own invoice, included in the fee:
    500.00 paid 20 days late is charged 10.00 (1 per mille a day), booked
    8.85 to late-fee income and 1.15 to output VAT (10.00 x 0.13 / 1.13 =
    1.150442)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._utility_make_bill_taxes(cls.company)
        cls.receivable = cls.customer.property_account_receivable_id

    def _fee_of(self, bill, on_date=date(2025, 3, 30)):
        return self.env["account.move"]._utility_charge_late_fees(bill, on_date)

    def test_first_fee_finds_the_company_s_13_percent_vat_included(self):
        self.company.utility_late_fee_tax_ids = False
        fee = self._fee_of(self._make_bill(self.customer, 500.0, "2025-03-10"))
        self.assertEqual(self.company.utility_late_fee_tax_ids, self.vat13)
        self.assertEqual(fee.line_ids.filtered("tax_line_id").account_id, self.vat_account)

    def test_first_fee_creates_a_13_percent_vat_included_and_the_fee_stays_the_total(self):
        # a company without a 13% VAT included in the price
        self.company.utility_late_fee_tax_ids = False
        self.vat13.active = False
        bill = self._make_bill(self.customer, 500.0, "2025-03-10")
        self.assertEqual(bill._utility_late_fee(date(2025, 3, 30)), 10.0)
        fee = self._fee_of(bill)
        tax = self.company.utility_late_fee_tax_ids
        self.assertEqual(len(tax), 1)
        self.assertNotEqual(tax, self.vat13)
        self.assertEqual(tax.company_id, self.company)
        # its VAT goes where the company's other sales taxes book theirs
        self.assertEqual(_tax_account(tax), _tax_account(self.company.account_sale_tax_id)[:1])
        # in a VAT 13% group of its own, not the group of another rate
        self.assertEqual(tax.tax_group_id.name, "VAT 13%")
        self.assertEqual(
            (tax.type_tax_use, tax.amount_type, tax.amount, tax.price_include),
            ("sale", "percent", 13.0, True),
        )
        self.assertTrue(_tax_account(tax))
        self.assertEqual(fee.invoice_line_ids.tax_ids, tax)
        self.assertEqual((fee.amount_total, fee.amount_untaxed, fee.amount_tax), (10.0, 8.85, 1.15))
        self.assertEqual(
            self._utility_balances(fee),
            {
                self.receivable: 10.0,
                self.company.utility_late_fee_account_id: -8.85,
                _tax_account(tax): -1.15,
            },
        )
        # the next fee uses the same tax: none is created again
        taxes_before = self.env["account.tax"].search_count([])
        other = self._fee_of(self._make_bill(self.customer, 300.0, "2025-03-10"))
        self.assertEqual(self.env["account.tax"].search_count([]), taxes_before)
        # 6.00 = 5.31 + 0.69 (6.00 x 0.13 / 1.13 = 0.690265)
        self.assertEqual(
            (other.amount_total, other.amount_untaxed, other.amount_tax), (6.0, 5.31, 0.69)
        )

    def test_company_late_fee_taxes_are_mapped_by_the_bills_fiscal_position(self):
        self.company.utility_late_fee_tax_ids = self.vat13
        exempt_position = self.env["account.fiscal.position"].create(
            {"name": "VAT exempt", "company_id": self.company.id}
        )
        self.env["account.tax"].create(
            {
                "name": "VAT exempt 0%",
                "type_tax_use": "sale",
                "amount_type": "percent",
                "amount": 0.0,
                "price_include_override": "tax_included",
                "company_id": self.company.id,
                "country_id": self.vat13.country_id.id,
                "fiscal_position_ids": [Command.set(exempt_position.ids)],
                "original_tax_ids": [Command.set(self.vat13.ids)],
            }
        )
        taxed = self._fee_of(self._make_bill(self.customer, 500.0, "2025-03-10"))
        self.assertEqual(taxed.invoice_line_ids.tax_ids, self.vat13)
        self.assertEqual(
            self._utility_balances(taxed),
            {
                self.receivable: 10.0,
                self.company.utility_late_fee_account_id: -8.85,
                self.vat_account: -1.15,
            },
        )
        exempt_bill = self._make_bill(self.customer, 500.0, "2025-03-10", post=False)
        exempt_bill.fiscal_position_id = exempt_position
        exempt_bill.action_post()
        exempt = self._fee_of(exempt_bill)
        self.assertEqual(exempt.fiscal_position_id, exempt_position)
        self.assertEqual(exempt.invoice_line_ids.tax_ids.mapped("amount"), [0.0])
        self.assertEqual(
            self._utility_balances(exempt),
            {self.receivable: 10.0, self.company.utility_late_fee_account_id: -10.0},
        )

    def test_a_tax_on_top_of_the_fee_is_refused(self):
        on_top = self.env["account.tax"].create(
            {
                "name": "VAT 13% on top",
                "type_tax_use": "sale",
                "amount_type": "percent",
                "amount": 13.0,
                "price_include_override": "tax_excluded",
                "company_id": self.company.id,
                "country_id": self.vat13.country_id.id,
            }
        )
        self.company.utility_late_fee_tax_ids = self.vat13
        with self.assertRaisesRegex(ValidationError, "included in the price"):
            self.company.utility_late_fee_tax_ids = on_top
        # nor through a fiscal position: the customer would owe more than the fee
        position = self.env["account.fiscal.position"].create(
            {"name": "Tax on top", "company_id": self.company.id}
        )
        on_top.write(
            {
                "fiscal_position_ids": [Command.set(position.ids)],
                "original_tax_ids": [Command.set(self.vat13.ids)],
            }
        )
        bill = self._make_bill(self.customer, 500.0, "2025-03-10", post=False)
        bill.fiscal_position_id = position
        bill.action_post()
        with self.assertRaisesRegex(UserError, "not included in the price"):
            self._fee_of(bill)
        self.assertFalse(bill.utility_late_fee_move_ids)

    def test_only_settings_administrators_change_the_late_fee_taxes(self):
        self.company.utility_late_fee_tax_ids = self.vat13
        for group in (
            "utility_billing.group_utility_manager",
            "utility_billing.group_utility_cashier",
        ):
            user = new_test_user(
                self.env,
                login=f"late_fee_tax_{group.rsplit('_', 1)[1]}",
                groups=group,
                company_id=self.company.id,
                company_ids=[self.company.id],
            )
            with self.assertRaises(AccessError):
                self.company.with_user(user).write({"utility_late_fee_tax_ids": [Command.clear()]})
        self.assertEqual(self.company.utility_late_fee_tax_ids, self.vat13)

    def test_collection_kpis_count_taxed_bills_tax_included(self):
        """The Henan bill of 184.00 (157.52 revenue, 20.48 VAT, 6.00 fund):
        billed 184.00; 100.00 paid counts 100.00 collected, 84.00
        outstanding; paid in full, 184.00 collected."""
        bill = self._utility_taxed_bill(
            self.customer,
            HENAN_LINES,
            self.fund | self.vat13,
            fields.Date.to_date("2025-03-25"),
            invoice_date=fields.Date.to_date("2025-03-05"),
        )
        self.assertEqual(bill.amount_total, HENAN_TOTAL)
        Kpi = self.env["utility.collection.kpi"]
        domain = [
            ("company_id", "=", self.company.id),
            ("month", "=", "2025-03-01"),
            ("station_id", "=", self.station.id),
        ]

        def figures():
            self.env.flush_all()
            self.env.invalidate_all()
            [row] = Kpi._read_group(
                domain, [], ["amount_billed:sum", "amount_collected:sum", "amount_outstanding:sum"]
            )
            return row

        self.assertEqual(figures(), (184.0, 0.0, 184.0))
        self._pay(bill, amount=100.0, date="2025-03-20")
        self.assertEqual(figures(), (184.0, 100.0, 84.0))
        self._pay(bill, date="2025-03-21")
        self.assertEqual(bill.payment_state, "paid")
        self.assertEqual(figures(), (184.0, 184.0, 0.0))
        [rate] = Kpi._read_group(domain, [], ["recovery_rate:avg"])[0]
        self.assertEqual(rate, 100.0)


@tagged("post_install", "-at_install")
class TestLateFeeVatAtPayment(UtilityPaymentCase, UtilityTaxedBillMixin):
    """The payment hook charges the fees of a customer's overdue bills with
    their VAT in one batch: 500.00 and 300.00 paid 20 days late bear 10.00
    (8.85 + 1.15) and 6.00 (5.31 + 0.69); 816.00 settles everything."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._utility_make_bill_taxes(cls.company)
        cls.company.utility_late_fee_tax_ids = cls.vat13
        today = fields.Date.context_today(cls.env.user)
        cls.late = cls.env["res.partner"].create(
            {
                "name": "Li Na",
                "utility_customer_number": "0100000003",
                "utility_category": "residential",
            }
        )
        due = fields.Date.subtract(today, days=20)
        cls.overdue = cls._utility_bill(cls.late, 500.0, due) | cls._utility_bill(
            cls.late, 300.0, due
        )

    def test_payment_charges_each_fee_with_its_vat_and_settles_it(self):
        today = fields.Date.context_today(self.env.user)
        Move = self.env["account.move"]
        # what the channels show as due: the fees, VAT included
        self.assertEqual(
            Move._utility_late_fee_as_of(self.overdue, today),
            {self.overdue[0].id: 10.0, self.overdue[1].id: 6.0},
        )
        payment = self.env["account.payment"]._utility_pay(self.late, 816.0, self.hall)
        fees = Move.search([("utility_late_fee_bill_id", "in", self.overdue.ids)], order="id")
        self.assertEqual(fees.utility_late_fee_bill_id, self.overdue)
        by_bill = {fee.utility_late_fee_bill_id: fee for fee in fees}
        for bill, (total, net, vat) in zip(
            self.overdue, ((10.0, 8.85, 1.15), (6.0, 5.31, 0.69)), strict=True
        ):
            fee = by_bill[bill]
            self.assertEqual(
                (fee.amount_total, fee.amount_untaxed, fee.amount_tax), (total, net, vat)
            )
            self.assertEqual(sorted(fee.line_ids.mapped("balance")), sorted([total, -net, -vat]))
            self.assertEqual(fee.line_ids.filtered("tax_line_id").account_id, self.vat_account)
            self.assertEqual(fee.payment_state, "paid")
            self.assertEqual(bill.payment_state, "paid")
        self.assertFalse(payment._utility_receivable_line(), "nothing left over")
        self.assertEqual(payment.amount, 816.0)

    def test_fee_invoice_of_the_payment_hook_is_the_invoice_odoo_books(self):
        """The hook's fee invoices are made by Odoo's own ``create`` and
        ``action_post`` (no precomputed or copied lines): the same invoice
        typed in by hand, with the same tax, books the same items."""
        self.env["account.payment"]._utility_pay(self.late, 816.0, self.hall)
        fee = self.env["account.move"].search(
            [("utility_late_fee_bill_id", "=", self.overdue[0].id)]
        )
        fee_line = fee.invoice_line_ids
        by_hand = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.late.id,
                "journal_id": fee.journal_id.id,
                "invoice_date": fee.invoice_date,
                "invoice_date_due": fee.invoice_date_due,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": fee_line.product_id.id,
                            "name": fee_line.name,
                            "quantity": 1.0,
                            "price_unit": 10.0,
                            "account_id": fee_line.account_id.id,
                            "tax_ids": [Command.set(self.vat13.ids)],
                        }
                    )
                ],
            }
        )
        by_hand.action_post()
        fields_compared = (
            "display_type",
            "account_id",
            "balance",
            "amount_currency",
            "tax_ids",
            "tax_line_id",
            "tax_repartition_line_id",
            "tax_tag_ids",
            "tax_base_amount",
            "price_unit",
            "price_subtotal",
            "price_total",
            "date_maturity",
        )

        def items(move):
            return sorted(
                tuple(str(line[name]) for name in fields_compared) for line in move.line_ids
            )

        self.assertEqual(items(fee), items(by_hand))
        self.assertEqual(
            (fee.amount_untaxed, fee.amount_tax, fee.amount_total, fee.fiscal_position_id),
            (
                by_hand.amount_untaxed,
                by_hand.amount_tax,
                by_hand.amount_total,
                by_hand.fiscal_position_id,
            ),
        )
