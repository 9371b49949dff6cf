from odoo import fields, models


class UtilityArrearsPolicy(models.Model):
    """The terms of the installment plans agreed with the customers of a
    category."""

    _inherit = "utility.arrears.policy"

    installment_freeze_late_fees = fields.Boolean(
        string="Freeze Late Fees of Installment Plans",
        default=True,
        tracking=True,
        help="While an installment plan is kept, the late fee of its bills stops growing at "
        "the plan's start; a broken plan charges it as if there had been no plan.",
    )
    installment_grace_days = fields.Integer(
        string="Installment Grace Days",
        default=5,
        tracking=True,
        help="Days after an installment's due date before an unpaid installment breaks the plan.",
    )
