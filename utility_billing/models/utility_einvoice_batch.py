from odoo import api, fields, models
from odoo.exceptions import UserError


class UtilityEinvoiceBatch(models.Model):
    """A batch of e-invoice requests sent together: for the built-in
    ``batch_file`` provider, the batch-issue workbook uploaded on the tax
    platform, and the platform's results imported back."""

    _name = "utility.einvoice.batch"
    _description = "E-invoice Batch"
    _inherit = ["mail.thread", "utility.protected.fields.mixin"]
    _order = "id desc"

    name = fields.Char(string="Reference", readonly=True, copy=False, default="/")
    provider_id = fields.Many2one(
        comodel_name="utility.einvoice.provider", required=True, readonly=True, index=True
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    request_ids = fields.One2many(
        comodel_name="utility.einvoice.request",
        inverse_name="batch_id",
        string="Requests",
        readonly=True,
    )
    request_count = fields.Integer(compute="_compute_request_count")
    state = fields.Selection(
        selection=[("exported", "Exported"), ("done", "Done")],
        default="exported",
        required=True,
        readonly=True,
        tracking=True,
        help="Done: the tax platform's result is known for every request.",
    )
    file = fields.Binary(string="Batch File", attachment=True, readonly=True, copy=False)
    filename = fields.Char(readonly=True, copy=False)

    @api.model
    def _utility_protected_fields(self):
        return {"name", "provider_id", "request_ids", "state", "file", "filename"}

    @api.model
    def _utility_create_only_fields(self):
        return {"company_id"}

    @api.model_create_multi
    def create(self, vals_list):
        batches = super().create(vals_list)
        for batch in batches:
            with batch._utility_protected_write():
                batch.name = (
                    self.env["ir.sequence"]
                    .with_company(batch.company_id)
                    .next_by_code("utility.einvoice.batch")
                    or "/"
                )
        return batches

    @api.depends("request_ids")
    def _compute_request_count(self):
        for batch in self:
            batch.request_count = len(batch.request_ids)

    def _utility_update_state(self):
        """Done once every request has the platform's answer."""
        for batch in self:
            done = all(r.state in ("issued", "rejected") for r in batch.request_ids)
            state = "done" if done and batch.request_ids else "exported"
            if batch.state != state:
                with batch._utility_protected_write():
                    batch.state = state

    def action_import_results(self):
        """Open the import of the tax platform's results for this batch."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "utility.einvoice.import",
            "view_mode": "form",
            "target": "new",
            "context": {"default_batch_id": self.id},
            "name": self.env._("Import E-invoice Results"),
        }

    def action_view_requests(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "utility.einvoice.request",
            "view_mode": "list,form",
            "domain": [("batch_id", "=", self.id)],
            "name": self.env._("E-invoice Requests"),
        }

    def _utility_import_results(self, file_content, filename):
        """Import the platform's results with the batch's provider."""
        self.ensure_one()
        if not file_content:
            raise UserError(self.env._("Choose the results file of the tax platform."))
        return self.provider_id._einvoice_import_results(self, file_content, filename or "")
