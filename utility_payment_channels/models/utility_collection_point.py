from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.base.models.res_partner import _tz_get

# the kinds of collection point; each is also the channel of the payments
# taken there (account_payment.CHANNEL_SELECTION is made from this list): a
# new kind is added here only
COLLECTION_POINT_KINDS = [
    ("hall", "Service hall counter"),
    ("agency", "Agency outlet"),
    ("terminal", "Self-service terminal"),
    ("field", "Field collection round"),
    ("online", "Online"),
]


class UtilityCollectionPoint(models.Model):
    """A place or way through which customers pay: a service-hall counter, an
    agency outlet (post office, bank), a self-service terminal or a field
    collection round. Each point books its payments in its own journal."""

    _name = "utility.collection.point"
    _description = "Collection Point"
    _inherit = ["mail.thread", "utility.protected.fields.mixin"]
    _order = "kind, code"
    # shown as "[code] name": found by either
    _rec_names_search = ["name", "code"]

    name = fields.Char(required=True, translate=True, tracking=True)
    code = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    kind = fields.Selection(
        selection=COLLECTION_POINT_KINDS,
        required=True,
        default="hall",
        tracking=True,
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    station_id = fields.Many2one(
        comodel_name="utility.supply.station",
        string="Supply Station",
        check_company=True,
    )
    journal_id = fields.Many2one(
        comodel_name="account.journal",
        check_company=True,
        domain="[('type', 'in', ('cash', 'bank'))]",
        tracking=True,
        help="Journal where the payments taken at this point are booked.",
    )
    user_ids = fields.Many2many(
        comodel_name="res.users",
        string="Operators",
        help="Cashiers or collectors who work at this point.",
    )
    tz = fields.Selection(
        selection=_tz_get,
        string="Time Zone",
        help="Time zone the payments of this point are dated in, when it is not the "
        "company's (an outlet in another county).",
    )

    _code_company_uniq = models.Constraint(
        "UNIQUE(code, company_id)", "A collection point code must be unique per company."
    )

    def _utility_tz(self):
        """Time zone the point's payments and late fees are dated in: its
        own where set, else the company's (never the booking user's)."""
        self.ensure_one()
        return self.tz or self.company_id._utility_tz()

    def _utility_today(self):
        """The point's day today (the day its payments are dated)."""
        self.ensure_one()
        return self.company_id._utility_today(self._utility_tz())

    # -- counter (service hall) and door-to-door settings --------------------
    card_journal_id = fields.Many2one(
        comodel_name="account.journal",
        string="Bank Card Journal",
        check_company=True,
        domain="[('type', '=', 'bank')]",
        help="Journal of the bank-card (POS terminal) payments taken at this counter.",
    )
    qr_journal_id = fields.Many2one(
        comodel_name="account.journal",
        string="QR Code Journal",
        check_company=True,
        domain="[('type', '=', 'bank')]",
        help="Journal of the QR-code (WeChat Pay, Alipay, UnionPay QR) payments "
        "taken at this counter.",
    )
    hand_in_point_id = fields.Many2one(
        comodel_name="utility.collection.point",
        string="Hand-in Hall",
        check_company=True,
        domain="[('kind', '=', 'hall')]",
        help="Door-to-door rounds: the service hall whose cash journal receives the "
        "cash collectors hand in. The round's own journal is the collector's "
        "in-transit journal.",
    )
    session_ids = fields.One2many(
        comodel_name="utility.cashier.session",
        inverse_name="collection_point_id",
        string="Cashier Sessions",
    )

    @api.constrains("kind", "journal_id")
    def _check_journal(self):
        for point in self:
            if point.journal_id and point.journal_id.type not in ("cash", "bank"):
                raise ValidationError(
                    self.env._(
                        "Collection point %s must book into a cash or bank journal.",
                        point.name,
                    )
                )

    @api.depends("code", "name")
    def _compute_display_name(self):
        for point in self:
            # a new point has neither yet: no "[False] False" in the title
            point.display_name = (
                f"[{point.code}] {point.name or ''}".strip() if point.code else point.name
            )

    # -- per-kind hooks (same shape as payment.provider's hooks) -------------
    def _utility_payment_methods(self):
        """Payment methods a cashier or collector may pick at this point, as a
        list of ``(code, label)``; kinds override what they accept."""
        self.ensure_one()
        methods = [("cash", self.env._("Cash"))]
        if self.kind == "hall":
            if self.card_journal_id:
                methods.append(("card", self.env._("Bank card")))
            if self.qr_journal_id:
                methods.append(("qr", self.env._("QR code")))
        return methods

    def _utility_payment_journal(self, method):
        """Journal that books a payment taken here with ``method``."""
        self.ensure_one()
        journal = {
            "cash": self.journal_id,
            "card": self.card_journal_id,
            "qr": self.qr_journal_id,
        }.get(method)
        if not journal or method not in dict(self._utility_payment_methods()):
            raise UserError(
                self.env._(
                    "Payment method %(method)s is not configured on collection point %(point)s.",
                    method=method,
                    point=self.display_name,
                )
            )
        return journal

    def _utility_requires_session(self):
        """Whether payments taken here must belong to an open cashier session."""
        self.ensure_one()
        return self.kind == "hall"

    def _utility_setup_cash_journal(self):
        """Cash taken at a counter or by a collector is in the drawer or the
        bag at once: book it straight on the cash journal's account instead
        of Community's default "Outstanding Receipts" account, so that the
        journal balance is the cash to count."""
        for point in self.filtered(lambda p: p.kind in ("hall", "field")):
            journal = point.journal_id
            if journal.type != "cash" or not journal.default_account_id:
                continue
            lines = journal.inbound_payment_method_line_ids.filtered(
                lambda line: not line.payment_account_id
            )
            # sudo: collection managers configure points, not journals; this only
            # points the journal's own cash account at its own method lines
            lines.sudo().write({"payment_account_id": journal.default_account_id.id})

    @api.model_create_multi
    def create(self, vals_list):
        points = super().create(vals_list)
        points._utility_setup_cash_journal()
        return points

    def write(self, vals):
        res = super().write(vals)
        if "journal_id" in vals or "kind" in vals:
            self._utility_setup_cash_journal()
        return res
