"""Every booking path passes through the same extension points: an add-on
that overrides ``account.payment._utility_before_reconcile`` (or
``_utility_after_reconcile``) once sees the payments of an agency file, a
terminal, the counter and the portal."""

import json

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import Form, HttpCase, tagged

from odoo.addons.utility_billing.tests.common import UtilityBillingCase
from odoo.addons.utility_payment_channels.tests.agency_common import UtilityAgencyCase
from odoo.addons.utility_payment_channels.tests.common_counter import UtilityCounterCase

API = "/utility/api/v1"


@tagged("post_install", "-at_install")
class TestBookingHook(UtilityCounterCase, UtilityAgencyCase, UtilityBillingCase, HttpCase):
    """Wang Fang (three open bills) pays through an agency file and a
    terminal, Li Lei (one open bill) at the counter, and Zhang Wei (a bill of
    his supply contract) online with Odoo's demo provider."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        atm_point = cls.env["utility.collection.point"].create(
            {
                "name": "Chengguan ATM",
                "code": "ATM-1",
                "kind": "terminal",
                "journal_id": cls.bank_journal.id,
            }
        )
        cls.atm = cls.env["utility.payment.terminal"].create(
            {"name": "ATM 1", "collection_point_id": atm_point.id}
        )
        cls.key = cls.atm.action_generate_key()["params"]["message"]
        provider = (
            cls.env.ref("payment.payment_provider_demo").sudo().copy({"company_id": cls.company.id})
        )
        provider.write({"state": "test", "is_published": True, "journal_id": cls.bank_journal.id})
        cls.provider = provider
        today = fields.Date.context_today(cls.env.user)
        cls.online_bill = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.contract.partner_id.id,
                "utility_contract_id": cls.contract.id,
                "invoice_date": today,
                "invoice_date_due": fields.Date.add(today, days=10),
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Electricity", "quantity": 1, "price_unit": 45.0, "tax_ids": []}
                    )
                ],
            }
        )
        cls.online_bill.action_post()

    def setUp(self):
        super().setUp()
        # the one override: a recorder calling the hook it replaces
        Payment = self.registry["account.payment"]
        hook = Payment._utility_before_reconcile
        self.seen = []

        def recorder(model, settlements):
            self.seen += [(s.payment.id, s.bills.ids, s.amount) for s in settlements]
            return hook(model, settlements)

        self.patch(Payment, "_utility_before_reconcile", recorder)
        # and the hook after the reconciliation: the payments booked, and
        # whether they were already reconciled when it was called
        after_hook = Payment._utility_after_reconcile
        self.after = []

        def after_recorder(model, payments):
            lines = payments.move_id.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable"
            )
            self.after.append((payments.ids, all(lines.mapped("reconciled"))))
            return after_hook(model, payments)

        self.patch(Payment, "_utility_after_reconcile", after_recorder)

    def _seen_since(self, count):
        return self.seen[count:]

    def test_agency_terminal_counter_and_portal_payments_pass_through_the_hook(self):
        jan, feb, _mar = self.bills
        # an agency file (the batch path): two payments of one customer
        agency_import = self._new_import(
            [
                "H-1,2025-01-10 09:00:00,0100000002,,30.00,POST-CG",
                "H-2,2025-01-10 09:05:00,0100000002,,20.00,POST-CG",
            ]
        )
        agency_import.action_import()
        agency_payments = agency_import.line_ids.sorted("line_no").payment_id
        self.assertEqual(len(agency_payments), 2)
        self.assertEqual(
            self.seen,
            [
                (agency_payments[0].id, self.bills.ids, 30.0),
                (agency_payments[1].id, self.bills.ids, 20.0),
            ],
        )
        self.assertEqual(jan.amount_residual, 50.0)
        # one call after the reconciliation for the whole file
        self.assertEqual(self.after, [(agency_payments.ids, True)])

        # a terminal, over HTTP (the single path)
        count = len(self.seen)
        response = self.url_open(
            API + "/payments",
            data=json.dumps(
                {"customer_number": "0100000002", "amount": 70.0, "terminal_txn_id": "ATM1-1"}
            ),
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
            method="POST",
        )
        self.assertLess(response.status_code, 300, response.text[:300])
        terminal_payment = self.env["account.payment"].search(
            [("utility_txn_key", "=", f"terminal:{self.atm.id}:ATM1-1")]
        )
        self.assertEqual(
            self._seen_since(count), [(terminal_payment.id, [jan.id, feb.id, _mar.id], 70.0)]
        )
        self.assertEqual(jan.payment_state, "paid")
        self.assertEqual(self.after[-1], (terminal_payment.ids, True))

        # the counter
        count = len(self.seen)
        counter = Form(self.env["utility.counter.payment"].with_user(self.cashier))
        counter.search_term = "0100000003"
        counter.amount = 60.0
        counter.save().action_confirm()
        counter_payment = self.env["account.payment"].search(
            [("utility_cashier_session_id", "=", self.session.id)]
        )
        self.assertEqual(self._seen_since(count), [(counter_payment.id, self.bill_2.ids, 60.0)])
        self.assertEqual(self.bill_2.payment_state, "paid")
        self.assertEqual(self.after[-1], (counter_payment.ids, True))

        # the portal: Odoo's payment module books the payment after the hook
        count = len(self.seen)
        tx = self.env["payment.transaction"].create(
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.provider.payment_method_ids[:1].id,
                "amount": 45.0,
                "currency_id": self.company.currency_id.id,
                "partner_id": self.contract.partner_id.id,
                "invoice_ids": [Command.set(self.online_bill.ids)],
                "reference": "HOOK-ONLINE-1",
                "operation": "online_direct",
            }
        )
        tx._set_done()
        tx._post_process()
        self.assertEqual(self._seen_since(count), [(False, self.online_bill.ids, 45.0)])
        self.assertEqual(tx.payment_id.utility_channel, "online")
        self.assertEqual(self.online_bill.payment_state, "paid")
        self.assertEqual(self.after[-1], (tx.payment_id.ids, True))
        self.assertEqual(len(self.after), 4)

    def _refuse_thirteen(self):
        """The hook refuses payments of 13.00; the two requests of a batch,
        of two customers, are in one call of the hook."""
        Payment = self.registry["account.payment"]
        recorder = Payment._utility_before_reconcile

        def refuse_thirteen(model, settlements):
            if any(settlement.amount == 13.0 for settlement in settlements):
                raise UserError(model.env._("No payment of 13.00 today."))
            return recorder(model, settlements)

        self.patch(Payment, "_utility_before_reconcile", refuse_thirteen)
        return [
            {"partner": self.customer, "amount": 10.0, "collection_point": self.hall},
            {"partner": self.customer_2, "amount": 13.0, "collection_point": self.hall},
        ]

    def test_a_payment_the_hook_refuses_is_not_booked_and_the_batch_goes_on(self):
        requests = self._refuse_thirteen()
        booked, refused = self.env["account.payment"]._utility_pay_batch(
            requests, raise_errors=False
        )
        self.assertIsInstance(refused, UserError)
        self.assertEqual(booked.utility_bill_ids, self.bills[0])
        self.assertEqual(self.bills[0].amount_residual, 90.0)
        self.assertEqual(self.bill_2.amount_residual, 60.0)
        self.assertEqual(self.seen[-1], (booked.id, self.bills.ids, 10.0))

    def test_the_hook_refusal_is_raised_as_the_single_path_raises_it(self):
        requests = self._refuse_thirteen()
        with self.assertRaisesRegex(UserError, "13.00"):
            self.env["account.payment"]._utility_pay_batch(requests)
