from odoo import models


class UtilityBillingRun(models.Model):
    _inherit = "utility.billing.run"

    def _create_remote_period_end_readings(self):
        """The monthly reading of the meters of the run's scope that a
        head-end reads, from their daily readings (see
        ``utility.meter.daily.reading._create_period_end_readings``)."""
        daily = self.env["utility.meter.daily.reading"]
        for run in self:
            meters = run._get_scope_contracts().service_point_id.meter_ids
            daily._create_period_end_readings(meters, run.date_from, run.date_to)

    def action_preview(self):
        self._check_editable_period()
        self._create_remote_period_end_readings()
        return super().action_preview()

    def action_run(self):
        self._create_remote_period_end_readings()
        return super().action_run()
