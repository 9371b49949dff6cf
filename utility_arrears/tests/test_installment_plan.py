from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tests import new_test_user, tagged

from .common import UtilityArrearsCase


@tagged("post_install", "-at_install")
class TestInstallmentPlan(UtilityArrearsCase):
    """PLAN27 §6 with a late-fee rate of 0, so that the arithmetic is pure:
    bills of 120.00, 150.00 and 130.00, overdue, make 400.00, spread in
    4 × 100.00 due monthly from ten days on, grace 5 days. An older bill of
    80.00, not in the plan, stays open (and chased), so that "the plan's bills
    first" is not "the oldest bills first"."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env.user)
        cls.policy = cls.env["utility.arrears.policy"].create(
            {
                "name": "Residential, no late fee",
                "company_id": cls.company.id,
                "category": "residential",
                "late_fee_current_rate": 0.0,
                "late_fee_earlier_rate": 0.0,
                "late_fee_minimum": 0.0,
                "installment_grace_days": 5,
                "level_ids": [
                    Command.create({"name": "Letter", "days_overdue": 3, "action": "letter"}),
                ],
            }
        )
        cls.partner = cls._make_customer("Zhao Min", "0100000471", phone="+8613800000471")
        point = cls.env["utility.service.point"].create(
            {
                "name": "No. 3 Renmin Road",
                "station_id": cls.station.id,
                "partner_id": cls.partner.id,
                "company_id": cls.company.id,
            }
        )
        cls.contract = cls.env["utility.contract"].create(
            {
                "partner_id": cls.partner.id,
                "service_point_id": point.id,
                "tariff_id": cls.tariff.id,
                "company_id": cls.company.id,
                "date_start": cls.today - timedelta(days=400),
            }
        )
        cls.contract.action_activate()
        day = cls.today
        cls.old = cls._contract_bill(80.0, day - timedelta(days=130))
        cls.aug = cls._contract_bill(120.0, day - timedelta(days=100))
        cls.sep = cls._contract_bill(150.0, day - timedelta(days=70))
        cls.oct = cls._contract_bill(130.0, day - timedelta(days=40))
        cls.plan_bills = cls.aug | cls.sep | cls.oct
        company = {"company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)]}
        cls.manager = new_test_user(
            cls.env, login="ip_manager", groups="utility_billing.group_utility_manager", **company
        )
        cls.cashier = new_test_user(
            cls.env, login="ip_cashier", groups="utility_billing.group_utility_cashier", **company
        )
        cls.collector = new_test_user(
            cls.env,
            login="ip_collector",
            groups="utility_billing.group_utility_field_collector",
            **company,
        )
        cash = cls.company_data["default_journal_cash"]
        Point = cls.env["utility.collection.point"]
        cls.hall = Point.create(
            {"name": "Hall", "code": "IP-H", "kind": "hall", "journal_id": cash.id}
        )
        cls.agency = Point.create(
            {"name": "Agency", "code": "IP-A", "kind": "agency", "journal_id": cls.bank_journal.id}
        )
        cls.terminal = Point.create(
            {"name": "Terminal", "code": "IP-T", "kind": "terminal", "journal_id": cash.id}
        )

    @classmethod
    def _contract_bill(cls, amount, due_date):
        bill = cls._make_bill(cls.partner, amount, due_date, post=False)
        bill.utility_contract_id = cls.contract
        bill.action_post()
        return bill

    def _plan(self, bills=None, confirm=True):
        Plan = self.env["utility.installment.plan"].with_user(self.manager)
        plan = Plan.create(
            {
                "partner_id": self.partner.id,
                "company_id": self.company.id,
                "bill_ids": [Command.set((bills or self.plan_bills).ids)],
                "date_start": self.today,
                "grace_days": 5,
                "installment_count": 4,
                "first_due_date": self.today + timedelta(days=10),
                "interval_months": 1,
            }
        )
        plan.action_generate_lines()
        if confirm:
            plan.action_confirm()
        return plan.with_env(self.env)

    def _dunning_bills(self, on_date):
        run = self.env["utility.dunning.run"].create(
            {"company_id": self.company.id, "date": on_date}
        )
        run.action_preview()
        return self.env["utility.dunning.action"].search([("run_id", "=", run.id)]).bill_id

    def test_plan_generates_four_equal_installments(self):
        plan = self._plan(confirm=False)
        self.assertEqual(plan.amount_principal, 400.0)
        self.assertEqual(plan.amount_total, 400.0)
        self.assertEqual(plan.line_ids.mapped("amount"), [100.0] * 4)
        first = self.today + timedelta(days=10)
        self.assertEqual(
            plan.line_ids.mapped("date_due"),
            [first + relativedelta(months=n) for n in range(4)],
        )
        # the last installment takes the rounding
        plan.bill_ids = [Command.unlink(self.oct.id)]
        plan.with_user(self.manager).action_generate_lines(count=3)
        self.assertEqual(plan.amount_total, 270.0)
        self.assertEqual(plan.line_ids.mapped("amount"), [90.0, 90.0, 90.0])
        plan.with_user(self.manager).action_generate_lines(count=7)
        self.assertEqual(plan.line_ids.mapped("amount"), [38.57] * 6 + [38.58])

    def test_plan_bills_leave_dunning_tv_feed_disconnection_and_warnings(self):
        # a preview made before the plan: its action on a plan bill is skipped
        run = self.env["utility.dunning.run"].create(
            {"company_id": self.company.id, "date": self.today}
        )
        run.action_preview()
        before = self.env["utility.dunning.action"].search([("run_id", "=", run.id)])
        self.assertEqual(before.bill_id, self.old | self.plan_bills)
        self.assertEqual(self.contract._utility_balance_now()[self.contract.id], -480.0)
        plan = self._plan()
        # remote cost control: the balance that switches off or on
        self.assertEqual(self.contract._utility_balance_now()[self.contract.id], -80.0)
        self.assertEqual(plan.state, "active")
        self.assertEqual(set(self.plan_bills.mapped("utility_collection_hold")), {"plan"})
        self.assertEqual(self.plan_bills.utility_installment_plan_id, plan)
        run.with_context(queue_job__no_delay=True).action_run()
        for action in before:
            if action.bill_id == self.old:
                self.assertNotEqual(action.state, "skipped")
            else:
                self.assertEqual(action.state, "skipped")
                self.assertIn("installment plan", action.message)
        # TV feed and every screen showing the arrears: 80.00
        self.env["res.partner"]._utility_refresh_arrears(self.partner)
        self.assertEqual(self.partner.utility_amount_overdue, 80.0)
        # disconnection
        Order = self.env["utility.disconnection.order"]
        self.assertEqual(Order._overdue_bills(self.partner), self.old)
        level = self.policy.level_ids
        orders = Order._create_from_level(level, self.plan_bills)
        self.assertFalse(orders)
        # warnings
        warned = self.env["utility.warning.rule"]._open_bills(
            Domain("partner_id", "=", self.partner.id)
        )
        self.assertEqual(warned, self.old)
        # the ageing keeps them, in a column of their own
        self.env.flush_all()
        ageing = self.env["utility.arrears.ageing"].search([("partner_id", "=", self.partner.id)])
        self.assertEqual(ageing.amount_total, 480.0)
        self.assertEqual(ageing.amount_in_plan, 400.0)

    def test_payment_from_any_channel_goes_to_the_plan_first(self):
        plan = self._plan()
        Payment = self.env["account.payment"]
        # counter: 100.00 pays the plan's first bill, not the older 80.00
        Payment._utility_pay(self.partner, 100.0, self.hall)
        self.assertEqual(self.aug.amount_residual, 20.0)
        self.assertEqual(self.old.amount_residual, 80.0)
        self.assertEqual(plan.amount_paid, 100.0)
        self.assertEqual(plan.line_ids[0].state, "paid")
        self.assertEqual(plan.line_ids[1].state, "open")
        # agency file: 30.00 ends the first bill and goes on to the second
        [result] = Payment._utility_pay_batch(
            [{"partner": self.partner, "amount": 30.0, "collection_point": self.agency}]
        )
        self.assertTrue(result.id)
        self.assertEqual(self.aug.amount_residual, 0.0)
        self.assertEqual(self.sep.amount_residual, 140.0)
        self.assertEqual(self.old.amount_residual, 80.0)
        # self-service terminal
        Payment._utility_pay(self.partner, 40.0, self.terminal)
        self.assertEqual(self.sep.amount_residual, 100.0)
        self.assertEqual(self.old.amount_residual, 80.0)
        # a payer naming a bill pays that bill
        Payment._utility_pay(self.partner, 80.0, self.hall, bills=self.old)
        self.assertEqual(self.old.amount_residual, 0.0)
        self.assertEqual(self.sep.amount_residual, 100.0)
        self.assertEqual(plan.amount_paid, 170.0)
        # the rest of the plan: done, the bills released
        Payment._utility_pay(self.partner, 230.0, self.hall)
        self.assertEqual(plan.state, "done")
        self.assertFalse(any(self.plan_bills.mapped("utility_collection_hold")))

    def test_missed_installment_after_grace_breaks_the_plan_and_notifies(self):
        plan = self._plan()
        Plan = self.env["utility.installment.plan"]
        first_due = plan.line_ids[0].date_due
        # paid in part, within the grace: kept
        self.env["account.payment"]._utility_pay(self.partner, 60.0, self.hall)
        self.assertFalse(Plan._cron_check_plans(first_due + timedelta(days=5)))
        self.assertEqual(plan.state, "active")
        sms_before = self.env["sms.sms"].search_count([("partner_id", "=", self.partner.id)])
        broken = Plan._cron_check_plans(first_due + timedelta(days=6))
        self.assertEqual(broken, plan)
        self.assertEqual(plan.state, "broken")
        self.assertEqual(plan.broken_date, first_due + timedelta(days=6))
        self.assertIn("unpaid", plan.broken_reason)
        self.assertFalse(any(self.plan_bills.mapped("utility_collection_hold")))
        # the customer is told, by SMS and on the plan's chatter
        self.assertEqual(
            self.env["sms.sms"].search_count([("partner_id", "=", self.partner.id)]),
            sms_before + 1,
        )
        self.assertTrue(
            plan.message_ids.filtered(lambda m: "ended" in (m.subject or "") or "ended" in m.body)
        )
        # arrears refreshed: 480.00 - 60.00
        self.assertEqual(self.partner.utility_amount_overdue, 420.0)

    def test_broken_plan_returns_its_bills_to_the_next_dunning_run(self):
        plan = self._plan()
        on_date = plan.line_ids[0].date_due + timedelta(days=6)
        self.assertEqual(self._dunning_bills(self.today), self.old)
        self.env["utility.installment.plan"]._cron_check_plans(on_date)
        self.assertEqual(plan.state, "broken")
        # (the old bill had its letter already)
        self.assertEqual(self._dunning_bills(on_date), self.plan_bills)

    def test_frozen_late_fee_does_not_grow_while_kept(self):
        self.policy.write({"late_fee_current_rate": 1.0, "late_fee_earlier_rate": 1.0})
        fee_today = self.aug._utility_late_fee(self.today)
        later = self.today + timedelta(days=30)
        self.assertGreater(self.aug._utility_late_fee(later), fee_today)
        plan = self._plan()
        self.assertTrue(plan.freeze_late_fees)
        Move = self.env["account.move"]
        frozen = sum(Move._utility_late_fee_as_of(self.plan_bills, self.today).values())
        self.assertEqual(plan.late_fee_frozen, frozen)
        self.assertEqual(plan.amount_total, 400.0 + frozen)
        self.assertEqual(
            plan.currency_id.round(sum(plan.line_ids.mapped("amount"))), plan.amount_total
        )
        self.assertEqual(self.aug._utility_late_fee(later), fee_today)
        # the late fee charged at payment is the frozen one
        self.assertEqual(self.aug._utility_late_fee(self.today + timedelta(days=90)), fee_today)
        # broken: the freeze is lifted
        plan._utility_break("test")
        self.assertGreater(self.aug._utility_late_fee(later), fee_today)

    def test_plan_confirmation_cancels_pending_disconnection(self):
        Order = self.env["utility.disconnection.order"]
        covered = Order.create(
            {
                "partner_id": self.partner.id,
                "company_id": self.company.id,
                "bill_ids": [Command.set(self.plan_bills.ids)],
            }
        )
        other = Order.create(
            {
                "partner_id": self.partner.id,
                "company_id": self.company.id,
                "bill_ids": [Command.set((self.old | self.aug).ids)],
            }
        )
        plan = self._plan()
        self.assertEqual(covered.state, "cancelled")
        self.assertIn(plan.name, covered.message_ids[:1].body)
        # the old bill is not in the plan: that order goes on
        self.assertEqual(other.state, "draft")

    def test_held_bills_are_no_arrears_to_disconnect_or_reconnect_for(self):
        Order = self.env["utility.disconnection.order"]
        order = Order.create(
            {
                "partner_id": self.partner.id,
                "company_id": self.company.id,
                "bill_ids": [Command.set(self.plan_bills.ids)],
            }
        )
        with order._utility_protected_write():
            order.state = "scheduled"
        self._plan(confirm=False).with_user(self.manager).action_confirm()
        # the plan cancelled it; a remote switch-off of it is refused too
        self.assertEqual(order.state, "cancelled")
        with self.assertRaisesRegex(UserError, "no arrears"):
            order._check_arrears_open()
        # an executed order whose bill is written off: no reconnection
        executed = Order.create(
            {
                "partner_id": self.partner.id,
                "company_id": self.company.id,
                "bill_ids": [Command.set(self.old.ids)],
            }
        )
        with executed._utility_protected_write():
            executed.state = "executed"
        # (the write-off flags the bill, then reconciles its entry with it:
        # a payment stands for that entry here)
        self.old._utility_set_collection_hold("written_off")
        self._pay(self.old)
        self.assertEqual(executed.state, "executed")
        self.assertFalse(executed.reconnection_order_id)
        self.assertIn("written off", executed.message_ids[:1].body)
        # no late fee on a written-off bill
        self.assertFalse(self.old._utility_late_fee_eligible())

    def test_old_owner_arrears_never_disconnect_the_new_owner(self):
        point = self.env["utility.service.point"].create(
            {
                "name": "No. 7 Xinhua Street",
                "station_id": self.station.id,
                "partner_id": self.partner.id,
                "company_id": self.company.id,
            }
        )
        Contract = self.env["utility.contract"]
        old = Contract.create(
            {
                "partner_id": self.partner.id,
                "service_point_id": point.id,
                "tariff_id": self.tariff.id,
                "company_id": self.company.id,
                "date_start": self.today - timedelta(days=400),
            }
        )
        old.action_activate()
        bill = self._make_bill(self.partner, 66.0, self.today - timedelta(days=20), post=False)
        bill.utility_contract_id = old
        bill.action_post()
        level = self.policy.level_ids
        Order = self.env["utility.disconnection.order"]
        # the transfer, by hand: the old contract ends, the new owner's starts
        old.action_terminate()
        newcomer = self._make_customer("Sun Li", "0100000472")
        point.partner_id = newcomer
        new = Contract.create(
            {
                "partner_id": newcomer.id,
                "service_point_id": point.id,
                "tariff_id": self.tariff.id,
                "company_id": self.company.id,
                "date_start": self.today + timedelta(days=1),
            }
        )
        new.action_activate()
        self.assertFalse(Order._create_from_level(level, bill))
        self.assertFalse(Order.search([("partner_id", "in", (self.partner | newcomer).ids)]))
        # a bill of an active contract is still disconnected for
        current = self._make_bill(newcomer, 50.0, self.today - timedelta(days=20), post=False)
        current.utility_contract_id = new
        current.action_post()
        orders = Order._create_from_level(level, current)
        self.assertEqual(orders.partner_id, newcomer)

    def test_only_a_collection_manager_confirms_a_plan(self):
        plan = self._plan(confirm=False)
        for user in (self.cashier, self.collector):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    plan.with_user(user).action_confirm()
                with self.assertRaises(AccessError):
                    plan.with_user(user).write({"state": "active"})
        # protected fields: not even a manager writes them
        with self.assertRaises(AccessError):
            plan.with_user(self.manager).write({"state": "active"})
        with self.assertRaises(AccessError):
            plan.with_user(self.manager).write({"late_fee_frozen": 0.0})
        self.assertEqual(plan.state, "draft")
        plan.with_user(self.manager).action_confirm()
        # once agreed, the bills and installments are fixed
        with self.assertRaises(UserError):
            plan.with_user(self.manager).write({"bill_ids": [Command.unlink(self.oct.id)]})
        with self.assertRaises(UserError):
            plan.line_ids[0].with_user(self.manager).write({"amount": 1.0})
        with self.assertRaises(UserError):
            plan.line_ids[0].with_user(self.manager).unlink()
        with self.assertRaises(AccessError):
            plan.with_user(self.cashier).action_cancel()
        # a bill's hold and plan link are written by the plan's actions only
        with self.assertRaises(AccessError):
            self.aug.with_user(self.manager).write({"utility_installment_plan_id": False})
        with self.assertRaises(UserError):
            plan.with_user(self.manager).unlink()
        self.assertEqual(plan.state, "active")

    def test_a_bill_goes_into_one_kept_plan_only(self):
        plan = self._plan()
        other = self._plan(bills=self.aug, confirm=False)
        with self.assertRaisesRegex(UserError, "another plan"):
            other.with_user(self.manager).action_confirm()
        # cancelling the draft leaves the kept plan's hold alone
        other.with_user(self.manager).action_cancel()
        self.assertEqual(self.aug.utility_collection_hold, "plan")
        self.assertEqual(self.aug.utility_installment_plan_id, plan)
        # cancelling the kept plan releases its bills
        plan.with_user(self.manager).action_cancel()
        self.assertEqual(plan.state, "cancelled")
        self.assertFalse(any(self.plan_bills.mapped("utility_collection_hold")))
        self.env["res.partner"]._utility_refresh_arrears(self.partner)
        self.assertEqual(self.partner.utility_amount_overdue, 480.0)

    def test_bad_bills_are_refused(self):
        later = self._make_bill(self.partner, 10.0, self.today + timedelta(days=10))
        plan = self._plan(bills=self.plan_bills | later, confirm=False)
        with self.assertRaisesRegex(UserError, "past due"):
            plan.with_user(self.manager).action_confirm()
        self.assertEqual(plan.state, "draft")
        self.assertFalse(any(self.plan_bills.mapped("utility_collection_hold")))
