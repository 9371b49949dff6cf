from odoo import api, fields, models

SKIP_REASONS = [
    ("contract_inactive", "Contract not active"),
    ("already_billed", "Already billed for the period"),
    ("no_reading", "No validated reading in the period"),
    ("reading_to_review", "Reading waiting for validation or review"),
    ("no_tariff", "No approved tariff version"),
    ("negative_consumption", "Negative consumption"),
]


class UtilityBillingRunSkip(models.Model):
    """A contract of a billing run's scope that got no bill, and why."""

    _name = "utility.billing.run.skip"
    _description = "Billing Run Skipped Contract"
    _inherit = ["utility.protected.fields.mixin"]
    _order = "run_id, reason, contract_id"

    run_id = fields.Many2one(
        comodel_name="utility.billing.run", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="run_id.company_id", store=True)
    contract_id = fields.Many2one(
        comodel_name="utility.contract", required=True, ondelete="cascade", index=True
    )
    partner_id = fields.Many2one(related="contract_id.partner_id", string="Customer")
    customer_number = fields.Char(related="contract_id.customer_number")
    station_id = fields.Many2one(related="contract_id.station_id")
    reason = fields.Selection(selection=SKIP_REASONS, required=True, index=True)
    detail = fields.Char(help="What exactly blocks the bill, and what to do about it.")
    existing_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Existing Bill",
        help="The bill that already covers the period.",
    )

    @api.model
    def _utility_protected_fields(self):
        # why a contract was not billed: found by the run's preview and batches only
        return {"contract_id", "detail", "existing_move_id", "reason", "run_id"}
