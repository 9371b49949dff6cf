from unittest.mock import patch

from odoo.exceptions import UserError, ValidationError
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

    def test_part_period_batch_bills_equal_ordinary_invoices(self):
        """A contract starting mid-March is billed 16 to 31 March, in the
        batch as in an ordinary invoice."""
        contracts = []
        for number in ("0900000031", "0900000032"):
            contract, meter = self._new_customer(
                number, initial_reading=1000, payment_term=self.term_split, activate=False
            )
            contract.date_start = "2025-03-16"
            contract.action_activate()
            reading = self.env["utility.meter.reading"].create(
                {"meter_id": meter.id, "reading_date": "2025-03-31", "value": 1120}
            )
            reading.action_validate()
            contracts.append(contract)
        batch_contract, ordinary_contract = contracts
        self.billing_run._run_batch(batch_contract.ids)
        batch_bill = self.billing_run.move_ids.filtered(
            lambda m: m.utility_contract_id == batch_contract
        )
        ordinary_bill = self._ordinary_bill(ordinary_contract)
        self.assertEqual(str(batch_bill.utility_period_start), "2025-03-16")
        self.assertEqual(str(ordinary_bill.utility_period_start), "2025-03-16")
        # 16 of 31 days: block 1 ends at 180 x 16/31 kWh
        self.assertLess(batch_bill.invoice_line_ids[:1].quantity, 100)
        self.assertEqual(batch_bill.amount_total, ordinary_bill.amount_total)
        self.assertEqual(self._items(batch_bill), self._items(ordinary_bill))

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


def stored_values(record, skip=()):
    """Every stored value of ``record`` (one2many values aside) but the
    fields of ``skip``: relational values as ids."""
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


