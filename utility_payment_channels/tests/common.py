from odoo import fields

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class UtilityPaymentCase(AccountTestInvoicingCommon):
    """A service hall booking into the company's cash journal and a
    residential customer with three open bills (due Jan, Feb, Mar)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.group_ids |= cls.env.ref("utility_billing.group_utility_manager")
        cls.cash_journal = cls.company_data["default_journal_cash"]
        cls.hall = cls.env["utility.collection.point"].create(
            {
                "name": "Chengguan hall",
                "code": "CG-H1",
                "kind": "hall",
                "journal_id": cls.cash_journal.id,
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Wang Fang",
                "utility_customer_number": "0100000002",
                "utility_category": "residential",
            }
        )
        cls.bills = cls.env["account.move"]
        for month, amount in ((1, 100.0), (2, 120.0), (3, 80.0)):
            cls.bills |= cls._utility_bill(cls.customer, amount, f"2025-{month:02d}-20")

    @classmethod
    def _utility_bill(cls, partner, amount, due):
        bill = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": fields.Date.subtract(fields.Date.to_date(due), days=15),
                "invoice_date_due": due,
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
        )
        bill.action_post()
        return bill
