from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError


class UtilityCareProfile(models.Model):
    """Caring service file (親情服務) of a vulnerable customer: elderly living
    alone, disabled or long absent. The customer gets reminders by SMS, phone
    and visits only; a responsible user visits them periodically (the next
    visit is an activity in their to-do list), and disconnection needs a
    manager's approval and a recorded visit."""

    _name = "utility.care.profile"
    _description = "Caring Service Profile"
    _inherit = ["mail.thread", "mail.activity.mixin", "utility.protected.fields.mixin"]
    _order = "next_visit_date, id"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        ondelete="cascade",
    )
    customer_number = fields.Char(related="partner_id.utility_customer_number")
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    active = fields.Boolean(default=True, tracking=True)
    care_type = fields.Selection(
        selection=[
            ("elderly_alone", "Elderly living alone"),
            ("disability", "Disability"),
            ("long_absent", "Long absent"),
        ],
        string="Type",
        required=True,
        tracking=True,
    )
    contact_name = fields.Char(
        string="Contact Person",
        tracking=True,
        help="Relative or neighbour to call about the customer's bills.",
    )
    contact_phone = fields.Char(tracking=True)
    visit_interval_days = fields.Integer(
        string="Visit Every (days)",
        default=30,
        tracking=True,
        help="A visit is planned this many days after the last one.",
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        help="Visits the customer; gets the next visit as an activity.",
    )
    visit_ids = fields.One2many(
        comodel_name="utility.care.visit", inverse_name="profile_id", string="Visits"
    )
    last_visit_date = fields.Date(compute="_compute_visit_dates", store=True)
    next_visit_date = fields.Date(compute="_compute_visit_dates", store=True)
    notes = fields.Html()

    _partner_company_uniq = models.Constraint(
        "UNIQUE(partner_id, company_id)",
        "A customer has only one caring profile per company.",
    )

    @api.depends("visit_ids.date", "visit_interval_days", "create_date")
    def _compute_visit_dates(self):
        for profile in self:
            last = max(profile.visit_ids.mapped("date"), default=False)
            profile.last_visit_date = last
            start = last or (profile.create_date or fields.Datetime.now()).date()
            profile.next_visit_date = start + timedelta(days=profile.visit_interval_days or 0)

    @api.model
    def _utility_protected_fields(self):
        # an archived profile no longer protects the customer from
        # disconnection: only a Collection Manager's archive action does it
        return {"active"}

    @api.model
    def _utility_create_only_fields(self):
        # moving a profile to another customer would remove the protection
        return {"partner_id", "company_id"}

    def _utility_check_manager(self):
        if not self.env.user.has_group("utility_billing.group_utility_manager"):
            raise AccessError(
                self.env._(
                    "Only a Collection Manager can archive or restore a caring profile: "
                    "it protects the customer from disconnection."
                )
            )

    def action_archive(self):
        """Collection Manager: end the caring service of these customers."""
        self._utility_check_manager()
        with self._utility_protected_write():
            return super().action_archive()

    def action_unarchive(self):
        """Collection Manager: restore the caring service of these customers."""
        self._utility_check_manager()
        with self._utility_protected_write():
            return super().action_unarchive()

    @api.model_create_multi
    def create(self, vals_list):
        profiles = super().create(vals_list)
        profiles._schedule_next_visit()
        return profiles

    def _schedule_next_visit(self):
        """Replace the planned visit activity by one on the next visit date."""
        activity_type = self.env.ref("utility_arrears.mail_activity_type_care_visit")
        self.activity_unlink(["utility_arrears.mail_activity_type_care_visit"])
        for profile in self.filtered(lambda p: p.active and p.user_id):
            # read by the visitor: in their language, not the creator's
            env = self.with_context(lang=profile.user_id.lang).env
            profile.activity_schedule(
                act_type_xmlid="utility_arrears.mail_activity_type_care_visit",
                date_deadline=profile.next_visit_date,
                summary=activity_type.with_env(env).summary
                or env._("Caring visit to %s", profile.partner_id.name),
                user_id=profile.user_id.id,
            )

    def action_log_visit(self):
        """Open a new visit of this customer."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "utility.care.visit",
            "view_mode": "form",
            "target": "new",
            "context": {"default_profile_id": self.id},
        }
