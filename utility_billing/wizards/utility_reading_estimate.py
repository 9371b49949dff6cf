from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.exceptions import UserError


class UtilityReadingEstimate(models.TransientModel):
    """Estimate the readings missing for a period (meter not accessible,
    reader absent): installed meters of the chosen stations / route that have
    no reading since ``date_from`` get an estimated reading on
    ``reading_date``, from their recent average daily consumption. The next
    actual reading corrects the estimate (see utility.meter.reading)."""

    _name = "utility.reading.estimate"
    _description = "Estimate Missing Meter Readings"

    reading_date = fields.Date(required=True, default=fields.Date.context_today)
    date_from = fields.Date(
        string="Missing Since",
        required=True,
        default=lambda self: fields.Date.context_today(self) - relativedelta(days=27),
        help="Meters with no reading between this date and the reading date are estimated.",
    )
    station_ids = fields.Many2many(comodel_name="utility.supply.station", string="Stations")
    route = fields.Char(help="Only the meters of this route (leave empty for all).")
    validate = fields.Boolean(string="Validate Estimates", default=True)

    def _get_meters(self):
        domain = [("state", "=", "installed"), ("company_id", "=", self.env.company.id)]
        if self.station_ids:
            domain.append(("station_id", "in", self.station_ids.ids))
        if self.route:
            domain.append(("service_point_id.route", "=", self.route))
        meters = self.env["utility.meter"].search(domain)
        read = (
            self.env["utility.meter.reading"]
            .search(
                [
                    ("meter_id", "in", meters.ids),
                    ("reading_date", ">=", self.date_from),
                    ("reading_date", "<=", self.reading_date),
                    ("state", "!=", "cancelled"),
                ]
            )
            .meter_id
        )
        return meters - read

    def action_estimate(self):
        self.ensure_one()
        if self.date_from > self.reading_date:
            raise UserError(self.env._("'Missing since' must be before the reading date."))
        meters = self._get_meters()
        if not meters:
            raise UserError(self.env._("Every meter in scope has a reading for the period."))
        estimates, skipped = self.env["utility.meter.reading"]._create_estimates(
            meters, self.reading_date
        )
        if self.validate and estimates:
            estimates.action_validate()
        action = {
            "type": "ir.actions.act_window",
            "res_model": "utility.meter.reading",
            "view_mode": "list,form",
            "domain": [("id", "in", estimates.ids)],
            "name": self.env._("Estimated Readings"),
        }
        if not skipped:
            return action
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._(
                    "%(done)s readings estimated, %(skipped)s meters skipped",
                    done=len(estimates),
                    skipped=len(skipped),
                ),
                "message": "\n".join(
                    f"{meter.serial}: {reason}" for meter, reason in skipped.items()
                ),
                "sticky": True,
                "type": "warning",
                "next": action,
            },
        }
