from odoo import api, fields, models
from odoo.exceptions import ValidationError


class UtilityMeter(models.Model):
    """An electricity meter installed at a service point.

    The multiplier (current-transformer ratio) turns register differences into
    billed kWh; ``digits`` tells when the register rolls over to zero. A
    replaced meter stays on file with its readings, linked to its successor.
    """

    _name = "utility.meter"
    _description = "Meter"
    _inherit = ["mail.thread", "utility.protected.fields.mixin"]
    _order = "serial"
    _rec_name = "serial"

    serial = fields.Char(required=True, tracking=True, index="trigram")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        related="service_point_id.company_id",
        store=True,
        index=True,
    )
    service_point_id = fields.Many2one(
        comodel_name="utility.service.point",
        required=True,
        index=True,
        tracking=True,
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        related="service_point_id.partner_id",
        string="Customer",
        store=True,
        index=True,
    )
    station_id = fields.Many2one(
        comodel_name="utility.supply.station",
        related="service_point_id.station_id",
        store=True,
        index=True,
    )
    multiplier = fields.Float(
        default=1.0,
        required=True,
        digits=(12, 4),
        help="Current/voltage transformer ratio: billed kWh = register difference x multiplier.",
    )
    digits = fields.Integer(
        default=6,
        required=True,
        help="Number of integer digits of the register; after 999999 it rolls over to 0.",
    )
    register_type = fields.Selection(
        selection=[
            ("single", "Single register"),
            ("tou", "Peak / flat / valley"),
        ],
        default="single",
        required=True,
        help="A time-of-use meter has three registers, billed at their own prices.",
    )
    payment_mode = fields.Selection(
        selection=[("postpaid", "Postpaid"), ("prepaid", "Prepaid")],
        default="postpaid",
        required=True,
    )
    install_date = fields.Date(default=fields.Date.context_today, required=True)
    remove_date = fields.Date(tracking=True)
    state = fields.Selection(
        selection=[("installed", "Installed"), ("removed", "Removed")],
        default="installed",
        required=True,
        tracking=True,
    )
    replaced_meter_id = fields.Many2one(
        comodel_name="utility.meter",
        string="Replaces",
        help="The meter this one replaced; its readings stay on file.",
    )
    initial_reading = fields.Float(
        digits=(16, 2),
        help="Register value when the meter was installed.",
    )
    initial_reading_peak = fields.Float(
        string="Initial Peak Reading",
        digits=(16, 2),
        help="Peak register value when the meter was installed (time-of-use meters).",
    )
    initial_reading_flat = fields.Float(
        string="Initial Flat Reading",
        digits=(16, 2),
        help="Flat register value when the meter was installed (time-of-use meters).",
    )
    initial_reading_valley = fields.Float(
        string="Initial Valley Reading",
        digits=(16, 2),
        help="Valley register value when the meter was installed (time-of-use meters).",
    )

    _serial_company_uniq = models.Constraint(
        "UNIQUE(serial, company_id)",
        "A meter serial number must be unique per company.",
    )
    _multiplier_positive = models.Constraint(
        "CHECK(multiplier > 0)", "The multiplier must be positive."
    )
    _digits_range = models.Constraint(
        "CHECK(digits BETWEEN 1 AND 12)", "A register has between 1 and 12 digits."
    )

    @api.constrains("install_date", "remove_date")
    def _check_dates(self):
        for meter in self:
            if meter.remove_date and meter.remove_date < meter.install_date:
                raise ValidationError(
                    self.env._(
                        "Meter %(serial)s cannot be removed before it was installed.",
                        serial=meter.serial,
                    )
                )

    @property
    def _rollover_value(self):
        return 10**self.digits

    def _consumption_between(self, previous, current):
        """Register advance from ``previous`` to ``current`` (both register
        values), taking a roll-over past ``10**digits`` into account. Returns
        None when the current value is below the previous one and cannot be a
        roll-over (the advance would exceed half the register)."""
        self.ensure_one()
        if current >= previous:
            return current - previous
        advance = self._rollover_value - previous + current
        if advance <= self._rollover_value / 2:
            return advance
        return None
