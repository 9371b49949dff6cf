from odoo import api, fields, models


class UtilitySupplyStation(models.Model):
    """A supply station (供電所): runs a service hall and serves the villages
    around it. Customers, service points and contracts are grouped by station
    for billing runs, collection and the management figures."""

    _name = "utility.supply.station"
    _description = "Supply Station"
    _inherit = ["mail.thread", "utility.protected.fields.mixin"]
    _order = "code, name"

    name = fields.Char(required=True, translate=True, tracking=True)
    code = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    manager_id = fields.Many2one(comodel_name="res.users", string="Manager")
    address = fields.Char()
    phone = fields.Char()
    service_point_ids = fields.One2many(
        comodel_name="utility.service.point", inverse_name="station_id"
    )
    service_point_count = fields.Integer(compute="_compute_counts")
    contract_count = fields.Integer(compute="_compute_counts")
    signed_contract_count = fields.Integer(
        compute="_compute_counts",
        help="Active contracts whose written supply contract has been signed.",
    )
    signing_rate = fields.Float(
        compute="_compute_counts",
        help="Share of the station's active contracts that are signed "
        "(one of the 'three 100%' figures).",
    )

    _code_company_uniq = models.Constraint(
        "UNIQUE(code, company_id)",
        "A supply station code must be unique per company.",
    )

    def _compute_counts(self):
        point_counts = dict(
            self.env["utility.service.point"]._read_group(
                [("station_id", "in", self.ids)], ["station_id"], ["__count"]
            )
        )
        contract_data = self.env["utility.contract"]._read_group(
            [("station_id", "in", self.ids), ("state", "in", ("draft", "active"))],
            ["station_id", "is_signed"],
            ["__count"],
        )
        totals, signed = {}, {}
        for station, is_signed, count in contract_data:
            totals[station] = totals.get(station, 0) + count
            if is_signed:
                signed[station] = signed.get(station, 0) + count
        for station in self:
            station.service_point_count = point_counts.get(station, 0)
            station.contract_count = totals.get(station, 0)
            station.signed_contract_count = signed.get(station, 0)
            station.signing_rate = (
                100.0 * station.signed_contract_count / station.contract_count
                if station.contract_count
                else 0.0
            )

    @api.depends("code", "name")
    def _compute_display_name(self):
        for station in self:
            station.display_name = (
                f"[{station.code}] {station.name}" if station.code else station.name
            )
