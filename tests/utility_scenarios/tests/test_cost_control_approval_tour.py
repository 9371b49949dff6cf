from datetime import datetime

from odoo.tests import HttpCase, tagged

from odoo.addons.queue_job.tests.common import trap_jobs


@tagged("post_install", "-at_install")
class TestCostControlApprovalTour(HttpCase):
    """A caring-service customer's balance ran out: the hourly rules sent
    the final notice and, instead of switching her off, asked the
    Collection Managers. After the caring visit, the manager (admin in the
    demo) approves the switch-off from the menu, in Chinese, in Chromium;
    the next working hour queues it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract = cls.env.ref("utility_billing.contract_03", raise_if_not_found=False)
        if cls.contract:
            cls.env["res.lang"]._activate_lang("zh_CN")
            cls.env["ir.module.module"]._load_module_terms(
                ["base", "web", "mail", "utility_billing", "utility_arrears"],
                ["zh_CN"],
                overwrite=True,
            )
            cls.env.ref("base.user_admin").lang = "zh_CN"

    def test_manager_approves_a_caring_customers_switch_off(self):
        if not (self.contract and self.contract.cost_control):
            self.skipTest("needs the demo data (make test installs it)")
        contract = self.contract
        Contract = self.env["utility.contract"]
        company = contract.company_id
        company.write(
            {
                "utility_cc_threshold": 0.0,
                "utility_cc_grace_hours": 24,
                "utility_cc_notice_hours": 24,
                "utility_cc_calendar_id": self.env.ref("utility_arrears.demo_cc_calendar").id,
            }
        )
        contract.meter_id._utility_set_supply("on")
        profile = self.env["utility.care.profile"].create(
            {
                "partner_id": contract.partner_id.id,
                "care_type": "elderly_alone",
                "company_id": company.id,
            }
        )
        # the other demo contracts under cost control are not running low
        others = Contract.search([("cost_control", "=", True), ("id", "!=", contract.id)])
        with Contract._utility_protected_write():
            others.write({"valued_balance": 1000.0})
            # valued at -8.50: the unbilled value leaving the customer's
            # credit and open bills there
            unbilled = (
                contract.valued_unbilled_amount + contract._utility_balance_now()[contract.id] + 8.5
            )
            contract.write(
                {
                    "valued_balance": -8.5,
                    "valued_at": datetime(2026, 12, 2, 1, 0),
                    "valued_unbilled_amount": unbilled,
                }
            )
        # Wednesday 10:00 (Beijing): low; Thursday: the final notice; Friday
        # 10:00: a working hour, but a caring customer: the managers are asked
        for now in ("2026-12-02 02:00", "2026-12-03 02:00", "2026-12-04 02:00"):
            with trap_jobs() as trap:
                Contract._cron_utility_cost_control(now=datetime.fromisoformat(now))
            self.assertFalse(trap.enqueued_jobs)
        self.assertEqual(contract.cc_status, "approval")
        self.assertIn(
            self.env.ref("base.user_admin"),
            contract.activity_ids.filtered(
                lambda a: (
                    a.activity_type_id
                    == self.env.ref("utility_arrears.mail_activity_type_cc_approval")
                )
            ).user_id,
        )
        self.env["utility.care.visit"].create(
            {"profile_id": profile.id, "date": "2026-12-04", "note": "独居老人，已告知尽快充值"}
        )

        self.start_tour("/odoo", "utility_cost_control_approval_tour", login="admin")

        contract.invalidate_recordset()
        self.assertEqual(contract.cc_approved_by_id, self.env.ref("base.user_admin"))
        # Monday 7 December, 10:00 (Beijing): the switch-off is queued
        with trap_jobs() as trap:
            Contract._cron_utility_cost_control(now=datetime(2026, 12, 7, 2, 0))
        self.assertEqual(len(trap.enqueued_jobs), 1)
        self.assertEqual(contract.cc_command_id.action, "switch_off")
        self.assertEqual(contract.cc_command_id.meter_id, contract.meter_id)
