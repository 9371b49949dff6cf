from odoo import api, fields, models

from odoo.addons.utility_billing.tools.protected import protected_write


class AccountMove(models.Model):
    """A bill held by an installment plan: its link to the plan (protected
    like the collection hold), and the late fee frozen at the plan's start
    while the plan is kept."""

    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    utility_installment_plan_id = fields.Many2one(
        comodel_name="utility.installment.plan",
        string="Installment Plan",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The installment plan that spreads this bill (the last one, if several).",
    )

    @api.model
    def _utility_lifecycle_protected_fields(self):
        return super()._utility_lifecycle_protected_fields() | {"utility_installment_plan_id"}

    def _utility_set_installment_plan(self, plan):
        """Put these bills on hold for the kept ``plan``."""
        self._utility_set_collection_hold("plan")
        with protected_write(self):
            self.write({"utility_installment_plan_id": plan.id})

    def _utility_late_fee_accrual_date(self, on_date):
        # a kept plan that freezes the late fee: no day after its start
        # counts (a broken plan lifts the freeze, retroactively)
        on_date = super()._utility_late_fee_accrual_date(on_date)
        plan = self.utility_installment_plan_id
        if (
            self.utility_collection_hold == "plan"
            and plan.state == "active"
            and plan.freeze_late_fees
            and plan.date_start < on_date
        ):
            return plan.date_start
        return on_date


class ResPartner(models.Model):
    """The customer's installment plans, from the customer's form."""

    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    utility_installment_plan_count = fields.Integer(
        string="Installment Plans", compute="_compute_utility_installment_plan_count"
    )

    def _compute_utility_installment_plan_count(self):
        Plan = self.env["utility.installment.plan"]
        if not Plan.has_access("read"):
            self.utility_installment_plan_count = 0
            return
        counts = dict(
            Plan._read_group([("partner_id", "in", self.ids)], ["partner_id"], ["__count"])
        )
        for partner in self:
            partner.utility_installment_plan_count = counts.get(partner, 0)
