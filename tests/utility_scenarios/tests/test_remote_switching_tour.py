from odoo.tests import HttpCase, tagged

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.utility_arrears.tests.test_meter_command import StandInHeadend


@tagged("post_install", "-at_install")
class TestRemoteSwitchingTour(HttpCase):
    """A switch-off refused by a stand-in head-end becomes a field order;
    the Collection Manager finds both from the menu, in Chinese, in
    Chromium, and sends the command again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.headend = cls.env.ref("utility_arrears.headend_county_hes", raise_if_not_found=False)
        if cls.headend:
            cls.env["res.lang"]._activate_lang("zh_CN")
            cls.env["ir.module.module"]._load_module_terms(
                ["base", "web", "utility_billing", "utility_arrears"], ["zh_CN"], overwrite=True
            )
            cls.env.ref("base.user_admin").lang = "zh_CN"

    def test_manager_finds_the_failed_command_and_its_field_order(self):
        if not self.headend:
            self.skipTest("needs the demo data (make test installs it)")
        standin = StandInHeadend(self)
        self.addCleanup(standin.stop)
        standin.status = 500
        self.headend.write({"state": "enabled", "api_url": standin.url, "max_attempts": 1})
        # sent now, whatever the hour the test runs: the switch-off hours
        # are TestCostControlRules' subject
        self.headend.company_id.utility_cc_calendar_id = False
        meter = self.env.ref("utility_billing.meter_05")
        with trap_jobs() as trap:
            command = self.env["utility.meter.command"]._utility_queue(
                meter, "switch_off", "arrears"
            )
        trap.enqueued_jobs[0].perform()
        self.assertEqual(command.state, "failed")
        self.assertEqual(len(standin.received), 1)
        self.start_tour("/odoo", "utility_remote_switching_tour", login="admin")
        command.invalidate_recordset()
        self.assertEqual((command.state, command.attempts), ("queued", 0))
        self.assertTrue(command.field_order_id, "the field order stays for the field staff")
