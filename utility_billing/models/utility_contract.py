from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.utility_billing.tools.new_name import is_new_name


class UtilityContract(models.Model):
    """A supply contract (供用電合同) between the company and a customer for a
    service point: the tariff it is billed at, how the customer pays, the
    property boundary point, and whether (and when) the written contract was
    signed. Bills are issued per contract and billing period."""

    _name = "utility.contract"
    _description = "Supply Contract"
    _inherit = ["mail.thread", "mail.activity.mixin", "utility.protected.fields.mixin"]
    _order = "name desc"

    name = fields.Char(
        string="Contract Number",
        required=True,
        copy=False,
        readonly=True,
        default=lambda self: self.env._("New"),
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(comodel_name="res.currency", related="company_id.currency_id")
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
    )
    customer_number = fields.Char(
        related="partner_id.utility_customer_number", store=True, index=True
    )
    category = fields.Selection(related="partner_id.utility_category", store=True, index=True)
    service_point_id = fields.Many2one(
        comodel_name="utility.service.point",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    station_id = fields.Many2one(
        comodel_name="utility.supply.station",
        related="service_point_id.station_id",
        store=True,
        index=True,
    )
    village = fields.Char(related="service_point_id.village", store=True)
    meter_id = fields.Many2one(
        comodel_name="utility.meter",
        related="service_point_id.current_meter_id",
        string="Current Meter",
    )
    tariff_id = fields.Many2one(
        comodel_name="utility.tariff",
        required=True,
        tracking=True,
        check_company=True,
    )
    billing_mode = fields.Selection(
        selection=[("postpaid", "Postpaid"), ("prepaid", "Prepaid")],
        default="postpaid",
        required=True,
        tracking=True,
        help="Prepaid customers buy electricity in advance; bills draw on their balance.",
    )
    payment_method = fields.Selection(
        selection=[
            ("counter", "Service-hall counter"),
            ("agency", "Post office / bank agency"),
            ("bank_debit", "Bank direct debit"),
            ("terminal", "Self-service terminal"),
            ("online", "Online"),
            ("field", "Door-to-door collection"),
        ],
        default="counter",
        required=True,
        tracking=True,
        help="How the customer usually pays.",
    )
    payment_term_id = fields.Many2one(
        comodel_name="account.payment.term",
        tracking=True,
        help="Gives the bills' due date. Without it bills fall due on the invoice date.",
    )
    boundary_point = fields.Char(
        string="Property Boundary Point",
        help="Where the company's and the customer's installations meet "
        "(產權分界點): who maintains what.",
    )
    date_start = fields.Date(
        string="Start Date",
        required=True,
        default=fields.Date.context_today,
        tracking=True,
    )
    date_end = fields.Date(string="End Date", tracking=True)
    signed_date = fields.Date(tracking=True)
    signed_document = fields.Binary(attachment=True, copy=False)
    signed_document_name = fields.Char()
    is_signed = fields.Boolean(
        compute="_compute_is_signed",
        store=True,
        help="The written supply contract has been signed.",
    )
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("active", "Active"),
            ("terminated", "Terminated"),
        ],
        default="draft",
        required=True,
        tracking=True,
        copy=False,
    )
    note = fields.Html()

    _name_company_uniq = models.Constraint(
        "UNIQUE(name, company_id)", "A contract number must be unique per company."
    )
    _one_active_per_point = models.UniqueIndex(
        "(service_point_id) WHERE state = 'active'",
        "A service point can have only one active supply contract.",
    )

    @api.model
    def _utility_protected_fields(self):
        # the contract's workflow: Activate and Terminate
        return {"state"}

    @api.depends("signed_date")
    def _compute_is_signed(self):
        for contract in self:
            contract.is_signed = bool(contract.signed_date)

    @api.constrains("tariff_id", "partner_id")
    def _check_tariff_category(self):
        for contract in self:
            category = contract.partner_id.utility_category
            if category and contract.tariff_id.category != category:
                raise ValidationError(
                    self.env._(
                        "Tariff %(tariff)s is for another customer category than "
                        "customer %(customer)s: bill each category only at its own "
                        "approved tariff.",
                        tariff=contract.tariff_id.name,
                        customer=contract.partner_id.display_name,
                    )
                )

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for contract in self:
            if contract.date_end and contract.date_end < contract.date_start:
                raise ValidationError(
                    self.env._("A contract cannot end before it starts (%s).", contract.name)
                )

    @api.model_create_multi
    def create(self, vals_list):
        new_label = self.env._("New")
        seq = self.env["ir.sequence"]
        for vals in vals_list:
            if is_new_name(self, vals.get("name")):
                vals["name"] = seq.next_by_code("utility.contract") or new_label
        return super().create(vals_list)

    @api.depends("name", "partner_id")
    def _compute_display_name(self):
        for contract in self:
            contract.display_name = f"{contract.name} {contract.partner_id.name or ''}".strip()

    def action_activate(self):
        """Put draft contracts into force."""
        if self.filtered(lambda c: c.state != "draft"):
            raise UserError(self.env._("Only a draft contract can be activated."))
        with self._utility_protected_write():
            self.write({"state": "active"})
        return True

    def action_terminate(self):
        """End active contracts today (or at their end date if earlier)."""
        today = fields.Date.context_today(self)
        for contract in self:
            if contract.state != "active":
                raise UserError(self.env._("Only an active contract can be terminated."))
            with contract._utility_protected_write():
                contract.write({"state": "terminated", "date_end": contract.date_end or today})
        return True
