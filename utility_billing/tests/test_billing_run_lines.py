from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import tagged

from ..models.utility_bulk_booking import BATCH_COMPANY_CHECK
from ..tools.company_check import companies_consistent
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
        contract, meter = self._new_customer(number, initial_reading=1000, payment_term=term)
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

    def test_batches_continue_the_journal_numbering_without_gaps(self):
        contracts = self.env["utility.contract"]
        for index in range(6):
            contracts |= self._customer(f"092000000{index}", 1100 + 10 * index, self.term_15)
        self.billing_run._run_batch(contracts[:3].ids)
        self.billing_run._run_batch(contracts[3:].ids)
        ordinary = self._ordinary_bill(self._customer("0920000099", 1200, self.term_15))
        bills = (self.billing_run.move_ids | ordinary).sorted("sequence_number")
        numbers = bills.mapped("sequence_number")
        self.assertEqual(numbers, list(range(numbers[0], numbers[0] + 7)))
        self.assertEqual(bills[-1], ordinary, "the ordinary invoice takes the next number")
        self.assertEqual(len(set(bills.mapped("sequence_prefix"))), 1)
        self.assertEqual(len(set(bills.mapped("name"))), 7)

    def test_batch_posting_ranks_new_customers_and_leaves_ranked_ones_alone(self):
        # Odoo raises a ranked customer's rank after the commit, one tracked
        # partner write each; a billing run of 300,000 bills skips that
        pending_key = "account.res.partner.increase_rank.customer_rank"
        pending = self.env.cr.postcommit.data
        new, known, ordinary = (
            self._customer(f"095000000{index}", 1200, self.term_15) for index in range(3)
        )
        (known | ordinary).partner_id.write({"customer_rank": 5})
        self.billing_run._run_batch((new | known).ids)
        self.assertEqual(len(self.billing_run.move_ids), 2)
        self.assertEqual(new.partner_id.customer_rank, 1, "a first bill makes a customer")
        self.assertEqual(known.partner_id.customer_rank, 5)
        self.assertNotIn(known.partner_id.id, pending.get(pending_key, {}))
        # the ordinary path still raises the rank after the commit
        self._ordinary_bill(ordinary)
        self.assertEqual(pending[pending_key][ordinary.partner_id.id], 1)

    def test_batch_bills_get_fiscal_position_and_analytics_as_odoo_computes_them(self):
        country = self.env.ref("base.cn")
        position = self.env["account.fiscal.position"].create(
            {
                "name": "Rural supply",
                "company_id": self.company.id,
                "auto_apply": True,
                "country_id": country.id,
                "sequence": 1,
            }
        )
        plan = self.env["account.analytic.plan"].create({"name": "Stations"})
        account = self.env["account.analytic.account"].create(
            {"name": "County east", "plan_id": plan.id, "company_id": self.company.id}
        )
        self.env["account.analytic.distribution.model"].create(
            {"company_id": self.company.id, "analytic_distribution": {str(account.id): 100}}
        )
        batch_contract = self._customer("0930000001", 1300, self.term_15)
        ordinary_contract = self._customer("0930000002", 1300, self.term_15)
        (batch_contract | ordinary_contract).partner_id.write({"country_id": country.id})
        self.billing_run._run_batch(batch_contract.ids)
        batch_bill = self.billing_run.move_ids.filtered(
            lambda m: m.utility_contract_id == batch_contract
        )
        ordinary_bill = self._ordinary_bill(ordinary_contract)
        # what is stored, as the next request sees it
        self.env.invalidate_all()
        self.assertEqual(ordinary_bill.fiscal_position_id, position)
        self.assertEqual(batch_bill.fiscal_position_id, position)
        for bill in (batch_bill, ordinary_bill):
            products = bill.invoice_line_ids.filtered(lambda line: line.display_type == "product")
            self.assertTrue(products)
            self.assertEqual(
                products.mapped("analytic_distribution"), [{str(account.id): 100}] * len(products)
            )
            self.assertEqual(len(bill.line_ids.analytic_line_ids), len(products))
        self.assertEqual(
            sum(batch_bill.line_ids.analytic_line_ids.mapped("amount")),
            sum(ordinary_bill.line_ids.analytic_line_ids.mapped("amount")),
        )

    def test_batch_company_check_still_refuses_another_companys_records(self):
        other_company = self.env["res.company"].create({"name": "Other county"})
        other_term = self.env["account.payment.term"].create(
            {"name": "Other county's term", "company_id": other_company.id}
        )
        partner = self._customer("0940000001", 1100, self.term_15).partner_id
        vals = {"move_type": "out_invoice", "partner_id": partner.id, "company_id": self.company.id}
        batch = self.env["account.move"].with_context(**{BATCH_COMPANY_CHECK: True})
        moves = batch.create([dict(vals), dict(vals)])
        self.assertTrue(companies_consistent(moves))
        with self.assertRaises(UserError):
            batch.create([dict(vals), dict(vals, invoice_payment_term_id=other_term.id)])
