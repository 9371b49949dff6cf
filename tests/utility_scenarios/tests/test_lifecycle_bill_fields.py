"""The life-cycle fields of journal entries, tried over real JSON-RPC.

``account.move`` is Odoo's model, not under ``utility.protected.fields.mixin``
nor in the write matrix: its own ``create`` and ``write`` refuse
``utility_entry_kind`` and ``utility_deposit_contract_id`` unless the action
posting the entry opened ``tools.protected.protected_write``. A cashier (who
reads entries), a billing officer and an accountant (who write them) try to
turn a bill into a deposit, a deposit into a bill, or forge a deposit entry.
"""

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from odoo.addons.utility_billing.tools.protected import protected_write

GROUPS = {
    "cashier": "utility_billing.group_utility_cashier",
    "officer": "utility_billing.group_utility_billing_officer",
    "accountant": "utility_billing.group_utility_accountant",
    "manager": "utility_billing.group_utility_manager",
}


@tagged("post_install", "-at_install")
class TestLifecycleBillFields(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bill = cls.env["account.move"].search(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("utility_contract_id", "!=", False),
            ],
            limit=1,
        )
        cls.company = cls.bill.company_id
        cls.contract = cls.bill.utility_contract_id
        Move = cls.env["account.move"]
        with protected_write(Move):
            cls.deposit = Move.create(
                {
                    "move_type": "out_invoice",
                    "partner_id": cls.contract.partner_id.id,
                    "company_id": cls.company.id,
                    "journal_id": cls.company._utility_deposit_journal().id,
                    "utility_entry_kind": "deposit",
                    "utility_deposit_contract_id": cls.contract.id,
                    "invoice_line_ids": [
                        (
                            0,
                            0,
                            {
                                "name": "Security deposit",
                                "price_unit": 100.0,
                                "account_id": cls.company._utility_deposit_account().id,
                                "tax_ids": [],
                            },
                        )
                    ],
                }
            )
        # a register line of another bill, to try linking the bill to it
        writeoff = cls.env["utility.writeoff.batch"].create(
            {"company_id": cls.company.id, "reason": "death", "reason_note": "lifecycle"}
        )
        Line = cls.env["utility.writeoff.line"]
        with Line.browse()._utility_protected_write():
            cls.writeoff_line = Line.create(
                {"batch_id": writeoff.id, "bill_id": cls.deposit.id, "amount": 1.0}
            )
        cls.users = {
            name: new_test_user(
                cls.env,
                login=f"lifecycle_{name}",
                groups=xmlid,
                company_id=cls.company.id,
                company_ids=cls.company.ids,
            )
            for name, xmlid in GROUPS.items()
        }

    def _call(self, method, args):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": "account.move", "method": method, "args": args, "kwargs": {"context": {}}},
        )

    def test_entry_kind_and_deposit_contract_are_refused_over_rpc(self):
        attempts = [
            (self.bill, {"utility_entry_kind": "deposit"}),
            (self.bill, {"utility_deposit_contract_id": self.contract.id}),
            (self.deposit, {"utility_entry_kind": False}),
            (self.deposit, {"utility_deposit_contract_id": False}),
            (self.bill, {"utility_collection_hold": "written_off"}),
            (self.bill, {"utility_collection_hold": "plan"}),
            (self.bill, {"utility_writeoff_line_id": self.writeoff_line.id}),
        ]
        for name, user in self.users.items():
            self.authenticate(user.login, user.login)
            for move, vals in attempts:
                with self.subTest(user=name, move=move.name, vals=vals):
                    before = (
                        move.utility_entry_kind,
                        move.utility_deposit_contract_id,
                        move.utility_collection_hold,
                        move.utility_writeoff_line_id,
                    )
                    with self.assertRaises(JsonRpcException) as caught:
                        self._call("write", [move.ids, vals])
                    self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError")
                    move.invalidate_recordset()
                    self.assertEqual(
                        (
                            move.utility_entry_kind,
                            move.utility_deposit_contract_id,
                            move.utility_collection_hold,
                            move.utility_writeoff_line_id,
                        ),
                        before,
                    )
            with self.subTest(user=name, operation="create"):
                with self.assertRaises(JsonRpcException) as caught:
                    self._call(
                        "create",
                        [
                            {
                                "move_type": "entry",
                                "utility_entry_kind": "refund_reserve",
                                "utility_deposit_contract_id": self.contract.id,
                            }
                        ],
                    )
                self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError")
