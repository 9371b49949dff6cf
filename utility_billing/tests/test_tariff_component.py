from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import UtilityBillingCase


@tagged("post_install", "-at_install")
class TestTariffComponents(UtilityBillingCase):
    """Price components: what approval accepts, what it freezes, which
    taxes each kind of charge line bears, and a tax changed after approval."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fund_account = cls.env["account.account"].create(
            {"name": "Funds payable", "code": "224100", "account_type": "liability_current"}
        )
        tax_model = cls.env["account.tax"]
        base = {"type_tax_use": "sale", "price_include_override": "tax_included"}
        cls.vat = tax_model.create({**base, "name": "VAT 13%", "amount": 13.0})
        cls.fund = tax_model.create(
            {
                **base,
                "name": "Fund",
                "amount_type": "fixed",
                "amount": 0.02,
                "invoice_repartition_line_ids": cls._repartition(cls.fund_account),
                "refund_repartition_line_ids": cls._repartition(cls.fund_account),
            }
        )
        cls.revenue = cls.env["account.account"].create(
            {"name": "Electricity sales", "code": "600110", "account_type": "income"}
        )

    @staticmethod
    def _repartition(account):
        return [
            Command.create({"repartition_type": "base"}),
            Command.create({"repartition_type": "tax", "account_id": account.id}),
        ]

    def _version(self, components, date_from="2026-01-01", **vals):
        return self.env["utility.tariff.version"].create(
            {
                "tariff_id": self.tariff.id,
                "date_from": date_from,
                "block_ids": [
                    Command.create({"sequence": 1, "name": "B1", "limit_to": 180, "price": 0.56}),
                    Command.create({"sequence": 2, "name": "B2", "limit_to": 0, "price": 0.61}),
                ],
                "component_ids": [Command.create(vals) for vals in components],
                **vals,
            }
        )

    def _energy(self, tax=None, **vals):
        return {"kind": "energy", "name": "Energy", "tax_id": (tax or self.vat).id, **vals}

    def _fund(self, tax=None):
        return {"kind": "fund", "name": "Fund", "tax_id": (tax or self.fund).id}

    def test_approval_freezes_the_rates_and_the_components(self):
        version = self._version([self._energy(), self._fund()])
        self.assertEqual(version.component_ids.mapped("rate"), [0.0, 0.0])
        version.action_approve()
        self.assertEqual(sorted(version.component_ids.mapped("rate")), [0.02, 13.0])
        component = version.component_ids[:1]
        with self.assertRaises(UserError):
            component.name = "Other"
        with self.assertRaises(UserError):
            self.env["utility.tariff.component"].create(dict(self._fund(), version_id=version.id))
        with self.assertRaises(UserError):
            component.unlink()
        with self.assertRaises(AccessError):
            version.copy().component_ids[:1].rate = 1.0
        # a new version copies the components, to be approved again
        self.assertEqual(version.copy().component_ids.tax_id, self.vat | self.fund)

    def test_approval_refuses_components_that_cannot_split_the_price(self):
        excluded = self.vat.copy({"price_include_override": "tax_excluded"})
        fund_percent = self.vat.copy({"name": "Fund as percent"})
        fund_no_liability = self.fund.copy(
            {
                "name": "Fund on revenue",
                "invoice_repartition_line_ids": self._repartition(self.revenue),
                "refund_repartition_line_ids": self._repartition(self.revenue),
            }
        )
        big_fund = self.fund.copy({"name": "Fund 1.00", "amount": 1.0})
        affecting = self.fund.copy({"name": "Fund in VAT base", "include_base_amount": True})
        cases = {
            "no energy": [self._fund()],
            "two energies": [self._energy(), self._energy()],
            "energy tax excluded": [self._energy(excluded)],
            "energy fixed": [self._energy(self.fund)],
            "fund as percent": [self._energy(), self._fund(fund_percent)],
            "fund not on a liability": [self._energy(), self._fund(fund_no_liability)],
            "fund in the VAT base": [self._energy(), self._fund(affecting)],
            "fund above a price": [self._energy(), self._fund(big_fund)],
        }
        for index, (label, components) in enumerate(cases.items()):
            with self.subTest(label):
                version = self._version(components, date_from=f"{2030 + index}-01-01")
                with self.assertRaises(UserError):
                    version.action_approve()
                self.assertEqual(version.state, "draft")

    def test_charge_lines_carry_the_taxes_of_their_kind(self):
        version = self._version([self._energy(account_id=self.revenue.id), self._fund()])
        version.action_approve()
        both, vat = (self.vat | self.fund).sorted().ids, self.vat.ids
        for kind, taxes, account in (
            ("block", both, self.revenue.id),
            ("register", both, self.revenue.id),
            ("allowance", both, self.revenue.id),
            ("surcharge", vat, self.revenue.id),
            ("fixed", vat, self.revenue.id),
            ("allowance_offset", [], False),
        ):
            with self.subTest(kind=kind):
                line = version._prepare_charge_line("x", kind, 10.0, 0.5)
                self.assertEqual(line["tax_ids"], taxes)
                self.assertEqual(line["account_id"], account)
        # a version without components bills without tax, to the journal's account
        line = self.tariff_version._prepare_charge_line("x", "block", 10.0, 0.5)
        self.assertEqual((line["tax_ids"], line["account_id"]), ([], False))

    def test_taxes_of_approved_components_cannot_change(self):
        self._version([self._energy(), self._fund()]).action_approve()
        for vals in (
            {"amount": 9.0},
            {"price_include_override": "tax_excluded"},
            {"include_base_amount": True},
            {"active": False},
        ):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                self.vat.write(vals)
        with self.assertRaises(UserError):
            self.fund.invoice_repartition_line_ids.filtered(
                lambda line: line.repartition_type == "tax"
            ).account_id = self.revenue
        with self.assertRaises(UserError):
            self.fund.unlink()
        # the name, and taxes no approved version uses, stay editable
        self.vat.name = "VAT 13% (output)"
        self.vat.copy().amount = 9.0

    def test_a_tax_changed_after_approval_stops_billing_with_its_reason(self):
        version = self._version([self._energy(), self._fund()], date_from="2025-01-01")
        version.action_approve()
        self.assertFalse(self.tariff._get_billing_issue("2025-03-01", "2025-03-31"))
        # changed behind the guard's back (SQL, another module)
        self.env.cr.execute("UPDATE account_tax SET amount = 0.03 WHERE id = %s", [self.fund.id])
        self.fund.invalidate_recordset(["amount"])
        issue = self.tariff._get_billing_issue("2025-03-01", "2025-03-31")
        self.assertIn("Fund", issue)
        self.assertIn("0.02", issue)
        run = self.env["utility.billing.run"].create(
            {"date_from": "2025-03-01", "date_to": "2025-03-31", "company_id": self.company.id}
        )
        self.meter.write({"install_date": "2024-01-01", "initial_reading": 1000})
        self.env["utility.meter.reading"].create(
            {"meter_id": self.meter.id, "reading_date": "2025-03-31", "value": 1300}
        ).action_validate()
        bills, skips = run._prepare_bills(self.contract)
        self.assertFalse(bills)
        self.assertEqual([skip["reason"] for skip in skips], ["no_tariff"])
        self.assertEqual(skips[0]["detail"], issue)

    def test_a_billing_officer_edits_draft_components_only(self):
        officer = new_test_user(
            self.env,
            login="officer_components",
            groups="utility_billing.group_utility_billing_officer",
            company_id=self.company.id,
        )
        draft = self._version([self._energy()], date_from="2027-01-01").with_user(officer)
        draft.component_ids = [Command.create(self._fund())]
        self.assertEqual(len(draft.component_ids), 2)
        with self.assertRaises(AccessError):
            draft.component_ids[:1].write({"rate": 13.0})
        draft.with_user(self.env.user).action_approve()
        with self.assertRaises(UserError):
            draft.component_ids[:1].name = "Other"
        with self.assertRaises(UserError):
            draft.component_ids = [Command.create(self._fund())]
        # refused by the guard (before Odoo's rights, which refuse it too)
        with self.assertRaises(UserError):
            self.vat.with_user(officer).amount = 9.0

    def test_no_repartition_line_is_added_to_an_approved_components_tax(self):
        self._version([self._energy(), self._fund()]).action_approve()
        with self.assertRaises(UserError):
            self.env["account.tax.repartition.line"].create(
                {
                    "tax_id": self.fund.id,
                    "document_type": "invoice",
                    "repartition_type": "tax",
                    "factor_percent": 0.0,
                    "account_id": self.revenue.id,
                }
            )
