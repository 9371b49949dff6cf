import http.client
import json
import secrets
import threading

from odoo import fields
from odoo.tests import tagged

from odoo.addons.utility_payment_channels.models.utility_payment_terminal import (
    hash_terminal_key,
)

from . import test_terminal_race
from .committed_common import CommittedScenarioCase

API = "/utility/api/v1"
# station B, customers no other scenario pays
CUSTOMER_PAID_FIRST = 58
CUSTOMER_REVERSED_FIRST = 59


@tagged("post_install", "-at_install")
class TestTerminalReversalRace(CommittedScenarioCase):
    """A biller reverses (冲正) a payment while that payment is still being
    booked, or reverses first and its payment arrives while the reversal is
    being recorded: two requests with one ``terminal_txn_id`` at the same
    moment, served by a real Odoo server (its own process, one database
    connection per request). Whatever the order, the outcome is whole: the
    payment booked then cancelled (bills and late fee as before), or never
    booked and its id barred; never a payment booked after its reversal.

    A third connection holds a row the first request needs, so that the
    second one always arrives while the first is in flight: the bill (the
    payment waits on it to settle it), or the terminal (the reversal waits
    on it to record itself)."""

    # the real server and the lock watch of the duplicate race (its class is
    # not imported here: the test loader would run its test twice)
    _start_server = test_terminal_race.TestTerminalDuplicateRace._start_server
    _wait_for_waiting_requests = (
        test_terminal_race.TestTerminalDuplicateRace._wait_for_waiting_requests
    )

    def _biller_terminal(self, env, suffix):
        token = self.scenario["token"][:6]
        point = env["utility.collection.point"].create(
            {
                "name": f"Reversal gateway {suffix} {token}",
                "code": f"REV{suffix}-{token}",
                "kind": "terminal",
                "journal_id": self.scenario["bank_journal_id"],
            }
        )
        key = secrets.token_urlsafe(32)
        Terminal = env["utility.payment.terminal"]
        # set-up: a key issued as the manager's action would, used just now
        # (neither request writes the terminal's row)
        with Terminal.browse()._utility_protected_write():
            terminal = Terminal.create(
                {
                    "name": point.name,
                    "collection_point_id": point.id,
                    "key_hash": hash_terminal_key(key),
                    "last_used_at": fields.Datetime.now(),
                }
            )
        return terminal, key

    def _request(self, port, key, path, body, answers, name):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            conn.request(
                "POST",
                API + path,
                body=json.dumps(body),
                headers={
                    "Authorization": f"Bearer {key}",
                    "Content-Type": "application/json",
                    "Connection": "close",
                },
            )
            response = conn.getresponse()
            answers[name] = (response.status, json.loads(response.read()))
        finally:
            conn.close()

    def test_reversal_racing_its_payment_cancels_it_once_booked(self):
        setup = self._connection()
        env = self._env(setup)
        bill = self._january_bills(env, [CUSTOMER_PAID_FIRST])
        self.assertEqual(bill.payment_state, "not_paid")
        residual = bill.amount_residual
        terminal, key = self._biller_terminal(env, "A")
        setup.commit()
        customer_number = bill.partner_id.utility_customer_number
        port = self._start_server()

        holder = self._connection()
        holder.execute("SELECT id FROM account_move WHERE id = %s FOR UPDATE", [bill.id])
        answers = {}
        pay = threading.Thread(
            target=self._request,
            args=(
                port,
                key,
                "/payments",
                # the bill and its late fee (January's bill is overdue)
                {
                    "customer_number": customer_number,
                    "amount": residual + 500,
                    "allow_prepaid": True,
                    "terminal_txn_id": "REV-RACE-1",
                },
                answers,
                "pay",
            ),
        )
        pay.start()
        self._wait_for_waiting_requests(setup, 1)  # booked, waiting on the bill
        reverse = threading.Thread(
            target=self._request,
            args=(
                port,
                key,
                "/payments/REV-RACE-1/reversal",
                {"reason": "扣款失败"},
                answers,
                "reverse",
            ),
        )
        reverse.start()
        self._wait_for_waiting_requests(setup, 2)  # waiting on the payment's lock
        holder.rollback()  # the bill is released
        pay.join(120)
        reverse.join(120)

        pay_status, receipt = answers["pay"]
        reverse_status, reversal = answers["reverse"]
        self.assertEqual(pay_status, 201, receipt)
        self.assertEqual(reverse_status, 200, reversal)
        self.assertEqual(reversal["status"], "canceled")
        self.assertEqual(reversal["receipt"]["payment_id"], receipt["payment_id"])

        check = self._env(self._connection())
        payment = check["account.payment"].browse(receipt["payment_id"])
        self.assertEqual((payment.state, payment.move_id.state), ("canceled", "cancel"))
        bill = bill.with_env(check)
        self.assertEqual(bill.amount_residual, residual, "the bill as before the payment")
        self.assertEqual(bill.payment_state, "not_paid")
        fees = check["account.move"].search([("utility_late_fee_bill_id", "=", bill.id)])
        self.assertTrue(fees, "the payment charged the bill's late fee")
        self.assertEqual(set(fees.mapped("state")), {"cancel"}, "and took it back")
        record = check["utility.payment.reversal"].search(
            [("terminal_id", "=", terminal.id), ("terminal_txn_id", "=", "REV-RACE-1")]
        )
        self.assertEqual((record.state, record.payment_id), ("reversed", payment))
        self._assert_balanced(check.cr)
        self.assertNotIn(" ERROR ", self._log(self.server_log))

    def test_payment_racing_its_reversal_is_never_booked(self):
        setup = self._connection()
        env = self._env(setup)
        bill = self._january_bills(env, [CUSTOMER_REVERSED_FIRST])
        self.assertEqual(bill.payment_state, "not_paid")
        residual = bill.amount_residual
        terminal, key = self._biller_terminal(env, "B")
        setup.commit()
        port = self._start_server()

        holder = self._connection()
        # the reversal's record refers to the terminal: its insert waits
        holder.execute(
            "SELECT id FROM utility_payment_terminal WHERE id = %s FOR UPDATE", [terminal.id]
        )
        answers = {}
        reverse = threading.Thread(
            target=self._request,
            args=(
                port,
                key,
                "/payments/REV-RACE-2/reversal",
                {"reason": "超时未确认"},
                answers,
                "reverse",
            ),
        )
        reverse.start()
        self._wait_for_waiting_requests(setup, 1)  # recording itself, holding the id's lock
        pay = threading.Thread(
            target=self._request,
            args=(
                port,
                key,
                "/payments",
                {
                    "customer_number": bill.partner_id.utility_customer_number,
                    "amount": residual + 500,
                    "allow_prepaid": True,
                    "terminal_txn_id": "REV-RACE-2",
                },
                answers,
                "pay",
            ),
        )
        pay.start()
        self._wait_for_waiting_requests(setup, 2)  # waiting on the reversal's lock
        holder.rollback()  # the terminal is released
        reverse.join(120)
        pay.join(120)

        reverse_status, reversal = answers["reverse"]
        pay_status, refusal = answers["pay"]
        self.assertEqual(reverse_status, 200, reversal)
        self.assertEqual(reversal["status"], "not_booked")
        self.assertEqual(pay_status, 409, refusal)
        self.assertEqual(refusal["code"], "payment_reversed")

        check = self._env(self._connection())
        self.assertFalse(
            check["account.payment"].search(
                [("utility_txn_key", "=", f"{terminal._utility_txn_scope()}:REV-RACE-2")]
            ),
            "never booked",
        )
        bill = bill.with_env(check)
        self.assertEqual((bill.amount_residual, bill.payment_state), (residual, "not_paid"))
        self.assertFalse(check["account.move"].search([("utility_late_fee_bill_id", "=", bill.id)]))
        self._assert_balanced(check.cr)
        self.assertNotIn(" ERROR ", self._log(self.server_log))
