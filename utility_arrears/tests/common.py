from odoo import Command, fields

from odoo.addons.utility_billing.tests.common import UtilityBillingCase


class UtilityArrearsCase(UtilityBillingCase):
    """Utility company with helpers to post bills directly as customer
    invoices and to pay them through Odoo's payment register."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.income_account = cls.company_data["default_account_revenue"]

    @classmethod
    def _make_customer(cls, name, number, category="residential", **values):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "utility_customer_number": number,
                "utility_category": category,
                "utility_station_id": cls.station.id,
                "company_id": cls.company.id,
                **values,
            }
        )

    @classmethod
    def _make_bill(cls, partner, amount, due_date, invoice_date=None, post=True):
        due_date = fields.Date.to_date(due_date)
        bill = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "company_id": cls.company.id,
                "invoice_date": fields.Date.to_date(invoice_date) or due_date,
                "invoice_date_due": due_date,
                "invoice_payment_term_id": False,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Electricity",
                            "quantity": 1.0,
                            "price_unit": amount,
                            "account_id": cls.income_account.id,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        if post:
            bill.action_post()
        return bill

    def _commit_after_a_poll(self, partner):
        """End the test's transaction as a long one ends: the arrears change
        of ``partner``, stamped when made, is dated long before a poll made
        meanwhile (from a transaction of its own, which cannot see it), then
        the commit's first step runs (its precommit hooks). Returns the time
        of the poll."""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET utility_arrears_changed_at = '2021-01-01' WHERE id = %s",
            [partner.id],
        )
        partner.invalidate_recordset()
        polled_at = fields.Datetime.now()
        self.env.cr.flush()
        return polled_at

    def _pay(self, bills, amount=None, date=None, journal=None):
        """Pay ``bills`` through the payment register, as a cashier would."""
        values = {
            "payment_date": fields.Date.to_date(date) or fields.Date.today(),
            "journal_id": (journal or self.bank_journal).id,
        }
        if amount is not None:
            values["amount"] = amount
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=bills.ids)
            .create(values)
        )
        return wizard._create_payments()
