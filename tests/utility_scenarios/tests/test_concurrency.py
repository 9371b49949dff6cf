import time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.queue_job.exception import RetryableJobError

from .committed_common import PERIODS, CommittedScenarioCase

STATION_B = range(41, 61)


@tagged("post_install", "-at_install")
class TestConcurrency(CommittedScenarioCase):
    """Two users (two database connections, committed data) doing the same
    thing at the same moment: while the first one's transaction is still
    running, the second gets a clear message at once (or its job is retried
    later) and books nothing; once the first has committed, trying again
    books nothing more, and the books are right."""

    def test_same_billing_period_run_twice_at_once_bills_each_contract_once(self):
        setup = self._connection()
        env = self._env(setup)
        company = env["res.company"].browse(self.scenario["company_id"])
        scope = {"batch_size": 20, "station_ids": [(6, 0, [self.scenario["station_b_id"]])]}
        run = self._new_billing_run(env, company, "mar", **scope)
        other_run = self._new_billing_run(env, company, "mar", **scope)
        setup.commit()
        contract_ids = self._contracts(env, STATION_B).ids

        first, second = self._connection(), self._connection()
        first_env, second_env = self._env(first), self._env(second)
        # the first job is billing station B's 20 contracts, not committed yet
        first_run = run.with_env(first_env)
        first_run._run_batch(contract_ids)
        billed = first_run.move_ids
        self.assertEqual(len(billed), 20)
        # the same batch, and the batch of another run of the same period,
        # started meanwhile: retried later, nothing billed, no waiting
        with mute_logger("odoo.sql_db"):
            with self.assertRaisesRegex(RetryableJobError, "being billed by another job"):
                run.with_env(second_env)._run_batch(contract_ids)
            second.rollback()
            with self.assertRaisesRegex(RetryableJobError, "being billed by another job"):
                other_run.with_env(second_env)._run_batch(contract_ids)
            second.rollback()
        # a user clicking "Run" while the first one is starting the run
        first.execute("SELECT id FROM utility_billing_run WHERE id = %s FOR UPDATE", [run.id])
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaisesRegex(UserError, "being processed by another user"),
        ):
            run.with_env(second_env).action_run()
        second.rollback()
        first.commit()

        # the retries find the contracts billed
        self.assertEqual(run.with_env(second_env)._run_batch(contract_ids), "No bill, 0 skipped.")
        other_run.with_env(second_env)._run_batch(contract_ids)
        second.commit()

        check = self._env(self._connection())
        bills = check["account.move"].search(
            [
                ("utility_contract_id", "in", contract_ids),
                ("utility_period_start", "=", PERIODS["mar"][0]),
                ("move_type", "=", "out_invoice"),
            ]
        )
        self._assert_once_each(
            [bill.utility_contract_id.id for bill in bills], contract_ids, "contract billed"
        )
        self.assertEqual(bills.ids, billed.ids)
        self.assertEqual(check["utility.billing.run"].browse(run.id).bill_count, 20)
        skipped = check["utility.billing.run"].browse(other_run.id)
        self.assertEqual(skipped.bill_count, 0)
        self.assertEqual(skipped.skip_count, 20)
        self.assertEqual(set(skipped.skip_ids.mapped("reason")), {"already_billed"})
        self.assertEqual(set(skipped.skip_ids.existing_move_id.ids), set(billed.ids))
        self._assert_no_gap(
            check["account.move"].search(
                [("journal_id", "=", bills.journal_id.id), ("state", "=", "posted")]
            )
        )
        self._assert_balanced(check.cr)

    def test_same_agency_file_imported_twice_at_once_is_booked_once(self):
        setup = self._connection()
        env = self._env(setup)
        agency = self._agency(env, f"R{self.scenario['token'][:4]}")
        bills = self._january_bills(env, range(41, 44))
        due = sum(bills.mapped("amount_residual"))
        data = self._agency_file(agency, bills, prefix="R")
        imports = env["utility.agency.import"].create(
            [
                {"agency_id": agency.id, "file": data, "filename": "day.csv"},
                {"agency_id": agency.id, "file": data, "filename": "day (copy).csv"},
            ]
        )
        setup.commit()

        first, second = self._connection(), self._connection()
        first_env, second_env = self._env(first), self._env(second)
        imports[0].with_env(first_env).action_import()  # booked, not committed yet
        self.assertEqual(imports[0].with_env(first_env).booked_count, 3)
        # a second click on the same import
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaisesRegex(UserError, "being processed by another user"),
        ):
            imports[0].with_env(second_env).action_import()
        second.rollback()
        # the same file uploaded again by another user
        with self.assertRaisesRegex(UserError, "being imported by another user"):
            imports[1].with_env(second_env).action_import()
        second.rollback()
        first.commit()

        with self.assertRaisesRegex(UserError, "already imported"):
            imports[1].with_env(second_env).action_import()
        second.rollback()
        imports[0].with_env(second_env).action_import()  # done already: nothing to do
        second.commit()

        check = self._env(self._connection())
        done, refused = imports.with_env(check)
        self.assertEqual(done.state, "done")
        self.assertEqual(done.booked_count, 3)
        self.assertEqual(refused.state, "draft")
        self.assertFalse(refused.line_ids)
        payments = check["account.payment"].search([("journal_id", "=", agency.journal_id.id)])
        self.assertEqual(len(payments), 3, "one payment per line, booked once")
        self.assertEqual(payments, done.line_ids.payment_id)
        self.assertAlmostEqual(sum(payments.mapped("amount")), due, places=2)
        self.assertTrue(
            all(bill.currency_id.is_zero(bill.amount_residual) for bill in bills.with_env(check))
        )
        self._assert_balanced(check.cr)

    def test_same_cashier_session_closed_twice_at_once_posts_one_deposit(self):
        setup = self._connection()
        env = self._env(setup)
        cash = env["account.journal"].browse(self.scenario["cash_journal_id"])
        hall = env["utility.collection.point"].create(
            {
                "name": "Race hall",
                "code": f"H{self.scenario['token']}",
                "kind": "hall",
                "journal_id": cash.id,
            }
        )
        session = env["utility.cashier.session"].create(
            {"collection_point_id": hall.id, "cash_register_balance_start": 0.0}
        )
        customer = self._partners(env, [44])
        session._utility_pay(customer, 100.0)
        session.action_closing_control()
        session.count_line_ids.filtered(lambda line: line.denomination == "100").quantity = 1
        session.write(
            {"deposit_amount": 100.0, "deposit_journal_id": self.scenario["bank_journal_id"]}
        )
        self.assertEqual(session.cash_register_difference, 0.0)
        setup.commit()

        first, second = self._connection(), self._connection()
        session.with_env(self._env(first)).action_close()  # not committed yet
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaisesRegex(UserError, "being closed by another user"),
        ):
            session.with_env(self._env(second)).action_close()
        second.rollback()
        first.commit()
        with self.assertRaisesRegex(UserError, "Count the cash"):
            session.with_env(self._env(second)).action_close()
        second.rollback()

        check = self._env(self._connection())
        closed = session.with_env(check)
        self.assertEqual(closed.state, "closed")
        deposits = check["account.move"].search(
            [("journal_id", "=", cash.id), ("ref", "=like", f"%{closed.name}%")]
        )
        self.assertEqual(deposits, closed.deposit_move_id, "one deposit entry")
        self.assertEqual(deposits.amount_total, 100.0)
        # the drawer's 100 yuan came in with the payment and left with the deposit
        cash_lines = check["account.move.line"].search(
            [
                ("account_id", "=", cash.default_account_id.id),
                ("move_id", "in", (closed.payment_ids.move_id | deposits).ids),
            ]
        )
        self.assertEqual(sum(cash_lines.mapped("balance")), 0.0)
        self.assertEqual(len(closed.payment_ids), 1)
        self._assert_balanced(check.cr)

    def test_agency_booking_and_a_terminal_payment_in_one_journal_share_its_numbers(self):
        """A payment at one of an agency's outlets, not committed yet, holds
        the first number of the agency's journal. Meanwhile a worker process
        books the agency's file: its first entry, which the others of the
        batch copy, waits for that number, takes the next one once the
        payment commits, and the copies follow it. Every number once, no gap."""
        setup = self._connection()
        env = self._env(setup)
        agency = self._agency(env, f"N{self.scenario['token'][:4]}")
        bills = self._january_bills(env, range(45, 51))
        file_bills, terminal_bill = bills[:5], bills[5]
        agency_import = env["utility.agency.import"].create(
            {
                "agency_id": agency.id,
                "file": self._agency_file(agency, file_bills, prefix="N"),
                "filename": "numbers.csv",
            }
        )
        # jobs of 4 lines: a first entry and 3 copies, then one entry
        agency_import.with_context(utility_agency_booking_batch=4).action_import()
        self.assertEqual(agency_import.state, "booking")
        Payment = env["account.payment"]
        self.assertTrue(
            Payment.with_context(
                **Payment._utility_entry_post_context()
            )._utility_entry_copy_allowed(),
            "the booking copies its entries",
        )
        setup.commit()

        terminal = self._connection()
        terminal_env = self._env(terminal)
        payment = terminal_env["account.payment"]._utility_pay(
            terminal_bill.partner_id.with_env(terminal_env),
            terminal_bill.amount_residual,
            agency.outlet_ids[1].with_env(terminal_env),
            external_txn_id="N-OUTLET-1",
            date=fields.Date.to_date("2025-02-10"),  # the file's day: the same sequence
        )
        self.assertEqual(payment.journal_id, agency.journal_id)
        first_number = payment.move_id.name
        terminal.execute("SELECT pg_backend_pid()")
        terminal_pid = terminal.fetchone()[0]

        worker, log = self._start_worker(agency_import, self.addCleanup)
        deadline = time.monotonic() + 120
        while True:  # until the worker's booking waits on the payment's number
            setup.rollback()
            setup.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                [terminal_pid],
            )
            if setup.fetchone()[0]:
                break
            self.assertIsNone(worker.poll(), f"the worker did not wait:\n{self._log(log)}")
            self.assertLess(time.monotonic(), deadline, self._log(log))
            time.sleep(0.05)
        terminal.commit()
        self.assertEqual(worker.wait(120), 0, self._log(log))

        check = self._env(self._connection())
        done = agency_import.with_env(check)
        self.assertEqual(done.state, "done", self._log(log))
        self.assertEqual(done.booked_count, 5)
        entries = check["account.move"].search(
            [("journal_id", "=", agency.journal_id.id), ("state", "=", "posted")]
        )
        self.assertEqual(len(entries), 6)
        self._assert_no_gap(entries)
        self.assertEqual(first_number, min(entries.mapped("name")), "the payment came first")
        self.assertEqual(
            entries.mapped("name"), entries.mapped(lambda move: move.line_ids[0].move_name)
        )
        self.assertTrue(
            all(bill.payment_state in ("paid", "in_payment") for bill in bills.with_env(check))
        )
        self._assert_balanced(check.cr)
