from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.account_payment.controllers.portal import PortalAccount


class UtilityBillDeliveryPortal(PortalAccount):
    """A bill opened by its customer on the portal (directly or through the
    link of its e-mail) is held by the customer: see the bill holding rate.

    *Pay overdue invoices* proposes the overdue bills with their late fees of
    the day, which the online payment charges (see ``payment.transaction``),
    as *Pay Now* does on one bill."""

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

    def _overdue_invoices_get_page_view_values(self, overdue_invoices, **kwargs):
        values = super()._overdue_invoices_get_page_view_values(overdue_invoices, **kwargs)
        if "payment" not in values:
            return values
        bills = overdue_invoices._utility_is_bill()
        # sudo: the portal's customer reads their bills, not the arrears
        # policies that price their late fees (computed for all at once)
        fee = sum(bills.sudo().mapped("utility_late_fee_today"))
        currency = values["payment"]["currency"]
        if currency.is_zero(fee):
            return values
        values["payment"]["amount"] = currency.round(values["payment"]["amount"] + fee)
        values["amount"] = currency.round(values["amount"] + fee)
        values["utility_late_fee"] = fee
        return values
