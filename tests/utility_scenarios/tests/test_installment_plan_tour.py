from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestInstallmentPlanTour(HttpCase):
    """A customer with bills of 120.00, 150.00 and 130.00 overdue: a
    Collection Manager agrees a plan of 4 × 100.00 from the menu, in
    Chinese, in Chromium; the bills leave the chasing channels."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(
            [
                "base",
                "web",
                "mail",
                "utility_billing",
                "utility_payment_channels",
                "utility_arrears",
            ],
            ["zh_CN"],
            overwrite=True,
        )
        template = cls.env.ref("utility_billing.customer_01")
        company = (
            template.company_id
            or cls.env.ref("utility_payment_channels.session_cg_open").company_id
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "分期测试客户",
                "utility_customer_number": "0100009471",
                "utility_category": "residential",
                "utility_station_id": template.utility_station_id.id,
                "company_id": company.id,
                "phone": "+8613800009471",
            }
        )
        income = cls.env["account.account"].search(
            [("account_type", "=", "income"), ("company_ids", "in", company.ids)], limit=1
        )
        today = fields.Date.context_today(cls.env.user)
        cls.bills = cls.env["account.move"]
        for amount, days in ((120.0, 100), (150.0, 70), (130.0, 40)):
            bill = cls.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": cls.customer.id,
                    "company_id": company.id,
                    "invoice_date": today - timedelta(days=days + 30),
                    "invoice_date_due": today - timedelta(days=days),
                    "invoice_payment_term_id": False,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "电费",
                                "quantity": 1.0,
                                "price_unit": amount,
                                "account_id": income.id,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
            bill.action_post()
            cls.bills |= bill
        # no late fee (a policy of the category ahead of the demo's), so
        # that the plan's amounts are the bills' own
        cls.env["utility.arrears.policy"].create(
            {
                "name": "分期测试：无违约金",
                "company_id": company.id,
                "category": "residential",
                "sequence": 0,
                "late_fee_current_rate": 0.0,
                "late_fee_earlier_rate": 0.0,
                "late_fee_minimum": 0.0,
            }
        )
        cls.manager = new_test_user(
            cls.env,
            login="plan_tour_manager",
            name="Plan Manager",
            groups="utility_billing.group_utility_manager",
            company_id=company.id,
            company_ids=company.ids,
            lang="zh_CN",
        )

    def test_manager_agrees_a_plan_from_the_menu(self):
        self.start_tour("/odoo", "utility_installment_plan_tour", login="plan_tour_manager")
        plan = self.env["utility.installment.plan"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(plan.state, "active")
        self.assertEqual(plan.approved_by_id, self.manager)
        self.assertEqual(plan.amount_total, 400.0)
        self.assertEqual(plan.line_ids.mapped("amount"), [100.0] * 4)
        self.assertEqual(set(self.bills.mapped("utility_collection_hold")), {"plan"})
        self.assertEqual(self.customer.utility_amount_overdue, 0.0)
