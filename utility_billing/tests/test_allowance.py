from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command, Date
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import UtilityBillingCase


class AllowanceCase(UtilityBillingCase):
    """The Henan block tariff with 10 free kWh a month for low-income
    households and 15 for five-guarantee households, booked on a government
    receivable."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.allowance_account = cls.env["account.account"].create(
            {
                "name": "Allowance receivable from the government",
                "code": "123100",
                "account_type": "asset_current",
                "company_ids": [Command.set(cls.company.ids)],
            }
        )
        cls.alw_tariff = cls.env["utility.tariff"].create(
            {
                "name": "Residential with allowance",
                "code": "RES-ALW",
                "category": "residential",
                "company_id": cls.company.id,
            }
        )
        cls.alw_version = cls.env["utility.tariff.version"].create(
            {
                "tariff_id": cls.alw_tariff.id,
                "date_from": "2024-01-01",
                "allowance_kwh_low_income": 10,
                "allowance_kwh_five_guarantee": 15,
                "allowance_account_id": cls.allowance_account.id,
                "block_ids": [
                    Command.create(
                        {"sequence": 1, "name": "Block 1", "limit_to": 180, "price": 0.56}
                    ),
                    Command.create(
                        {"sequence": 2, "name": "Block 2", "limit_to": 260, "price": 0.61}
                    ),
                    Command.create(
                        {"sequence": 3, "name": "Block 3", "limit_to": 0, "price": 0.86}
                    ),
                ],
            }
        )
        cls.alw_version.action_approve()

    def _certificate(
        self, partner, kind="low_income", date_from="2024-01-01", date_to="2026-12-31", number=None
    ):
        return self.env["utility.allowance.certificate"].create(
            {
                "number": number or f"MZ-{partner.id}-{kind}-{date_from}",
                "partner_id": partner.id,
                "kind": kind,
                "date_from": date_from,
                "date_to": date_to,
                "company_id": self.company.id,
            }
        )

    @staticmethod
    def _shape(lines):
        return [
            (line["kind"], line["quantity"], line["price_unit"], line["amount"]) for line in lines
        ]

    def _total(self, lines):
        return self.company.currency_id.round(sum(line["amount"] for line in lines))


@tagged("post_install", "-at_install")
class TestAllowanceArithmetic(AllowanceCase):
    """Hand-computed charge lines of bills with a social allowance."""

    def _bill(
        self,
        consumption,
        allowances,
        date_from="2025-03-01",
        date_to="2025-03-31",
        tariff=None,
        **kw,
    ):
        lines = (tariff or self.alw_tariff)._compute_charge_lines(
            date_from, date_to, consumption=consumption, allowances=allowances, **kw
        )
        return lines, self._total(lines)

    def test_henan_300_kwh_with_10_free_kwh_pays_175_40(self):
        lines, total = self._bill(
            300, [("low_income", self._date("2025-03-01"), self._date("2025-03-31"))]
        )
        self.assertEqual(
            self._shape(lines),
            [
                ("block", 180, 0.56, 100.80),
                ("block", 80, 0.61, 48.80),
                ("block", 30, 0.86, 25.80),
                ("allowance", 10, 0.56, 5.60),
                ("allowance_offset", 10, -0.56, -5.60),
            ],
        )
        self.assertEqual(total, 175.40)
        offset = lines[-1]
        self.assertEqual(offset["account_id"], self.allowance_account.id)
        self.assertFalse(lines[-2].get("account_id"))

    def test_five_guarantee_gets_15_kwh(self):
        lines, total = self._bill(
            300, [("five_guarantee", self._date("2025-03-01"), self._date("2025-03-31"))]
        )
        # 285 kWh: 180 x 0.56 + 80 x 0.61 + 25 x 0.86 = 100.80 + 48.80 + 21.50
        self.assertEqual(total, 171.10)
        self.assertEqual(
            self._shape(lines)[-2:],
            [("allowance", 15, 0.56, 8.40), ("allowance_offset", 15, -0.56, -8.40)],
        )

    def test_without_certificate_the_bill_is_unchanged(self):
        lines, total = self._bill(300, None)
        self.assertEqual(total, 184.00)
        self.assertEqual([line["kind"] for line in lines], ["block"] * 3)

    def test_half_month_halves_the_free_kwh_and_the_blocks(self):
        # April 1-15: 0.5 month, blocks 90 / 130, 5 free kWh; 150 kWh billed as
        # 90 x 0.56 + 40 x 0.61 + 15 x 0.86 = 50.40 + 24.40 + 12.90
        lines, total = self._bill(
            150,
            [("low_income", self._date("2025-01-01"), self._date("2025-12-31"))],
            date_from="2025-04-01",
            date_to="2025-04-15",
        )
        self.assertEqual(
            self._shape(lines),
            [
                ("block", 90, 0.56, 50.40),
                ("block", 40, 0.61, 24.40),
                ("block", 15, 0.86, 12.90),
                ("allowance", 5, 0.56, 2.80),
                ("allowance_offset", 5, -0.56, -2.80),
            ],
        )
        self.assertEqual(total, 87.70)

    def test_certificate_expiring_mid_period_gives_its_share(self):
        # March 1-15 covered: 10 x 15/31 = 4.84 kWh free; 295.16 kWh billed:
        # 100.80 + 48.80 + 35.16 x 0.86 (30.2376 -> 30.24)
        lines, total = self._bill(
            300, [("low_income", self._date("2024-03-16"), self._date("2025-03-15"))]
        )
        self.assertEqual(
            self._shape(lines),
            [
                ("block", 180, 0.56, 100.80),
                ("block", 80, 0.61, 48.80),
                ("block", 35.16, 0.86, 30.24),
                ("allowance", 4.84, 0.56, 2.71),
                ("allowance_offset", 4.84, -0.56, -2.71),
            ],
        )
        self.assertEqual(total, 179.84)

    def test_consumption_below_the_allowance_is_all_free(self):
        lines, total = self._bill(
            6, [("low_income", self._date("2025-03-01"), self._date("2025-03-31"))]
        )
        self.assertEqual(
            self._shape(lines),
            [("allowance", 6, 0.56, 3.36), ("allowance_offset", 6, -0.56, -3.36)],
        )
        self.assertEqual(total, 0.0)

    def test_no_consumption_no_allowance_line(self):
        lines, total = self._bill(
            0, [("low_income", self._date("2025-03-01"), self._date("2025-03-31"))]
        )
        self.assertEqual(self._shape(lines), [("block", 0, 0.56, 0.0)])
        self.assertEqual(total, 0.0)

    def test_annual_blocks_split_the_billable_kwh_from_the_year_to_date(self):
        tariff = self.env["utility.tariff"].create(
            {
                "name": "Annual",
                "code": "RES-AN",
                "category": "residential",
                "company_id": self.company.id,
            }
        )
        self.env["utility.tariff.version"].create(
            {
                "tariff_id": tariff.id,
                "date_from": "2024-01-01",
                "block_basis": "annual",
                "allowance_kwh_low_income": 10,
                "allowance_account_id": self.allowance_account.id,
                "block_ids": [
                    Command.create(
                        {"sequence": 1, "name": "Tier 1", "limit_to": 2160, "price": 0.56}
                    ),
                    Command.create(
                        {"sequence": 2, "name": "Tier 2", "limit_to": 4200, "price": 0.61}
                    ),
                    Command.create({"sequence": 3, "name": "Tier 3", "limit_to": 0, "price": 0.86}),
                ],
            }
        ).action_approve()
        # 2100 kWh billed this year: of the 190 billable kWh, 60 in tier 1
        # (33.60) and 130 in tier 2 (79.30)
        lines, total = self._bill(
            200,
            [("low_income", self._date("2025-03-01"), self._date("2025-03-31"))],
            tariff=tariff,
            year_to_date=2100,
        )
        self.assertEqual(
            self._shape(lines),
            [
                ("block", 60, 0.56, 33.60),
                ("block", 130, 0.61, 79.30),
                ("allowance", 10, 0.56, 5.60),
                ("allowance_offset", 10, -0.56, -5.60),
            ],
        )
        self.assertEqual(total, 112.90)

    def test_time_of_use_free_kwh_come_off_the_flat_register(self):
        tariff = self.env["utility.tariff"].create(
            {
                "name": "TOU",
                "code": "RES-TOU",
                "category": "residential",
                "company_id": self.company.id,
            }
        )
        version = self.env["utility.tariff.version"].create(
            {
                "tariff_id": tariff.id,
                "date_from": "2024-01-01",
                "price_peak": 0.80,
                "price_flat": 0.60,
                "price_valley": 0.30,
                "allowance_kwh_low_income": 10,
                "allowance_account_id": self.allowance_account.id,
                "block_ids": [
                    Command.create(
                        {"sequence": 1, "name": "Block 1", "limit_to": 180, "price": 0.56}
                    ),
                    Command.create(
                        {"sequence": 2, "name": "Block 2", "limit_to": 260, "price": 0.61}
                    ),
                    Command.create(
                        {"sequence": 3, "name": "Block 3", "limit_to": 0, "price": 0.86}
                    ),
                ],
            }
        )
        version.action_approve()
        # 300 kWh = peak 100, flat 150, valley 50; 10 free off flat, the tier
        # surcharges on 290 kWh: 80 x 0.05 + 30 x 0.30
        lines, total = self._bill(
            300,
            [("low_income", self._date("2025-03-01"), self._date("2025-03-31"))],
            tariff=tariff,
            registers={"peak": 100, "flat": 150, "valley": 50},
        )
        self.assertEqual(
            self._shape(lines),
            [
                ("register", 100, 0.80, 80.00),
                ("register", 140, 0.60, 84.00),
                ("register", 50, 0.30, 15.00),
                ("surcharge", 80, 0.05, 4.00),
                ("surcharge", 30, 0.30, 9.00),
                ("allowance", 10, 0.60, 6.00),
                ("allowance_offset", 10, -0.60, -6.00),
            ],
        )
        self.assertEqual(total, 192.00)
        # a flat register smaller than the allowance: the rest off the valley
        lines, _total = self._bill(
            300,
            [("low_income", self._date("2025-03-01"), self._date("2025-03-31"))],
            tariff=tariff,
            registers={"peak": 250, "flat": 4, "valley": 46},
        )
        self.assertEqual(
            [(line["register"], line["quantity"]) for line in lines if line["kind"] == "register"],
            [("peak", 250), ("valley", 40)],
        )

    def test_approved_version_allowance_cannot_change(self):
        for vals in (
            {"allowance_kwh_low_income": 50},
            {"allowance_account_id": self.env.company.account_journal_suspense_account_id.id},
        ):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                self.alw_version.write(vals)
        self.assertEqual(self.alw_version.allowance_kwh_low_income, 10)

    def test_free_kwh_need_an_allowance_account_to_approve(self):
        version = self.env["utility.tariff.version"].create(
            {
                "tariff_id": self.alw_tariff.id,
                "date_from": "2026-01-01",
                "allowance_kwh_low_income": 10,
                "price_flat": 0.56,
            }
        )
        with self.assertRaises(ValidationError):
            version.action_approve()
        self.assertEqual(version.state, "draft")

    @staticmethod
    def _date(text):
        return Date.to_date(text)


@tagged("post_install", "-at_install")
class TestAllowanceBills(AllowanceCase):
    """Bills of the billing run for certified households."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing_run = cls.env["utility.billing.run"].create(
            {
                "company_id": cls.company.id,
                "date_from": "2025-03-01",
                "date_to": "2025-03-31",
                "invoice_date": "2025-04-02",
            }
        )

    def _customer(self, number, value=1300, certificate=True, tariff=None):
        contract, meter = self._new_customer(
            number,
            tariff=tariff or self.alw_tariff,
            initial_reading=1000,
            payment_term=self.env.ref("account.account_payment_term_15days"),
        )
        self.env["utility.meter.reading"].create(
            {"meter_id": meter.id, "reading_date": "2025-03-31", "value": value}
        ).action_validate()
        if certificate:
            self._certificate(contract.partner_id)
        return contract

    def test_batch_bill_shows_the_allowance_and_books_it_on_the_government(self):
        contract = self._customer("0930000001")
        uncertified = self._customer("0930000002", certificate=False)
        expired = self._customer("0930000003", certificate=False)
        self._certificate(expired.partner_id, date_from="2023-01-01", date_to="2025-02-28")
        self.billing_run._run_batch((contract | uncertified | expired).ids)
        bills = {move.utility_contract_id: move for move in self.billing_run.move_ids}
        bill = bills[contract]
        self.assertEqual(bill.state, "posted")
        self.assertEqual(bill.amount_total, 175.40)
        self.assertEqual(bill.amount_residual, 175.40)
        lines = bill.invoice_line_ids
        allowance = lines.filtered(lambda line: line.utility_charge_kind == "allowance")
        offset = lines.filtered(lambda line: line.utility_charge_kind == "allowance_offset")
        self.assertEqual(
            (allowance.quantity, allowance.price_unit, allowance.balance), (10, 0.56, -5.60)
        )
        self.assertEqual((offset.quantity, offset.price_unit, offset.balance), (10, -0.56, 5.60))
        self.assertEqual(offset.account_id, self.allowance_account)
        self.assertNotEqual(allowance.account_id, self.allowance_account)
        # the free kWh are electricity sold: the energy product, as the blocks
        self.assertEqual(allowance.product_id, self.env["account.move"]._utility_get_product())
        self.assertFalse(offset.product_id)
        self.assertEqual(offset.product_uom_id, allowance.product_uom_id)
        # revenue of the 290 billable kWh (175.40) and of the 10 free ones
        # (5.60): the customer owes 175.40, the government 5.60
        revenue = sum(
            lines.filtered(lambda line: line.account_id != self.allowance_account).mapped("balance")
        )
        self.assertAlmostEqual(revenue, -181.00)  # 175.40 of blocks + 5.60 allowance
        self.assertEqual(bills[uncertified].amount_total, 184.00)
        self.assertEqual(bills[expired].amount_total, 184.00)

    def test_batch_bill_with_allowance_equals_the_ordinary_invoice(self):
        batch_contract = self._customer("0930000011")
        ordinary_contract = self._customer("0930000012")
        self.billing_run._run_batch(batch_contract.ids)
        batch_bill = self.billing_run.move_ids
        move_model = self.env["account.move"]
        journal = move_model._utility_get_bill_journal(self.company)
        [bill], _skips = self.billing_run._prepare_bills(ordinary_contract)
        ordinary_bill = move_model.create(
            self.billing_run._prepare_move_vals(bill, journal, move_model._utility_get_product())
        )
        ordinary_bill.action_post()

        def items(move):
            return sorted(
                (
                    line.display_type,
                    line.account_id.id,
                    line.name if line.display_type != "payment_term" else "",
                    line.date_maturity,
                    line.quantity,
                    line.price_unit,
                    line.balance,
                    line.amount_currency,
                    line.amount_residual,
                    line.price_subtotal,
                    line.price_total,
                    line.utility_charge_kind or "",
                    line.product_id.id,
                    line.product_uom_id.id,
                    line.tax_ids.ids,
                )
                for line in move.line_ids
            )

        self.assertEqual(items(batch_bill), items(ordinary_bill))
        self.assertEqual(
            (batch_bill.amount_untaxed, batch_bill.amount_total, batch_bill.amount_residual),
            (
                ordinary_bill.amount_untaxed,
                ordinary_bill.amount_total,
                ordinary_bill.amount_residual,
            ),
        )
        self.assertEqual(batch_bill.amount_total, 175.40)

    def _taxed_allowance_tariff(self):
        """The Henan blocks with 10 free kWh, priced VAT 13% and a 0.02/kWh
        fund included (price components)."""
        fund_account = self.env["account.account"].create(
            {"name": "Funds payable", "code": "224100", "account_type": "liability_current"}
        )

        def tax(name, amount_type, amount, account):
            repartition = [
                Command.create({"repartition_type": "base"}),
                Command.create({"repartition_type": "tax", "account_id": account.id}),
            ]
            return self.env["account.tax"].create(
                {
                    "name": name,
                    "amount_type": amount_type,
                    "amount": amount,
                    "type_tax_use": "sale",
                    "price_include_override": "tax_included",
                    "company_id": self.company.id,
                    "invoice_repartition_line_ids": repartition,
                    "refund_repartition_line_ids": repartition,
                }
            )

        vat = tax("VAT 13% incl.", "percent", 13.0, self.company_data["default_account_tax_sale"])
        fund = tax("Water works fund", "fixed", 0.02, fund_account)
        tariff = self.env["utility.tariff"].create(
            {
                "name": "Taxed",
                "code": "RES-TAX",
                "category": "residential",
                "company_id": self.company.id,
            }
        )
        self.env["utility.tariff.version"].create(
            {
                "tariff_id": tariff.id,
                "date_from": "2024-01-01",
                "allowance_kwh_low_income": 10,
                "allowance_account_id": self.allowance_account.id,
                "component_ids": [
                    Command.create({"kind": "energy", "name": "Energy", "tax_id": vat.id}),
                    Command.create({"kind": "fund", "name": "Fund", "tax_id": fund.id}),
                ],
                "block_ids": [
                    Command.create(
                        {"sequence": 1, "name": "Block 1", "limit_to": 180, "price": 0.56}
                    ),
                    Command.create(
                        {"sequence": 2, "name": "Block 2", "limit_to": 260, "price": 0.61}
                    ),
                    Command.create(
                        {"sequence": 3, "name": "Block 3", "limit_to": 0, "price": 0.86}
                    ),
                ],
            }
        ).action_approve()
        return tariff, vat, fund

    def test_taxed_batch_bill_with_allowance_equals_the_ordinary_invoice(self):
        """With VAT and a fund included in the prices: the free kWh bear them
        (the government pays them tax included), the offset bears none, and
        the batch bill is the invoice Odoo builds, journal item by item."""
        tariff, vat, fund = self._taxed_allowance_tariff()
        contracts = []
        for number in ("0930000031", "0930000032"):
            contract = self._customer(number, tariff=tariff)
            contracts.append(contract)
        batch_contract, ordinary_contract = contracts
        self.billing_run._run_batch(batch_contract.ids)
        batch_bill = self.billing_run.move_ids
        move_model = self.env["account.move"]
        journal = move_model._utility_get_bill_journal(self.company)
        [bill], _skips = self.billing_run._prepare_bills(ordinary_contract)
        ordinary_bill = move_model.create(
            self.billing_run._prepare_move_vals(bill, journal, move_model._utility_get_product())
        )
        ordinary_bill.action_post()

        def items(move):
            return sorted(
                (
                    line.display_type,
                    line.account_id.id,
                    line.name if line.display_type == "product" else "",
                    line.date_maturity,
                    line.quantity,
                    line.price_unit,
                    line.balance,
                    line.amount_residual,
                    line.price_subtotal,
                    line.price_total,
                    line.tax_ids.ids,
                    line.tax_line_id.id,
                    line.tax_base_amount,
                    line.tax_tag_ids.ids,
                    line.utility_charge_kind or "",
                )
                for line in move.line_ids
            )

        self.assertEqual(items(batch_bill), items(ordinary_bill))
        self.assertEqual(batch_bill.amount_total, 175.40)
        self.assertEqual(
            (batch_bill.amount_untaxed, batch_bill.amount_tax),
            (ordinary_bill.amount_untaxed, ordinary_bill.amount_tax),
        )
        lines = batch_bill.invoice_line_ids
        allowance = lines.filtered(lambda line: line.utility_charge_kind == "allowance")
        offset = lines.filtered(lambda line: line.utility_charge_kind == "allowance_offset")
        self.assertEqual(allowance.tax_ids, vat | fund)
        self.assertFalse(offset.tax_ids)
        self.assertEqual((allowance.price_total, offset.price_total), (5.60, -5.60))
        # the fund is owed on the 300 kWh consumed: 290 billed + 10 free
        fund_line = batch_bill.line_ids.filtered(lambda line: line.tax_line_id == fund)
        self.assertAlmostEqual(-fund_line.balance, 6.00)

    def test_a_certificate_of_another_company_gives_no_allowance(self):
        other_company = self.env["res.company"].create({"name": "Other county"})
        contract = self._customer("0930000041", certificate=False)
        self.env["utility.allowance.certificate"].create(
            {
                "number": "MZ-OTHER",
                "partner_id": contract.partner_id.id,
                "kind": "low_income",
                "date_from": "2025-01-01",
                "date_to": "2025-12-31",
                "company_id": other_company.id,
            }
        )
        self.billing_run._run_batch(contract.ids)
        self.assertEqual(self.billing_run.move_ids.amount_total, 184.00)
        self.assertNotIn(
            "allowance", self.billing_run.move_ids.invoice_line_ids.mapped("utility_charge_kind")
        )

    def test_one_certificate_lookup_per_batch(self):
        contracts = (
            self._customer("0930000021")
            | self._customer("0930000022")
            | self._customer("0930000023", certificate=False)
        )
        certificate_model = type(self.env["utility.allowance.certificate"])
        original = certificate_model._get_in_force
        with patch.object(
            certificate_model, "_get_in_force", autospec=True, side_effect=original
        ) as lookup:
            self.billing_run._run_batch(contracts.ids)
        self.assertEqual(lookup.call_count, 1)
        self.assertEqual(
            sorted(self.billing_run.move_ids.mapped("amount_total")), [175.40, 175.40, 184.00]
        )


