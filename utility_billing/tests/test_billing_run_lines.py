from odoo.fields import Command
from odoo.tests import tagged

from .common import UtilityBillingCase


@tagged("post_install", "-at_install")
class TestBillingRunLines(UtilityBillingCase):
    """The billing run creates its bills with every journal item computed in
    advance (no dynamic-line synchronisation): the bills must be exactly what
    Odoo builds for the same invoice created the ordinary way."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.meter.write({"install_date": "2024-01-01", "initial_reading": 1000})
        cls.term_15 = cls.env.ref("account.account_payment_term_15days")
        cls.term_split = cls.env["account.payment.term"].create(
            {
                "name": "30% now, balance in 30 days",
                "company_id": cls.company.id,
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 30, "nb_days": 0}),
                    Command.create({"value": "percent", "value_amount": 70, "nb_days": 30}),
                ],
            }
        )
        cls.billing_run = cls.env["utility.billing.run"].create(
            {
                "company_id": cls.company.id,
                "date_from": "2025-03-01",
                "date_to": "2025-03-31",
                "invoice_date": "2025-04-02",
            }
        )

    def _customer(self, number, value, term):
        partner = self.env["res.partner"].create(
            {
                "name": f"Customer {number}",
                "utility_customer_number": number,
                "utility_category": "residential",
                "company_id": self.company.id,
            }
        )
        point = self.env["utility.service.point"].create(
            {
                "name": f"House {number}",
                "station_id": self.station.id,
                "partner_id": partner.id,
                "company_id": self.company.id,
            }
        )
        meter = self.env["utility.meter"].create(
            {
                "serial": f"M{number}",
                "service_point_id": point.id,
                "install_date": "2024-01-01",
                "initial_reading": 1000,
            }
        )
        contract = self.env["utility.contract"].create(
            {
                "partner_id": partner.id,
                "service_point_id": point.id,
                "tariff_id": self.tariff.id,
                "company_id": self.company.id,
                "date_start": "2024-01-01",
                "payment_term_id": term.id,
            }
        )
        contract.action_activate()
        reading = self.env["utility.meter.reading"].create(
            {"meter_id": meter.id, "reading_date": "2025-03-31", "value": value}
        )
        reading.action_validate()
        return contract

    def _ordinary_bill(self, contract):
        """The same bill created and posted the ordinary way (Odoo builds the
        receivable lines itself)."""
        move_model = self.env["account.move"]
        journal = move_model._utility_get_bill_journal(self.company)
        [bill], _skips = self.billing_run._prepare_bills(contract)
        move = move_model.create(
            self.billing_run._prepare_move_vals(bill, journal, move_model._utility_get_product())
        )
        move.action_post()
        return move

    @staticmethod
    def _items(move):
        return sorted(
            (
                line.display_type,
                line.account_id.id,
                # receivable lines carry their own bill's payment reference
                line.name == line.move_id.payment_reference
                if line.display_type == "payment_term"
                else line.name,
                line.date_maturity,
                line.balance,
                line.debit,
                line.credit,
                line.amount_currency,
                line.amount_residual,
                line.tax_ids.ids,
            )
            for line in move.line_ids
        )

    def test_batch_bills_equal_ordinary_invoices_line_for_line(self):
        for term in (self.term_15, self.term_split):
            with self.subTest(term=term.name):
                number = "0900000011" if term == self.term_15 else "0900000021"
                batch_contract = self._customer(number, 1300, term)
                ordinary_contract = self._customer(f"{number[:-1]}2", 1300, term)
                self.billing_run._run_batch(batch_contract.ids)
                batch_bill = self.billing_run.move_ids.filtered(
                    lambda m, c=batch_contract: m.utility_contract_id == c
                )
                ordinary_bill = self._ordinary_bill(ordinary_contract)
                self.assertEqual(batch_bill.state, "posted")
                self.assertEqual(batch_bill.amount_total, 184.00)
                self.assertEqual(batch_bill.amount_residual, 184.00)
                self.assertEqual(batch_bill.payment_state, "not_paid")
                self.assertEqual(batch_bill.invoice_date_due, ordinary_bill.invoice_date_due)
                self.assertEqual(self._items(batch_bill), self._items(ordinary_bill))
                receivable = batch_bill.line_ids.filtered(
                    lambda line: line.display_type == "payment_term"
                )
                self.assertEqual(
                    receivable.account_id,
                    batch_contract.partner_id.property_account_receivable_id,
                )
                self.assertEqual(receivable.partner_id, batch_contract.partner_id)
                self.assertEqual(sum(batch_bill.line_ids.mapped("balance")), 0.0)
                # Odoo's own synchronisation would not change a thing
                self.assertEqual(
                    sorted(
                        (key["date_maturity"], values["balance"])
                        for key, values in batch_bill.needed_terms.items()
                    ),
                    sorted((line.date_maturity, line.balance) for line in receivable),
                )

    def test_batch_bills_are_numbered_without_gaps_and_can_be_paid(self):
        contracts = self.env["utility.contract"]
        for index in range(4):
            contracts |= self._customer(f"091000000{index}", 1100 + 100 * index, self.term_15)
        self.billing_run._run_batch(contracts.ids)
        bills = self.billing_run.move_ids.sorted("sequence_number")
        self.assertEqual(len(bills), 4)
        numbers = bills.mapped("sequence_number")
        self.assertEqual(numbers, list(range(numbers[0], numbers[0] + 4)))
        self.assertEqual(len(set(bills.mapped("sequence_prefix"))), 1)
        bill = bills[0]
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=bill.ids
        ).create({"payment_date": "2025-04-05"})._create_payments()
        self.assertIn(bill.payment_state, ("paid", "in_payment"))
        self.assertEqual(bill.amount_residual, 0.0)
