from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import UtilityBillingCase


@tagged("post_install", "-at_install")
class TestBillingRunJobs(UtilityBillingCase):
    """The billing run's jobs (its life cycle is utility.batch.job.mixin's):
    a run started again bills what is still unbilled, with jobs for those
    contracts only."""

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
