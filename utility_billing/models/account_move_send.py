from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    """Utility bills are printed and sent as the electricity bill."""

    _inherit = "account.move.send"

    @api.model
    def _get_default_pdf_report_id(self, move):
        """The electricity bill for a utility bill (the Print button, Send &
        Print, the PDF kept on the bill), unless the customer or the journal
        names a report of their own."""
        company_move = move.with_company(move.company_id)
        if (
            move._utility_is_bill()
            and not company_move.commercial_partner_id.invoice_template_pdf_report_id
            and not company_move.journal_id.invoice_template_pdf_report_id
        ):
            return self.env.ref("utility_billing.action_report_utility_bill")
        return super()._get_default_pdf_report_id(move)