@tagged("post_install", "-at_install")
class TestAllowanceCertificateAccess(AllowanceCase):
    """Who may record a household's certificate."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(
            cls.env,
            login="alw_officer",
            groups="utility_billing.group_utility_billing_officer",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.cashier = new_test_user(
            cls.env,
            login="alw_cashier",
            groups="utility_billing.group_utility_cashier",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.portal = new_test_user(cls.env, login="alw_portal", groups="base.group_portal")
        cls.certificate = cls._certificate(cls, cls.customer)

    def _vals(self, number):
        return {
            "number": number,
            "partner_id": self.customer.id,
            "kind": "low_income",
            "date_from": "2025-01-01",
            "date_to": "2025-12-31",
            "company_id": self.company.id,
        }

    def test_officer_records_and_corrects_a_certificate(self):
        Certificate = self.env["utility.allowance.certificate"].with_user(self.officer)
        certificate = Certificate.create(self._vals("MZ-OFFICER"))
        certificate.write({"date_to": "2026-06-30", "kind": "five_guarantee"})
        self.assertEqual(certificate.kind, "five_guarantee")

    def test_cashier_and_portal_cannot_create_nor_write(self):
        for user in (self.cashier, self.portal):
            Certificate = self.env["utility.allowance.certificate"].with_user(user)
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    Certificate.create(self._vals(f"MZ-{user.login}"))
                with self.assertRaises(AccessError):
                    self.certificate.with_user(user).write({"date_to": "2099-12-31"})
        self.assertEqual(str(self.certificate.date_to), "2026-12-31")

    def test_a_certificate_cannot_move_to_another_customer(self):
        other, _meter = self._new_customer("0930000099")
        for user in (self.officer, self.env.user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.certificate.with_user(user).write({"partner_id": other.partner_id.id})
        self.assertEqual(self.certificate.partner_id, self.customer)

    def test_certificate_numbers_are_unique_and_dates_ordered(self):
        with self.assertRaises(ValidationError):
            self.env["utility.allowance.certificate"].create(
                dict(self._vals("MZ-BACKWARDS"), date_from="2025-12-31", date_to="2025-01-01")
            )
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.env["utility.allowance.certificate"].create(
                dict(self._vals(self.certificate.number))
            )
