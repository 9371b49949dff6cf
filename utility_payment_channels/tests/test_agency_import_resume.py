from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .agency_common import UtilityAgencyCase


@tagged("post_install", "-at_install")
class TestAgencyImportResume(UtilityAgencyCase):
    """A file booked in background batches whose worker stopped after the
    first batch stays "booking"; resuming books the lines left, once."""

    def test_file_stopped_after_one_batch_is_resumed_with_the_lines_left_only(self):
        rows = [
            f"R-{number},2025-01-10 09:00:00,0100000002,,10.00,POST-CG" for number in range(1, 6)
        ]
        agency_import = self._new_import(rows).with_context(utility_agency_booking_batch=2)
        with trap_jobs() as trap:
            agency_import.action_import()
            self.assertEqual(len(trap.enqueued_jobs), 3)  # 2 + 2 + 1 lines
            first, *lost = trap.enqueued_jobs
        first.perform()  # the worker died after its first job
        self.assertEqual(agency_import.state, "booking")
        self.assertEqual(agency_import.booked_count, 2)
        with self.assertRaisesRegex(UserError, "Only a file being booked"):
            self._new_import(
                ["R-9,2025-01-10 09:00:00,0100000002,,10.00,POST-CG"]
            ).action_resume_booking()

        with trap_jobs() as trap:
            agency_import.action_resume_booking()
            self.assertEqual(len(trap.enqueued_jobs), 2)  # the 3 lines left
            trap.perform_enqueued_jobs()
        self.assertEqual(agency_import.state, "done")
        self.assertEqual(agency_import.line_ids.mapped("state"), ["booked"] * 5)
        # the lost jobs requeued by queue_job later book nothing more
        for job in lost:
            job.perform()
        payments = agency_import.line_ids.payment_id
        self.assertEqual(len(payments), 5)
        self.assertEqual(self._clearing_balance(), 50.0)
        self.assertEqual(self.bills[0].amount_residual, 50.0)
        self.assertIn("Booking resumed: 3 lines", agency_import.message_ids[0].body)
