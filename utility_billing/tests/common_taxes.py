from odoo import Command

# The Henan example (300 kWh of a 0.56 / 0.61 / 0.86 block tariff) with a 13%
# price-included VAT and a 0.02/kWh price-included fund, computed by hand:
# the fund is outside the VAT base, VAT = (amount - fund) x 0.13 / 1.13.
#   0-180    100.80 = fund 3.60 + VAT 11.18 (11.182301) + net 86.02
#   181-260   48.80 = fund 1.60 + VAT  5.43 (5.430088)  + net 41.77
#   >260      34.40 = fund 0.80 + VAT  3.87 (3.865487)  + net 29.73
#   total    184.00 = fund 6.00 + VAT 20.48            + net 157.52
# (globally: 178.00 x 0.13 / 1.13 = 20.477876 -> 20.48, the same split)
HENAN_LINES = (("0-180 kWh", 180.0, 0.56), ("181-260 kWh", 80.0, 0.61), (">260 kWh", 40.0, 0.86))
HENAN_TOTAL = 184.00
HENAN_NET = 157.52
HENAN_VAT = 20.48
HENAN_FUND = 6.00
HENAN_LINE_TOTALS = [100.80, 48.80, 34.40]


class UtilityTaxedBillMixin:
    """Taxes of a Chinese electricity bill, made directly as ``account.tax``
    records (a 13% price-included output VAT and a 0.02/kWh price-included
    government fund, both on liability accounts), and bills posted with
    them."""

    @classmethod
    def _utility_make_bill_taxes(cls, company):
        Account = cls.env["account.account"]
        TaxGroup = cls.env["account.tax.group"]
        country = company.account_fiscal_country_id or company.country_id
        cls.vat_account = Account.create(
            {
                "name": "Output VAT",
                "code": "222199",
                "account_type": "liability_current",
                "company_ids": [Command.set(company.ids)],
            }
        )
        cls.fund_account = Account.create(
            {
                "name": "Water conservancy fund payable",
                "code": "224199",
                "account_type": "liability_current",
                "company_ids": [Command.set(company.ids)],
            }
        )
        vat_group = TaxGroup.create(
            {"name": "VAT", "company_id": company.id, "country_id": country.id}
        )
        fund_group = TaxGroup.create(
            {"name": "Government funds", "company_id": company.id, "country_id": country.id}
        )

        def repartition(account):
            return [
                Command.create({"repartition_type": "base"}),
                Command.create({"repartition_type": "tax", "account_id": account.id}),
            ]

        Tax = cls.env["account.tax"]
        cls.vat13 = Tax.create(
            {
                "name": "Output VAT 13% incl.",
                "type_tax_use": "sale",
                "amount_type": "percent",
                "amount": 13.0,
                "price_include_override": "tax_included",
                "tax_group_id": vat_group.id,
                "company_id": company.id,
                "country_id": country.id,
                "invoice_repartition_line_ids": repartition(cls.vat_account),
                "refund_repartition_line_ids": repartition(cls.vat_account),
            }
        )
        cls.fund = Tax.create(
            {
                "name": "Water conservancy fund",
                "type_tax_use": "sale",
                "amount_type": "fixed",
                "amount": 0.02,
                "price_include_override": "tax_included",
                "include_base_amount": False,
                "sequence": 0,
                "tax_group_id": fund_group.id,
                "company_id": company.id,
                "country_id": country.id,
                "invoice_repartition_line_ids": repartition(cls.fund_account),
                "refund_repartition_line_ids": repartition(cls.fund_account),
            }
        )

    @classmethod
    def _utility_taxed_bill(cls, partner, lines, taxes, due_date, post=True, **values):
        """A customer invoice of ``lines`` ([(label, quantity, price)]), each
        bearing ``taxes``, on the company's revenue account."""
        bill = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "company_id": cls.company.id,
                "invoice_date": due_date,
                "invoice_date_due": due_date,
                "invoice_payment_term_id": False,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": label,
                            "quantity": quantity,
                            "price_unit": price,
                            "account_id": cls.company_data["default_account_revenue"].id,
                            "tax_ids": [Command.set(taxes.ids)],
                        }
                    )
                    for label, quantity, price in lines
                ],
                **values,
            }
        )
        if post:
            bill.action_post()
        return bill

    def _utility_balances(self, move):
        """{account: balance} of ``move``'s journal items."""
        balances = {}
        for line in move.line_ids:
            balances[line.account_id] = move.currency_id.round(
                balances.get(line.account_id, 0.0) + line.balance
            )
        return balances
