from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from .test_journey_tours import use_chinese

# The Henan bill (300 kWh at 0.56 / 0.61 / 0.86), its prices including 13%
# VAT and a 0.02/kWh fund: 184.00 = 157.52 net + 20.48 VAT + 6.00 fund
# (utility_billing/tests/common_taxes.py gives the hand computation).
HENAN_LINES = (
    ("第一档 0-180 kWh", 180.0, 0.56),
    ("第二档 181-260 kWh", 80.0, 0.61),
    ("第三档 >260 kWh", 40.0, 0.86),
)
# names of their own: the demo data may hold real taxes of the same kind
FUND_NAME = "国家重大水利工程建设基金（测试）"


def county_bill_taxes(env):
    """A 13% price-included output VAT and a 0.02/kWh price-included fund of
    the demo county, on liability accounts (made here, as the billing run's
    tariff components are not what these tours test)."""
    county = env.ref("utility_billing.company_county")
    Tax = env["account.tax"].with_company(county)
    Account = env["account.account"].with_company(county)
    country = county.account_fiscal_country_id or county.country_id

    def tax(name, account_name, **values):
        existing = Tax.search([("company_id", "=", county.id), ("name", "=", name)])
        if existing:
            return existing
        account = Account.create(
            {
                "name": account_name,
                "code": Account._search_new_account_code("2221"),
                "account_type": "liability_current",
                "company_ids": [Command.set(county.ids)],
            }
        )
        repartition = [
            Command.create({"repartition_type": "base"}),
            Command.create({"repartition_type": "tax", "account_id": account.id}),
        ]
        return Tax.create(
            {
                "name": name,
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
                "company_id": county.id,
                "country_id": country.id,
                "invoice_repartition_line_ids": repartition,
                "refund_repartition_line_ids": repartition,
                **values,
            }
        )

    vat = tax(
        "销项增值税 13%（测试）", "应交增值税（销项税额，测试）", amount_type="percent", amount=13.0
    )
    fund = tax(
        FUND_NAME,
        "应交重大水利工程建设基金（测试）",
        amount_type="fixed",
        amount=0.02,
        sequence=0,
    )
    return vat | fund


def taxed_bill(env, partner, taxes, contract=None, period_start="2020-01-01"):
    """A posted Henan bill of ``partner`` bearing ``taxes``, not yet due."""
    county = env.ref("utility_billing.company_county")
    Move = env["account.move"].with_company(county)
    today = fields.Date.context_today(partner)
    values = {}
    if contract:
        start = fields.Date.to_date(period_start)
        values = {
            "journal_id": Move._utility_get_bill_journal(county).id,
            "utility_contract_id": contract.id,
            "utility_period_start": start,
            "utility_period_end": fields.Date.end_of(start, "month"),
            "utility_consumption": 300.0,
        }
    bill = Move.create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": fields.Date.subtract(today, days=5),
            "invoice_date_due": fields.Date.add(today, days=10),
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": label,
                        "quantity": quantity,
                        "price_unit": price,
                        "tax_ids": [Command.set(taxes.ids)],
                    }
                )
                for label, quantity, price in HENAN_LINES
            ],
            **values,
        }
    )
    bill.action_post()
    return bill


@tagged("post_install", "-at_install")
class TestTaxedBillTours(HttpCase):
    """A bill whose prices include VAT and a government fund, as the person
    sees it, in Chinese: 张伟 (customer01) on a phone reads its VAT and fund
    on the portal, the Chengguan cashier reads them at the counter."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer01 = cls.env.ref(
            "utility_billing.user_portal_customer_01", raise_if_not_found=False
        )
        if not cls.customer01:
            cls.skip_reason = "needs the demo data (make test installs it)"
            return
        cls.skip_reason = None
        cls.cashier = cls.env.ref("utility_payment_channels.user_cashier_cg")
        use_chinese(cls.env, cls.customer01 | cls.cashier)
        cls.taxes = county_bill_taxes(cls.env)

    def setUp(self):
        super().setUp()
        if self.skip_reason:
            self.skipTest(self.skip_reason)

    def test_customer_reads_the_vat_and_fund_of_a_bill_on_a_phone(self):
        self.browser_size = "390x844"
        self.touch_enabled = True
        partner = self.customer01.partner_id
        contract = self.env["utility.contract"].search([("partner_id", "=", partner.id)], limit=1)
        bill = taxed_bill(self.env, partner, self.taxes, contract)
        self.assertEqual(
            (bill.amount_total, bill.amount_untaxed, bill.amount_tax), (184.0, 157.52, 26.48)
        )
        self.start_tour(
            f"/my?utility_taxed_bill={bill.name}",
            "utility_portal_customer_reads_a_taxed_bill_zh",
            login="customer01",
        )

    def test_cashier_reads_the_vat_and_fund_of_a_bill_at_the_counter(self):
        session = self.env.ref("utility_payment_channels.session_cg_open")
        if session.state != "opened":
            self.skipTest("needs the open demo session of the Chengguan hall")
        county = self.env.ref("utility_billing.company_county")
        customer = self.env["res.partner"].create(
            {
                "name": "赵磊",
                "company_id": county.id,
                "utility_customer_number": "0300000284",
                "utility_category": "residential",
                "utility_station_id": self.env.ref("utility_billing.station_cg").id,
            }
        )
        bill = taxed_bill(self.env, customer, self.taxes)
        self.start_tour(
            "/odoo",
            "utility_counter_cashier_reads_a_taxed_bill_zh",
            login="cashier_cg",
        )
        self.assertEqual(bill.payment_state, "not_paid", "the cashier only looked")
