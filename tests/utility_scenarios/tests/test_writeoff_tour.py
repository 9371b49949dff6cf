import base64

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestWriteoffTour(HttpCase):
    """张三 died owing his bill of 183.60 and its late fee of 12.40, overdue
    more than a year: the accountant submits the write-off with the death
    certificate; a Collection Manager approves and posts it, from the menu,
    in Chinese, in Chromium."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(
            ["base", "web", "mail", "utility_billing", "utility_payment_channels",
             "utility_arrears", "base_tier_validation"],
            ["zh_CN"],
            overwrite=True,
        )  # fmt: skip
        cls.accountant = cls.env["res.users"].search([("login", "=", "accountant")])
        cls.accountant.lang = "zh_CN"
        company = cls.accountant.company_id
        cls.company = company
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "张三",
                "utility_customer_number": "0190077001",
                "utility_category": "residential",
                "company_id": company.id,
            }
        )
        income = cls.env["account.account"].search(
            [("account_type", "=", "income"), ("company_ids", "in", company.ids)], limit=1
        )
        today = fields.Date.context_today(cls.accountant)

        def invoice(label, amount, due, **values):
            move = (
                cls.env["account.move"]
                .with_company(company)
                .create(
                    {
                        "move_type": "out_invoice",
                        "partner_id": cls.customer.id,
                        "company_id": company.id,
                        "invoice_date": due,
                        "invoice_date_due": due,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": label,
                                    "quantity": 1,
                                    "price_unit": amount,
                                    "account_id": income.id,
                                    "tax_ids": [Command.clear()],
                                }
                            )
                        ],
                        **values,
                    }
                )
            )
            move.action_post()
            return move

        cls.bill = invoice("电费", 183.60, fields.Date.subtract(today, days=400))
        cls.fee = invoice(
            "违约金",
            12.40,
            fields.Date.subtract(today, days=390),
            utility_late_fee_bill_id=cls.bill.id,
        )
        cls.manager = new_test_user(
            cls.env,
            login="writeoff_tour_manager",
            name="Writeoff Manager",
            groups="utility_billing.group_utility_manager",
            company_id=company.id,
            company_ids=company.ids,
            lang="zh_CN",
        )

    def _batch(self):
        return self.env["utility.writeoff.batch"].search(
            [("partner_ids", "in", self.customer.ids)], order="id desc", limit=1
        )

    def test_accountant_submits_a_writeoff_with_evidence(self):
        self.start_tour("/odoo", "utility_writeoff_tour", login="accountant")
        batch = self._batch()
        self.assertEqual(batch.state, "to_approve")
        self.assertEqual(batch.submitted_by_id, self.accountant)
        self.assertEqual(batch.line_ids.bill_id, self.bill | self.fee)
        self.assertEqual(batch.amount_total, 196.0)
        self.assertEqual(batch.evidence_attachment_ids.mapped("name"), ["死亡证明.pdf"])
        # attached to the batch: the approver reads it
        self.assertEqual(batch.evidence_attachment_ids.res_id, batch.id)
        self.assertEqual(
            batch.with_user(self.manager).evidence_attachment_ids.mapped("name"), ["死亡证明.pdf"]
        )
        self.assertEqual(batch.validation_status, "pending")

    def test_manager_approves_posts_and_finds_the_register(self):
        batch = (
            self.env["utility.writeoff.batch"]
            .with_user(self.accountant)
            .create(
                {
                    "reason": "death",
                    "reason_note": "户主已故，无继承人，多次上门催收无果。",
                    "partner_ids": [Command.set(self.customer.ids)],
                }
            )
        )
        batch.action_add_bills()
        batch.evidence_attachment_ids = [
            Command.create(
                {
                    "name": "死亡证明.pdf",
                    "datas": base64.b64encode(b"%PDF-1.4 death certificate"),
                }
            )
        ]
        batch.action_submit()
        self.start_tour("/odoo", "utility_writeoff_approve_tour", login="writeoff_tour_manager")
        batch.invalidate_recordset()
        self.assertEqual(batch.state, "posted")
        self.assertEqual(batch.approved_by_id, self.manager)
        self.assertEqual(batch.move_id.journal_id.code, "UWO")
        for bill in self.bill | self.fee:
            self.assertEqual(bill.amount_residual, 0.0)
            self.assertEqual(bill.utility_collection_hold, "written_off")
