from datetime import timedelta

from odoo import api, fields, models

from ..models.utility_meter_command import PENDING_STATES

# a meter off for longer than this is "switched off long": someone should call
LONG_OFF_DAYS = 7
# rows listed on the dashboard; the buttons open all of them
LIST_LIMIT = 50
LONGEST_LIMIT = 10


class UtilityCostControlDashboard(models.TransientModel):
    """The remote cost control (远程费控) dashboard of the Collection
    Managers and billing officers, for one company: the meters switched
    off (longest first, with their customer, village and the amount to pay
    to be switched back on), the switching commands failed or still waiting
    (oldest first) and the customers switched off longest, counts on top.
    Every figure is a search count of the records its button opens."""

    _name = "utility.cost.control.dashboard"
    _description = "Remote Cost Control Dashboard"

    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    cost_control_count = fields.Integer(
        string="Cost-controlled Contracts", compute="_compute_dashboard"
    )
    meter_off_count = fields.Integer(string="Meters Off", compute="_compute_dashboard")
    meter_long_off_count = fields.Integer(
        string="Off Over a Week",
        compute="_compute_dashboard",
        help="Meters switched off for more than 7 days.",
    )
    command_failed_count = fields.Integer(string="Commands Failed", compute="_compute_dashboard")
    command_waiting_count = fields.Integer(
        string="Commands Waiting",
        compute="_compute_dashboard",
        help="Commands queued or sent, not acknowledged by the head-end yet.",
    )
    meter_off_ids = fields.Many2many(
        comodel_name="utility.meter",
        string="Meters Switched Off",
        compute="_compute_dashboard",
    )
    command_ids = fields.Many2many(
        comodel_name="utility.meter.command",
        string="Commands Failed or Waiting",
        compute="_compute_dashboard",
    )
    longest_off_ids = fields.Many2many(
        comodel_name="utility.meter",
        string="Customers Switched Off Longest",
        compute="_compute_dashboard",
    )

    @api.depends("company_id")
    def _compute_display_name(self):
        for dashboard in self:
            dashboard.display_name = self.env._("Remote Cost Control")

    # ------------------------------------------------------------------
    # domains: the counts and the buttons share them
    # ------------------------------------------------------------------
    def _meters_off_domain(self):
        self.ensure_one()
        return [("company_id", "=", self.company_id.id), ("supply_state", "=", "off")]

    def _meters_long_off_domain(self):
        since = fields.Datetime.now() - timedelta(days=LONG_OFF_DAYS)
        return self._meters_off_domain() + [("supply_changed_at", "<", since)]

    def _commands_failed_domain(self):
        self.ensure_one()
        return [("company_id", "=", self.company_id.id), ("state", "=", "failed")]

    def _commands_waiting_domain(self):
        self.ensure_one()
        return [("company_id", "=", self.company_id.id), ("state", "in", PENDING_STATES)]

    def _cost_control_domain(self):
        self.ensure_one()
        return [
            ("company_id", "=", self.company_id.id),
            ("cost_control", "=", True),
            ("state", "=", "active"),
        ]

    @api.depends("company_id")
    def _compute_dashboard(self):
        Meter = self.env["utility.meter"]
        Command = self.env["utility.meter.command"]
        for dashboard in self:
            off_domain = dashboard._meters_off_domain()
            dashboard.cost_control_count = self.env["utility.contract"].search_count(
                dashboard._cost_control_domain()
            )
            dashboard.meter_off_count = Meter.search_count(off_domain)
            dashboard.meter_long_off_count = Meter.search_count(dashboard._meters_long_off_domain())
            dashboard.command_failed_count = Command.search_count(
                dashboard._commands_failed_domain()
            )
            dashboard.command_waiting_count = Command.search_count(
                dashboard._commands_waiting_domain()
            )
            meters_off = Meter.search(off_domain, order="supply_changed_at, id", limit=LIST_LIMIT)
            dashboard.meter_off_ids = meters_off
            # failed first (someone must act), then the oldest waiting
            failed = Command.search(
                dashboard._commands_failed_domain(), order="id", limit=LIST_LIMIT
            )
            waiting = Command.search(
                dashboard._commands_waiting_domain(),
                order="id",
                limit=LIST_LIMIT - len(failed),
            )
            dashboard.command_ids = failed | waiting
            # one line per customer: their meter off longest
            longest = Meter
            seen = set()
            for meter in Meter.search(
                dashboard._meters_long_off_domain(), order="supply_changed_at, id"
            ):
                if meter.partner_id in seen:
                    continue
                seen.add(meter.partner_id)
                longest |= meter
                if len(longest) >= LONGEST_LIMIT:
                    break
            dashboard.longest_off_ids = longest

    # ------------------------------------------------------------------
    # buttons
    # ------------------------------------------------------------------
    def _open(self, xmlid, domain, context=None):
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = domain
        action["context"] = context or {}
        return action

    def action_open_meters_off(self):
        self.ensure_one()
        return self._open(
            "utility_arrears.action_utility_meter_supply_off", self._meters_off_domain()
        )

    def action_open_meters_long_off(self):
        self.ensure_one()
        return self._open(
            "utility_arrears.action_utility_meter_supply_off", self._meters_long_off_domain()
        )

    def action_open_commands_failed(self):
        self.ensure_one()
        return self._open(
            "utility_arrears.action_utility_meter_command", self._commands_failed_domain()
        )

    def action_open_commands_waiting(self):
        self.ensure_one()
        return self._open(
            "utility_arrears.action_utility_meter_command",
            self._commands_waiting_domain(),
            {"search_default_group_state": 1},
        )

    def action_open_cost_control_contracts(self):
        self.ensure_one()
        return self._open("utility_billing.action_utility_contract", self._cost_control_domain())
