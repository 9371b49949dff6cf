from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.account.controllers.portal import PortalAccount


class UtilityBillDeliveryPortal(PortalAccount):
    """A bill opened by its customer on the portal (directly or through the
    link of its e-mail) is held by the customer: see the bill holding rate."""

    @http.route()
    def portal_my_invoice_detail(
        self, invoice_id, access_token=None, report_type=None, download=False, **kw
    ):
        response = super().portal_my_invoice_detail(
            invoice_id, access_token=access_token, report_type=report_type, download=download, **kw
        )
        if not request.env.user._is_internal():
            try:
                invoice_sudo = self._document_check_access("account.move", invoice_id, access_token)
            except (AccessError, MissingError):
                return response
            invoice_sudo._utility_mark_bill_delivered("portal")
        return response
