from odoo import fields

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


def stored_values(record, skip=()):
    """Every stored value of ``record`` (one2many values aside) but the
    fields of ``skip``: relational values as ids, to compare bookings."""
    values = {}
    for name, field in record._fields.items():
        if not field.store or name in skip or field.type == "one2many":
            continue
        value = record[name]
        if field.type == "many2one":
            value = value.id
        elif field.type == "many2many":
            value = tuple(sorted(value.ids))
        values[name] = value
    return values


class UtilityPaymentCase(AccountTestInvoicingCommon):
    """A service hall booking into the company's cash journal and a
    residential customer with three open bills, not yet due (in 10, 20 and
    30 days: no late fee applies when utility_arrears is installed)."""

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
        today = fields.Date.context_today(cls.env.user)
        for days, amount in ((10, 100.0), (20, 120.0), (30, 80.0)):
            cls.bills |= cls._utility_bill(cls.customer, amount, fields.Date.add(today, days=days))

    @classmethod
    def _utility_bill(cls, partner, amount, due):
        bill = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": fields.Date.subtract(fields.Date.to_date(due), days=30),
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
