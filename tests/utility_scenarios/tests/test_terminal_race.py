from odoo.tests import tagged

from .race_common import RealServerRaceCase

CUSTOMER = 55  # station B, a customer no other scenario pays


@tagged("post_install", "-at_install")
class TestTerminalDuplicateRace(RealServerRaceCase):
    """A terminal that timed out sends the same payment again while the first
    request is still being booked: two requests with one ``terminal_txn_id``
    at the same moment, served by a real Odoo server (its own process, one
    database connection per request). The second waits for the first, is
    answered with the first one's receipt (``duplicate: true``), and one
    payment is booked, and the server logs no error.

    To make the two requests overlap every time, a third connection holds
    the bill's row: the first request books its payment, then waits on the
    bill to settle it; the second one reaches the same transaction id and
    waits on the first; the bill is then released."""

    def test_same_payment_sent_twice_at_once_is_booked_once(self):
        setup = self._connection()
        env = self._env(setup)
        bill = self._january_bills(env, [CUSTOMER])
        self.assertEqual(len(bill), 1)
        self.assertEqual(bill.payment_state, "not_paid")
        token = self.scenario["token"][:6]
        terminal, key = self._race_terminal(env, f"Race ATM {token}", f"RACE-{token}")
        setup.commit()
        payload = {
            "customer_number": bill.partner_id.utility_customer_number,
            "amount": bill.amount_residual,
            "terminal_txn_id": "RACE-1",
        }
        port = self._start_server()

        # the first is booked and waits on the bill, the second waits on
        # the first
        (first_status, first_receipt), (second_status, second_receipt) = self._race(
            setup,
            port,
            key,
            ("account_move", bill.id),
            ("/payments", payload),
            ("/payments", payload),
        )
        self.assertEqual(first_status, 201, first_receipt)
        self.assertFalse(first_receipt.get("duplicate"))
        self.assertEqual(second_status, 200, second_receipt)
        self.assertTrue(second_receipt["duplicate"])
        self.assertEqual(
            {k: v for k, v in second_receipt.items() if k != "duplicate"},
            {k: v for k, v in first_receipt.items() if k != "duplicate"},
            "the retry is answered with the first receipt",
        )
        check = self._env(self._connection())
        payments = check["account.payment"].search(
            [("utility_txn_key", "=", f"{terminal._utility_txn_scope()}:RACE-1")]
        )
        self.assertEqual(len(payments), 1, "booked once")
        self.assertEqual(payments.move_id.state, "posted")
        self.assertEqual(first_receipt["payment_name"], payments.name)
        # the bill, and the late fee charged on it (January's bill is overdue)
        fee = check["account.move"].search([("utility_late_fee_bill_id", "=", bill.id)])
        self.assertEqual(
            sorted(line["bill_number"] for line in first_receipt["bills"]),
            sorted((bill | fee).with_env(check).mapped("name")),
        )
        # the bill settled by that payment, and by nothing else
        settled_by = bill.with_env(check).line_ids.matched_credit_ids.credit_move_id.move_id
        self.assertEqual(settled_by, payments.move_id)
        receivable = payments.move_id.line_ids.filtered(
            lambda line: line.account_id == payments.destination_account_id
        )
        self.assertTrue(receivable.reconciled, "the amount paid was used once, in full")
        self._assert_balanced(check.cr)
        # the retry waited for the first request instead of failing on the
        # transaction id's unique index: nothing for the server's log
        self.assertNotIn(" ERROR ", self._log(self.server_log))
