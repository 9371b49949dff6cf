from odoo.tests import tagged

from .committed_common import PERIODS, STATION_A, CommittedScenarioCase, monthly_kwh

BILLING_BATCH = 5  # 40 contracts: 8 batches
DUNNING_BATCH = 10  # every January bill overdue (up to 60): 6 batches
BOOKING_BATCH = 3  # 12 lines: 4 batches
PAYERS = range(21, 33)  # customers paying their January bill at the agency


@tagged("post_install", "-at_install")
class TestCrashSafety(CommittedScenarioCase):
    """A billing run, a dunning run and an agency import carried out by one
    queue_job worker process, killed (SIGKILL) once each has committed some
    batches and none is complete, while a batch is being done: that batch is
    lost with its transaction, the runs stay "running"/"booking", and the
    re-run (queue_job requeuing the dead worker's job, plus the user's
    re-run button) completes the work with no duplicate and no gap."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cr = cls._class_connection()
        env = cls._env(cr)
        company = env["res.company"].browse(cls.scenario["company_id"])
        # (a) February billed for station A's 40 contracts
        cls.billing_run = cls._new_billing_run(
            env,
            company,
            "feb",
            batch_size=BILLING_BATCH,
            station_ids=[(6, 0, [cls.scenario["station_a_id"]])],
        )
        cls.billing_run.action_run()
        # the batch the worker bills first (queue order), and the others
        first_batch = (
            env["queue.job"]
            .search(
                [
                    ("func_string", "=like", f"utility.billing.run({cls.billing_run.id},)._%"),
                    ("state", "=", "pending"),
                ],
                order="id",
                limit=1,
            )
            .args[0]
        )
        later = cls._contracts(env, STATION_A).filtered(lambda c: c.id not in first_batch)
        held_points = tuple(later.service_point_id.ids)
        # (b) a call for every bill overdue on 2025-03-10 (January bills,
        # due on 2025-02-20)
        cls.policy = env["utility.arrears.policy"].create(
            {
                "name": "Crash test policy",
                "company_id": company.id,
                "level_ids": [(0, 0, {"name": "Call", "days_overdue": 1, "action": "phone"})],
            }
        )
        cls.dunning_run = env["utility.dunning.run"].create(
            {"company_id": company.id, "date": "2025-03-10", "batch_size": DUNNING_BATCH}
        )
        cls.dunning_run.action_run()
        # (c) an agency file paying the January bills of customers 21-32
        cls.agency = cls._agency(env, f"K{cls.scenario['token'][:4]}")
        cls.paid_bills = cls._january_bills(env, PAYERS)
        cls.paid_total = sum(cls.paid_bills.mapped("amount_residual"))
        cls.file_import = env["utility.agency.import"].create(
            {
                "agency_id": cls.agency.id,
                "file": cls._agency_file(cls.agency, cls.paid_bills),
                "filename": "crash.csv",
            }
        )
        cls.file_import.with_context(utility_agency_booking_batch=BOOKING_BATCH).action_import()
        cls.dunning_total = len(cls.dunning_run.action_ids)
        cr.commit()  # pylint: disable=invalid-commit
        cls.killed_at = dict(
            zip(
                ("bills", "actions", "lines"),
                cls._kill_worker_mid_run(
                    cr,
                    [cls.billing_run, cls.dunning_run, cls.file_import],
                    [
                        "SELECT count(*) FROM account_move WHERE state = 'posted' "
                        f"AND utility_billing_run_id = {cls.billing_run.id}",
                        "SELECT count(*) FROM utility_dunning_action WHERE state = 'done' "
                        f"AND run_id = {cls.dunning_run.id}",
                        "SELECT count(*) FROM utility_agency_import_line WHERE state = 'booked' "
                        f"AND import_id = {cls.file_import.id}",
                    ],
                    # the February readings of the later batches' contracts:
                    # the second billing batch waits on them
                    "SELECT id FROM utility_meter_reading WHERE reading_date = '2025-02-28' "
                    f"AND service_point_id IN {held_points} FOR UPDATE",
                ),
                strict=True,
            )
        )
        cls.dead_jobs = env["queue.job"].search_count(
            [
                ("state", "=", "started"),
                "|",
                "|",
                ("func_string", "=like", f"utility.billing.run({cls.billing_run.id},)._%"),
                ("func_string", "=like", f"utility.dunning.run({cls.dunning_run.id},)._%"),
                ("func_string", "=like", f"utility.agency.import({cls.file_import.id},)._%"),
            ]
        )

    def test_the_worker_was_killed_inside_a_batch_of_unfinished_runs(self):
        # one batch of each committed, the second billing batch lost with
        # the process: its bills were created, never committed
        self.assertEqual(
            self.killed_at,
            {"bills": BILLING_BATCH, "actions": DUNNING_BATCH, "lines": BOOKING_BATCH},
        )
        self.assertEqual(self.dead_jobs, 1, "the process died while performing a job")
        self.assertGreater(self.dunning_total, DUNNING_BATCH)

    def test_billing_run_killed_mid_run_is_completed_by_a_re_run(self):
        cr = self._connection()
        env = self._env(cr)
        run = self.billing_run.with_env(env)
        self.assertEqual(run.state, "running")
        self.assertEqual(len(run.move_ids), self.killed_at["bills"])

        self._rerun(env, run, "action_run")

        env.invalidate_all()
        self.assertEqual(run.state, "done")
        contracts = self._contracts(env, STATION_A)
        bills = env["account.move"].search(
            [
                ("utility_contract_id", "in", contracts.ids),
                ("utility_period_start", "=", PERIODS["feb"][0]),
                ("move_type", "=", "out_invoice"),
            ]
        )
        self._assert_once_each(
            [bill.utility_contract_id.id for bill in bills], contracts.ids, "contract billed"
        )
        self.assertEqual(len(bills), 40)
        self.assertEqual(set(bills.mapped("state")), {"posted"})
        self.assertEqual(run.bill_count, 40)
        self.assertEqual(run.skip_count, 0)
        self.assertEqual(
            sum(bills.mapped("utility_consumption")), sum(monthly_kwh(i) for i in STATION_A)
        )
        self.assertEqual(set(bills.utility_reading_ids.mapped("state")), {"billed"})
        self.assertEqual(len(bills.utility_reading_ids), 40)
        journal = bills.journal_id.ensure_one()
        self._assert_no_gap(
            env["account.move"].search([("journal_id", "=", journal.id), ("state", "=", "posted")])
        )
        self._assert_balanced(cr)

    def test_dunning_run_killed_mid_run_is_completed_by_resume(self):
        cr = self._connection()
        env = self._env(cr)
        run = self.dunning_run.with_env(env)
        self.assertEqual(run.state, "running")
        self.assertEqual(run.todo_count, self.dunning_total - self.killed_at["actions"])
        # before the fix, a running run could not be run again at all
        self.assertGreaterEqual(self.dunning_total, 20, "at least customers 1-20's bills")

        self._rerun(env, run, "action_resume")

        env.invalidate_all()
        self.assertEqual(run.state, "done")
        actions = env["utility.dunning.action"].search([("run_id", "=", run.id)])
        self.assertEqual(len(actions), self.dunning_total)
        # the calls about bills the agency file paid since the run began are
        # skipped when resumed (no call about a paid bill); every other one
        # is made
        paid = actions.filtered(lambda a: a.bill_id.id in self.paid_bills.ids)
        self.assertEqual(set((actions - paid).mapped("state")), {"done"})
        self.assertLessEqual(set(paid.mapped("state")), {"done", "skipped"})
        skipped = actions.filtered(lambda a: a.state == "skipped")
        self.assertTrue(skipped, "the resumed run skips the calls about paid bills")
        self.assertLessEqual(skipped, paid)
        level = self.policy.level_ids
        self._assert_once_each(
            [(action.bill_id.id, action.level_id.id) for action in actions],
            [(bill.id, level.id) for bill in actions.bill_id],
            "level applied to a bill",
        )
        # one call scheduled per bill called: none left over from the killed
        # batch, none about a skipped (paid) bill
        called = (actions - skipped).bill_id
        calls = env["mail.activity"].search(
            [
                ("res_model", "=", "account.move"),
                ("res_id", "in", actions.bill_id.ids),
                ("summary", "=", "Arrears call"),
            ]
        )
        self._assert_once_each(calls.mapped("res_id"), called.ids, "arrears call")

    def test_agency_import_killed_mid_booking_is_completed_by_resume(self):
        cr = self._connection()
        env = self._env(cr)
        file_import = self.file_import.with_env(env)
        journal = self.agency.with_env(env).journal_id
        self.assertEqual(file_import.state, "booking")
        self.assertEqual(
            env["account.payment"].search_count([("journal_id", "=", journal.id)]),
            self.killed_at["lines"],
        )

        self._rerun(
            env,
            file_import,
            "action_resume_booking",
            utility_agency_booking_batch=BOOKING_BATCH,
        )

        env.invalidate_all()
        self.assertEqual(file_import.state, "done")
        lines = file_import.line_ids
        self.assertEqual(len(lines), 12)
        self.assertEqual(set(lines.mapped("state")), {"booked"})
        self.assertEqual(file_import.booked_count, 12)
        self.assertAlmostEqual(file_import.booked_total, self.paid_total, places=2)
        payments = env["account.payment"].search([("journal_id", "=", journal.id)])
        self.assertEqual(len(payments), 12, "one payment per line")
        self._assert_once_each(
            [line.payment_id.id for line in lines], payments.ids, "payment of a line"
        )
        self.assertAlmostEqual(sum(payments.mapped("amount")), self.paid_total, places=2)
        bills = self.paid_bills.with_env(env)
        self.assertTrue(all(bill.currency_id.is_zero(bill.amount_residual) for bill in bills))
        self._assert_no_gap(payments)
        self._assert_balanced(cr)
