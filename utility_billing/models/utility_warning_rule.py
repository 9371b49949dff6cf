import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain

_logger = logging.getLogger(__name__)


class UtilityWarningRule(models.Model):
    """A warning threshold (電費預警): when a contract's prepaid balance falls
    below an amount or a number of days of consumption, or a bill falls due
    soon or is overdue, the customer and the responsible staff are told once,
    through the rule's channels. The crossing is logged as a
    :class:`utility.warning`; it is notified again only after it cleared.

    Each kind of threshold has its own hook ``_get_crossings_<kind>``
    returning what crosses it now, so a new kind is one method."""

    _name = "utility.warning.rule"
    _description = "Warning Rule"
    _inherit = ["mail.thread", "utility.protected.fields.mixin"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        index=True,
        help="Leave empty to apply the rule in every company.",
    )
    currency_id = fields.Many2one(
        comodel_name="res.currency",
        compute="_compute_currency_id",
    )
    kind = fields.Selection(
        selection=[
            ("balance_amount", "Prepaid balance below an amount"),
            ("balance_days", "Prepaid balance below a number of days"),
            ("bill_due", "Bill falls due soon"),
            ("bill_overdue", "Bill overdue"),
        ],
        required=True,
        default="balance_amount",
        tracking=True,
    )
    threshold_amount = fields.Monetary(
        currency_field="currency_id",
        tracking=True,
        help="Warn when the prepaid balance is below this amount.",
    )
    threshold_days = fields.Integer(
        tracking=True,
        help="Balance rules: warn when the balance lasts fewer days than this. "
        "Due rules: warn this many days before the due date. Overdue rules: "
        "warn this many days after the due date (0: the day after).",
    )
    notify_activity = fields.Boolean(
        string="Activity for Staff",
        default=True,
        help="Schedule an activity for the responsible user on the contract.",
    )
    notify_sms = fields.Boolean(string="SMS", default=True)
    notify_email = fields.Boolean(string="E-mail", default=True)
    notify_portal = fields.Boolean(
        string="Portal Banner",
        default=True,
        help="Show the warning on the customer's portal until it clears.",
    )
    responsible_user_id = fields.Many2one(
        comodel_name="res.users",
        string="Responsible",
        help="Gets the activities; defaults to the customer's salesperson, then "
        "to the user running the rule.",
    )
    mail_template_id = fields.Many2one(
        comodel_name="mail.template",
        string="E-mail Template",
        domain=[("model", "=", "utility.warning")],
    )
    sms_template_id = fields.Many2one(
        comodel_name="sms.template",
        string="SMS Template",
        domain=[("model", "=", "utility.warning")],
    )
    warning_ids = fields.One2many(
        comodel_name="utility.warning", inverse_name="rule_id", string="Warnings"
    )
    open_warning_count = fields.Integer(compute="_compute_open_warning_count")

    _threshold_days_positive = models.Constraint(
        "CHECK(threshold_days >= 0)", "The number of days cannot be negative."
    )

    @api.depends("company_id")
    def _compute_currency_id(self):
        for rule in self:
            rule.currency_id = (rule.company_id or self.env.company).currency_id

    def _compute_open_warning_count(self):
        counts = dict(
            self.env["utility.warning"]._read_group(
                [("rule_id", "in", self.ids), ("cleared_at", "=", False)],
                ["rule_id"],
                ["__count"],
            )
        )
        for rule in self:
            rule.open_warning_count = counts.get(rule, 0)

    # ------------------------------------------------------------------
    # crossings per kind: {(contract id, bill id or False): measured value}
    # ------------------------------------------------------------------

    def _company_domain(self):
        self.ensure_one()
        if self.company_id:
            return Domain("company_id", "=", self.company_id.id)
        return Domain.TRUE

    def _prepaid_contracts(self):
        return self.env["utility.contract"].search(
            self._company_domain()
            & Domain("state", "=", "active")
            & Domain("billing_mode", "=", "prepaid")
        )

    def _get_crossings_balance_amount(self):
        crossings = {}
        for contract in self._prepaid_contracts():
            if (
                contract.currency_id.compare_amounts(
                    contract.prepaid_balance, self.threshold_amount
                )
                < 0
            ):
                crossings[(contract.id, False)] = contract.prepaid_balance
        return crossings

    def _get_crossings_balance_days(self):
        crossings = {}
        for contract in self._prepaid_contracts():
            days = contract.estimated_days_left
            if days >= 0 and days < self.threshold_days:
                crossings[(contract.id, False)] = days
        return crossings

    def _open_bills(self, due_domain):
        # not a bill held by an installment plan or written off, no deposit
        domain = self.env["account.move"]._utility_chased_bill_domain() & due_domain
        if self.company_id:
            domain &= Domain("company_id", "=", self.company_id.id)
        bills = self.env["account.move"].search(domain)
        return bills._utility_is_bill()

    def _bill_contracts(self, bills):
        """{bill id: contract id}: the contract each bill was made for."""
        return {bill.id: bill.utility_contract_id.id for bill in bills}

    def _get_crossings_bill_due(self):
        today = fields.Date.context_today(self)
        bills = self._open_bills(
            Domain("invoice_date_due", ">=", today)
            & Domain("invoice_date_due", "<=", today + timedelta(days=self.threshold_days))
        )
        contract_of = self._bill_contracts(bills)
        return {
            (contract_of[bill.id], bill.id): bill.amount_residual
            for bill in bills
            if contract_of.get(bill.id)
        }

    def _get_crossings_bill_overdue(self):
        today = fields.Date.context_today(self)
        bills = self._open_bills(
            Domain("invoice_date_due", "<", today - timedelta(days=self.threshold_days))
        )
        contract_of = self._bill_contracts(bills)
        return {
            (contract_of[bill.id], bill.id): bill.amount_residual
            for bill in bills
            if contract_of.get(bill.id)
        }

    # ------------------------------------------------------------------
    # evaluation
    # ------------------------------------------------------------------

    def _evaluate(self):
        """Compare what crosses each rule now with its open warnings: log and
        notify the new crossings, clear the warnings that no longer cross.

        :returns: the warnings created
        """
        Warning_ = self.env["utility.warning"]
        created = Warning_
        now = fields.Datetime.now()
        for rule in self:
            crossings = getattr(rule, f"_get_crossings_{rule.kind}")()
            open_warnings = Warning_.search([("rule_id", "=", rule.id), ("cleared_at", "=", False)])
            open_keys = {
                (warning.contract_id.id, warning.move_id.id or False): warning
                for warning in open_warnings
            }
            cleared = Warning_.browse(
                [warning.id for key, warning in open_keys.items() if key not in crossings]
            )
            if cleared:
                with cleared._utility_protected_write():
                    cleared.write({"cleared_at": now})
            new_vals = [
                {
                    "rule_id": rule.id,
                    "contract_id": contract_id,
                    "move_id": move_id,
                    "crossed_at": now,
                    "value": value,
                }
                for (contract_id, move_id), value in crossings.items()
                if (contract_id, move_id) not in open_keys
            ]
            if new_vals:
                new_warnings = Warning_.create(new_vals)
                new_warnings._notify()
                created |= new_warnings
        return created

    @api.model
    def _cron_evaluate(self):
        """Scheduled action: evaluate every active rule."""
        # a scheduled action runs without a language: the texts it stores
        # (SMS logged in the chatter) are written in the cron user's
        lang = self.env.context.get("lang") or self.env.user.lang
        rules = self.with_context(lang=lang).search([])
        created = rules._evaluate()
        _logger.info("Utility warnings: %s new crossings notified.", len(created))
        return True

    def action_evaluate(self):
        """Button: evaluate these rules now."""
        created = self._evaluate()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._("%s new warnings raised.", len(created)),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_view_warnings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "utility_billing.action_utility_warning"
        )
        action["domain"] = [("rule_id", "=", self.id)]
        return action
