from odoo import api, fields, models

from .utility_bulk_booking import pending_ranks, skips_known_rank

CATEGORY_SELECTION = [
    ("residential", "Residential"),
    ("agricultural", "Agricultural"),
    ("commercial", "Commercial"),
    ("industrial", "Industrial"),
    ("public", "Public service"),
]


class ResPartner(models.Model):
    """Utility customer archive on the partner: the customer number printed on
    every document and searched everywhere, the customer category that decides
    the tariff, and the station and village the customer belongs to."""

    _inherit = "res.partner"

    utility_customer_number = fields.Char(
        string="Customer Number",
        copy=False,
        index=True,
        tracking=True,
        help="Utility customer number, unique per company; printed on every bill and receipt.",
    )
    utility_category = fields.Selection(
        selection=CATEGORY_SELECTION,
        string="Customer Category",
        tracking=True,
    )
    utility_station_id = fields.Many2one(
        comodel_name="utility.supply.station",
        string="Supply Station",
        index=True,
    )
    utility_village = fields.Char(string="Village", index=True)
    utility_contract_ids = fields.One2many(
        comodel_name="utility.contract", inverse_name="partner_id", string="Supply Contracts"
    )
    utility_contract_count = fields.Integer(compute="_compute_utility_contract_count")
    utility_service_point_ids = fields.One2many(
        comodel_name="utility.service.point", inverse_name="partner_id", string="Service Points"
    )
    utility_meter_ids = fields.One2many(
        comodel_name="utility.meter", inverse_name="partner_id", string="Meters"
    )

    _utility_customer_number_uniq = models.UniqueIndex(
        "(utility_customer_number, COALESCE(company_id, 0)) "
        "WHERE utility_customer_number IS NOT NULL",
        "This customer number is already used by another customer of the company.",
    )

    def _increase_rank(self, field, n=1):
        """Posting a move raises its partners' customer rank by one, after the
        commit, one tracked partner write each (about 25 queries). With
        ``SKIP_KNOWN_RANK`` (``utility_bulk_booking``) (billing runs, agency
        imports, terminal payments) customers already ranked are left alone:
        a utility customer's rank only says "customer", which the first bill
        already set; partners still at 0 are ranked as Odoo does."""
        partners = self
        if skips_known_rank(self.env):
            partners = self.filtered(lambda partner: not partner.sudo()[field])
            pending = pending_ranks(self.env)
            if pending is not None:  # written at the end (``bulk_booking``)
                for partner in partners:
                    pending[field, partner.id] += n
                return None
        return super(ResPartner, partners)._increase_rank(field, n)

    def _compute_utility_contract_count(self):
        counts = dict(
            self.env["utility.contract"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.utility_contract_count = counts.get(partner, 0)

    @api.depends("utility_customer_number")
    def _compute_display_name(self):  # pylint: disable=missing-return
        super()._compute_display_name()
        for partner in self:
            if partner.utility_customer_number:
                partner.display_name = f"{partner.display_name} ({partner.utility_customer_number})"

    @api.model
    def _search_display_name(self, operator, value):
        domain = super()._search_display_name(operator, value)
        if operator in ("ilike", "=ilike", "=", "like") and value:
            domain = ["|", ("utility_customer_number", "=ilike", value)] + list(domain)
        return domain

    def action_view_utility_contracts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "utility_billing.action_utility_contract"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action
