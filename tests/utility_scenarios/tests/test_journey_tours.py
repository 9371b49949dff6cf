import os
import re
from unittest.mock import patch

from odoo.tests import HttpCase, tagged

# the modules whose words the journeys show, loaded in Chinese
JOURNEY_MODULES = [
    "web",
    "mail",
    "portal",
    "payment",
    "payment_demo",
    "account",
    "account_payment",
    "utility_billing",
    "utility_payment_channels",
    "utility_arrears",
]


def use_chinese(env, users):
    """Simplified Chinese for ``users``, with the journeys' translations."""
    env["res.lang"]._activate_lang("zh_CN")
    env["ir.module.module"]._load_module_terms(JOURNEY_MODULES, ["zh_CN"], overwrite=True)
    repair_demo_payment_translation(env)
    users.write({"lang": "zh_CN"})


def repair_demo_payment_translation(env):
    """Odoo 19's zh_CN translation of payment_demo translates the values of
    the payment status options ("done" becomes "完成"), so that every demo
    payment made in Chinese fails: put the values back (scripts/odoo_db.py
    does the same in the demo database)."""
    view = env.ref("payment_demo.payment_details")
    fixes = {}
    for term in view.get_field_translations("arch_db")[0]:
        if "simulated_payment_state" in term["source"] and term["value"]:
            values = iter(re.findall(r'<option value="([^"]*)"', term["source"]))
            fixed = re.sub(
                r'<option value="[^"]*"',
                lambda match, values=values: f'<option value="{next(values)}"',
                term["value"],
            )
            if fixed != term["value"]:
                fixes.setdefault(term["lang"], {})[term["source"]] = fixed
    if fixes:
        view.update_field_translations("arch_db", fixes)


def enable_demo_provider(env, company):
    """Odoo's demo payment provider of ``company``, enabled in test mode as
    ``make run`` does in the demo database."""
    Provider = env["payment.provider"].sudo()
    provider = Provider.search([("code", "=", "demo"), ("company_id", "=", company.id)], limit=1)
    if not provider:
        provider = env.ref("payment.payment_provider_demo").sudo().copy({"company_id": company.id})
    provider.write({"state": "test", "is_published": True})
    return provider


@tagged("post_install", "-at_install")
class TestPortalJourneyTours(HttpCase):
    """The portal customers of the demo, on a phone, in Chinese: 张伟
    (customer01) pays an overdue bill online and downloads it, 李娜
    (customer03, prepaid) tops up. Both start from the portal home."""

    browser_size = "390x844"
    touch_enabled = True

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
        cls.customer03 = cls.env.ref("utility_billing.user_portal_customer_03")
        cls.county = cls.env.ref("utility_billing.company_county")
        use_chinese(cls.env, cls.customer01 | cls.customer03)
        cls.provider = enable_demo_provider(cls.env, cls.county)

    def setUp(self):
        super().setUp()
        if self.skip_reason:
            self.skipTest(self.skip_reason)

    def _open_bills(self, partner):
        return self.env["account.move"].search(
            [
                ("partner_id", "=", partner.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
            ]
        )

    def test_customer_pays_an_overdue_bill_online_on_a_phone_in_chinese(self):
        customer = self.customer01.partner_id
        overdue = self._open_bills(customer).filtered(lambda b: b.utility_late_fee_today)
        self.assertTrue(overdue, "the demo customer01 has overdue bills")
        warnings = self.env["utility.warning"].search(
            [("move_id", "in", overdue.ids), ("cleared_at", "=", False)]
        )
        self.assertTrue(warnings, "the demo home page warns of them")
        self.start_tour("/my", "utility_portal_customer_pays_a_bill_zh", login="customer01")
        paid = overdue - self._open_bills(customer)
        self.assertEqual(len(paid), 1, "the customer paid one bill online")
        self.assertIn(paid.payment_state, ("paid", "in_payment"))
        tx = paid.transaction_ids
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.provider_id, self.provider)
        self.assertTrue(paid.utility_late_fee_move_ids, "its late fee was charged separately")
        self.assertTrue(all(warnings.filtered(lambda w: w.move_id == paid).mapped("cleared_at")))

    def test_prepaid_customer_tops_up_on_a_phone_in_chinese(self):
        contract = self.env.ref("utility_billing.contract_03")
        self.assertEqual(contract.prepaid_balance, 12.0)
        self.start_tour("/my", "utility_portal_prepaid_customer_tops_up_zh", login="customer03")
        contract.invalidate_recordset(["prepaid_balance"])
        self.assertEqual(contract.prepaid_balance, 112.0)
        self.assertFalse(
            self.env["utility.warning"].search(
                [
                    ("contract_id", "=", contract.id),
                    ("kind", "=", "balance_amount"),
                    ("cleared_at", "=", False),
                ]
            )
        )


@tagged("post_install", "-at_install")
class TestManagerJourneyTour(HttpCase):
    """The collection manager (admin, in Chinese) runs dunning from the
    menu, then gives notice of a disconnection to 张伟 and schedules it:
    the order names his overdue bills."""

    def test_manager_runs_dunning_and_schedules_a_disconnection(self):
        admin = self.env.ref("base.user_admin")
        customer = self.env.ref("utility_billing.customer_01", raise_if_not_found=False)
        if not customer:
            self.skipTest("needs the demo data (make test installs it)")
        use_chinese(self.env, admin)
        # the run's batches as jobs done at once (no job runner in tests)
        with patch.dict(os.environ, {"QUEUE_JOB__NO_DELAY": "1"}):
            self.start_tour("/odoo", "utility_manager_dunning_and_disconnection_zh", login="admin")
        run = self.env["utility.dunning.run"].search([], order="id desc", limit=1)
        self.assertEqual(run.state, "done")
        self.assertIn(customer, run.action_ids.partner_id)
        order = self.env["utility.disconnection.order"].search(
            [("partner_id", "=", customer.id)], order="id desc", limit=1
        )
        self.assertEqual(order.state, "scheduled")
        overdue = self.env["account.move"].search(
            [
                ("partner_id", "=", customer.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("invoice_date_due", "<", order.notice_date.date()),
            ]
        )
        self.assertEqual(order.bill_ids, overdue)
        self.assertEqual(order.amount_overdue, sum(overdue.mapped("amount_residual")))
        self.assertGreater(order.amount_overdue, 0)
