from odoo.tests import tagged

from .race_common import RealServerRaceCase

# station B, customers no other scenario pays
CUSTOMER_PAID_FIRST = 58
CUSTOMER_REVERSED_FIRST = 59


@tagged("post_install", "-at_install")
class TestTerminalReversalRace(RealServerRaceCase):
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

    def _biller_terminal(self, env, suffix):
        token = self.scenario["token"][:6]
        return self._race_terminal(
            env, f"Reversal gateway {suffix} {token}", f"REV{suffix}-{token}"
        )

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

        # the payment is booked and waits on the bill, the reversal waits
        # on the payment's lock
        (pay_status, receipt), (reverse_status, reversal) = self._race(
            setup,
            port,
            key,
            ("account_move", bill.id),
            (
                "/payments",
                # the bill and its late fee (January's bill is overdue)
                {
                    "customer_number": customer_number,
                    "amount": residual + 500,
                    "allow_prepaid": True,
                    "terminal_txn_id": "REV-RACE-1",
                },
            ),
            ("/payments/REV-RACE-1/reversal", {"reason": "扣款失败"}),
        )
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

        # the reversal's record refers to the terminal: it waits on it,
        # holding the id's lock; the payment waits on the reversal's lock
        (reverse_status, reversal), (pay_status, refusal) = self._race(
            setup,
            port,
            key,
            ("utility_payment_terminal", terminal.id),
            ("/payments/REV-RACE-2/reversal", {"reason": "超时未确认"}),
            (
                "/payments",
                {
                    "customer_number": bill.partner_id.utility_customer_number,
                    "amount": residual + 500,
                    "allow_prepaid": True,
                    "terminal_txn_id": "REV-RACE-2",
                },
            ),
        )
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
