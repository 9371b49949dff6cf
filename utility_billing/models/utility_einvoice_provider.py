import base64

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import einvoice_results, einvoice_template


class UtilityEinvoiceProvider(models.Model):
    """Who issues the company's VAT e-invoices (数电票).

    The shape of Odoo's ``payment.provider``: one model for every provider,
    a ``code`` selection and small hooks dispatched on it. The built-in
    ``batch_file`` provider writes the tax platform's batch-issue workbook
    (``_einvoice_send``) and reads the platform's results back
    (``_einvoice_import_results``). An API provider module adds its value to
    ``code`` and overrides the hooks, calling ``super()`` for other codes::

        def _einvoice_send(self, requests):
            if self.code != "my_api":
                return super()._einvoice_send(requests)
            ...
    """

    _name = "utility.einvoice.provider"
    _description = "E-invoice Provider"
    _inherit = ["utility.protected.fields.mixin"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(
        selection=[("batch_file", "Tax platform batch file")],
        required=True,
        default="batch_file",
        help="How requests reach the tax platform: the built-in batch file is "
        "uploaded by hand on the electronic invoice service platform "
        "(批量开具) and its results are imported back.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)

    @api.model
    def _utility_get_provider(self, company):
        """The provider the company's requests are sent with."""
        provider = self.search([("company_id", "=", company.id)], limit=1)
        if not provider:
            raise UserError(
                self.env._(
                    "No e-invoice provider is set up for %s: add one under "
                    "Billing > Configuration > E-invoice Providers.",
                    company.name,
                )
            )
        return provider

    # -- hooks ---------------------------------------------------------------
    def _einvoice_send(self, requests):
        """Send ``requests`` (requested, of this provider's company) to the
        tax platform. ``batch_file``: make a ``utility.einvoice.batch``
        holding the batch-issue workbook; the requests become "Sent".
        Returns the batch (or whatever the provider made)."""
        self.ensure_one()
        if self.code != "batch_file":
            raise UserError(
                self.env._("The e-invoice provider %s cannot send requests.", self.name)
            )
        Batch = self.env["utility.einvoice.batch"]
        with Batch.browse()._utility_protected_write():
            batch = Batch.create({"provider_id": self.id, "company_id": self.company_id.id})
        requests._utility_assign_serials()
        content = einvoice_template.write_workbook(requests)
        filename = f"{batch.name.replace('/', '-')}.xlsx"
        with batch._utility_protected_write():
            batch.write({"file": base64.b64encode(content), "filename": filename})
        with requests._utility_protected_write():
            requests.write({"state": "sent", "batch_id": batch.id, "provider_id": self.id})
        return batch

    def _einvoice_import_results(self, batch, file_content, filename):
        """Record the tax platform's results for ``batch``: a workbook or CSV
        of serial -> invoice number and date (or a rejection reason), or a
        zip archive holding that sheet and the PDF/OFD files, named by
        invoice number or serial. All or nothing; importing the same file
        again changes nothing. Returns the requests changed."""
        self.ensure_one()
        if self.code != "batch_file":
            raise UserError(
                self.env._("The e-invoice provider %s cannot import results.", self.name)
            )
        return einvoice_results.import_results(batch, file_content, filename)
