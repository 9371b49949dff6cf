from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import UtilityArrearsCase


@tagged("post_install", "-at_install")
class TestCostControlVisibility(UtilityArrearsCase, HttpCase):
    """What the office and the customer see of remote cost control: the
    amount to pay to be switched back on, the dashboard's counts and lists,
    a meter's switching history and the portal's supply state."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Command = cls.env["utility.meter.command"]
        cls.headend = cls.env["utility.headend"].create(
            {"name": "County HES", "code": "HES-VIS", "company_id": cls.company.id}
        )
        cls.meter.write({"headend_id": cls.headend.id, "remote_capable": True})
        cls.contract.billing_mode = "prepaid"
        cls.company.utility_cc_threshold = 5.0
        cls.officer = new_test_user(
            cls.env,
            login="cc_officer",
            groups="utility_billing.group_utility_billing_officer",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.collector = new_test_user(
            cls.env,
            login="cc_collector",
            groups="utility_billing.group_utility_field_collector",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def _value(self, contract, balance):
        """Valued at ``balance`` as of now: the unbilled value that leaves
        the customer's credit and open bills at ``balance``."""
        live = contract._utility_balance_now()[contract.id] + contract.valued_unbilled_amount
        with contract._utility_protected_write():
            contract.write(
                {
                    "valued_at": fields.Datetime.now(),
                    "valued_balance": balance,
                    "valued_unbilled_amount": live - balance,
                }
            )

    def _contract_bill(self, contract, amount, due_date):
        bill = self._make_bill(contract.partner_id, amount, due_date, post=False)
        bill.utility_contract_id = contract
        bill.action_post()
        return bill

    def _switch_off(self, meter, days_ago):
        meter._utility_set_supply("off", fields.Datetime.now() - timedelta(days=days_ago))

    def _queue(self, meter, action, reason="balance"):
        with trap_jobs():
            return self.Command._utility_queue(meter, action, reason, headend=self.headend)

    # ------------------------------------------------------------------
    # the amount to pay
    # ------------------------------------------------------------------
    def test_amount_to_switch_on_lifts_the_balance_above_the_threshold(self):
        self.assertTrue(self.contract.cost_control)
        self._value(self.contract, -8.40)
        # 5.00 - (-8.40) = 13.40 lifts it to the threshold, where it is still off
        self.assertEqual(self.contract._utility_amount_to_switch_on(), 13.41)

        overdue = self._contract_bill(self.contract, 20.05, "2025-03-01")
        self._pay(overdue, amount=5.0)
        self.assertEqual(overdue.amount_residual, 15.05)
        self._contract_bill(self.contract, 30.0, fields.Date.today() + timedelta(days=10))
        self._make_bill(self.customer, 7.0, "2025-03-01")
        # a payment settles the customer's open bills before it becomes
        # credit: all of them are paid before the balance rises
        # 13.41 + 15.05 + 30.00 + 7.00
        self.assertEqual(self.contract._utility_amount_to_switch_on(), 65.46)

        # the balance now: -8.40 - 52.05 = -60.45; at the threshold, a cent
        self.company.utility_cc_threshold = -60.45
        self.assertEqual(self.contract._utility_amount_to_switch_on(), 0.01)
        self.company.utility_cc_threshold = -60.46
        self.assertEqual(self.contract._utility_amount_to_switch_on(), 0.0)

    def test_amount_to_switch_on_before_any_valuation_uses_the_prepaid_credit(self):
        self.assertFalse(self.contract.valued_at)
        self.assertEqual(self.contract.prepaid_balance, 0.0)
        self.assertEqual(self.contract._utility_amount_to_switch_on(), 5.01)

    def test_postpaid_contract_owes_only_its_overdue_bills(self):
        contract, meter = self._new_customer("0100000077")
        meter.write({"headend_id": self.headend.id, "remote_capable": True})
        self.assertFalse(contract.cost_control)
        self.assertEqual(contract._utility_amount_to_switch_on(), 0.0)
        self._contract_bill(contract, 42.3, "2025-03-01")
        self.assertEqual(contract._utility_amount_to_switch_on(), 42.3)
        self.assertEqual(contract._utility_switch_on_payment_url(42.3), "/my/invoices/overdue")
        self.assertEqual(
            self.contract._utility_switch_on_payment_url(13.4),
            f"/my/utility/contracts/{self.contract.id}/topup?amount=13.40",
        )

    # ------------------------------------------------------------------
    # the supply state the customer sees
    # ------------------------------------------------------------------
    def test_supply_status_follows_the_meter_and_its_pending_command(self):
        status = self.contract._utility_supply_status
        self.assertEqual(status()[self.contract.id], "unknown")
        self._switch_off(self.meter, 1)
        self.assertEqual(status()[self.contract.id], "off")
        command = self._queue(self.meter, "switch_on", "payment")
        self.assertEqual(status()[self.contract.id], "switch_on_queued")
        with command._utility_protected_write():
            command.state = "sent"
        self.assertEqual(status()[self.contract.id], "switch_on_sent")
        with command._utility_protected_write():
            command.state = "failed"
        self.assertEqual(status()[self.contract.id], "off", "a failed command is not on its way")
        other, meter = self._new_customer("0100000078")
        self.assertFalse(other._utility_supply_status()[other.id], "no remote switching")

    # ------------------------------------------------------------------
    # the dashboard and the meter's history
    # ------------------------------------------------------------------
    def test_dashboard_counts_and_lists_what_needs_attention(self):
        other, other_meter = self._new_customer("0100000079")
        other_meter.write({"headend_id": self.headend.id, "remote_capable": True})
        self._switch_off(self.meter, 10)
        self._switch_off(other_meter, 1)
        failed = self._queue(other_meter, "switch_off")
        with failed._utility_protected_write():
            failed.state = "failed"
        waiting = self._queue(self.meter, "switch_on", "payment")
        self._queue(other_meter, "switch_on", "manual").action_cancel()

        dashboard = self.env["utility.cost.control.dashboard"].with_user(self.officer).create({})
        self.assertEqual(
            (
                dashboard.meter_off_count,
                dashboard.meter_long_off_count,
                dashboard.command_failed_count,
                dashboard.command_waiting_count,
                dashboard.cost_control_count,
            ),
            (2, 1, 1, 1, 1),
        )
        self.assertEqual(dashboard.meter_off_ids.ids, [self.meter.id, other_meter.id])
        self.assertEqual(dashboard.longest_off_ids, self.meter)
        self.assertEqual(dashboard.command_ids.ids, [failed.id, waiting.id])
        self.assertEqual(self.meter.supply_village, "Zhangwan")
        self.assertEqual(self.meter.supply_contract_id, self.contract)
        self.assertEqual(self.meter.supply_amount_to_pay, 5.01)
        # what the officer's list shows, read with the officer's rights
        self.assertEqual(dashboard.meter_off_ids[0].supply_amount_to_pay, 5.01)
        self.assertEqual(dashboard.meter_off_ids[0].env.user, self.officer)

        for method, records in (
            ("action_open_meters_off", self.meter | other_meter),
            ("action_open_meters_long_off", self.meter),
            ("action_open_commands_failed", failed),
            ("action_open_commands_waiting", waiting),
            ("action_open_cost_control_contracts", self.contract),
        ):
            action = getattr(dashboard, method)()
            found = self.env[action["res_model"]].with_user(self.officer).search(action["domain"])
            self.assertEqual(found, records, method)

        with self.assertRaises(AccessError):
            self.env["utility.cost.control.dashboard"].with_user(self.collector).create({})

    def test_meter_shows_its_switching_history(self):
        off = self._queue(self.meter, "switch_off")
        on = self._queue(self.meter, "switch_on", "payment")
        self.assertEqual(self.meter.meter_command_count, 2)
        self.assertEqual(self.meter.meter_command_ids, on | off)
        action = self.meter.action_view_meter_commands()
        self.assertEqual(self.Command.search(action["domain"]), on | off)

    # ------------------------------------------------------------------
    # the portal, over HTTP
    # ------------------------------------------------------------------
    def test_portal_shows_the_supply_state_and_amount_only_to_its_customer(self):
        other, other_meter = self._new_customer("0100000080")
        other_meter.write({"headend_id": self.headend.id, "remote_capable": True})
        other.billing_mode = "prepaid"
        self._value(other, -70.0)
        self._switch_off(other_meter, 3)
        self._value(self.contract, -8.4)
        self._switch_off(self.meter, 2)
        portal = self.env["res.users"].create(
            {
                "name": "Zhang Wei",
                "login": "cc_portal",
                "password": "cc_portal_pw",
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "company_ids": [Command.set(self.company.ids)],
                "group_ids": [Command.set([self.env.ref("base.group_portal").id])],
            }
        )
        self.assertTrue(portal.share)
        self.authenticate("cc_portal", "cc_portal_pw")

        page = self.url_open(f"/my/utility/contracts/{self.contract.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_utility_supply_off", page.text)
        self.assertIn("Power off", page.text)
        self.assertIn("13.41", page.text)
        topup_url = f"/my/utility/contracts/{self.contract.id}/topup?amount=13.41"
        self.assertIn(topup_url, page.text)
        self.assertEqual(self.url_open(topup_url).status_code, 200)

        # paid: the switch-on is on its way, nothing more to pay
        self._queue(self.meter, "switch_on", "payment")
        page = self.url_open(f"/my/utility/contracts/{self.contract.id}")
        self.assertIn("Switch-on scheduled", page.text)
        self.assertIn("being switched back on", page.text)
        self.assertNotIn("o_utility_pay_to_switch_on", page.text)

        listing = self.url_open("/my/utility/contracts")
        self.assertIn("Switch-on scheduled", listing.text)
        self.assertNotIn(other.name, listing.text)

        # another customer's contract looks exactly like a missing one
        stolen = self.url_open(f"/my/utility/contracts/{other.id}")
        self.assertEqual(stolen.status_code, 404)
        self.assertNotIn("75.01", stolen.text)
        self.assertNotIn(other.name, stolen.text)
        self.assertEqual(
            self.url_open(f"/my/utility/contracts/{other.id}/topup?amount=75.01").status_code, 404
        )
