from odoo import fields, models

from .utility_meter_daily_reading import REGISTER_SUFFIX


class UtilityContractChange(models.Model):
    """A move-out, transfer or move-in of a point whose meter a head-end
    reads: the reading lines come prefilled with the meter's last accepted
    daily reading at the end of the change's day, as the month's closing
    reading is taken. The officer checks them and enters them as usual."""

    _inherit = "utility.contract.change"

    def _utility_prefill_readings(self, service_point, change_date):
        lines = super()._utility_prefill_readings(service_point, change_date)
        # a string when the form's defaults are computed
        change_date = fields.Date.to_date(change_date)
        if not change_date:
            return lines
        meters = self.env["utility.meter"].browse([vals["meter_id"] for vals in lines])
        meters = meters.filtered("headend_id")
        if not meters:
            return lines
        # sudo: the billing officer entering the move-out need not read the
        # head-end's daily readings; only their value is proposed
        daily = self.env["utility.meter.daily.reading"].sudo()
        end = daily._period_end_utc(service_point.company_id, change_date)
        latest = {
            register: daily._get_latest_ok(meters, end, register) for register in REGISTER_SUFFIX
        }
        for vals in lines:
            total = latest["total"].get(vals["meter_id"])
            if not total:
                continue
            vals["value"] = total.value
            for register in ("peak", "flat", "valley"):
                reading = latest[register].get(vals["meter_id"])
                if reading:
                    vals[f"value_{register}"] = reading.value
        return lines
