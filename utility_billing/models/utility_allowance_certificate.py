from odoo import api, fields, models
from odoo.exceptions import ValidationError

ALLOWANCE_KINDS = [
    ("low_income", "Low-income household (低保户)"),
    ("five_guarantee", "Five-guarantee household (五保户)"),
]


class UtilityAllowanceCertificate(models.Model):
    """A household's right to the social electricity allowance: the civil
    affairs bureau's certificate of a low-income (低保) or five-guarantee
    (五保) household, valid from ``date_from`` to ``date_to``.

    While a certificate is in force the customer's bills get the free kWh
    the approved tariff version grants its kind each month (see
    ``utility.tariff.version._get_allowance_kwh``), prorated to the days of
    the bill period it covers; the billing run looks certificates up once
    per batch (``utility.bill.builder._get_allowances``)."""

    _name = "utility.allowance.certificate"
    _description = "Social Allowance Certificate"
    _inherit = ["mail.thread", "utility.protected.fields.mixin"]
    _order = "date_to desc, id desc"
    _rec_name = "number"

    number = fields.Char(
        string="Certificate Number",
        required=True,
        tracking=True,
        help="Number of the certificate issued by the civil affairs bureau; "
        "unique per company (an import finds certificates by it).",
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        ondelete="restrict",
    )
    customer_number = fields.Char(related="partner_id.utility_customer_number")
    kind = fields.Selection(
        selection=ALLOWANCE_KINDS,
        required=True,
        tracking=True,
        help="Decides the free kWh per month, set on the tariff version.",
    )
    holder_id_number = fields.Char(
        string="Holder ID Number",
        tracking=True,
        help="ID card number of the certificate holder, as on the civil affairs list.",
    )
    date_from = fields.Date(string="Valid From", required=True, tracking=True)
    date_to = fields.Date(string="Valid To", required=True, tracking=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    active = fields.Boolean(default=True, tracking=True)
    notes = fields.Text()

    _number_company_uniq = models.Constraint(
        "UNIQUE(number, company_id)",
        "A certificate number must be unique per company.",
    )

    @api.model
    def _utility_create_only_fields(self):
        # moving a certificate to another customer or company would give the
        # allowance to a household the bureau did not certify
        return {"partner_id", "company_id"}

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for certificate in self:
            if certificate.date_to < certificate.date_from:
                raise ValidationError(
                    self.env._(
                        "Certificate %(number)s ends (%(date_to)s) before it starts "
                        "(%(date_from)s).",
                        number=certificate.number,
                        date_to=certificate.date_to,
                        date_from=certificate.date_from,
                    )
                )

    @api.model
    def _get_in_force(self, company, partners, date_from, date_to):
        """Certificates of ``partners`` in force for some day of
        [``date_from``, ``date_to``] in ``company``, in one search:
        {partner id: [(kind, first day, last day)]}, the days clipped to the
        period, in date order."""
        # sudo: a bill must not depend on who runs the billing (the company
        # is filtered here); only kinds and dates leave this method
        certificates = self.sudo().search_fetch(
            [
                ("company_id", "=", company.id),
                ("partner_id", "in", partners.ids),
                ("date_from", "<=", date_to),
                ("date_to", ">=", date_from),
            ],
            ["partner_id", "kind", "date_from", "date_to"],
            order="date_from, id",
        )
        result = {}
        for certificate in certificates:
            result.setdefault(certificate.partner_id.id, []).append(
                (
                    certificate.kind,
                    max(certificate.date_from, date_from),
                    min(certificate.date_to, date_to),
                )
            )
        return result
