from odoo import fields, models
from odoo.exceptions import UserError


class UtilityReadingRound(models.TransientModel):
    """Prepare the reading grid of a round: one draft line per installed
    meter of the chosen route or stations, so the reader only types the
    values (the previous value is shown next to each line)."""

    _name = "utility.reading.round"
    _description = "Prepare a Meter Reading Round"

    reading_date = fields.Date(required=True, default=fields.Date.context_today)
    station_ids = fields.Many2many(comodel_name="utility.supply.station", string="Stations")
    route = fields.Char(help="Meter-reading route of the service points (leave empty for all).")

    def action_prepare(self):
        self.ensure_one()
        domain = [("state", "=", "installed"), ("company_id", "=", self.env.company.id)]
        if self.station_ids:
            domain.append(("station_id", "in", self.station_ids.ids))
        if self.route:
            domain.append(("service_point_id.route", "=", self.route))
        meters = self.env["utility.meter"].search(domain)
        if not meters:
            raise UserError(self.env._("No installed meter on this route or station."))
        Reading = self.env["utility.meter.reading"]
        existing = Reading.search(
            [
                ("meter_id", "in", meters.ids),
                ("reading_date", "=", self.reading_date),
                ("state", "!=", "cancelled"),
            ]
        )
        new = Reading.with_context(tracking_disable=True, mail_create_nolog=True).create(
            [
                {"meter_id": meter.id, "reading_date": self.reading_date}
                for meter in meters - existing.meter_id
            ]
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reading Round %s", self.route or self.reading_date),
            "res_model": "utility.meter.reading",
            "view_mode": "list",
            "views": [
                (self.env.ref("utility_billing.utility_meter_reading_view_list_entry").id, "list")
            ],
            "domain": [("id", "in", (existing | new).ids)],
            "context": {"search_default_group_route": 1},
        }
