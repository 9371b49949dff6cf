"""The accountant reconciles a biller's next-day file in Chromium (issue 25)."""

import json

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .tour_common import customer_with_open_bills

TRADE_DATE = fields.Date.to_date("2025-12-01")


@tagged("post_install", "-at_install")
class TestBillerReconTour(HttpCase):
    def setUp(self):
        super().setUp()
        self.county = self.env.ref("utility_billing.company_county", raise_if_not_found=False)
        if not self.county:
            self.skipTest("needs the demo data (make test installs it)")

    def test_accountant_confirms_a_line_the_billers_api_never_booked(self):
        new_test_user(
            self.env,
            login="accountant_recon",
            password="accountant_recon",
            name="孙会计",
            groups="utility_billing.group_utility_accountant",
            company_id=self.county.id,
            company_ids=[self.county.id],
            tz="Asia/Shanghai",
            lang=self.env.ref("base.user_admin").lang,
        )
        env = self.env(context=dict(self.env.context, allowed_company_ids=[self.county.id]))
        outlet = env["utility.collection.point"].create(
            {"name": "云闪付", "code": "UPAY-APP", "kind": "agency", "company_id": self.county.id}
        )
        biller = env["utility.agency"].create(
            {
                "name": "云闪付生活缴费",
                "code": "UPAY-T",
                "kind": "biller",
                "company_id": self.county.id,
                "partner_id": env["res.partner"]
                .create({"name": "银联商务", "is_company": True})
                .id,
                "outlet_ids": [(6, 0, outlet.ids)],
                "file_delimiter": "bar",
                "file_summary_layout": json.dumps({"count": 2, "total": 3, "trade_date": 4}),
            }
        )
        customers = [
            customer_with_open_bills(env, name, number, [amount])[0]
            for name, number, amount in (
                ("陈立新", "0300000201", 60.0),
                ("黄美玲", "0300000202", 40.0),
                ("孙志强", "0300000203", 30.0),
            )
        ]

        def api(txn_id, customer, amount):
            return env["account.payment"]._utility_pay(
                customer,
                amount,
                outlet,
                external_txn_id=txn_id,
                txn_scope=biller._utility_txn_scope(),
                trade_date=TRADE_DATE,
                journal=biller.journal_id,
            )

        matched = api("U-1", customers[0], 60.0)
        api("U-2", customers[1], 40.0)
        here_only = api("U-9", customers[2], 30.0)

        self.start_tour("/odoo", "utility_accountant_biller_recon_tour", login="accountant_recon")

        recon = env["utility.agency.import"].search([("agency_id", "=", biller.id)])
        self.assertEqual(recon.trade_date, TRADE_DATE)
        lines = {line.txn_id: line for line in recon.line_ids}
        self.assertEqual(lines["U-1"].payment_id, matched)
        self.assertEqual((lines["U-2"].state, lines["U-2"].reason), ("kept", "api_amount"))
        self.assertEqual(lines["U-3"].state, "resolved")
        booked = lines["U-3"].payment_id
        self.assertEqual(booked.partner_id, customers[2])
        self.assertEqual(booked.utility_trade_date, TRADE_DATE)
        self.assertEqual(booked.utility_external_txn_id, "U-3")
        self.assertEqual(booked.journal_id, biller.journal_id)
        # the biller retrying U-3 through the API later is answered that payment
        self.assertEqual(api("U-3", customers[2], 30.0), booked)
        self.assertEqual(
            (recon.recon_matched_total, recon.recon_booked_total, recon.recon_kept_total),
            (60.0, 30.0, 45.0),
        )
        self.assertEqual(recon.file_total, 135.0)
        self.assertEqual(
            recon.difference_ids.filtered(lambda d: d.kind == "api_only").payment_id, here_only
        )
