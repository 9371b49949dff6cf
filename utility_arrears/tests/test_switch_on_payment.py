from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.utility_billing.tests.common import UtilityBillingCase
from odoo.addons.utility_payment_channels.tests.common_counter import UtilityCounterCase

from .common import UtilityArrearsCase


@tagged("post_install", "-at_install")
class TestSwitchOnPayment(UtilityArrearsCase):
    """A payment from any channel that lifts a cost-controlled customer's
    balance above the company's threshold (10.00 here) queues a remote
    switch-on in its own transaction."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.utility_cc_threshold = 10.0
        cls.Command = cls.env["utility.meter.command"]
        cls.headend = cls.env["utility.headend"].create(
            {"name": "County HES", "code": "HES-ON", "company_id": cls.company.id, "state": "test"}
        )
        cls.hall = cls.env["utility.collection.point"].create(
            {
                "name": "Chengguan hall",
                "code": "CG-ON",
                "kind": "hall",
                "journal_id": cls.company_data["default_journal_cash"].id,
            }
        )
        cls.agency_point = cls.env["utility.collection.point"].create(
            {
                "name": "Chengguan post office",
                "code": "POST-ON",
                "kind": "agency",
                "journal_id": cls.bank_journal.id,
            }
        )
        cls.contract.billing_mode = "prepaid"
        cls.meter.write({"remote_capable": True, "headend_id": cls.headend.id})
        cls.meter._utility_set_supply("off")

    def _remote_customer(self, number):
        contract, meter = self._new_customer(number)
        contract.billing_mode = "prepaid"
        meter.write({"remote_capable": True, "headend_id": self.headend.id})
        meter._utility_set_supply("off")
        return contract, meter

    def _bill(self, partner, amount):
        """A bill not yet due: no late fee comes with its payment."""
        today = fields.Date.today()
        return self._make_bill(partner, amount, fields.Date.add(today, days=15), today)

    def _pay(self, partner, amount, point=None):  # pylint: disable=arguments-renamed
        with trap_jobs() as trap:
            payment = self.env["account.payment"]._utility_pay(partner, amount, point or self.hall)
        return payment, trap

    def _switch_ons(self, meter):
        return self.Command.search(
            [("meter_id", "=", meter.id), ("action", "=", "switch_on")], order="id"
        )

    def test_balance_now_is_credit_less_open_bills_less_the_unbilled_value(self):
        self.assertTrue(self.contract.cost_control)
        self._bill(self.customer, 30.0)
        self._pay(self.customer, 100.0)
        # 100.00 paid: 30.00 settles the bill, 70.00 stays as credit
        with self.contract._utility_protected_write():
            self.contract.valued_unbilled_amount = 12.34
        self.assertEqual(self.contract._utility_balance_now(), {self.contract.id: 57.66})
        bill = self._bill(self.customer, 80.0)
        self.assertEqual(self.contract._utility_balance_now(), {self.contract.id: -22.34})
        self.assertEqual(bill.payment_state, "not_paid")

    def test_counter_payment_above_the_threshold_queues_a_switch_on(self):
        self._bill(self.customer, 30.0)
        payment, trap = self._pay(self.customer, 50.0)
        command = self._switch_ons(self.meter)
        self.assertEqual(len(command), 1)
        self.assertEqual(
            (command.state, command.reason, command.balance, command.headend_id),
            ("queued", "payment", 20.0, self.headend),
        )
        self.assertEqual(len(trap.enqueued_jobs), 1)
        self.assertFalse(trap.enqueued_jobs[0].eta, "a switch-on never waits")
        self.assertEqual(payment.partner_id, self.customer)
        # a second payment while it is pending: no second command
        self._pay(self.customer, 5.0)
        self.assertEqual(self._switch_ons(self.meter), command)

    def test_payment_leaving_the_balance_at_the_threshold_switches_nothing_on(self):
        self._bill(self.customer, 30.0)
        _payment, trap = self._pay(self.customer, 40.0)
        # 10.00 left: at the threshold, not above it
        self.assertFalse(self._switch_ons(self.meter))
        self.assertFalse(trap.enqueued_jobs)
        with self.contract._utility_protected_write():
            self.contract.valued_unbilled_amount = 5.0
        self._pay(self.customer, 5.01)
        # 15.01 credit - 5.00 unbilled = 10.01 > 10.00
        self.assertEqual(self._switch_ons(self.meter).balance, 10.01)

    def test_meter_on_without_a_switch_off_pending_gets_no_command(self):
        self.meter._utility_set_supply("on")
        self._pay(self.customer, 100.0)
        self.assertFalse(self._switch_ons(self.meter))

    def test_a_queued_switch_off_is_cancelled_and_a_sent_one_followed(self):
        self.meter._utility_set_supply("on")
        with trap_jobs():
            switch_off = self.Command._utility_queue(self.meter, "switch_off", "balance")
        self._pay(self.customer, 100.0)
        self.assertEqual(switch_off.state, "cancelled")
        switch_on = self._switch_ons(self.meter)
        self.assertEqual(switch_on.state, "queued")

        other, meter = self._remote_customer("0100000077")
        meter._utility_set_supply("on")
        # the rules' low-balance episode that sent the switch-off (without
        # one, the send-time check cancels a balance switch-off)
        with other._utility_protected_write():
            other.cc_low_since = fields.Datetime.now()
        with trap_jobs() as trap:
            sent_off = self.Command._utility_queue(meter, "switch_off", "balance")
        trap.enqueued_jobs[0].perform()
        self.assertEqual(sent_off.state, "sent")
        self._pay(other.partner_id, 100.0)
        self.assertEqual(sent_off.state, "sent", "the head-end has it: followed, not cancelled")
        self.assertEqual(self._switch_ons(meter).state, "queued")

    def test_postpaid_and_non_remote_contracts_are_left_alone(self):
        postpaid, meter = self._new_customer("0100000078")
        meter.write({"remote_capable": True, "headend_id": self.headend.id})
        meter._utility_set_supply("off")
        self.assertFalse(postpaid.cost_control)
        self._pay(postpaid.partner_id, 100.0)
        self.assertFalse(self._switch_ons(meter))

    def test_a_switch_on_that_cannot_be_queued_never_refuses_the_payment(self):
        Command = self.registry["utility.meter.command"]

        def refuse(model, *args, **kwargs):
            raise UserError(model.env._("no head-end today"))

        self.patch(Command, "_utility_queue", refuse)
        payment, _trap = self._pay(self.customer, 100.0)
        self.assertEqual(payment.amount, 100.0)
        self.assertEqual(self.contract._utility_balance_now(), {self.contract.id: 100.0})
        self.assertFalse(self._switch_ons(self.meter))

    def test_agency_file_switches_on_every_customer_it_lifts(self):
        second, second_meter = self._remote_customer("0100000079")
        third, third_meter = self._remote_customer("0100000080")
        self._bill(third.partner_id, 500.0)
        requests = [
            {"partner": partner, "amount": 100.0, "collection_point": self.agency_point}
            for partner in (self.customer, second.partner_id, third.partner_id)
        ]
        with trap_jobs() as trap:
            payments = self.env["account.payment"]._utility_pay_batch(requests)
        self.assertEqual(len(payments), 3)
        self.assertEqual(self._switch_ons(self.meter).balance, 100.0)
        self.assertEqual(self._switch_ons(second_meter).balance, 100.0)
        # 100.00 against a 500.00 bill: still in debt, still off
        self.assertFalse(self._switch_ons(third_meter))
        self.assertEqual(len(trap.enqueued_jobs), 2)


@tagged("post_install", "-at_install")
class TestSwitchOnCounter(UtilityCounterCase, UtilityBillingCase):
    """The cashier sees on the counter's confirmation that the payment
    switched the customer's supply back on."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        headend = cls.env["utility.headend"].create(
            {"name": "County HES", "code": "HES-CTR", "company_id": cls.company.id, "state": "test"}
        )
        cls.contract.billing_mode = "prepaid"
        cls.meter.write({"remote_capable": True, "headend_id": headend.id})
        cls.meter._utility_set_supply("off")

    def _counter_pays(self, number, amount):
        counter = Form(self.env["utility.counter.payment"].with_user(self.cashier))
        counter.search_term = number
        counter.amount = amount
        record = counter.save()
        with trap_jobs():
            record.action_confirm()
        return record

    def test_the_counter_says_the_supply_is_switched_back_on(self):
        counter = self._counter_pays("0100000001", 50.0)
        command = self.env["utility.meter.command"].search([("meter_id", "=", self.meter.id)])
        self.assertEqual(command.payment_id, counter.payment_id)
        self.assertEqual((command.action, command.balance), ("switch_on", 50.0))
        self.assertIn("M0001", counter.switch_on_message)
        self.assertIn(command.name, counter.switch_on_message)
        # a payment that switches nothing on says nothing
        other = self._counter_pays("0100000002", 100.0)
        self.assertFalse(other.switch_on_message)
