"""The attacks of issue 22 (items 1, 2, 3 and 7), replayed as written.

Each test logs in over HTTP as the demo user of the group named in the
issue (cashier ``cashier_cg``, field collector ``collector_lz``) and sends
what a script would send to ``/web/dataset/call_kw``; each would succeed
without the protection of ``utility.protected.fields.mixin`` or without the
action's own checks.
"""

import base64

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

ACCESS_ERROR = "odoo.exceptions.AccessError"
USER_ERROR = "odoo.exceptions.UserError"
VALIDATION_ERROR = "odoo.exceptions.ValidationError"


class RpcAttackCase(HttpCase):
    def _call(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def assertRefused(self, error, model, method, *args, **kwargs):
        with self.assertRaises(JsonRpcException) as caught:
            self._call(model, method, *args, **kwargs)
        self.assertEqual(caught.exception.args[0], error)


@tagged("post_install", "-at_install")
class TestCashierSessionAttacks(RpcAttackCase):
    """Item 1: a cashier approves their own shortage, closes without a
    count, or raises the opening float."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cash_session = cls.env.ref("utility_payment_channels.session_cg_open")
        cls.manager = cls.env.ref("base.user_admin")

    def setUp(self):
        super().setUp()
        self.authenticate("cashier_cg", "cashier_cg")

    def _count_with_shortage(self):
        """Closing control with nothing counted: the whole float (500.00) is short."""
        self._call("utility.cashier.session", "action_closing_control", self.cash_session.ids)
        self._call(
            "utility.cashier.session",
            "write",
            self.cash_session.ids,
            {"difference_reason": "drawer was short"},
        )
        self.assertEqual(self.cash_session.state, "closing_control")
        self.assertLess(self.cash_session.cash_register_difference, 0)

    def test_cashier_cannot_approve_own_difference_and_close(self):
        self._count_with_shortage()
        self.assertRefused(
            ACCESS_ERROR,
            "utility.cashier.session",
            "write",
            self.cash_session.ids,
            {"difference_state": "approved", "difference_approved_by_id": self.manager.id},
        )
        # the cashier confirms the empty drawer as the form's dialog does
        self._call(
            "utility.cashier.session",
            "action_close",
            self.cash_session.ids,
            context={"utility_confirm_empty_count": True},
        )
        self.assertEqual(self.cash_session.state, "closing_control")
        self.assertEqual(self.cash_session.difference_state, "to_approve")
        self.assertFalse(self.cash_session.difference_approved_by_id)
        self.assertFalse(self.cash_session.difference_move_id, "a shortage was booked as approved")

    def test_cashier_cannot_write_state_closed(self):
        self.assertRefused(
            ACCESS_ERROR,
            "utility.cashier.session",
            "write",
            self.cash_session.ids,
            {"state": "closed", "stop_at": fields.Datetime.to_string(fields.Datetime.now())},
        )
        self.assertEqual(self.cash_session.state, "opened")
        self.assertFalse(self.cash_session.stop_at)

    def test_cashier_cannot_raise_the_opening_float(self):
        self.assertRefused(
            ACCESS_ERROR,
            "utility.cashier.session",
            "write",
            self.cash_session.ids,
            {"cash_register_balance_start": 5000.0},
        )
        self.assertEqual(self.cash_session.cash_register_balance_start, 500.0)

    def test_cashier_cannot_write_the_counted_cash(self):
        self._count_with_shortage()
        expected = self.cash_session.cash_register_balance_end
        self.assertRefused(
            ACCESS_ERROR,
            "utility.cashier.session",
            "write",
            self.cash_session.ids,
            {"cash_register_balance_end_real": expected, "cash_register_difference": 0.0},
        )
        self.assertLess(self.cash_session.cash_register_difference, 0)

    def test_close_refuses_an_incomplete_count(self):
        self._count_with_shortage()
        self._call(
            "utility.cashier.session.count", "unlink", self.cash_session.count_line_ids[:1].ids
        )
        self.authenticate("admin", "admin")
        self.assertRefused(
            USER_ERROR, "utility.cashier.session", "action_close", self.cash_session.ids
        )
        self.assertEqual(self.cash_session.state, "closing_control")

    def test_manager_still_approves_and_closes(self):
        """The actions keep working: the manager's approval books the shortage."""
        self._count_with_shortage()
        self.authenticate("admin", "admin")
        self._call("utility.cashier.session", "action_approve_difference", self.cash_session.ids)
        self.assertEqual(self.cash_session.state, "closed")
        self.assertEqual(self.cash_session.difference_approved_by_id, self.manager)
        self.assertTrue(self.cash_session.difference_move_id)


@tagged("post_install", "-at_install")
class TestDisconnectionAttacks(RpcAttackCase):
    """Item 2: a field collector forges the approval, the notice and the
    schedule of a caring-service customer's order, executes it, and
    archives the caring profile."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env.ref("utility_billing.customer_07")
        cls.profile = cls.env.ref("utility_arrears.demo_care_profile_customer_07")
        cls.manager = cls.env.ref("base.user_admin")
        bills = cls.env["account.move"].search(
            [
                ("partner_id", "=", cls.customer.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
            ]
        )
        cls.order = cls.env["utility.disconnection.order"].create(
            {
                "partner_id": cls.customer.id,
                "company_id": cls.customer.company_id.id or cls.profile.company_id.id,
                "bill_ids": [Command.set(bills.ids)],
            }
        )
        cls.assertTrue(cls, cls.order.is_care)

    def setUp(self):
        super().setUp()
        self.authenticate("collector_lz", "collector_lz")

    def test_collector_cannot_forge_approval_notice_and_schedule_then_execute(self):
        long_ago = fields.Datetime.to_string(
            fields.Datetime.subtract(fields.Datetime.now(), days=30)
        )
        yesterday = fields.Datetime.to_string(
            fields.Datetime.subtract(fields.Datetime.now(), days=1)
        )
        for vals in (
            {"state": "scheduled"},
            {"care_approved_by_id": self.manager.id},
            {"notice_date": long_ago},
            {"scheduled_date": yesterday},
            {
                "state": "scheduled",
                "care_approved_by_id": self.manager.id,
                "notice_date": long_ago,
                "scheduled_date": yesterday,
            },
            {"kind": "reconnection"},
        ):
            with self.subTest(vals=vals):
                self.assertRefused(
                    ACCESS_ERROR, "utility.disconnection.order", "write", self.order.ids, vals
                )
        self.assertRefused(
            USER_ERROR, "utility.disconnection.order", "action_execute", self.order.ids
        )
        self.assertEqual(self.order.state, "draft")
        self.assertFalse(self.order.care_approved_by_id or self.order.notice_date)
        self.assertFalse(self.order.executed_date)

    def test_notified_care_order_is_not_scheduled_without_approval_and_visit(self):
        self._call("utility.disconnection.order", "action_notify", self.order.ids)
        self.assertEqual(self.order.state, "notified")
        # the notice is dated by the server's clock, not by the client
        self.assertLess(abs((self.order.notice_date - fields.Datetime.now()).total_seconds()), 3600)
        self.assertRefused(
            USER_ERROR, "utility.disconnection.order", "action_schedule", self.order.ids
        )
        self.assertRefused(
            ACCESS_ERROR, "utility.disconnection.order", "action_approve_care", self.order.ids
        )
        self.assertEqual(self.order.state, "notified")

    def test_approval_of_a_demoted_manager_no_longer_counts(self):
        approver = new_test_user(
            self.env,
            login="care_approver",
            groups="utility_billing.group_utility_manager",
            company_id=self.order.company_id.id,
            company_ids=[self.order.company_id.id],
        )
        self.order.action_notify()
        self.order.with_user(approver).action_approve_care()
        visit = self.env["utility.care.visit"].create({"profile_id": self.profile.id})
        # the visit is linked by the field staff (a user-editable field)
        self._call(
            "utility.disconnection.order", "write", self.order.ids, {"care_visit_id": visit.id}
        )
        approver.group_ids = [Command.set(self.env.ref("base.group_user").ids)]
        self.assertRefused(
            USER_ERROR, "utility.disconnection.order", "action_schedule", self.order.ids
        )
        self.assertEqual(self.order.state, "notified")

    def test_collector_cannot_archive_the_care_profile(self):
        self.assertRefused(
            ACCESS_ERROR, "utility.care.profile", "write", self.profile.ids, {"active": False}
        )
        self.assertRefused(ACCESS_ERROR, "utility.care.profile", "action_archive", self.profile.ids)
        self.assertTrue(self.profile.active)
        self.assertTrue(self.customer.utility_is_care)
        # nor move the protection to another customer
        other = self.env.ref("utility_billing.customer_01")
        self.assertRefused(
            ACCESS_ERROR,
            "utility.care.profile",
            "write",
            self.profile.ids,
            {"partner_id": other.id},
        )
        self.assertEqual(self.profile.partner_id, self.customer)


@tagged("post_install", "-at_install")
class TestFieldCollectionAttacks(RpcAttackCase):
    """Item 3: a collector closes their round without handing in cash,
    takes credit for another customer's payment, points a line at a bill
    outside the round, and collects far more than a bill."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.collector = cls.env["res.users"].search([("login", "=", "collector_lz")])
        point = cls.env.ref("utility_payment_channels.collection_point_field_lz")
        bills = cls.env["account.move"].search(
            [
                ("company_id", "=", point.company_id.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
            ]
        )
        cls.assertTrue(cls, len(bills.partner_id) >= 2, "the demo needs open bills")
        customer = bills[0].commercial_partner_id
        customer.utility_village = "Attack Village"
        cls.round = cls.env["utility.field.collection"].create(
            {
                "collector_id": cls.collector.id,
                "collection_point_id": point.id,
                "village": "Attack Village",
            }
        )
        cls.round.action_assign_bills()
        cls.round.action_start()
        cls.line = cls.round.line_ids[:1]
        cls.assertTrue(cls, cls.line)
        cls.outside_bill = bills.filtered(lambda b: b.commercial_partner_id != customer)[:1]
        # another customer's payment at a service hall
        session = cls.env.ref("utility_payment_channels.session_cg_open")
        cls.hall_payment = session.with_user(session.user_id)._utility_pay(
            cls.outside_bill.partner_id, 10.0, bills=cls.outside_bill
        )

    def setUp(self):
        super().setUp()
        self.authenticate("collector_lz", "collector_lz")

    def test_collector_cannot_write_the_hand_in_totals_or_state(self):
        for vals in (
            {"handed_in_total": 1000.0},
            {"written_off_amount": 1000.0},
            {"state": "done"},
            {"expected_total": 0.0},
        ):
            with self.subTest(vals=vals):
                self.assertRefused(
                    ACCESS_ERROR, "utility.field.collection", "write", self.round.ids, vals
                )
        self.assertEqual(self.round.state, "in_progress")
        self.assertFalse(self.round.handed_in_total or self.round.written_off_amount)

    def test_collector_cannot_link_another_customers_payment(self):
        self.assertRefused(
            ACCESS_ERROR,
            "utility.field.collection.line",
            "write",
            self.line.ids,
            {"payment_id": self.hall_payment.id, "state": "paid"},
        )
        self.assertRefused(
            ACCESS_ERROR, "utility.field.collection.line", "write", self.line.ids, {"state": "paid"}
        )
        self.assertEqual(self.line.state, "todo")
        self.assertFalse(self.line.payment_id)

    def test_collector_cannot_point_a_line_at_a_bill_outside_the_round(self):
        bill = self.line.bill_id
        self.assertRefused(
            ACCESS_ERROR,
            "utility.field.collection.line",
            "write",
            self.line.ids,
            {"bill_id": self.outside_bill.id},
        )
        self.assertEqual(self.line.bill_id, bill)

    def test_collector_cannot_collect_more_than_the_bill_and_its_late_fee(self):
        # refused when typed (the line's ceiling), and again when collecting
        self.assertRefused(
            VALIDATION_ERROR,
            "utility.field.collection.line",
            "write",
            self.line.ids,
            {"amount_collected": 100000.0},
        )
        self.assertLess(self.line.amount_collected, 100000.0)
        self.assertEqual(self.line.state, "todo")
        self.assertFalse(self.round.line_ids.payment_id)

    def test_collector_still_collects_the_bill(self):
        self._call("utility.field.collection.line", "action_collect", self.line.ids)
        self.assertEqual(self.line.state, "paid")
        self.assertEqual(self.line.payment_id.amount, self.line.amount_collected)

    def test_a_line_on_a_bill_outside_its_company_is_not_collected(self):
        """Defence in depth: even a line forged in the database (through the
        permission only server code opens) is checked when collected."""
        # a journal entry the collector can read (of the line's company):
        # refused for not being a customer bill, not for access (an entry of
        # another company, readable by nobody here, would be refused anyway)
        entry = self.env["account.move"].search(
            [
                ("move_type", "=", "entry"),
                ("state", "=", "posted"),
                ("company_id", "=", self.line.company_id.id),
            ],
            limit=1,
        )
        self.assertTrue(entry)
        with self.line._utility_protected_write():
            self.line.bill_id = entry
        self.assertRefused(
            USER_ERROR, "utility.field.collection.line", "action_collect", self.line.ids
        )
        self.assertFalse(self.line.payment_id)


@tagged("post_install", "-at_install")
class TestWizardsAreOwnedByTheirCreator(RpcAttackCase):
    """Item 7: a cashier reads and edits another cashier's open counter
    form and cancel form."""

    def test_cashier_cannot_read_or_edit_another_cashiers_counter_form(self):
        self.authenticate("cashier_cg", "cashier_cg")
        customer = self.env.ref("utility_billing.customer_01")
        form_id = self._call("utility.counter.payment", "create", {"partner_id": customer.id})
        self.authenticate("cashier_lz", "cashier_lz")
        self.assertEqual(
            self._call("utility.counter.payment", "search", [("id", "=", form_id)]), []
        )
        self.assertRefused(
            ACCESS_ERROR, "utility.counter.payment", "read", [form_id], ["partner_id"]
        )
        other = self.env.ref("utility_billing.customer_02")
        self.assertRefused(
            ACCESS_ERROR, "utility.counter.payment", "write", [form_id], {"partner_id": other.id}
        )
        self.assertEqual(self.env["utility.counter.payment"].browse(form_id).partner_id, customer)

    def test_wizards_of_the_add_ons_have_an_owner_rule(self):
        """Every wizard of the add-ons is readable only by its creator."""
        wizards = [
            name
            for name in self.env.registry
            if self.env[name]._transient
            and self.env[name]._original_module
            in ("utility_billing", "utility_payment_channels", "utility_arrears")
        ]
        self.assertTrue(wizards)
        for name in wizards:
            with self.subTest(wizard=name):
                rules = self.env["ir.rule"].sudo().search([("model_id.model", "=", name)])
                self.assertTrue(
                    any(
                        "create_uid" in (rule.domain_force or "") and not rule.groups
                        for rule in rules
                    ),
                    f"{name} has no rule limiting it to its creator",
                )


@tagged("post_install", "-at_install")
class TestAgencyAccountantAttacks(RpcAttackCase):
    """Agency files and settlements: a Utility Accountant books a kept line
    and settles the agency through the buttons, and cannot set a line's
    state, its payment, an import's totals or a settlement's amounts by
    writing them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.county = cls.env.ref("utility_billing.company_county")
        cls.agency = cls.env.ref("utility_payment_channels.agency_china_post")
        cls.accountant = new_test_user(
            cls.env,
            login="agency_attacker",
            groups="utility_billing.group_utility_accountant",
            company_id=cls.county.id,
            company_ids=[cls.county.id],
            tz="Asia/Shanghai",
        )
        cls.day = fields.Date.context_today(cls.agency.with_context(tz="Asia/Shanghai"))
        cls.payer, _bills = cls._customer("Attack Payer", "0309900001", 90.0)
        cls.other, cls.other_bill = cls._customer("Attack Other", "0309900002", 30.0)

    @classmethod
    def _customer(cls, name, number, amount):
        customer = cls.env["res.partner"].create(
            {
                "name": name,
                "company_id": cls.county.id,
                "utility_customer_number": number,
                "utility_category": "residential",
            }
        )
        bill = (
            cls.env["account.move"]
            .with_company(cls.county)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_date": fields.Date.subtract(cls.day, days=5),
                    "invoice_date_due": fields.Date.add(cls.day, days=10),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "electricity",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        bill.action_post()
        return customer, bill

    def setUp(self):
        super().setUp()
        self.authenticate("agency_attacker", "agency_attacker")
        rows = [
            "txn_id,paid_at,customer_number,bill_number,amount,outlet_code",
            f"ATK-1,{self.day} 09:00:00,0309900001,,90.00,POST-CG",
            f"ATK-2,{self.day} 09:05:00,0309999999,,30.00,POST-CG",
        ]
        import_id = self._call(
            "utility.agency.import",
            "create",
            {
                "agency_id": self.agency.id,
                "file": base64.b64encode("\n".join(rows).encode()).decode(),
                "filename": "attack.csv",
            },
        )
        self._call("utility.agency.import", "action_import", [import_id])
        self.agency_import = self.env["utility.agency.import"].browse(import_id)
        self.booked, self.kept = self.agency_import.line_ids.sorted("line_no")
        self.assertEqual(self.booked.state, "booked")
        self.assertEqual(self.kept.state, "kept")

    def test_accountant_cannot_write_a_line_booked(self):
        self.assertRefused(
            ACCESS_ERROR, "utility.agency.import.line", "write", self.kept.ids, {"state": "booked"}
        )
        self.assertRefused(
            ACCESS_ERROR,
            "utility.agency.import.line",
            "write",
            self.kept.ids,
            {"state": "resolved", "reason": False},
        )
        self.assertEqual(self.kept.state, "kept")
        self.assertEqual(self.agency_import.kept_total, 30.0)

    def test_accountant_cannot_link_a_line_to_another_customers_payment(self):
        self.assertRefused(
            ACCESS_ERROR,
            "utility.agency.import.line",
            "write",
            self.kept.ids,
            {"payment_id": self.booked.payment_id.id},
        )
        self.assertFalse(self.kept.payment_id)
        # nor move a booked line to another customer afterwards
        self.assertRefused(
            ACCESS_ERROR,
            "utility.agency.import.line",
            "write",
            self.booked.ids,
            {"partner_id": self.other.id},
        )
        self.assertEqual(self.booked.partner_id, self.payer)
        # nor create a line of its own in the file
        self.assertRefused(
            ACCESS_ERROR,
            "utility.agency.import.line",
            "create",
            {
                "import_id": self.agency_import.id,
                "txn_id": "FORGED",
                "amount": 1000.0,
                "state": "booked",
                "payment_id": self.booked.payment_id.id,
            },
        )
        self.assertEqual(len(self.agency_import.line_ids), 2)

    def test_accountant_cannot_change_an_imports_totals(self):
        for vals in (
            {"booked_total": 120.0, "kept_total": 0.0, "kept_count": 0},
            {"file_total": 90.0},
            {"api_total": 120.0, "api_count": 2},
            {"state": "draft"},
            {"file": base64.b64encode(b"txn_id\n").decode()},
        ):
            with self.subTest(vals=vals):
                self.assertRefused(
                    ACCESS_ERROR, "utility.agency.import", "write", self.agency_import.ids, vals
                )
        self.agency_import.invalidate_recordset()
        self.assertEqual(self.agency_import.state, "done")
        self.assertEqual(self.agency_import.booked_total, 90.0)
        self.assertEqual(self.agency_import.kept_total, 30.0)
        self.assertTrue(self.agency_import.totals_balanced)

    def _settlement(self):
        settlement_id = self._call(
            "utility.agency.settlement",
            "create",
            {"agency_id": self.agency.id, "date_from": str(self.day), "date_to": str(self.day)},
        )
        self._call("utility.agency.settlement", "action_load_payments", [settlement_id])
        return self.env["utility.agency.settlement"].browse(settlement_id)

    def test_accountant_cannot_change_a_settlements_amounts_or_state(self):
        settlement = self._settlement()
        self.assertEqual(settlement.gross_amount, 90.0)
        self.assertEqual(settlement.commission_amount, 10.0)
        for vals in (
            {"commission_amount": 0.0},
            {"gross_amount": 1.0, "net_amount": 1.0},
            {"payment_ids": [Command.set([])]},
            {"state": "reconciled"},
            {"commission_move_id": self.booked.payment_id.move_id.id},
            {"agency_id": self.env.ref("utility_payment_channels.agency_rural_bank").id},
        ):
            with self.subTest(vals=vals):
                self.assertRefused(
                    ACCESS_ERROR, "utility.agency.settlement", "write", settlement.ids, vals
                )
        self.assertRefused(
            ACCESS_ERROR,
            "utility.agency.settlement",
            "create",
            {"agency_id": self.agency.id, "state": "reconciled", "commission_amount": 0.0},
        )
        settlement.invalidate_recordset()
        self.assertEqual(settlement.state, "draft")
        self.assertEqual(settlement.commission_amount, 10.0)
        self.assertEqual(settlement.net_amount, 80.0)
        # posted: its period is frozen
        self._call("utility.agency.settlement", "action_confirm", settlement.ids)
        self.assertRefused(
            ACCESS_ERROR,
            "utility.agency.settlement",
            "write",
            settlement.ids,
            {"date_to": str(fields.Date.add(self.day, days=1))},
        )

    def test_accountant_resolves_a_kept_line_and_settles_the_agency(self):
        """The buttons still work: pick the customer and bill, Book, then a
        new settlement, Load Payments, Post Commission."""
        self._call(
            "utility.agency.import.line",
            "write",
            self.kept.ids,
            {"partner_id": self.other.id, "bill_id": self.other_bill.id},
        )
        self._call("utility.agency.import.line", "action_book", self.kept.ids)
        self.assertEqual(self.kept.state, "resolved")
        self.assertEqual(self.kept.payment_id.partner_id, self.other)
        self.assertEqual(self.other_bill.payment_state, "paid")
        self.assertEqual(self.agency_import.kept_total, 0.0)
        self.assertEqual(self.agency_import.booked_total, 120.0)
        settlement = self._settlement()
        self.assertEqual(settlement.payment_ids, (self.booked | self.kept).payment_id)
        self.assertEqual(settlement.gross_amount, 120.0)
        self._call("utility.agency.settlement", "action_confirm", settlement.ids)
        self.assertEqual(settlement.state, "confirmed")
        self.assertEqual(settlement.net_amount, 110.0)
        self.assertTrue(settlement.commission_move_id)
