from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

AGEING_FIELDS = (
    "amount_not_due",
    "amount_0_30",
    "amount_31_60",
    "amount_61_90",
    "amount_over_90",
    "amount_earlier_years",
    "amount_overdue",
    "amount_total",
)


class UtilityCollectionDashboard(models.TransientModel):
    """Collection Managers' KPI dashboard for one company and month: the
    three 100% figures (overall and per supply station), the recovery rate of
    the month's bills against the previous month's, and the arrears ageing
    buckets as of today. Every figure comes from the KPI SQL views
    (``utility.collection.three.figures``, ``utility.collection.recovery``,
    ``utility.arrears.ageing``); the buttons open them filtered alike, and the
    xlsx export writes the same tables."""

    _name = "utility.collection.dashboard"
    _description = "Collection KPI Dashboard"

    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    month = fields.Date(
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1),
        help="Any day of the month to show; the export covers the months of the "
        "year up to this one.",
    )
    month_start = fields.Date(compute="_compute_period")
    month_end = fields.Date(compute="_compute_period")
    previous_month_start = fields.Date(compute="_compute_period")
    year_start = fields.Date(compute="_compute_period")

    signing_rate = fields.Float(
        string="Contract Signing Rate (%)",
        compute="_compute_three_figures",
        digits=(16, 2),
        help="Contracts in force at the end of the month with a signed written contract.",
    )
    centralized_rate = fields.Float(
        string="Centralized Collection (%)",
        compute="_compute_three_figures",
        digits=(16, 2),
        help="Share of the month's collections taken at halls, agencies, terminals or online.",
    )
    bill_holding_rate = fields.Float(
        string="Bill Holding Rate (%)",
        compute="_compute_three_figures",
        digits=(16, 2),
        help="Share of the month's bills delivered to their customer through any channel.",
    )
    figure_ids = fields.Many2many(
        comodel_name="utility.collection.three.figures",
        string="Three 100% Figures by Station",
        compute="_compute_three_figures",
    )

    amount_billed = fields.Monetary(
        string="Billed This Month", compute="_compute_recovery", help="Bills of the month."
    )
    amount_collected = fields.Monetary(
        string="Collected This Month",
        compute="_compute_recovery",
        help="Collected so far of the month's bills.",
    )
    amount_written_off = fields.Monetary(
        string="Written Off",
        compute="_compute_recovery",
        help="Of the month's bills, what is written off as bad debt (not a collection).",
    )
    recovery_rate = fields.Float(
        string="Recovery Rate This Month (%)", compute="_compute_recovery", digits=(16, 2)
    )
    recovery_rate_net = fields.Float(
        string="Recovery Rate excl. Write-offs (%)",
        compute="_compute_recovery",
        digits=(16, 2),
        help="Collected / (billed - written off): the recovery rate of the debt still to be "
        "collected.",
    )
    recovery_rate_previous = fields.Float(
        string="Recovery Rate Last Month (%)", compute="_compute_recovery", digits=(16, 2)
    )
    recovery_rate_change = fields.Float(
        string="Change (points)",
        compute="_compute_recovery",
        digits=(16, 2),
        help="This month's recovery rate minus last month's, in percentage points.",
    )

    amount_not_due = fields.Monetary(string="Not Due", compute="_compute_ageing")
    amount_0_30 = fields.Monetary(string="0-30 Days", compute="_compute_ageing")
    amount_31_60 = fields.Monetary(string="31-60 Days", compute="_compute_ageing")
    amount_61_90 = fields.Monetary(string="61-90 Days", compute="_compute_ageing")
    amount_over_90 = fields.Monetary(string="Over 90 Days", compute="_compute_ageing")
    amount_earlier_years = fields.Monetary(string="Earlier Years", compute="_compute_ageing")
    amount_overdue = fields.Monetary(string="Overdue", compute="_compute_ageing")
    amount_total = fields.Monetary(string="Total Open", compute="_compute_ageing")

    @api.depends("month", "company_id")
    def _compute_display_name(self):
        for dashboard in self:
            dashboard.display_name = self.env._(
                "Collection KPIs %(month)s",
                month=dashboard.month.strftime("%Y-%m") if dashboard.month else "",
            )

    @api.depends("month")
    def _compute_period(self):
        for dashboard in self:
            start = (dashboard.month or fields.Date.context_today(dashboard)).replace(day=1)
            dashboard.month_start = start
            dashboard.month_end = start + relativedelta(months=1, days=-1)
            dashboard.previous_month_start = start - relativedelta(months=1)
            dashboard.year_start = start.replace(month=1)

    def _three_figures_domain(self):
        self.ensure_one()
        return [("company_id", "=", self.company_id.id), ("month", "=", self.month_start)]

    @api.depends("company_id", "month")
    def _compute_three_figures(self):
        Figures = self.env["utility.collection.three.figures"]
        for dashboard in self:
            domain = dashboard._three_figures_domain()
            [(signing, centralized, holding)] = Figures._read_group(
                domain, [], ["signing_rate:avg", "centralized_rate:avg", "bill_holding_rate:avg"]
            )
            dashboard.signing_rate = signing
            dashboard.centralized_rate = centralized
            dashboard.bill_holding_rate = holding
            dashboard.figure_ids = Figures.search(domain)

    def _recovery_domain(self, month_start=None):
        self.ensure_one()
        return [
            ("company_id", "=", self.company_id.id),
            ("bill_month", "=", month_start or self.month_start),
        ]

    @api.depends("company_id", "month")
    def _compute_recovery(self):
        Recovery = self.env["utility.collection.recovery"]
        for dashboard in self:
            [(billed, collected, written_off, rate, rate_net)] = Recovery._read_group(
                dashboard._recovery_domain(),
                [],
                [
                    "amount_billed:sum",
                    "amount_collected:sum",
                    "amount_written_off:sum",
                    "recovery_rate:avg",
                    "recovery_rate_net:avg",
                ],
            )
            [(previous,)] = Recovery._read_group(
                dashboard._recovery_domain(dashboard.previous_month_start),
                [],
                ["recovery_rate:avg"],
            )
            dashboard.amount_billed = billed
            dashboard.amount_collected = collected
            dashboard.amount_written_off = written_off
            dashboard.recovery_rate = rate
            dashboard.recovery_rate_net = rate_net
            dashboard.recovery_rate_previous = previous
            dashboard.recovery_rate_change = rate - previous

    @api.depends("company_id")
    def _compute_ageing(self):
        Ageing = self.env["utility.arrears.ageing"]
        for dashboard in self:
            [sums] = Ageing._read_group(
                [("company_id", "=", dashboard.company_id.id)],
                [],
                [f"{fname}:sum" for fname in AGEING_FIELDS],
            )
            for fname, amount in zip(AGEING_FIELDS, sums, strict=True):
                dashboard[fname] = amount

    def _open_report(self, xmlid, domain, context=None):
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = domain
        action["context"] = context or {}
        return action

    def action_open_recovery(self):
        self.ensure_one()
        return self._open_report(
            "utility_arrears.action_utility_collection_recovery",
            [
                ("company_id", "=", self.company_id.id),
                ("bill_month", ">=", self.year_start),
                ("bill_month", "<=", self.month_start),
            ],
        )

    def action_open_three_figures(self):
        self.ensure_one()
        return self._open_report(
            "utility_arrears.action_utility_collection_three_figures",
            [("company_id", "=", self.company_id.id), ("month", "=", self.month_start)],
        )

    def action_open_ageing(self):
        self.ensure_one()
        return self._open_report(
            "utility_arrears.action_utility_arrears_ageing",
            [("company_id", "=", self.company_id.id)],
            {"search_default_overdue": 1},
        )

    def action_export_xlsx(self):
        self.ensure_one()
        return self.env.ref("utility_arrears.action_report_collection_kpi_xlsx").report_action(self)
