from datetime import timedelta

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestCostControlValuationTour(HttpCase):
    """The billing officer values a demo cost-controlled contract from its
    form, in Chinese, in Chromium: the figures shown are the valuation's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = cls.env.ref("utility_billing.user_billing_officer", raise_if_not_found=False)
        cls.contract = cls.env.ref("utility_billing.contract_13", raise_if_not_found=False)
        if cls.officer and cls.contract:
            cls.env["res.lang"]._activate_lang("zh_CN")
            cls.env["ir.module.module"]._load_module_terms(
                ["base", "web", "utility_billing", "utility_arrears"], ["zh_CN"], overwrite=True
            )
            cls.officer.lang = "zh_CN"

    def test_officer_values_a_cost_controlled_contract_now(self):
        contract = self.contract
        if not (self.officer and contract and contract.cost_control):
            self.skipTest("needs the demo data (make test installs it)")
        # as before any valuation
        with contract._utility_protected_write():
            contract.write(
                {
                    "valued_at": False,
                    "valued_reading_at": False,
                    "valued_unbilled_kwh": 0.0,
                    "valued_unbilled_amount": 0.0,
                    "valued_balance": 0.0,
                    "valued_days_left": 0,
                }
            )
        self.start_tour("/odoo", "utility_cost_control_valuation_tour", login="officer_cg")
        contract.invalidate_recordset()
        self.assertTrue(contract.valued_at)
        self.assertEqual(contract.valued_unbilled_kwh, 268.6)
        # the value is the tariff's charge lines for the days since the bill
        billed = self.env["utility.meter.reading"].search(
            [("contract_id", "=", contract.id), ("state", "=", "billed")],
            order="reading_date desc",
            limit=1,
        )
        day = self.env["utility.meter.daily.reading"].search(
            [("meter_id", "=", contract.meter_id.id), ("state", "=", "ok")],
            order="read_at desc",
            limit=1,
        )
        lines = contract.tariff_id._compute_charge_lines(
            billed.reading_date + timedelta(days=1),
            day.read_day,
            consumption=268.6,
        )
        amount = contract.currency_id.round(sum(line["amount"] for line in lines))
        self.assertAlmostEqual(contract.valued_unbilled_amount, amount, places=2)
        owed = sum(
            self.env["account.move"]
            .search(
                [
                    ("partner_id", "=", contract.partner_id.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                ]
            )
            .mapped("amount_residual")
        )
        self.assertAlmostEqual(
            contract.valued_balance, contract.prepaid_balance - owed - amount, places=2
        )
