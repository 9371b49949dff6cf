from odoo import api, fields, models


class UtilityCareVisit(models.Model):
    """A visit to a caring-service customer, recorded by the visitor."""

    _name = "utility.care.visit"
    _description = "Caring Visit"
    _inherit = ["utility.protected.fields.mixin"]
    _order = "date desc, id desc"

    profile_id = fields.Many2one(
        comodel_name="utility.care.profile",
        required=True,
        ondelete="cascade",
        index=True,
    )
    partner_id = fields.Many2one(related="profile_id.partner_id", store=True)
    company_id = fields.Many2one(related="profile_id.company_id", store=True)
    date = fields.Date(required=True, default=fields.Date.context_today)
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Visited By",
        required=True,
        default=lambda self: self.env.user,
    )
    note = fields.Text(string="Outcome", help="What was seen and agreed.")

    @api.model
    def _utility_protected_fields(self):
        # the visitor is the user who records the visit
        return {"user_id"}

    @api.model
    def _utility_create_only_fields(self):
        return {"profile_id"}

    @api.model_create_multi
    def create(self, vals_list):
        visits = super().create(vals_list)
        for profile in visits.profile_id:
            profile.message_post(
                body=self.env._(
                    "Visit recorded on %(date)s by %(user)s.",
                    date=max(profile.visit_ids.mapped("date")),
                    user=self.env.user.name,
                )
            )
        visits.profile_id._schedule_next_visit()
        return visits
