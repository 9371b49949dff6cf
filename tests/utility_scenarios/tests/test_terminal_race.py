import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time

from odoo import fields
from odoo.tests import tagged

from odoo.addons.utility_payment_channels.models.utility_payment_terminal import (
    hash_terminal_key,
)

from .committed_common import CommittedScenarioCase

API = "/utility/api/v1"
CUSTOMER = 55  # station B, a customer no other scenario pays


@tagged("post_install", "-at_install")
class TestTerminalDuplicateRace(CommittedScenarioCase):
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
        point = env["utility.collection.point"].create(
            {
                "name": f"Race ATM {self.scenario['token'][:6]}",
                "code": f"RACE-{self.scenario['token'][:6]}",
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
        setup.commit()
        payload = json.dumps(
            {
                "customer_number": bill.partner_id.utility_customer_number,
                "amount": bill.amount_residual,
                "terminal_txn_id": "RACE-1",
            }
        )
        port = self._start_server()

        holder = self._connection()
        holder.execute("SELECT id FROM account_move WHERE id = %s FOR UPDATE", [bill.id])
        answers = {}

        def pay(name):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            try:
                conn.request(
                    "POST",
                    f"{API}/payments",
                    body=payload,
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

        first = threading.Thread(target=pay, args=("first",))
        first.start()
        self._wait_for_waiting_requests(setup, 1)  # booked, waiting on the bill
        second = threading.Thread(target=pay, args=("second",))
        second.start()
        self._wait_for_waiting_requests(setup, 2)  # waiting on the first
        holder.rollback()  # the bill is released
        first.join(120)
        second.join(120)

        first_status, first_receipt = answers["first"]
        second_status, second_receipt = answers["second"]
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

    def _start_server(self):
        """An Odoo server on the test database, in a process of its own,
        serving requests in threads (each with its own connection)."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        args = [
            sys.executable,
            "-m",
            "odoo",
            "server",
            "-d",
            self.dbname,
            "--http-interface=127.0.0.1",
            f"--http-port={port}",
            "--workers=0",
            "--max-cron-threads=0",
            # no job runner: the other scenarios' jobs are theirs to run
            "--load=base,web",
            "--log-level=warn",
            *self._odoo_options(),
        ]
        log = tempfile.NamedTemporaryFile(
            mode="w+", prefix="utility_api_server_", suffix=".log", delete=False
        )
        self.addCleanup(os.unlink, log.name)
        self.addCleanup(log.close)
        self.server_log = log
        process = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        self.addCleanup(self._stop, process)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"the server ended:\n{self._log(log)}")
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                conn.request("GET", "/web/health")
                if conn.getresponse().status == 200:
                    return port
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.2)
        raise AssertionError(f"the server did not answer in 120 s:\n{self._log(log)}")

    def _wait_for_waiting_requests(self, cr, count, timeout=60):
        """Wait until ``count`` connections of the test database wait on a
        lock (the requests being served)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            cr.rollback()  # activity is read once per transaction
            cr.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0"
            )
            if cr.fetchone()[0] >= count:
                return
            time.sleep(0.05)
        raise AssertionError(f"{count} request(s) not waiting after {timeout} s")
