import base64

from odoo import fields
from odoo.tests import new_test_user

from .common import UtilityPaymentCase


class UtilityAgencyCase(UtilityPaymentCase):
    """The post office as an agency with two outlets booking into its own
    clearing journal, a second customer with one open bill, and a bank
    journal where the agency's transfers arrive. Agency files are dated
    2025-01-10, before any bill falls due."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        points = cls.env["utility.collection.point"].create(
            [
                {"name": "Chengguan post office", "code": "POST-CG", "kind": "agency"},
                {"name": "Liuzhuang village post", "code": "POST-LZ", "kind": "agency"},
            ]
        )
        cls.outlet_cg, cls.outlet_lz = points
        cls.post_partner = cls.env["res.partner"].create(
            {"name": "China Post Xinyuan", "is_company": True}
        )
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.agency = cls.env["utility.agency"].create(
            {
                "name": "China Post",
                "code": "POST",
                "partner_id": cls.post_partner.id,
                "outlet_ids": [(6, 0, points.ids)],
                "commission_per_txn": 0.5,
                "commission_rate": 0.2,
                "commission_min": 10.0,
                "commission_max": 500.0,
                "commission_account_id": cls.company_data["default_account_expense"].id,
                "bank_journal_id": cls.bank_journal.id,
            }
        )
        cls.agency.action_create_journal()
        cls.customer_2 = cls.env["res.partner"].create(
            {
                "name": "Li Lei",
                "utility_customer_number": "0100000003",
                "utility_category": "residential",
            }
        )
        # not yet due, like the bills of the common case: no late fee applies
        today = fields.Date.context_today(cls.env.user)
        cls.bill_2 = cls._utility_bill(cls.customer_2, 60.0, fields.Date.add(today, days=15))

    @classmethod
    def _create_biller(cls, code, **vals):
        """Alipay's life-payment service as a biller (its app the one
        outlet), with ``vals`` for its own signing, fee and file layout, and
        an accountant who imports its files: ``(app, biller, accountant)``."""
        app = cls.env["utility.collection.point"].create(
            {"name": "Alipay life payment", "code": f"ALIPAY-{code}", "kind": "agency"}
        )
        biller = cls.env["utility.agency"].create(
            {
                "name": "Alipay",
                "code": code,
                "kind": "biller",
                "partner_id": cls.env["res.partner"]
                .create({"name": "Alipay (China) Network Technology", "is_company": True})
                .id,
                "outlet_ids": [(6, 0, app.ids)],
                **vals,
            }
        )
        accountant = new_test_user(
            cls.env,
            login=f"biller_accountant_{code.lower()}",
            groups="utility_billing.group_utility_accountant,account.group_account_user",
        )
        return app, biller, accountant

    def _agency_file(
        self, rows, header="txn_id,paid_at,customer_number,bill_number,amount,outlet_code"
    ):
        text = "\n".join([header] + rows) + "\n"
        return base64.b64encode(text.encode("utf-8"))

    def _new_import(self, rows, agency=None, **kwargs):
        return self.env["utility.agency.import"].create(
            {
                "agency_id": (agency or self.agency).id,
                "file": self._agency_file(rows, **kwargs),
                "filename": "post_20250301.csv",
            }
        )

    def _clearing_balance(self):
        lines = self.env["account.move.line"].search(
            [
                ("account_id", "=", self.agency.clearing_account_id.id),
                ("parent_state", "=", "posted"),
            ]
        )
        return sum(lines.mapped("balance"))
