"""Installment plans attacked over real JSON-RPC.

A cashier and a field collector read plans but must not agree or cancel
one, nor write its state; once a plan is agreed, nobody changes its bills
or installments by editing the record, and the hold and plan link of its
bills are written by the plan's actions only, whatever the group.
"""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

GROUPS = {
    "cashier": "utility_billing.group_utility_cashier",
    "collector": "utility_billing.group_utility_field_collector",
    "officer": "utility_billing.group_utility_billing_officer",
    "accountant": "utility_billing.group_utility_accountant",
    "manager": "utility_billing.group_utility_manager",
}


@tagged("post_install", "-at_install")
class TestInstallmentPlanRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = fields.Date.context_today(cls.env.user)
        bills = cls.env["account.move"].search(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("invoice_date_due", "<", today),
                ("utility_contract_id", "!=", False),
                ("utility_collection_hold", "=", False),
                ("utility_entry_kind", "=", False),
            ],
            order="invoice_date_due, id",
        )
        customer = bills[:1].commercial_partner_id
        cls.bills = bills.filtered(lambda b: b.commercial_partner_id == customer)
        cls.company = cls.bills[:1].company_id
        cls.users = {
            name: new_test_user(
                cls.env,
                login=f"plan_rpc_{name}",
                groups=xmlid,
                company_id=cls.company.id,
                company_ids=cls.company.ids,
            )
            for name, xmlid in GROUPS.items()
        }
        Plan = cls.env["utility.installment.plan"].with_user(cls.users["manager"])
        cls.draft = Plan.create(
            {
                "partner_id": customer.id,
                "company_id": cls.company.id,
                "bill_ids": [Command.set(cls.bills.ids)],
                "first_due_date": today + timedelta(days=10),
            }
        )
        cls.draft.action_generate_lines()
        cls.draft = cls.draft.with_env(cls.env)

    def _call(self, model, method, args):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": args, "kwargs": {"context": {}}},
        )

    def _refused(self, model, method, args, error="odoo.exceptions.AccessError"):
        with self.assertRaises(JsonRpcException) as caught:
            self._call(model, method, args)
        self.assertEqual(caught.exception.args[0], error)

    def test_only_a_collection_manager_agrees_or_cancels_a_plan(self):
        plan = self.draft
        for name in ("cashier", "collector", "officer", "accountant"):
            user = self.users[name]
            self.authenticate(user.login, user.login)
            with self.subTest(user=name):
                self._refused("utility.installment.plan", "action_confirm", [plan.ids])
                self._refused("utility.installment.plan", "action_cancel", [plan.ids])
                self._refused("utility.installment.plan", "action_generate_lines", [plan.ids])
                self._refused("utility.installment.plan", "write", [plan.ids, {"state": "active"}])
                self._refused(
                    "utility.installment.plan.line", "write", [plan.line_ids.ids, {"amount": 1}]
                )
                plan.invalidate_recordset()
                self.assertEqual(plan.state, "draft")
                self.assertFalse(any(self.bills.mapped("utility_collection_hold")))
        manager = self.users["manager"]
        self.authenticate(manager.login, manager.login)
        # not even a manager writes the state
        self._refused("utility.installment.plan", "write", [plan.ids, {"state": "active"}])
        self._call("utility.installment.plan", "action_confirm", [plan.ids])
        plan.invalidate_recordset()
        self.assertEqual(plan.state, "active")
        self.assertEqual(set(self.bills.mapped("utility_collection_hold")), {"plan"})

    def test_an_agreed_plan_and_its_bills_cannot_be_edited(self):
        plan = self.draft
        plan.with_user(self.users["manager"]).action_confirm()
        line = plan.line_ids[:1]
        amount = line.amount
        for name, user in self.users.items():
            self.authenticate(user.login, user.login)
            with self.subTest(user=name):
                # a manager may write plans, but not an agreed one's terms
                error = (
                    "odoo.exceptions.UserError"
                    if name == "manager"
                    else "odoo.exceptions.AccessError"
                )
                self._refused(
                    "utility.installment.plan.line", "write", [line.ids, {"amount": 1}], error
                )
                self._refused(
                    "utility.installment.plan",
                    "write",
                    [plan.ids, {"bill_ids": [Command.set(self.bills[:1].ids)]}],
                    error,
                )
                self._refused("utility.installment.plan.line", "unlink", [line.ids], error)
                self._refused(
                    "account.move",
                    "write",
                    [self.bills[:1].ids, {"utility_collection_hold": False}],
                )
                self._refused(
                    "account.move",
                    "write",
                    [self.bills[:1].ids, {"utility_installment_plan_id": False}],
                )
                line.invalidate_recordset()
                self.assertEqual(line.amount, amount)
                self.assertEqual(set(self.bills.mapped("utility_collection_hold")), {"plan"})
                self.assertEqual(self.bills.utility_installment_plan_id, plan)
