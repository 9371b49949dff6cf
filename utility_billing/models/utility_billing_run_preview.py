from odoo import api, fields, models

PREVIEW_ANOMALIES = [
    ("zero", "No consumption"),
    ("high", "Far above usual"),
    ("low", "Far below usual"),
]
# a bill's consumption this many times above (or below) the contract's usual
# monthly consumption is flagged for a look before the run
ANOMALY_FACTOR = 3.0


class UtilityBillingRunPreview(models.Model):
    """One bill a billing run's preview expects: the contract, its
    consumption and amount, beside what the contract usually consumes, so
    that a billing officer sees the unusual bills before posting them."""

    _name = "utility.billing.run.preview"
    _description = "Billing Run Preview Line"
    _inherit = ["utility.protected.fields.mixin"]
    _order = "run_id, anomaly, customer_number, id"

    run_id = fields.Many2one(
        comodel_name="utility.billing.run", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="run_id.company_id", store=True)
    currency_id = fields.Many2one(related="run_id.currency_id")
    contract_id = fields.Many2one(
        comodel_name="utility.contract", required=True, ondelete="cascade", index=True
    )
    partner_id = fields.Many2one(related="contract_id.partner_id", string="Customer")
    customer_number = fields.Char(related="contract_id.customer_number", store=True)
    station_id = fields.Many2one(related="contract_id.station_id")
    consumption = fields.Float(string="Consumption (kWh)", digits=(16, 2))
    usual_consumption = fields.Float(
        string="Usual Monthly (kWh)",
        digits=(16, 2),
        help="Average monthly consumption of the contract's bills of the previous twelve months.",
    )
    amount = fields.Monetary()
    anomaly = fields.Selection(
        selection=PREVIEW_ANOMALIES,
        index=True,
        help="Why this bill deserves a look before the run: no consumption, or a "
        "consumption far from the contract's usual one.",
    )

    @api.model
    def _utility_protected_fields(self):
        # what the run's preview found: written by the preview action only
        return {"run_id", "contract_id", "consumption", "usual_consumption", "amount", "anomaly"}
