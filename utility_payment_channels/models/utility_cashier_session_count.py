from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

# Renminbi notes and coins counted in a drawer (yuan)
DENOMINATIONS = [
    ("100", "100 yuan"),
    ("50", "50 yuan"),
    ("20", "20 yuan"),
    ("10", "10 yuan"),
    ("5", "5 yuan"),
    ("1", "1 yuan"),
    ("0.5", "5 jiao"),
    ("0.1", "1 jiao"),
]


class UtilityCashierSessionCount(models.Model):
    """One line of a closing cash count: how many notes or coins of one
    denomination are in the drawer."""

    _name = "utility.cashier.session.count"
    _description = "Cashier Session Cash Count"
    _inherit = ["utility.protected.fields.mixin"]
    _order = "session_id, value desc"

    session_id = fields.Many2one(
        comodel_name="utility.cashier.session",
        required=True,
        index=True,
        ondelete="cascade",
    )
    currency_id = fields.Many2one(related="session_id.currency_id")
    denomination = fields.Selection(selection=DENOMINATIONS, required=True)
    value = fields.Float(compute="_compute_value", store=True, digits=(12, 2))
    quantity = fields.Integer(help="Number of notes or coins.")
    subtotal = fields.Monetary(compute="_compute_subtotal", store=True)

    _denomination_uniq = models.Constraint(
        "UNIQUE(session_id, denomination)", "Each denomination is counted once per session."
    )

    @api.model
    def _utility_create_only_fields(self):
        # a count line stays on its session and denomination: only the
        # quantity is counted (and only while the session is not closed)
        return {"session_id", "denomination"}

    @api.model
    def _utility_denominations(self):
        return DENOMINATIONS

    @api.depends("denomination")
    def _compute_value(self):
        for line in self:
            line.value = float(line.denomination or 0.0)

    @api.depends("value", "quantity")
    def _compute_subtotal(self):
        for line in self:
            line.subtotal = line.currency_id.round(line.value * line.quantity)

    @api.constrains("quantity")
    def _check_quantity(self):
        if any(line.quantity < 0 for line in self):
            raise ValidationError(self.env._("A cash count cannot be negative."))

    def _check_session_open(self, sessions):
        if any(session.state == "closed" for session in sessions):
            raise UserError(self.env._("The cash count of a closed session cannot be changed."))
        # the manager approves the difference of this very count: it stays as
        # counted until approved, or until the manager re-opens the session
        if any(session.difference_state == "to_approve" for session in sessions):
            raise UserError(
                self.env._(
                    "The cash count waits for a Collection Manager's approval of its "
                    "difference and cannot be changed; the manager can re-open the session "
                    "to count again."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_session_open(
            self.env["utility.cashier.session"].browse(
                [vals.get("session_id") for vals in vals_list]
            )
        )
        return super().create(vals_list)

    def write(self, vals):
        self._check_session_open(self.session_id)
        return super().write(vals)

    def unlink(self):
        self._check_session_open(self.session_id)
        return super().unlink()
