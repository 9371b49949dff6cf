from datetime import date, timedelta

from odoo import api, fields, models


class UtilityArrearsPolicy(models.Model):
    """How arrears of a customer category are chased and charged.

    The late-fee defaults follow the PRC Electricity Supply Business Rules:
    residential customers pay 1 per mille of the overdue amount a day; other
    customers 2 per mille a day for the current year's arrears and 3 per mille
    for arrears carried over from earlier years; days are counted from the day
    after the due date to the day of payment, and a fee under 1 yuan is
    charged as 1 yuan."""

    _name = "utility.arrears.policy"
    _description = "Arrears Policy"
    _inherit = ["mail.thread", "utility.protected.fields.mixin"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(comodel_name="res.currency", related="company_id.currency_id")
    category = fields.Selection(
        selection=lambda self: (
            self.env["res.partner"]._fields["utility_category"]._description_selection(self.env)
        ),
        help="Customer category this policy applies to; empty applies to all "
        "categories without a policy of their own.",
        tracking=True,
    )
    late_fee_current_rate = fields.Float(
        string="Daily Rate, Current Year (per mille)",
        digits=(6, 3),
        default=2.0,
        tracking=True,
        help="Late fee per day, in per mille of the overdue amount, for days in "
        "the calendar year the bill fell due.",
    )
    late_fee_earlier_rate = fields.Float(
        string="Daily Rate, Earlier Years (per mille)",
        digits=(6, 3),
        default=3.0,
        tracking=True,
        help="Late fee per day, in per mille, once the arrears have crossed into "
        "a later calendar year.",
    )
    late_fee_minimum = fields.Monetary(
        currency_field="currency_id",
        default=1.0,
        tracking=True,
        help="A late fee below this amount is charged as this amount.",
    )
    grace_days = fields.Integer(
        default=0,
        tracking=True,
        help="Days after the due date before the late fee starts. The regulated "
        "rule counts from the day after the due date (0).",
    )

    level_ids = fields.One2many(
        comodel_name="utility.arrears.level",
        inverse_name="policy_id",
        string="Dunning Levels",
        copy=True,
        help="What is done to an overdue bill after how many days.",
    )

    _rates_positive = models.Constraint(
        "CHECK(late_fee_current_rate >= 0 AND late_fee_earlier_rate >= 0)",
        "Late-fee rates cannot be negative.",
    )

    @api.model
    def _get_policy(self, category, company=None):
        """The policy for a customer category: its own, else the general one,
        else (company without any policy) an unsaved policy with the regulated
        defaults so that late fees are never silently zero."""
        company = company or self.env.company
        policies = self.search(
            [("company_id", "=", company.id), ("category", "in", (category, False))]
        )
        policy = policies.filtered(lambda p: p.category == category)[:1] or policies[:1]
        return policy or self._get_regulated_default(category, company)

    @api.model
    def _get_regulated_default(self, category, company):
        """Regulated late-fee rules: 1 per mille a day for residential
        customers; 2 per mille (current year) and 3 per mille (earlier years)
        for the others; at least 1 yuan."""
        residential = category == "residential"
        return self.new(
            {
                "name": self.env._("Regulated defaults"),
                "company_id": company.id,
                "category": category,
                "late_fee_current_rate": 1.0 if residential else 2.0,
                "late_fee_earlier_rate": 1.0 if residential else 3.0,
                "late_fee_minimum": 1.0,
                "grace_days": 0,
            }
        )

    @api.model
    def _get_policy_map(self, keys):
        """{(company, category): policy} for many keys, one search per company."""
        result = {}
        companies = self.env["res.company"].union(*(company for company, _cat in keys))
        for company in companies:
            policies = self.search([("company_id", "=", company.id)])
            general = policies.filtered(lambda p: not p.category)[:1]
            for key in keys:
                if key[0] != company:
                    continue
                category = key[1]
                result[key] = (
                    policies.filtered(lambda p, c=category: c and p.category == c)[:1]
                    or general
                    or self._get_regulated_default(category, company)
                )
        return result

    def _compute_late_fee(self, amount, due_date, on_date):
        """Late fee on ``amount`` overdue since ``due_date`` if paid on
        ``on_date``. Never compounded: always computed on the bill amount.
        Any fee at all (even one that rounds to 0.00) is at least the
        policy's minimum."""
        fee, accrued = self._compute_late_fee_accrued(amount, due_date, on_date)
        if accrued and fee < self.late_fee_minimum:
            fee = self.late_fee_minimum
        return fee

    def _compute_late_fee_accrued(self, amount, due_date, on_date):
        """The late fee before the minimum, rounded by the currency, and
        whether any fee accrued at all: ``(fee, accrued)``."""
        self.ensure_one()
        currency = self.currency_id
        start = due_date + timedelta(days=1 + self.grace_days)
        if amount <= 0 or on_date < start:
            return 0.0, False
        days_total = (on_date - start).days + 1
        # days still in the bill's due year are "current-year arrears"
        year_end = date(due_date.year, 12, 31)
        days_current = max(0, min(days_total, (year_end - start).days + 1))
        days_earlier = days_total - days_current
        fee = (
            amount
            * (
                days_current * self.late_fee_current_rate
                + days_earlier * self.late_fee_earlier_rate
            )
            / 1000.0
        )
        return currency.round(fee), fee > 0
