from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestRemoteDisconnectionTour(HttpCase):
    """The demo field collector executes a postpaid disconnection order
    remotely from the menu, in Chinese, in Chromium; the head-end's
    acknowledgement then records the execution."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.meter = cls.env.ref("utility_billing.meter_01", raise_if_not_found=False)
        cls.collector = cls.env["res.users"].search([("login", "=", "collector_lz")])
        if cls.meter and cls.collector:
            cls.env["res.lang"]._activate_lang("zh_CN")
            cls.env["ir.module.module"]._load_module_terms(
                ["base", "web", "utility_billing", "utility_arrears"], ["zh_CN"], overwrite=True
            )
            cls.collector.lang = "zh_CN"

    def _scheduled_order(self, partner):
        """An order notified eight days ago (the notice period over)."""
        Order = self.env["utility.disconnection.order"]
        order = Order.create({"partner_id": partner.id, "company_id": self.meter.company_id.id})
        order.action_notify()
        notice = fields.Datetime.now() - timedelta(days=8)
        # test set-up: the notice given days ago, as the actions stamp it
        with order._utility_protected_write():
            order.write({"notice_date": notice, "scheduled_date": notice + timedelta(days=7)})
        order.action_schedule()
        return order

    def test_field_collector_executes_an_order_remotely(self):
        if not (self.meter and self.collector):
            self.skipTest("needs the demo data (make test installs it)")
        partner = self.meter.partner_id
        if not self.env["utility.disconnection.order"]._overdue_bills(partner):
            self.skipTest("the demo customer has no overdue bill")
        order = self._scheduled_order(partner)
        self.assertTrue(order.remote_executable)
        self.start_tour("/odoo", "utility_remote_disconnection_tour", login="collector_lz")
        order.invalidate_recordset()
        command = order.meter_command_ids
        self.assertEqual(
            (command.action, command.reason, command.state), ("switch_off", "arrears", "queued")
        )
        self.assertEqual(command.create_uid, self.collector)
        self.assertEqual(order.state, "scheduled")
        # the head-end executes it (the demo head-end is in test mode)
        command._utility_send_job()
        command._utility_acknowledge("acknowledged")
        self.assertEqual(order.state, "executed")
        self.assertEqual(order.executed_by_id, self.collector)
        self.assertEqual(self.meter.supply_state, "off")
