from odoo.tests import tagged

from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import trap_jobs

from .common import UtilityBillingCase


@tagged("post_install", "-at_install")
class TestBillingRunJobs(UtilityBillingCase):
    """The billing run's jobs (its life cycle is utility.batch.job.mixin's):
    a run started again bills what is still unbilled, with jobs for those
    contracts only, and is closed once, by the last start's closing job."""

    def _new_run(self, **vals):
        return self.env["utility.billing.run"].create(
            {
                "company_id": self.company.id,
                "date_from": "2025-03-01",
                "date_to": "2025-03-31",
                "invoice_date": "2025-04-02",
                **vals,
            }
        )

    def _read(self, meter, value):
        reading = self.env["utility.meter.reading"].create(
            {"meter_id": meter.id, "reading_date": "2025-03-31", "value": value}
        )
        reading.action_validate()
        return reading

    def test_run_started_again_enqueues_jobs_for_the_unbilled_contracts_only(self):
        (first, first_meter), (second, second_meter), (late, late_meter) = (
            self._new_customer(f"010000009{number}") for number in range(1, 4)
        )
        self._read(first_meter, 100)
        self._read(second_meter, 200)
        run = self._new_run(batch_size=1)
        run.with_context(queue_job__no_delay=True).action_run()
        self.assertEqual(run.state, "done")
        self.assertEqual(run.move_ids.utility_contract_id, first | second)
        # the contract of the common setup and the late one: no reading yet
        self.assertEqual(run.skip_ids.contract_id, self.contract | late)
        self.assertEqual(run.contract_count, 4)

        self._read(late_meter, 300)
        with trap_jobs() as trap:
            run.action_run()  # "Bill Remaining Contracts"
            batches = [job.args[0] for job in trap.enqueued_jobs if job.method_name == "_run_batch"]
            # the skipped contracts are tried again; none of the billed ones
            self.assertEqual(sorted(batches), sorted([[self.contract.id], [late.id]]))
            trap.assert_jobs_count(1, only=run._finish_run)
            trap.perform_enqueued_jobs()
        self.assertEqual(run.state, "done")
        self.assertEqual(run.move_ids.utility_contract_id, first | second | late)
        self.assertEqual(run.skip_ids.contract_id, self.contract)
        self.assertEqual(run.contract_count, 4)
        self.assertEqual(run.progress, 100.0)

    def _jobs(self, run):
        return (
            self.env["queue.job"]
            .sudo()
            .search([("func_string", "=like", f"utility.billing.run({run.id},).%")], order="id")
        )

    def _split(self, jobs):
        """The batch jobs and the closing job of ``jobs``."""
        close = jobs.filtered(lambda job: job.method_name == "_finish_run")
        self.assertEqual(len(close), 1)
        return jobs - close, close

    def _perform(self, job):
        return Job.load(self.env, job.uuid).perform()

    def _done_messages(self, run):
        return run.message_ids.filtered(lambda message: "Billing done" in (message.body or ""))

    def test_closing_job_of_an_earlier_start_leaves_the_closing_to_the_last_start(self):
        (first, first_meter), (second, second_meter) = (
            self._new_customer(f"010000008{number}") for number in range(1, 3)
        )
        self._read(first_meter, 100)
        self._read(second_meter, 200)
        run = self._new_run(batch_size=1)
        run.action_run()
        # the contract of the common setup (no reading), the first, the second
        jobs = self._jobs(run)
        batches, close = self._split(jobs)
        by_contract = {job.args[0][0]: job for job in batches}
        self.assertEqual(set(by_contract), {self.contract.id, first.id, second.id})
        self.assertEqual(close.state, "wait_dependencies")
        self._perform(by_contract[self.contract.id])
        self._perform(by_contract[first.id])
        # the worker died before the second contract's batch; the user bills
        # the remaining contracts meanwhile
        run.action_run()
        new_batches, new_close = self._split(self._jobs(run) - jobs)
        self.assertEqual(
            sorted(job.args[0] for job in new_batches), sorted([[self.contract.id], [second.id]])
        )

        # queue_job requeues the dead worker's batch: the first start's
        # batches are all done, its closing job runs before the new batches
        self._perform(by_contract[second.id])
        self.assertEqual(run.move_ids.utility_contract_id, first | second)
        self.assertIn("closed by the closing job of the last start", self._perform(close))
        self.assertEqual(run.state, "running")
        self.assertFalse(self._done_messages(run))

        for job in new_batches:
            self._perform(job)
        self.assertIs(self._perform(new_close), True)
        self.assertEqual(run.state, "done")
        self.assertEqual(len(self._done_messages(run)), 1)
        self.assertIn("2 bills", self._done_messages(run).body)
        # closed by hand ("Refresh Progress"), out of any job: closed as before
        run.action_check_progress()
        self.assertEqual(len(self._done_messages(run)), 1)
