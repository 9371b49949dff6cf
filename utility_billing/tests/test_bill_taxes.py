from odoo import Command
from odoo.tests import tagged

from .common import UtilityBillingCase
from .common_taxes import (
    HENAN_FUND,
    HENAN_LINE_TOTALS,
    HENAN_LINES,
    HENAN_NET,
    HENAN_TOTAL,
    HENAN_VAT,
    UtilityTaxedBillMixin,
)

ROUNDING_METHODS = ("round_globally", "round_per_line")


@tagged("post_install", "-at_install")
class TestTaxedBill(UtilityBillingCase, UtilityTaxedBillMixin):
    """A bill whose approved prices include 13% VAT and a per-kWh fund: what
    the paper bill prints, and the credit note cancelling it, account by
    account, with figures computed by hand."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._utility_make_bill_taxes(cls.company)
        cls.journal = cls.env["account.move"]._utility_get_bill_journal(cls.company)
        cls.receivable = cls.customer.property_account_receivable_id
        cls.revenue = cls.company_data["default_account_revenue"]

    def _bill(self, lines=HENAN_LINES, taxes=None):
        # one bill per contract and period: each bill of a test its own month
        self.month = getattr(self, "month", 0) + 1
        return self._utility_taxed_bill(
            self.customer,
            lines,
            self.fund | self.vat13 if taxes is None else taxes,
            "2025-04-01",
            journal_id=self.journal.id,
            utility_contract_id=self.contract.id,
            utility_period_start=f"2024-{self.month:02d}-01",
            utility_period_end=f"2024-{self.month:02d}-28",
            utility_consumption=300.0,
        )

    def _cancel(self, bill):
        wizard = self.env["utility.bill.cancel"].create(
            {
                "move_ids": [Command.set(bill.ids)],
                "reason": "Wrong meter read",
                "date": "2025-04-10",
            }
        )
        return self.env["account.move"].search(wizard.action_confirm()["domain"])

    def test_credit_note_reverses_revenue_vat_and_fund_in_both_rounding_modes(self):
        for method in ROUNDING_METHODS:
            with self.subTest(rounding=method):
                self.company.tax_calculation_rounding_method = method
                bill = self._bill()
                self.assertEqual(
                    self._utility_balances(bill),
                    {
                        self.receivable: HENAN_TOTAL,
                        self.revenue: -HENAN_NET,
                        self.vat_account: -HENAN_VAT,
                        self.fund_account: -HENAN_FUND,
                    },
                )
                credit_note = self._cancel(bill)
                self.assertEqual(credit_note.move_type, "out_refund")
                self.assertEqual(credit_note.state, "posted")
                self.assertEqual(
                    self._utility_balances(credit_note),
                    {
                        self.receivable: -HENAN_TOTAL,
                        self.revenue: HENAN_NET,
                        self.vat_account: HENAN_VAT,
                        self.fund_account: HENAN_FUND,
                    },
                )
                # the refund repartition lines carry the VAT and the fund back
                self.assertEqual(
                    credit_note.line_ids.tax_repartition_line_id.mapped("document_type"),
                    ["refund", "refund"],
                )
                self.assertEqual(bill.payment_state, "reversed")
                summary = credit_note._utility_tax_summary()
                self.assertEqual(
                    (summary["untaxed"], summary["vat_total"], summary["fund_total"]),
                    (HENAN_NET, HENAN_VAT, HENAN_FUND),
                )

    def test_credit_note_mirrors_the_rounding_of_its_bill(self):
        """Three lines of 1.00 with 13% VAT included: per line, each bears
        0.12 of VAT (1.00 x 0.13 / 1.13 = 0.115044), 0.36 in all and 2.64
        net; globally the VAT is 3.00 x 0.13 / 1.13 = 0.345133 -> 0.35 and
        2.65 net. The credit note gives back exactly what the bill booked."""
        expected = {"round_per_line": (2.64, 0.36), "round_globally": (2.65, 0.35)}
        lines = [("Line 1", 1.0, 1.0), ("Line 2", 1.0, 1.0), ("Line 3", 1.0, 1.0)]
        for method, (net, vat) in expected.items():
            with self.subTest(rounding=method):
                self.company.tax_calculation_rounding_method = method
                bill = self._bill(lines, self.vat13)
                self.assertEqual(
                    self._utility_balances(bill),
                    {self.receivable: 3.0, self.revenue: -net, self.vat_account: -vat},
                )
                credit_note = self._cancel(bill)
                self.assertEqual(
                    self._utility_balances(credit_note),
                    {self.receivable: -3.0, self.revenue: net, self.vat_account: vat},
                )

    def test_tax_summary_reads_the_booked_tax_lines(self):
        bill = self._bill()
        summary = bill._utility_tax_summary()
        self.assertEqual(summary["untaxed"], HENAN_NET)
        self.assertEqual(
            summary["vat"], [{"name": self.vat13.name, "rate": "13%", "amount": HENAN_VAT}]
        )
        self.assertEqual(
            summary["funds"], [{"name": self.fund.name, "rate": False, "amount": HENAN_FUND}]
        )
        self.assertEqual(summary["total"], HENAN_TOTAL)
        # every amount shown reconciles with the journal items
        self.assertEqual(
            self.currency_round(summary["untaxed"] + summary["vat_total"] + summary["fund_total"]),
            summary["total"],
        )
        free = self._bill(taxes=self.env["account.tax"])
        self.assertEqual(free._utility_tax_summary()["vat"], [])
        self.assertEqual(free._utility_tax_summary()["funds"], [])
        self.assertEqual(free._utility_tax_summary()["untaxed"], HENAN_TOTAL)

    def currency_round(self, amount):
        return self.company.currency_id.round(amount)

    def _render(self, bill):
        html, _kind = self.env["ir.actions.report"]._render_qweb_html(
            "utility_billing.action_report_utility_bill", bill.ids
        )
        return html.decode()

    def test_bill_prints_tax_included_lines_and_the_vat_and_fund_summary(self):
        html = self._render(self._bill())
        for line_total in HENAN_LINE_TOTALS:
            self.assertIn(f"{line_total:.2f}", html)
        # not the net amounts of the lines
        self.assertNotIn("86.02", html)
        self.assertIn("Amount (incl. VAT and funds)", html)
        for css, amount in (
            ("o_utility_untaxed", HENAN_NET),
            ("o_utility_vat", HENAN_VAT),
            ("o_utility_fund", HENAN_FUND),
        ):
            start = html.index(css)
            self.assertIn(f"{amount:.2f}", html[start : start + 600], css)
        self.assertIn("Water conservancy fund", html)
        self.assertIn(f"{HENAN_TOTAL:.2f}", html)

    def test_tax_free_bill_prints_as_before(self):
        html = self._render(self._bill(taxes=self.env["account.tax"]))
        self.assertNotIn("o_utility_vat", html)
        self.assertNotIn("o_utility_untaxed", html)
        self.assertNotIn("incl. VAT", html)
        for line_total in HENAN_LINE_TOTALS:
            self.assertIn(f"{line_total:.2f}", html)
        self.assertIn(f"{HENAN_TOTAL:.2f}", html)
