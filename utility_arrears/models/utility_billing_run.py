from collections import defaultdict

from odoo import models


class UtilityBillingRun(models.Model):
    _inherit = "utility.billing.run"

    def _create_remote_period_end_readings(self):
        """The closing reading of the meters of the run's scope that a
        head-end reads, from their daily readings (see
        ``utility.meter.daily.reading._create_period_end_readings``): one at
        the end of each contract's own days of the period (its end date for
        a contract ending in it, e.g. a final run), unless the meter has a
        reading in those days, so that after a transfer the new contract
        gets its reading at the period end even though the old one's final
        reading is in the period."""
        daily = self.env["utility.meter.daily.reading"]
        builder = self.env["utility.bill.builder"]
        for run in self:
            periods = defaultdict(lambda: self.env["utility.contract"])
            for contract in run._get_scope_contracts():
                periods[builder._get_contract_period(run, contract)] |= contract
            for (date_from, date_to), contracts in periods.items():
                meters = contracts.service_point_id.meter_ids
                daily._create_period_end_readings(meters, date_from, date_to)

    def action_preview(self):
        self._check_editable_period()
        self._create_remote_period_end_readings()
        return super().action_preview()

    def action_run(self):
        self._create_remote_period_end_readings()
        return super().action_run()
