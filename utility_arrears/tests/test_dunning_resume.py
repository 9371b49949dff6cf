from datetime import date

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import UtilityArrearsCase


@tagged("post_install", "-at_install")
class TestDunningResume(UtilityArrearsCase):
    """A dunning run whose worker stopped after its first batch stays
    "running"; resuming carries out the actions left, each once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["utility.arrears.policy"].create(
            {
                "name": "Calls",
                "company_id": cls.company.id,
                "level_ids": [(0, 0, {"name": "Call", "days_overdue": 1, "action": "phone"})],
            }
        )
        cls.bills = cls.env["account.move"]
        for number in range(1, 4):
            customer = cls._make_customer(f"Resume {number}", f"09000000{number:02d}")
            cls.bills |= cls._make_bill(customer, 50.0 * number, "2025-03-01")

    def _calls(self):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "account.move"),
                ("res_id", "in", self.bills.ids),
                ("activity_type_id", "=", self.env.ref("mail.mail_activity_data_call").id),
            ]
        )

    def test_run_stopped_after_one_batch_is_resumed_with_the_actions_left_only(self):
        run = self.env["utility.dunning.run"].create(
            {"company_id": self.company.id, "date": date(2025, 3, 10), "batch_size": 1}
        )
        with self.assertRaisesRegex(UserError, "Only a running dunning run"):
            run.action_resume()
        with trap_jobs() as trap:
            run.action_run()
            self.assertEqual(len(trap.enqueued_jobs), 3)
            first, *lost = trap.enqueued_jobs
        first.perform()  # the worker died after its first job
        self.assertEqual(run.state, "running")
        self.assertEqual(run.todo_count, 2)
        with self.assertRaisesRegex(UserError, "already been started"):
            run.action_run()

        with trap_jobs() as trap:
            run.action_resume()
            self.assertEqual(len(trap.enqueued_jobs), 2)
            trap.perform_enqueued_jobs()
        self.assertEqual(run.state, "done")
        self.assertEqual(run.action_ids.mapped("state"), ["done"] * 3)
        # the lost jobs requeued by queue_job later do nothing more
        for job in lost:
            job.perform()
        self.assertEqual(run.action_ids.bill_id, self.bills)
        self.assertEqual(sorted(self._calls().mapped("res_id")), sorted(self.bills.ids))