@tagged("post_install", "-at_install")
class TestBillingRunTaxes(UtilityBillingCase):
    """Bills of tariffs whose prices include output VAT and government
    funds (price components): the billing run computes their tax lines
    itself (``utility.bill.builder._utility_tax_lines``); every stored value
    of its bills must be what Odoo's create + action_post stores for the
    same bill, in both tax rounding modes, for several categories, funds,
    fiscal positions, time-of-use prices, a partial period and a split
    payment term."""

    # what differs between two customers' bills of the same amounts
    MOVE_SKIP = frozenset(
        (
            "id", "create_date", "create_uid", "write_date", "write_uid", "name",
            "sequence_number", "payment_reference", "partner_id", "commercial_partner_id",
            "partner_shipping_id", "utility_contract_id", "utility_service_point_id",
            "utility_meter_id", "utility_reading_ids", "access_token", "made_sequence_gap",
            "message_main_attachment_id", "invoice_partner_display_name",
        )
    )  # fmt: skip
    LINE_SKIP = frozenset(
        ("id", "create_date", "create_uid", "write_date", "write_uid", "move_id", "move_name",
         "partner_id")
    )  # fmt: skip

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fund_account = cls.env["account.account"].create(
            {"name": "Funds payable", "code": "224100", "account_type": "liability_current"}
        )
        cls.vat = cls._tax(
            "VAT 13% incl.", "percent", 13.0, cls.company_data["default_account_tax_sale"]
        )
        cls.exempt = cls._tax("VAT exempt", "percent", 0.0)
        cls.fund = cls._tax("Water works fund", "fixed", 0.02, cls.fund_account)
        cls.fund_2 = cls._tax("Renewable energy surcharge", "fixed", 0.019, cls.fund_account)
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
        cls.number = 0

    @classmethod
    def _tax(cls, name, amount_type, amount, account=None):
        vals = {
            "name": name,
            "amount_type": amount_type,
            "amount": amount,
            "type_tax_use": "sale",
            "price_include_override": "tax_included",
            "company_id": cls.company.id,
        }
        if account:
            repartition = [
                Command.create({"repartition_type": "base"}),
                Command.create({"repartition_type": "tax", "account_id": account.id}),
            ]
            vals["invoice_repartition_line_ids"] = repartition
            vals["refund_repartition_line_ids"] = repartition
        return cls.env["account.tax"].create(vals)

    @classmethod
    def _components(cls, funds):
        return [Command.create({"kind": "energy", "name": "Energy", "tax_id": cls.vat.id})] + [
            Command.create({"kind": "fund", "name": fund.name, "tax_id": fund.id}) for fund in funds
        ]

    def _tariff(self, category, funds, versions):
        """A tariff of ``category`` with approved ``versions`` (values), each
        with the energy component and ``funds``."""
        self.number += 1
        tariff = self.env["utility.tariff"].create(
            {
                "name": f"Taxed {self.number}",
                "code": f"TAX{self.number}",
                "category": category,
                "company_id": self.company.id,
            }
        )
        for vals in versions:
            self.env["utility.tariff.version"].create(
                {"tariff_id": tariff.id, "component_ids": self._components(funds), **vals}
            ).action_approve()
        return tariff

    def _customer(self, tariff, reading, term, tou=False):
        self.number += 1
        contract, meter = self._new_customer(
            f"096{self.number:07d}", activate=False, initial_reading=1000, payment_term=term
        )
        contract.partner_id.write({"name": "Li Na", "utility_category": tariff.category})
        contract.tariff_id = tariff
        contract.action_activate()
        if tou:
            meter.write(
                {
                    "register_type": "tou",
                    "initial_reading_peak": 300,
                    "initial_reading_flat": 400,
                    "initial_reading_valley": 300,
                }
            )
        self.env["utility.meter.reading"].create(
            {"meter_id": meter.id, "reading_date": "2025-03-31", **reading}
        ).action_validate()
        return contract

    def _ordinary_bill(self, contract):
        move_model = self.env["account.move"]
        journal = move_model._utility_get_bill_journal(self.company)
        [bill], _skips = self.billing_run._prepare_bills(contract)
        move = move_model.create(
            self.billing_run._prepare_move_vals(bill, journal, move_model._utility_get_product())
        )
        move.action_post()
        return move

    def _bills(self, tariff, reading, term=None, tou=False, partner_vals=None, copied=True):
        """The batch bill and the ordinary bill of two customers of
        ``tariff`` with the same reading. The batch bill is billed after a
        first customer's, so that its tax items are SQL copies of that
        bill's (``utility_bill_builder_tax_copy``) when ``copied``."""
        first_contract = self._customer(tariff, reading, term or self.term_15, tou)
        batch_contract = self._customer(tariff, reading, term or self.term_15, tou)
        ordinary_contract = self._customer(tariff, reading, term or self.term_15, tou)
        if partner_vals:
            (first_contract | batch_contract | ordinary_contract).partner_id.write(partner_vals)
        self.billing_run._run_batch((first_contract | batch_contract).ids)
        batch_bill = self.billing_run.move_ids.filtered(
            lambda m: m.utility_contract_id == batch_contract
        )
        # copies are inserted after the bill's receivable items (the ORM
        # creates the tax items before them)
        receivable = batch_bill.line_ids.filtered(lambda line: line.display_type == "payment_term")
        taxes = batch_bill.line_ids.filtered(lambda line: line.display_type == "tax")
        self.assertEqual(
            bool(taxes) and min(taxes.ids) > max(receivable.ids), copied, "tax items copied"
        )
        ordinary_bill = self._ordinary_bill(ordinary_contract)
        self.env.invalidate_all()
        return batch_bill, ordinary_bill

    def _stored_bill(self, move):
        lines = []
        for line in move.line_ids:
            values = stored_values(line, self.LINE_SKIP)
            if line.display_type == "payment_term":
                values["name"] = values["name"] == move.payment_reference
            lines.append(values)
        return (
            stored_values(move, self.MOVE_SKIP),
            sorted(lines, key=lambda values: repr(sorted(values.items()))),
        )

    def assertSameBill(self, batch_bill, ordinary_bill):
        self.assertEqual(batch_bill.state, "posted")
        # (partner_id is compared here: the two bills are of two customers)
        for bill in (batch_bill, ordinary_bill):
            self.assertEqual(bill.line_ids.partner_id, bill.commercial_partner_id)
        batch_move, batch_lines = self._stored_bill(batch_bill)
        ordinary_move, ordinary_lines = self._stored_bill(ordinary_bill)
        self.assertEqual({k: v for k, v in batch_move.items() if ordinary_move.get(k) != v}, {})
        self.assertEqual(batch_move, ordinary_move)
        self.assertEqual(len(batch_lines), len(ordinary_lines))
        for batch_line, ordinary_line in zip(batch_lines, ordinary_lines, strict=True):
            self.assertEqual(
                {
                    k: (v, ordinary_line.get(k))
                    for k, v in batch_line.items()
                    if ordinary_line.get(k) != v
                },
                {},
            )
        self.assertEqual(batch_bill.tax_totals, ordinary_bill.tax_totals)
        # Odoo's own synchronisation would not change a thing
        receivable = batch_bill.line_ids.filtered(lambda line: line.display_type == "payment_term")
        self.assertEqual(
            sorted(
                (key["date_maturity"], round(v["balance"], 2))
                for key, v in batch_bill.needed_terms.items()
            ),
            sorted((line.date_maturity, line.balance) for line in receivable),
        )

    HENAN = {
        "date_from": "2024-01-01",
        "block_ids": [
            Command.create({"sequence": 1, "name": "Block 1", "limit_to": 180, "price": 0.56}),
            Command.create({"sequence": 2, "name": "Block 2", "limit_to": 260, "price": 0.61}),
            Command.create({"sequence": 3, "name": "Block 3", "limit_to": 0, "price": 0.86}),
        ],
    }

    def _scenarios(self):
        """(label, tariff, reading, options) of the compared bills."""
        tou_version = {
            "date_from": "2024-01-01",
            "price_peak": 1.0250,
            "price_flat": 0.6750,
            "price_valley": 0.3250,
            "fixed_charge": 33.33,
            "block_ids": [
                Command.create({"sequence": 1, "name": "Tier 1", "limit_to": 1000, "price": 0.6}),
                Command.create({"sequence": 2, "name": "Tier 2", "limit_to": 0, "price": 0.65}),
            ],
        }
        # a fiscal position exempting from VAT (the funds stay)
        rural = self.env["res.country"].create({"name": "Rural test zone", "code": "XR"})
        self.exempt.original_tax_ids = self.vat
        self.env["account.fiscal.position"].create(
            {
                "name": "Exempt supply",
                "company_id": self.company.id,
                "auto_apply": True,
                "country_id": rural.id,
                "sequence": 1,
                "tax_ids": [Command.set(self.exempt.ids)],
            }
        )
        return [
            ("residential, VAT and a fund", self._tariff("residential", self.fund, [self.HENAN]),
             {"value": 1300}, {}),
            ("residential, VAT only, split term", self._tariff("residential", [], [self.HENAN]),
             {"value": 1299}, {"term": self.term_split}),
            ("residential, VAT and two funds", self._tariff(
                "residential", self.fund | self.fund_2, [self.HENAN]), {"value": 1457}, {}),
            ("commercial, time of use with surcharges and a fixed charge",
             self._tariff("commercial", self.fund | self.fund_2, [tou_version]),
             {"value": 2537, "value_peak": 711, "value_flat": 1123, "value_valley": 703},
             {"tou": True, "term": self.term_split}),
            ("fiscal position mapping VAT to exempt",
             self._tariff("agricultural", self.fund, [self.HENAN]), {"value": 1300},
             {"partner_vals": {"country_id": rural.id}}),
            ("partial period: two versions, decimal kWh, pro-rata fixed charge",
             self._tariff("residential", self.fund, [
                 dict(self.HENAN, fixed_charge=5.0),
                 dict(self.HENAN, date_from="2025-03-16", fixed_charge=7.0),
             ]), {"value": 1301}, {}),
        ]  # fmt: skip

    def test_taxed_batch_bills_hold_what_odoo_stores(self):
        scenarios = self._scenarios()
        # accounts with default taxes: Odoo gives its tax lines their taxes
        # (none here), it does not take the account's
        (self.fund_account | self.company_data["default_account_tax_sale"]).tax_ids = self.vat
        for rounding in ("round_per_line", "round_globally"):
            self.company.tax_calculation_rounding_method = rounding
            for label, tariff, reading, options in scenarios:
                with self.subTest(rounding=rounding, scenario=label):
                    batch_bill, ordinary_bill = self._bills(tariff, reading, **options)
                    self.assertTrue(batch_bill.line_ids.filtered("tax_line_id"))
                    self.assertSameBill(batch_bill, ordinary_bill)

    def test_taxed_batch_bills_without_copies_hold_what_odoo_stores(self):
        # utility_tax_copy=False: every item of every bill made by the ORM
        tariff = self._tariff("residential", self.fund | self.fund_2, [self.HENAN])
        self.billing_run = self.billing_run.with_context(utility_tax_copy=False)
        batch_bill, ordinary_bill = self._bills(tariff, {"value": 1457}, copied=False)
        self.assertSameBill(batch_bill, ordinary_bill)

    def _pay(self, bill, amount):
        return (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=bill.ids)
            .create({"payment_date": "2025-04-05", "amount": amount})
            ._create_payments()
        )

    def test_bills_with_copied_tax_items_are_paid_and_credited_as_odoo_books_them(self):
        tariff = self._tariff("commercial", self.fund | self.fund_2, [self.HENAN])
        batch_bill, ordinary_bill = self._bills(tariff, {"value": 1457})

        def residuals(bill):
            return (
                bill.payment_state,
                bill.amount_residual,
                sorted((line.account_id.id, line.amount_residual) for line in bill.line_ids),
            )

        # a partial payment, then an outstanding payment the bill can use
        for bill in (batch_bill, ordinary_bill):
            self._pay(bill, 100.0)
            payment = self.env["account.payment"].create(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": bill.partner_id.id,
                    "amount": 30.0,
                    "date": "2025-04-06",
                }
            )
            payment.action_post()
        self.env.invalidate_all()
        self.assertEqual(batch_bill.payment_state, "partial")
        self.assertEqual(residuals(batch_bill), residuals(ordinary_bill))
        outstanding = [
            [line["amount"] for line in bill.invoice_outstanding_credits_debits_widget["content"]]
            for bill in (batch_bill, ordinary_bill)
        ]
        self.assertEqual(outstanding[0], [30.0])
        self.assertEqual(outstanding[0], outstanding[1])
        # the rest paid
        for bill in (batch_bill, ordinary_bill):
            self._pay(bill, bill.amount_residual)
        self.env.invalidate_all()
        self.assertIn(batch_bill.payment_state, ("paid", "in_payment"))
        self.assertEqual(residuals(batch_bill), residuals(ordinary_bill))

        # another pair of bills, cancelled by credit notes
        batch_bill, ordinary_bill = self._bills(tariff, {"value": 1300})
        credit_notes = []
        for bill in (batch_bill, ordinary_bill):
            wizard = self.env["utility.bill.cancel"].create(
                {
                    "move_ids": [Command.set(bill.ids)],
                    "reason": "Wrong meter read",
                    "date": "2025-04-10",
                }
            )
            credit_notes.append(self.env["account.move"].search(wizard.action_confirm()["domain"]))
        self.env.invalidate_all()
        self.assertEqual(batch_bill.payment_state, "reversed")
        self.assertEqual(residuals(batch_bill), residuals(ordinary_bill))
        batch_note, ordinary_note = credit_notes
        self.assertEqual(batch_note.move_type, "out_refund")
        move_skip = self.MOVE_SKIP | {"ref", "reversed_entry_id"}
        line_skip = self.LINE_SKIP | {"ref", "matching_number", "full_reconcile_id"}

        def stored_note(note):
            return (
                stored_values(note, move_skip),
                sorted(
                    (stored_values(line, line_skip | {"name"}) for line in note.line_ids),
                    key=lambda values: repr(sorted(values.items())),
                ),
            )

        self.assertEqual(stored_note(batch_note), stored_note(ordinary_note))
        self.assertEqual(batch_note.tax_totals, ordinary_note.tax_totals)

    def test_tax_copies_leave_to_the_orm_what_they_do_not_know(self):
        builder = self.env["utility.bill.builder"]
        journal = self.env["account.move"]._utility_get_bill_journal(self.company)
        product = self.env["account.move"]._utility_get_product()
        tariff = self._tariff("residential", self.fund, [self.HENAN])
        contracts = self._customer(tariff, {"value": 1300}, self.term_15) | self._customer(
            tariff, {"value": 1300}, self.term_15
        )
        bills, _skips = self.billing_run._prepare_bills(contracts)

        def plan(builder=builder, analytic=False):
            vals_list = []
            for bill in bills:
                vals = self.billing_run._prepare_move_vals(bill, journal, product)
                vals_list.append(builder._utility_precompute_lines(self.billing_run, vals, bill))
            if analytic:
                for command in vals_list[1]["line_ids"]:
                    if command[2].get("display_type") == "tax":
                        command[2]["analytic_distribution"] = {"1": 100}
            return builder._utility_tax_copy_plan(self.billing_run, journal, vals_list)

        # the second bill's VAT and fund items are copies of the first's
        self.assertEqual(list(plan()), [1])
        self.assertEqual(len(plan()[1]), 2)
        self.assertEqual(plan(analytic=True), {})
        self.assertEqual(plan(builder.with_context(utility_tax_copy=False)), {})
        with patch(
            "odoo.addons.utility_billing.models.utility_bill_builder_tax_copy.unknown_columns",
            return_value={"x_tax_note"},
        ):
            self.assertEqual(plan(), {})
        journal.restrict_mode_hash_table = True
        self.assertEqual(plan(), {})
        journal.restrict_mode_hash_table = False
        # bills left without their copied tax items are not balanced: Odoo's
        # own check refuses them before anything is posted
        with (
            patch.object(type(builder), "_utility_insert_tax_rows", autospec=True),
            self.assertRaisesRegex(UserError, "not balanced|unbalanced"),
            self.env.cr.savepoint(),
        ):
            self.billing_run._batch_job_process(contracts)
        # tax items whose template is not found are created by the ORM
        with patch.object(
            type(builder), "_utility_tax_record_key", autospec=True, side_effect=lambda *a: object()
        ):
            self.billing_run._batch_job_process(contracts)
        self.env.invalidate_all()
        first, second = self.billing_run.move_ids.sorted("id")
        self.assertEqual(second.state, "posted")
        self.assertEqual(
            sorted(second.line_ids.mapped(lambda line: (line.display_type, line.balance))),
            sorted(first.line_ids.mapped(lambda line: (line.display_type, line.balance))),
        )
        self.assertEqual(second.amount_tax, first.amount_tax)

    def test_henan_bill_splits_into_revenue_vat_and_fund(self):
        # 300 kWh = 180 x 0.56 + 80 x 0.61 + 40 x 0.86 = 184.00, 13% VAT and
        # a 0.02/kWh fund included: fund 6.00, VAT (184.00 - 6.00) x 13/113
        # = 20.48, revenue 157.52 (computed by hand, not by the code)
        tariff = self._tariff("residential", self.fund, [self.HENAN])
        revenue = self.env["account.move"]._utility_get_bill_journal(self.company)
        for rounding in ("round_per_line", "round_globally"):
            self.company.tax_calculation_rounding_method = rounding
            for bill in self._bills(tariff, {"value": 1300}):
                with self.subTest(rounding=rounding, bill=bill.utility_billing_run_id.id):
                    self.assertEqual(bill.amount_total, 184.00)
                    self.assertEqual(bill.amount_untaxed, 157.52)
                    self.assertEqual(bill.amount_tax, 26.48)
                    by_account = {}
                    for line in bill.line_ids:
                        by_account[line.account_id] = (
                            by_account.get(line.account_id, 0.0) + line.balance
                        )
                    receivable = bill.partner_id.property_account_receivable_id
                    self.assertAlmostEqual(by_account.pop(receivable), 184.00, places=2)
                    self.assertAlmostEqual(
                        by_account.pop(revenue.default_account_id), -157.52, places=2
                    )
                    self.assertAlmostEqual(by_account.pop(self.fund_account), -6.00, places=2)
                    vat_line = bill.line_ids.filtered(lambda line: line.tax_line_id == self.vat)
                    self.assertAlmostEqual(by_account.pop(vat_line.account_id), -20.48, places=2)
                    self.assertFalse(by_account)
                    # (signed as Odoo stores it on a customer invoice)
                    self.assertAlmostEqual(vat_line.tax_base_amount, -157.52, places=2)
                    energy = bill.invoice_line_ids.sorted("price_unit")
                    self.assertEqual(energy.mapped("price_total"), [100.80, 48.80, 34.40])
                    self.assertEqual(energy.mapped("price_subtotal"), [86.02, 41.77, 29.73])
                    self.assertEqual(energy.tax_ids, self.vat | self.fund)

    def test_taxes_due_on_payment_still_cannot_share_tags_with_others(self):
        # the batch clears items without such a tax in one read; Odoo's
        # check still refuses the others (account.move.line
        # ._check_caba_non_caba_shared_tags)
        self.company.tax_exigibility = True
        transition = self.env["account.account"].create(
            {
                "name": "VAT waiting",
                "code": "221198",
                "account_type": "liability_current",
                "reconcile": True,
            }
        )
        tag = self.env["account.account.tag"].create(
            {"name": "Base of output VAT", "applicability": "taxes"}
        )
        on_payment = self._tax("VAT on payment", "percent", 13.0, self.fund_account)
        on_payment.write(
            {"tax_exigibility": "on_payment", "cash_basis_transition_account_id": transition.id}
        )
        taxes = on_payment | self.vat
        taxes.invoice_repartition_line_ids.filtered(
            lambda line: line.repartition_type == "base"
        ).tag_ids = tag

        def invoice(tax_ids):
            return self.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.partner_a.id,
                    "invoice_line_ids": [
                        Command.create({"name": "Energy", "price_unit": 113.0, "tax_ids": tax_ids})
                    ],
                }
            )

        self.assertTrue(invoice([Command.set(self.vat.ids)]).line_ids.filtered("tax_line_id"))
        self.assertTrue(invoice([Command.set(on_payment.ids)]).line_ids.filtered("tax_line_id"))
        with self.assertRaisesRegex(ValidationError, "cannot be mixed"):
            invoice([Command.set(taxes.ids)])

    def test_guards_leave_taxes_they_cannot_compute_to_odoo(self):
        builder = self.env["utility.bill.builder"]
        journal = self.env["account.move"]._utility_get_bill_journal(self.company)
        product = self.env["account.move"]._utility_get_product()
        tariff = self._tariff("residential", self.fund, [self.HENAN])
        contract = self._customer(tariff, {"value": 1300}, self.term_15)
        bills, _skips = self.billing_run._prepare_bills(contract)
        vals_list = [self.billing_run._prepare_move_vals(bills[0], journal, product)]
        self.assertTrue(
            builder._utility_can_precompute_lines(self.billing_run, bills, journal, vals_list)
        )
        transition = self.env["account.account"].create(
            {
                "name": "VAT waiting",
                "code": "221199",
                "account_type": "liability_current",
                "reconcile": True,
            }
        )
        self.company.tax_exigibility = True
        cash_basis = self._tax("VAT on payment", "percent", 13.0)
        cash_basis.write(
            {"tax_exigibility": "on_payment", "cash_basis_transition_account_id": transition.id}
        )
        analytic = self._tax("Analytic VAT", "percent", 13.0)
        analytic.analytic = True
        # analytic tax lines only matter with a distribution model
        self.assertTrue(builder._utility_can_precompute_lines(self.billing_run, bills, journal, [
            dict(vals_list[0], invoice_line_ids=[Command.create(dict(
                vals_list[0]["invoice_line_ids"][0][2], tax_ids=[Command.set(analytic.ids)]))])
        ]))  # fmt: skip
        self.env["account.analytic.distribution.model"].create(
            {"company_id": self.company.id, "analytic_distribution": {}}
        )
        division = self._tax("Division VAT", "division", 13.0)
        for tax, expected in ((cash_basis, False), (analytic, False), (division, True)):
            with self.subTest(tax=tax.name):
                line = vals_list[0]["invoice_line_ids"][0][2]
                line["tax_ids"] = [Command.set(tax.ids)]
                self.assertEqual(
                    builder._utility_can_precompute_lines(
                        self.billing_run, bills, journal, vals_list
                    ),
                    expected,
                )
        early = self.env["account.payment.term"].create(
            {
                "name": "2% discount within 7 days",
                "company_id": self.company.id,
                "early_discount": True,
                "discount_percentage": 2,
                "discount_days": 7,
                "line_ids": [Command.create({"value": "percent", "value_amount": 100})],
            }
        )
        vals_list = [self.billing_run._prepare_move_vals(bills[0], journal, product)]
        contract.payment_term_id = early
        self.assertFalse(
            builder._utility_can_precompute_lines(self.billing_run, bills, journal, vals_list)
        )
        # such a batch is billed by Odoo's own synchronisation: the same bill
        batch_bill, ordinary_bill = self._bills(tariff, {"value": 1300}, term=early, copied=False)
        self.assertSameBill(batch_bill, ordinary_bill)

    def test_batch_company_check_covers_the_tax_fields(self):
        other_company = self.env["res.company"].create({"name": "Other county"})
        other_vat = self.env["account.tax"].create(
            {
                "name": "Other VAT",
                "amount": 13,
                "company_id": other_company.id,
                "country_id": self.company.account_fiscal_country_id.id,
                "tax_group_id": self.env["account.tax.group"]
                .create({"name": "Other VAT", "company_id": other_company.id})
                .id,
            }
        )
        partner = self._customer(
            self._tariff("residential", [], [self.HENAN]), {"value": 1100}, self.term_15
        ).partner_id
        account = (
            self.env["account.move"]._utility_get_bill_journal(self.company).default_account_id
        )

        def vals(tax):
            return {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "company_id": self.company.id,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "kWh", "quantity": 1, "price_unit": 10, "account_id": account.id,
                         "tax_ids": [Command.set(tax.ids)]}
                    )
                ],
            }  # fmt: skip

        batch = self.env["account.move"].with_context(**{BATCH_COMPANY_CHECK: True})
        moves = batch.create([vals(self.vat), vals(self.vat)])
        self.assertTrue(companies_consistent(moves.line_ids))
        with self.assertRaises(UserError):
            batch.create([vals(self.vat), vals(other_vat)])
