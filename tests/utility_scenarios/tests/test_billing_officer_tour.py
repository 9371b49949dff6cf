import os
from unittest.mock import patch

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestBillingOfficerTour(HttpCase):
    """The billing officer's month, walked in Chromium from the menu, in
    Chinese: import readings, preview a new billing run, post its bills."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = cls.env.ref("utility_billing.user_billing_officer", raise_if_not_found=False)
        if cls.officer:
            cls.env["res.lang"]._activate_lang("zh_CN")
            cls.env["ir.module.module"]._load_module_terms(
                ["base", "web", "utility_billing"], ["zh_CN"], overwrite=True
            )
            cls.officer.lang = "zh_CN"

    def test_billing_officer_imports_readings_and_bills_last_month(self):
        if not self.officer:
            self.skipTest("needs the demo data (make test installs it)")
        # the run's batches run in the request, as the job runner would run them
        with patch.dict(os.environ, {"QUEUE_JOB__NO_DELAY": "1"}):
            self.start_tour("/odoo", "utility_billing_officer_tour", login="officer_cg")
        Reading = self.env["utility.meter.reading"]
        imported = Reading.search(
            [("meter_id.serial", "in", ("DB23000001", "DB23000002")), ("value", "in", (1048, 1019))]
        )
        self.assertEqual(len(imported), 2)
        self.assertEqual(set(imported.mapped("state")), {"validated"})
        run = self.env["utility.billing.run"].search(
            [("create_uid", "=", self.officer.id)], order="id desc", limit=1
        )
        self.assertEqual(run.state, "done")
        self.assertEqual(run.bill_count, 27)
        self.assertEqual(len(run.preview_line_ids), 27)
        self.assertAlmostEqual(run.billed_amount, run.preview_amount, places=2)
