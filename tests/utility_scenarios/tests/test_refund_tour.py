from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestRefundTour(HttpCase):
    """A bill paid at the counter and again at the post office: the cashier
    asks for the 183.60 back; a Collection Manager approves it from the
    menu, in Chinese, in Chromium."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(
            ["base", "web", "utility_billing", "utility_payment_channels"],
            ["zh_CN"],
            overwrite=True,
        )
        customer = cls.env.ref("utility_billing.customer_01")
        cls.contract = cls.env["utility.contract"].search(
            [("partner_id", "=", customer.id)], limit=1
        )
        company = cls.contract.company_id
        bank = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
        )
        cls.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": customer.id,
                "amount": 183.60,
                "journal_id": bank.id,
                "company_id": company.id,
                "date": fields.Date.today(),
            }
        ).action_post()
        cashier = cls.env["res.users"].search([("login", "=", "cashier_cg")])
        cls.request = (
            cls.env["utility.refund.request"]
            .with_user(cashier)
            .create(
                {
                    "partner_id": customer.id,
                    "company_id": company.id,
                    "contract_id": cls.contract.id,
                    "reason": "duplicate",
                    "reason_note": "柜台与邮政各缴一次，客户申请退回重复缴费。",
                    "amount": 183.60,
                    "journal_id": bank.id,
                }
            )
        )
        cls.request.action_submit()
        cls.manager = new_test_user(
            cls.env,
            login="refund_tour_manager",
            name="Refund Manager",
            groups="utility_billing.group_utility_manager",
            company_id=company.id,
            company_ids=company.ids,
            lang="zh_CN",
        )

    def test_manager_approves_a_refund_from_the_menu(self):
        self.assertEqual(self.request.state, "to_approve")
        self.start_tour("/odoo", "utility_refund_approve_tour", login="refund_tour_manager")
        self.request.invalidate_recordset()
        self.assertEqual(self.request.state, "approved")
        self.assertEqual(self.request.approved_by_id, self.manager)
        self.contract.invalidate_recordset()
        self.assertIn(self.request, self.contract.refund_in_progress_ids)
