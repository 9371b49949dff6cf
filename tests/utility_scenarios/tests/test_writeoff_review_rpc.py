"""The reviews of a bad-debt write-off, forged over real JSON-RPC.

base_tier_validation gives every internal user create, write and unlink
rights on ``tier.review``. A Meter Reader, a cashier, a field collector and a
billing officer log in and try to mark the pending review of a submitted
write-off approved (``status``, ``done_by``, ``reviewed_date``), to create an
approved review, or to delete the pending one: each call is refused with an
access error and the write-off stays unapproved and unposted.
"""

import base64

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

GROUPS = {
    "reader": "utility_billing.group_utility_meter_reader",
    "cashier": "utility_billing.group_utility_cashier",
    "collector": "utility_billing.group_utility_field_collector",
    "officer": "utility_billing.group_utility_billing_officer",
}


@tagged("post_install", "-at_install")
class TestWriteoffReviewRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        accountant = cls.env["res.users"].search([("login", "=", "accountant")])
        company = accountant.company_id
        customer = cls.env["res.partner"].create(
            {
                "name": "王五",
                "utility_customer_number": "0190088001",
                "utility_category": "residential",
                "company_id": company.id,
            }
        )
        income = cls.env["account.account"].search(
            [("account_type", "=", "income"), ("company_ids", "in", company.ids)], limit=1
        )
        due = fields.Date.subtract(fields.Date.today(), days=400)
        bill = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "company_id": company.id,
                    "invoice_date": due,
                    "invoice_date_due": due,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "电费",
                                "quantity": 1,
                                "price_unit": 96.40,
                                "account_id": income.id,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        bill.action_post()
        cls.batch = (
            cls.env["utility.writeoff.batch"]
            .with_user(accountant)
            .create(
                {
                    "reason": "bankruptcy",
                    "reason_note": "企业破产注销",
                    "partner_ids": [Command.set(customer.ids)],
                    "evidence_attachment_ids": [
                        Command.create(
                            {"name": "注销公告.pdf", "datas": base64.b64encode(b"%PDF-1.4")}
                        )
                    ],
                }
            )
        )
        cls.batch.action_add_bills()
        cls.batch.action_submit()
        cls.review = cls.batch.review_ids
        cls.manager = new_test_user(
            cls.env,
            login="writeoff_rpc_manager",
            groups="utility_billing.group_utility_manager",
            company_id=company.id,
            company_ids=company.ids,
        )
        cls.users = {
            name: new_test_user(
                cls.env,
                login=f"writeoff_rpc_{name}",
                groups=xmlid,
                company_id=company.id,
                company_ids=company.ids,
            )
            for name, xmlid in GROUPS.items()
        }

    def _call(self, method, args):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": "tier.review", "method": method, "args": args, "kwargs": {"context": {}}},
        )

    def test_review_status_cannot_be_forged_over_rpc(self):
        self.assertEqual(len(self.review), 1)
        forged = {
            "status": "approved",
            "done_by": self.manager.id,
            "reviewed_date": "2026-01-01 00:00:00",
        }
        attempts = [
            ("write", [self.review.ids, forged]),
            ("write", [self.review.ids, {"done_by": self.manager.id}]),
            (
                "create",
                [{"model": "utility.writeoff.batch", "res_id": self.batch.id, **forged}],
            ),
            ("unlink", [self.review.ids]),
        ]
        for name, user in self.users.items():
            self.authenticate(user.login, user.login)
            for method, args in attempts:
                with self.subTest(user=name, method=method):
                    with self.assertRaises(JsonRpcException) as caught:
                        self._call(method, args)
                    self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError")
        self.review.invalidate_recordset()
        self.batch.invalidate_recordset()
        self.assertEqual(
            (self.review.status, self.review.done_by), ("pending", self.manager.browse())
        )
        self.assertEqual(self.batch.validation_status, "pending")
        self.assertEqual(self.batch.state, "to_approve")
        self.assertFalse(self.batch.move_id)
