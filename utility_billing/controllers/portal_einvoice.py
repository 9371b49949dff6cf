import unicodedata

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import pager as portal_pager

from .portal import UtilityCustomerPortal

EINVOICE_MODEL = "utility.einvoice.request"
# what the customer types, by form field; the lengths are the batch-issue
# template's (buyer name and address 100/300 characters, tax id 20...)
BUYER_FIELDS = {
    "buyer_name": 100,
    "buyer_tax_id": 20,
    "buyer_address": 300,
    "buyer_phone": 60,
    "buyer_bank": 100,
    "buyer_bank_account": 100,
    "buyer_email": 100,
}
INVOICE_TYPES = ("ordinary", "special")
# a request in these states stands: no second request for the same bill
ACTIVE_STATES = ("requested", "sent", "issued")


class UtilityEinvoicePortal(UtilityCustomerPortal):
    """VAT e-invoices (数电票) on the customer portal: the "request an
    invoice" form of a bill, the request's state and, once issued, the
    e-invoice files on the bill page, and the list of the customer's
    requests.

    The bill is checked first with the portal user's own rights
    (``_document_check_access``); only then are its requests read in sudo
    (portal users have no access right on requests), and only the requests
    of that very customer (``_utility_einvoice_visible_requests``): a file
    is served only if it is one of them."""

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------

    def _utility_einvoice_available(self):
        return EINVOICE_MODEL in request.env

    def _utility_einvoice_check_bill(self, invoice_id, access_token=None):
        """The bill, sudoed, if the current user may read it (or holds its
        access token) and it is a posted customer bill; 404 otherwise."""
        if not self._utility_einvoice_available():
            raise NotFound()
        try:
            invoice_sudo = self._document_check_access("account.move", invoice_id, access_token)
        except (AccessError, MissingError) as error:
            raise NotFound() from error
        if invoice_sudo.move_type != "out_invoice" or invoice_sudo.state != "posted":
            raise NotFound()
        return invoice_sudo

    def _utility_einvoice_visible_requests(self, invoice_sudo):
        """Requests of ``invoice_sudo`` its customer may see: the customer's
        own, covering none but the customer's bills (a payer group's
        request over several households shows on none of their pages), and
        not withdrawn."""
        customer = invoice_sudo.commercial_partner_id
        return invoice_sudo.utility_einvoice_request_ids.filtered(
            lambda req: (
                req.state != "cancelled"
                and req.partner_id.commercial_partner_id == customer
                and all(bill.commercial_partner_id == customer for bill in req.move_ids)
            )
        ).sorted("id", reverse=True)

    def _utility_einvoice_is_customer(self, invoice_sudo):
        """Whether the logged-in user is the bill's customer (or one of its
        contacts): only the customer asks for the invoice of a bill, not an
        employee who may read it, nor the holder of its share link."""
        user = request.env.user
        return (
            not user._is_public()
            and user.partner_id.commercial_partner_id == invoice_sudo.commercial_partner_id
        )

    def _utility_einvoice_can_request(self, invoice_sudo, requests_sudo):
        return not any(req.state in ACTIVE_STATES for req in requests_sudo)

    def _utility_einvoice_targets(self, invoice_sudo):
        """What a portal request covers: the bill itself, whatever the
        company's per-bill or per-payment setting (the payment that paid it
        may have paid other customers' bills too: a payer group's)."""
        return invoice_sudo

    def _utility_einvoice_form_values(self, invoice_sudo, post=None):
        """The form's values: what was posted, else the customer's last
        buyer details."""
        if post is not None:
            values = {name: (post.get(name) or "").strip() for name in BUYER_FIELDS}
            values["invoice_type"] = post.get("invoice_type")
            return values
        return invoice_sudo.commercial_partner_id._utility_einvoice_buyer_defaults()

    def _utility_einvoice_render_form(self, invoice_sudo, buyer, error=None):
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "utility_einvoice_request",
                "einvoice_bill": invoice_sudo,
                "buyer": buyer,
                "error": error,
                "amount": invoice_sudo.amount_total,
                "currency": invoice_sudo.currency_id,
                "invoice_types": [
                    (value, label)
                    for value, label in request.env[EINVOICE_MODEL]
                    ._fields["invoice_type"]
                    ._description_selection(request.env)
                    if value in INVOICE_TYPES
                ],
            }
        )
        return request.render(
            "utility_billing.portal_utility_einvoice_request",
            values,
            status=400 if error else 200,
        )

    # ------------------------------------------------------------------
    # the request form of a bill
    # ------------------------------------------------------------------

    @http.route(
        ["/my/invoices/<int:invoice_id>/einvoice"],
        type="http",
        auth="user",
        methods=["GET", "POST"],
        website=True,
    )
    def portal_my_invoice_einvoice_request(self, invoice_id, **post):
        """Ask for a VAT e-invoice of one's own bill (no access token: the
        bill must be the logged-in customer's)."""
        invoice_sudo = self._utility_einvoice_check_bill(invoice_id)
        if not self._utility_einvoice_is_customer(invoice_sudo):
            raise NotFound()
        requests_sudo = self._utility_einvoice_visible_requests(invoice_sudo)
        if not self._utility_einvoice_can_request(invoice_sudo, requests_sudo):
            return request.redirect(invoice_sudo.get_portal_url())
        if request.httprequest.method != "POST":
            return self._utility_einvoice_render_form(
                invoice_sudo, self._utility_einvoice_form_values(invoice_sudo)
            )
        buyer = self._utility_einvoice_form_values(invoice_sudo, post)
        if buyer["invoice_type"] not in INVOICE_TYPES:
            return self._utility_einvoice_render_form(
                invoice_sudo, buyer, request.env._("Choose the kind of invoice.")
            )
        for name, size in BUYER_FIELDS.items():
            if len(buyer[name]) > size:
                return self._utility_einvoice_render_form(
                    invoice_sudo,
                    buyer,
                    request.env._("At most %s characters per field.", size),
                )
            # control characters (a NUL byte...) print on no invoice and
            # PostgreSQL refuses the NUL byte
            if any(unicodedata.category(char) == "Cc" for char in buyer[name]):
                buyer[name] = "".join(
                    char for char in buyer[name] if unicodedata.category(char) != "Cc"
                )
                return self._utility_einvoice_render_form(
                    invoice_sudo,
                    buyer,
                    request.env._("Type letters and digits only: a special character was removed."),
                )
        if buyer["invoice_type"] == "ordinary":
            # the bank details are printed on special invoices only
            for name in ("buyer_address", "buyer_phone", "buyer_bank", "buyer_bank_account"):
                buyer[name] = ""
        buyer_vals = {name: value or False for name, value in buyer.items()}
        try:
            with request.env.cr.savepoint():
                # sudo: portal users cannot create requests; the bill was
                # checked above to be the logged-in customer's, and the
                # creation API validates the buyer and refuses duplicates
                request.env[EINVOICE_MODEL].sudo()._utility_create_requests(
                    self._utility_einvoice_targets(invoice_sudo), buyer_vals, "portal"
                )
        except (UserError, ValidationError) as error:
            return self._utility_einvoice_render_form(invoice_sudo, buyer, error.args[0])
        return request.redirect(f"/my/invoices/{invoice_sudo.id}?einvoice=requested")

    # ------------------------------------------------------------------
    # the issued files
    # ------------------------------------------------------------------

    @http.route(
        ["/my/invoices/<int:invoice_id>/einvoice/file/<int:attachment_id>"],
        type="http",
        auth="public",
        website=True,
    )
    def portal_my_invoice_einvoice_file(self, invoice_id, attachment_id, access_token=None, **kw):
        """A PDF/OFD file of the bill's issued e-invoice, for whoever may
        open the bill (its customer, or the holder of its access token);
        any other file id answers 404, like a missing one."""
        invoice_sudo = self._utility_einvoice_check_bill(invoice_id, access_token)
        requests_sudo = self._utility_einvoice_visible_requests(invoice_sudo).filtered(
            lambda req: req.state == "issued"
        )
        attachment_sudo = requests_sudo.attachment_ids.filtered(lambda a: a.id == attachment_id)
        if not attachment_sudo:
            raise NotFound()
        return (
            request.env["ir.binary"]
            ._get_stream_from(attachment_sudo)
            .get_response(as_attachment=True)
        )

    # ------------------------------------------------------------------
    # the bill page and the list of requests
    # ------------------------------------------------------------------

    def _invoice_get_page_view_values(self, invoice, access_token, **kwargs):
        values = super()._invoice_get_page_view_values(invoice, access_token, **kwargs)
        if not self._utility_einvoice_available():
            return values
        # ``invoice`` is the bill checked by the page's route (sudoed)
        is_bill = invoice.move_type == "out_invoice" and invoice.state == "posted"
        requests_sudo = (
            self._utility_einvoice_visible_requests(invoice)
            if is_bill
            else request.env[EINVOICE_MODEL]
        )
        is_customer = self._utility_einvoice_is_customer(invoice)
        values.update(
            {
                "utility_einvoice_requests": requests_sudo,
                "utility_einvoice_can_request": is_bill
                and is_customer
                and self._utility_einvoice_can_request(invoice, requests_sudo),
                "utility_einvoice_requested": kwargs.get("einvoice") == "requested",
                "utility_einvoice_token": access_token if access_token else None,
            }
        )
        return values

    def _utility_einvoice_domain(self):
        """The customer's requests, over none but the customer's bills."""
        customer = self._utility_partner()
        return [
            ("partner_id", "child_of", customer.id),
            ("state", "!=", "cancelled"),
            ("move_ids", "not any", [("commercial_partner_id", "!=", customer.id)]),
        ]

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "utility_einvoice_count" in counters:
            values["utility_einvoice_count"] = (
                # sudo: portal users cannot read requests; the domain
                # restricts the count to their own commercial partner
                request.env[EINVOICE_MODEL].sudo().search_count(self._utility_einvoice_domain())
                if self._utility_einvoice_available()
                else 0
            )
        return values

    @http.route(
        ["/my/einvoices", "/my/einvoices/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_einvoices(self, page=1, **kw):
        if not self._utility_einvoice_available():
            raise NotFound()
        # sudo: portal users cannot read requests; the domain restricts the
        # list to their own commercial partner
        Request = request.env[EINVOICE_MODEL].sudo()
        domain = self._utility_einvoice_domain()
        total = Request.search_count(domain)
        pager = portal_pager(url="/my/einvoices", total=total, page=page, step=self._items_per_page)
        requests_sudo = Request.search(
            domain, order="id desc", limit=self._items_per_page, offset=pager["offset"]
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "utility_einvoices",
                "einvoice_requests": requests_sudo,
                "pager": pager,
                "default_url": "/my/einvoices",
            }
        )
        return request.render("utility_billing.portal_my_utility_einvoices", values)
