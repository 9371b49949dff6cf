from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException


@tagged("post_install", "-at_install")
class TestContractChangeTour(HttpCase):
    """Account changes in Chinese, in Chromium, from the menus: the billing
    officer moves 李娜 out, is stopped by 杨磊's arrears when transferring
    his contract, a Collection Manager overrides them with a reason, and
    the officer moves a new customer into 李娜's empty house."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lina = cls.env.ref("utility_billing.contract_03", raise_if_not_found=False)
        if not cls.lina:
            return
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(
            ["base", "web", "mail", "utility_billing"], ["zh_CN"], overwrite=True
        )
        cls.officer = cls.env["res.users"].search([("login", "=", "officer_cg")])
        cls.officer.lang = "zh_CN"
        cls.yanglei = cls.env.ref("utility_billing.contract_06")
        company = cls.yanglei.company_id
        cls.manager = new_test_user(
            cls.env,
            login="change_tour_manager",
            name="Change Manager",
            groups="utility_billing.group_utility_manager",
            company_id=company.id,
            company_ids=company.ids,
            lang="zh_CN",
        )
        cls.new_customer = cls.env["res.partner"].create(
            {
                "name": "杨小磊",
                "utility_customer_number": "0100000099",
                "utility_category": "residential",
                "utility_station_id": cls.yanglei.station_id.id,
                "company_id": company.id,
            }
        )

    def setUp(self):
        super().setUp()
        if not self.lina:
            self.skipTest("needs the demo data (make test installs it)")

    def _changes(self, contract):
        return self.env["utility.contract.change"].search([("contract_id", "=", contract.id)])

    def _draft_transfer(self):
        """杨磊's transfer to 杨小磊, its reading entered, as the officer
        leaves it when the arrears stop him."""
        change = (
            self.env["utility.contract.change"]
            .with_user(self.officer)
            .create(
                {
                    "kind": "transfer",
                    "contract_id": self.yanglei.id,
                    "new_partner_id": self.new_customer.id,
                    "new_tariff_id": self.yanglei.tariff_id.id,
                }
            )
        )
        line = change.reading_line_ids
        line.value = line.previous_value + 1
        change.action_record_readings()
        return change

    def test_officer_moves_a_customer_out_from_the_contract(self):
        self.start_tour("/odoo", "utility_move_out_tour", login="officer_cg")
        change = self._changes(self.lina)
        self.assertEqual((change.kind, change.state), ("move_out", "done"))
        self.assertEqual(self.lina.state, "terminated")
        self.assertEqual(self.lina.date_end, fields.Date.context_today(self.lina))
        self.assertEqual(self.lina.final_bill_id, change.final_bill_id)
        self.assertEqual(change.final_bill_id.state, "posted")
        self.assertEqual(change.done_by_id, self.officer)

    def test_officer_transfer_is_stopped_by_arrears(self):
        probe = self.env["utility.contract.change"].create(
            {"kind": "transfer", "contract_id": self.yanglei.id}
        )
        self.assertGreater(probe.arrears_amount, 0, "杨磊 has overdue bills in the demo")
        probe.unlink()
        self.start_tour("/odoo", "utility_transfer_tour", login="officer_cg")
        change = self._changes(self.yanglei)
        self.assertEqual(change.state, "draft")
        self.assertEqual(change.new_partner_id, self.new_customer)
        self.assertFalse(change.arrears_override_by_id)
        self.assertEqual(self.yanglei.state, "active")

    def _call(self, change, method, args):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": change._name, "method": method, "args": [change.ids, *args], "kwargs": {}},
        )

    def test_officer_cannot_override_arrears_over_json_rpc(self):
        change = self._draft_transfer()
        self.authenticate("officer_cg", "officer_cg")
        # the reason is a draft's field; the override is the manager's action
        self._call(change, "write", [{"arrears_override_reason": "我说可以"}])
        for method, args in (
            ("action_override_arrears", []),
            ("write", [{"arrears_override_by_id": self.manager.id}]),
        ):
            with self.subTest(method=method), self.assertRaises(JsonRpcException) as caught:
                self._call(change, method, args)
            self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError")
        change.invalidate_recordset()
        self.assertFalse(change.arrears_override_by_id)
        with self.assertRaises(JsonRpcException) as caught:
            self._call(change, "action_confirm", [])
        self.assertEqual(caught.exception.args[0], "odoo.exceptions.UserError")
        change.invalidate_recordset()
        self.assertEqual(change.state, "draft")
        self.assertEqual(self.yanglei.state, "active")

    def test_manager_overrides_the_arrears_of_a_transfer(self):
        change = self._draft_transfer()
        self.start_tour("/odoo", "utility_transfer_override_tour", login="change_tour_manager")
        change.invalidate_recordset()
        self.assertEqual(change.state, "done")
        self.assertEqual(change.arrears_override_by_id, self.manager)
        self.assertIn("分期", change.arrears_override_reason)
        new = change.new_contract_id
        self.assertEqual((new.partner_id, new.state), (self.new_customer, "active"))
        self.assertEqual(new.predecessor_id, self.yanglei)
        self.assertEqual(self.yanglei.state, "terminated")

    def test_officer_moves_a_new_customer_in_from_the_service_point(self):
        today = fields.Date.context_today(self.lina)
        out_day = today - timedelta(days=1)
        meter = self.lina.service_point_id.current_meter_id
        if self.env["utility.meter.reading"].search_count(
            [
                ("meter_id", "=", meter.id),
                ("reading_date", ">=", out_day),
                ("state", "!=", "cancelled"),
            ]
        ):
            self.skipTest("the meter was read yesterday: no day left to move out on")
        out = (
            self.env["utility.contract.change"]
            .with_user(self.officer)
            .create(
                {
                    "kind": "move_out",
                    "contract_id": self.lina.id,
                    "change_date": out_day,
                    "credit_action": "keep",
                }
            )
        )
        out.reading_line_ids.value = out.reading_line_ids.previous_value + 1
        out.action_record_readings()
        out.action_confirm()
        self.assertFalse(self.lina.service_point_id.has_active_contract)
        self.start_tour("/odoo", "utility_move_in_tour", login="officer_cg")
        move_in = self.env["utility.contract.change"].search(
            [("kind", "=", "move_in"), ("service_point_id", "=", self.lina.service_point_id.id)]
        )
        self.assertEqual(move_in.state, "done")
        new = move_in.new_contract_id
        self.assertEqual(
            (new.partner_id, new.state, new.billed_from), (self.new_customer, "active", today)
        )
        self.assertEqual(new.tariff_id, self.lina.tariff_id)
        self.assertEqual(move_in.reading_line_ids.reading_id.reading_type, "move_in")
        self.assertEqual(self.lina.service_point_id.partner_id, self.new_customer)
