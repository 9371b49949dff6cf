from odoo import api, fields, models
from odoo.exceptions import ValidationError

# actions allowed for caring-service customers
GENTLE_ACTIONS = ("sms", "phone", "visit")
# disconnection only after more than this many days overdue (Supply Business Rules)
DISCONNECTION_MIN_DAYS = 30


class UtilityArrearsLevel(models.Model):
    """A dunning level of a policy: after how many days overdue what is done
    to the bill (SMS, phone call, letter, TV notice, visit, disconnection
    notice). Each level is done at most once per bill; the action itself is
    carried out by the ``_action_<kind>`` hook of ``utility.dunning.action``."""

    _name = "utility.arrears.level"
    _description = "Dunning Level"
    _inherit = ["utility.protected.fields.mixin"]
    _order = "policy_id, days_overdue, sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    policy_id = fields.Many2one(
        comodel_name="utility.arrears.policy",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="policy_id.company_id", store=True)
    days_overdue = fields.Integer(
        required=True,
        help="The level is reached this many days after the bill's due date.",
    )
    action = fields.Selection(
        selection=[
            ("sms", "SMS"),
            ("phone", "Phone call"),
            ("letter", "Letter"),
            ("tv", "TV notice"),
            ("visit", "Visit"),
            ("disconnection_notice", "Disconnection notice"),
        ],
        required=True,
        default="sms",
    )
    mail_template_id = fields.Many2one(
        comodel_name="mail.template",
        string="Letter Template",
        domain="[('model', '=', 'account.move')]",
        help="Text of the letter or notice, rendered on the bill.",
    )
    sms_template_id = fields.Many2one(
        comodel_name="sms.template",
        domain="[('model', '=', 'account.move')]",
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Responsible",
        help="Gets the phone-call and visit activities; the station manager or "
        "the user running the dunning when empty.",
    )
    is_gentle = fields.Boolean(
        compute="_compute_is_gentle",
        help="Allowed for caring-service customers.",
    )

    _days_positive = models.Constraint(
        "CHECK(days_overdue >= 0)", "Days overdue cannot be negative."
    )

    @api.depends("action")
    def _compute_is_gentle(self):
        for level in self:
            level.is_gentle = level.action in GENTLE_ACTIONS

    @api.constrains("action", "days_overdue")
    def _check_disconnection_delay(self):
        for level in self:
            if (
                level.action == "disconnection_notice"
                and level.days_overdue <= DISCONNECTION_MIN_DAYS
            ):
                raise ValidationError(
                    self.env._(
                        "Level %(level)s: a disconnection notice may only be given "
                        "after more than %(days)s days overdue.",
                        level=level.name,
                        days=DISCONNECTION_MIN_DAYS,
                    )
                )
