from odoo import api, fields, models


class ResCompany(models.Model):
    """The company's remote cost control (远程费控) settings: when a
    cost-controlled customer's valued balance may cause a remote switch-off."""

    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    utility_cc_threshold = fields.Monetary(
        string="Switch-off Threshold",
        currency_field="currency_id",
        default=0.0,
        help="A cost-controlled customer whose valued balance stays at or below this amount "
        "is switched off remotely (after the grace and the final notice); a payment that "
        "lifts the balance above it switches the supply back on.",
    )
    utility_cc_grace_hours = fields.Integer(
        string="Switch-off Grace (hours)",
        default=24,
        help="How long the valued balance must have stayed at or below the threshold "
        "before the final notice goes out.",
    )
    utility_cc_notice_hours = fields.Integer(
        string="Final Notice (hours)",
        default=24,
        help="Hours between the final notice and the earliest remote switch-off.",
    )
    utility_cc_calendar_id = fields.Many2one(
        comodel_name="resource.calendar",
        string="Switch-off Working Time",
        help="Remote switch-offs are sent only within these working hours; the calendar's "
        "leaves (public holidays, rest days) are excluded. A switch-on never waits.",
    )


class UtilityContract(models.Model):
    """The daily valuation of a cost-controlled contract (费控测算): its
    estimated balance = prepaid credit minus the value of the consumption
    read since its last bill, priced by its approved tariff. Stored by the
    valuation only; it never posts journal entries."""

    _inherit = "utility.contract"  # pylint: disable=consider-merging-classes-inherited

    cost_control = fields.Boolean(
        string="Remote Cost Control",
        compute="_compute_cost_control",
        store=True,
        index=True,
        help="A prepaid contract whose meter a head-end switches remotely: valued every day "
        "and switched off when its balance runs out.",
    )
    valued_at = fields.Datetime(
        string="Valued At", readonly=True, help="When the balance was last valued."
    )
    valued_reading_at = fields.Datetime(
        string="Valued Reading Time",
        readonly=True,
        help="Time of the latest daily reading the valuation used.",
    )
    valued_unbilled_kwh = fields.Float(
        string="Unbilled Consumption (kWh)",
        readonly=True,
        digits=(16, 2),
        help="Consumption read since the last bill, not billed yet.",
    )
    valued_unbilled_amount = fields.Monetary(
        string="Unbilled Value",
        currency_field="currency_id",
        readonly=True,
        help="The unbilled consumption priced by the approved tariff version (tax included).",
    )
    valued_balance = fields.Monetary(
        string="Estimated Balance",
        currency_field="currency_id",
        readonly=True,
        help="Prepaid credit minus the unbilled value, as of the last valuation.",
    )
    valued_days_left = fields.Integer(
        string="Valued Days Left",
        readonly=True,
        help="Days the estimated balance lasts at the average daily consumption; -1 "
        "without consumption history.",
    )

    @api.model
    def _utility_protected_fields(self):
        # set by the daily valuation only
        return super()._utility_protected_fields() | {
            "valued_at",
            "valued_reading_at",
            "valued_unbilled_kwh",
            "valued_unbilled_amount",
            "valued_balance",
            "valued_days_left",
        }

    @api.depends(
        "billing_mode",
        "service_point_id.meter_ids.state",
        "service_point_id.meter_ids.remote_capable",
        "service_point_id.meter_ids.headend_id",
    )
    def _compute_cost_control(self):
        for contract in self:
            meter = contract.meter_id
            contract.cost_control = bool(
                contract.billing_mode == "prepaid" and meter.remote_capable and meter.headend_id
            )
