from datetime import date

import psycopg2
from dateutil.relativedelta import relativedelta
from werkzeug.exceptions import NotFound

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.fields import Domain
from odoo.http import request

from odoo.addons.account.controllers import portal as account_portal
from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment.controllers import portal as payment_portal
from odoo.addons.portal.controllers.portal import pager as portal_pager
from odoo.addons.utility_billing.models.res_currency import AmountError

READING_MODEL = "utility.meter.reading"
CHART_MONTHS = 24


class UtilityCustomerPortal(account_portal.PortalAccount, payment_portal.PaymentPortal):
    """The customer's utility pages under /my: contracts with their prepaid
    balance, meters and readings, a 24-month consumption chart, payments,
    self-readings and prepaid top-ups. Bills are Odoo's /my/invoices pages,
    enriched with the contract and period.

    Every record is fetched with the portal user's own rights first (record
    rules: the customer's commercial partner) — a record of another customer
    answers 404 exactly like a missing one; only then is it read in sudo to
    render related data the portal user has no access right on."""

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------

    def _utility_partner(self):
        return request.env.user.partner_id.commercial_partner_id

    def _utility_has_readings(self):
        return READING_MODEL in request.env

    def _utility_contract_domain(self):
        return Domain("partner_id", "child_of", self._utility_partner().id)

    def _utility_meter_domain(self):
        return Domain("partner_id", "child_of", self._utility_partner().id)

    def _utility_check(self, model_name, record_id):
        """The record, sudoed, if the current user may read it; 404 otherwise
        (another customer's record looks exactly like a missing one)."""
        try:
            return self._document_check_access(model_name, record_id)
        except (AccessError, MissingError) as error:
            raise NotFound() from error

    def _utility_visible_reading_domain(self):
        """Readings a customer sees: validated and billed ones, and their own
        self-readings under review — never the office's draft readings (the
        portal record rule says the same)."""
        return Domain("state", "in", ("validated", "billed")) | (
            Domain("reading_type", "=", "self") & Domain("state", "!=", "cancelled")
        )

    def _utility_open_warnings(self, contracts_sudo):
        """Open warnings shown as portal banners for these contracts."""
        return (
            request.env["utility.warning"]
            .sudo()
            .search(
                # sudo: restricted to contracts the user was checked to own
                [
                    ("contract_id", "in", contracts_sudo.ids),
                    ("cleared_at", "=", False),
                    ("rule_id.notify_portal", "=", True),
                ]
            )
        )

    def _utility_monthly_consumption(self, contracts_sudo):
        """Consumption per month of the last 24 months, oldest first:
        [{'label', 'kwh', 'pct'}], from validated and billed readings."""
        today = fields.Date.context_today(request.env.user)
        first = date(today.year, today.month, 1) - relativedelta(months=CHART_MONTHS - 1)
        totals = {}
        if self._utility_has_readings() and contracts_sudo:
            groups = (
                request.env[READING_MODEL]
                .sudo()
                ._read_group(
                    [
                        ("contract_id", "in", contracts_sudo.ids),
                        ("state", "in", ("validated", "billed")),
                        ("reading_date", ">=", first),
                    ],
                    ["reading_date:month"],
                    ["consumption:sum"],
                )
            )
            totals = {month.strftime("%Y-%m"): kwh for month, kwh in groups}
        months = [first + relativedelta(months=index) for index in range(CHART_MONTHS)]
        peak = max(totals.values(), default=0.0) or 1.0
        return [
            {
                "label": month.strftime("%Y-%m"),
                "kwh": totals.get(month.strftime("%Y-%m"), 0.0),
                "pct": int(100 * totals.get(month.strftime("%Y-%m"), 0.0) / peak),
            }
            for month in months
        ]

    # ------------------------------------------------------------------
    # home counters
    # ------------------------------------------------------------------

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        env = request.env
        if not counters and env["utility.contract"].has_access("read"):
            # the /my page itself (not the JSON counters): warning banners
            contracts = env["utility.contract"].search(self._utility_contract_domain())
            values["utility_warnings"] = self._utility_open_warnings(contracts.sudo())
        if "utility_contract_count" in counters:
            values["utility_contract_count"] = (
                env["utility.contract"].search_count(self._utility_contract_domain())
                if env["utility.contract"].has_access("read")
                else 0
            )
        if "utility_meter_count" in counters:
            values["utility_meter_count"] = (
                env["utility.meter"].search_count(self._utility_meter_domain())
                if env["utility.meter"].has_access("read")
                else 0
            )
        if "utility_reading_count" in counters:
            values["utility_reading_count"] = (
                env[READING_MODEL].search_count(self._utility_meter_domain())
                if self._utility_has_readings() and env[READING_MODEL].has_access("read")
                else 0
            )
        if "utility_payment_count" in counters:
            values["utility_payment_count"] = (
                env["account.payment"].sudo().search_count(self._utility_payment_domain())
                # sudo: restricted to the user's own commercial partner
            )
        return values

    # ------------------------------------------------------------------
    # contracts
    # ------------------------------------------------------------------

    @http.route(
        ["/my/utility/contracts", "/my/utility/contracts/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_utility_contracts(self, page=1, **kw):
        Contract = request.env["utility.contract"]
        domain = self._utility_contract_domain()
        total = Contract.search_count(domain)
        pager = portal_pager(
            url="/my/utility/contracts", total=total, page=page, step=self._items_per_page
        )
        contracts = Contract.search(
            domain, order="state, name desc", limit=self._items_per_page, offset=pager["offset"]
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "utility_contracts",
                "contracts": contracts.sudo(),
                "warnings": self._utility_open_warnings(contracts.sudo()),
                "pager": pager,
                "default_url": "/my/utility/contracts",
            }
        )
        return request.render("utility_billing.portal_my_utility_contracts", values)

    @http.route(["/my/utility/contracts/<int:contract_id>"], type="http", auth="user", website=True)
    def portal_my_utility_contract(self, contract_id, **kw):
        contract_sudo = self._utility_check("utility.contract", contract_id)
        readings = request.env[READING_MODEL] if self._utility_has_readings() else None
        recent_readings = (
            readings.sudo().search(
                Domain("contract_id", "=", contract_sudo.id)
                & self._utility_visible_reading_domain(),
                order="reading_date desc",
                limit=6,
            )
            if readings is not None
            else []
        )
        bills = (
            request.env["account.move"]
            .sudo()
            .search(
                # sudo: the customer's own posted bills (contract checked above)
                [
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("commercial_partner_id", "=", contract_sudo.partner_id.id),
                ],
                order="invoice_date desc, id desc",
                limit=6,
            )
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "utility_contract",
                "contract": contract_sudo,
                "warnings": self._utility_open_warnings(contract_sudo),
                "chart": self._utility_monthly_consumption(contract_sudo),
                "readings": recent_readings,
                "bills": bills,
                "topup_done": kw.get("topup") == "done",
            }
        )
        return request.render("utility_billing.portal_my_utility_contract", values)

    # ------------------------------------------------------------------
    # meters and readings
    # ------------------------------------------------------------------

    @http.route(["/my/utility/meters"], type="http", auth="user", website=True)
    def portal_my_utility_meters(self, **kw):
        meters = request.env["utility.meter"].search(self._utility_meter_domain())
        values = self._prepare_portal_layout_values()
        values.update({"page_name": "utility_meters", "meters": meters.sudo()})
        return request.render("utility_billing.portal_my_utility_meters", values)

    @http.route(["/my/utility/meters/<int:meter_id>"], type="http", auth="user", website=True)
    def portal_my_utility_meter(self, meter_id, **kw):
        meter_sudo = self._utility_check("utility.meter", meter_id)
        readings = []
        if self._utility_has_readings():
            readings = (
                request.env[READING_MODEL]
                .sudo()
                .search(
                    Domain("meter_id", "=", meter_sudo.id) & self._utility_visible_reading_domain(),
                    order="reading_date desc",
                    limit=24,
                )
            )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "utility_meter",
                "meter": meter_sudo,
                "readings": readings,
                "can_self_read": self._utility_has_readings() and meter_sudo.state == "installed",
                "reading_saved": kw.get("saved") == "1",
                "reading_error": kw.get("error"),
                "today": fields.Date.context_today(request.env.user),
            }
        )
        return request.render("utility_billing.portal_my_utility_meter", values)

    @http.route(
        ["/my/utility/readings", "/my/utility/readings/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_utility_readings(self, page=1, **kw):
        if not self._utility_has_readings():
            raise NotFound()
        Reading = request.env[READING_MODEL]
        domain = self._utility_meter_domain() & self._utility_visible_reading_domain()
        total = Reading.search_count(domain)
        pager = portal_pager(
            url="/my/utility/readings", total=total, page=page, step=self._items_per_page
        )
        readings = Reading.search(
            domain, order="reading_date desc", limit=self._items_per_page, offset=pager["offset"]
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "utility_readings",
                "readings": readings.sudo(),
                "pager": pager,
                "default_url": "/my/utility/readings",
            }
        )
        return request.render("utility_billing.portal_my_utility_readings", values)

    @http.route(
        ["/my/utility/meters/<int:meter_id>/reading"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_my_utility_self_reading(self, meter_id, value=None, **kw):
        """Record a customer self-reading; a billing officer reviews it
        before it can bill."""
        meter_sudo = self._utility_check("utility.meter", meter_id)
        if not self._utility_has_readings() or meter_sudo.state != "installed":
            raise NotFound()
        url = f"/my/utility/meters/{meter_sudo.id}"
        try:
            # the amount grammar of every channel: ASCII digits and a decimal
            # point, two decimals at most, finite and bounded (no NaN, 1e308)
            register = float(
                meter_sudo.company_id.currency_id._utility_parse_amount(
                    value, decimals=2, allow_zero=True
                )
            )
        except AmountError:
            return request.redirect(f"{url}?error=value")
        today = fields.Date.context_today(request.env.user)
        try:
            # sudo: portal customers cannot create readings; the meter was
            # checked to be theirs and the reading only waits for review.
            with request.env.cr.savepoint():
                request.env[READING_MODEL].sudo().create(
                    {
                        "meter_id": meter_sudo.id,
                        "reading_date": today,
                        "value": register,
                        "reading_type": "self",
                        "state": "draft",
                        "note": request.env._("Entered by the customer on the portal."),
                    }
                )
        except (UserError, ValidationError, psycopg2.IntegrityError):
            return request.redirect(f"{url}?error=rejected")
        return request.redirect(f"{url}?saved=1")

    # ------------------------------------------------------------------
    # payments
    # ------------------------------------------------------------------

    def _utility_payment_domain(self):
        return [
            ("partner_id", "=", self._utility_partner().id),
            ("partner_type", "=", "customer"),
            ("state", "in", ("in_process", "paid")),
        ]

    @http.route(
        ["/my/utility/payments", "/my/utility/payments/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_utility_payments(self, page=1, **kw):
        # sudo: portal users cannot read payments; the domain restricts the
        # list to their own commercial partner.
        Payment = request.env["account.payment"].sudo()
        domain = self._utility_payment_domain()
        total = Payment.search_count(domain)
        pager = portal_pager(
            url="/my/utility/payments", total=total, page=page, step=self._items_per_page
        )
        payments = Payment.search(
            domain, order="date desc, id desc", limit=self._items_per_page, offset=pager["offset"]
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "utility_payments",
                "payments": payments,
                "pager": pager,
                "default_url": "/my/utility/payments",
            }
        )
        return request.render("utility_billing.portal_my_utility_payments", values)

    # ------------------------------------------------------------------
    # prepaid top-up through the payment providers
    # ------------------------------------------------------------------

    @http.route(
        ["/my/utility/contracts/<int:contract_id>/topup"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_utility_topup(self, contract_id, amount=None, **kw):
        contract_sudo = self._utility_check("utility.contract", contract_id)
        if contract_sudo.billing_mode != "prepaid" or contract_sudo.state != "active":
            raise NotFound()
        currency = contract_sudo.currency_id
        amount_error = False
        if not amount:
            amount = None
        else:
            try:
                # the amount grammar of every channel: "NaN", "1e308", "+5",
                # " 5 " are a form error, not a payment form
                amount = float(currency._utility_parse_amount(amount))
            except AmountError as error:
                amount, amount_error = None, error.args[0]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "utility_topup",
                "contract": contract_sudo,
                "amount": amount and currency.round(amount),
                "amount_error": amount_error,
                "currency": currency,
            }
        )
        if amount:
            amount = currency.round(amount)
            contract_url = f"/my/utility/contracts/{contract_sudo.id}"
            partner_sudo = request.env.user.partner_id
            company = contract_sudo.company_id
            availability_report = {}
            providers_sudo = (
                request.env["payment.provider"]
                .sudo()
                ._get_compatible_providers(
                    company.id,
                    partner_sudo.id,
                    amount,
                    currency_id=currency.id,
                    report=availability_report,
                )
            )
            payment_methods_sudo = (
                request.env["payment.method"]
                .sudo()
                ._get_compatible_payment_methods(
                    providers_sudo.ids,
                    partner_sudo.id,
                    currency_id=currency.id,
                    report=availability_report,
                )
            )
            tokens_sudo = (
                request.env["payment.token"]
                .sudo()
                ._get_available_tokens(providers_sudo.ids, partner_sudo.id)
            )
            values.update(
                {
                    "company_mismatch": not self._can_partner_pay_in_company(partner_sudo, company),
                    "expected_company": company,
                    "show_tokenize_input_mapping": self._compute_show_tokenize_input_mapping(
                        providers_sudo
                    ),
                    "reference_prefix": request.env._("TOPUP-%s", contract_sudo.name),
                    "partner_id": partner_sudo.id,
                    "providers_sudo": providers_sudo,
                    "payment_methods_sudo": payment_methods_sudo,
                    "tokens_sudo": tokens_sudo,
                    "availability_report": availability_report,
                    "transaction_route": f"{contract_url}/topup/transaction",
                    "landing_route": f"{contract_url}?topup=done",
                    "access_token": payment_utils.generate_access_token(
                        partner_sudo.id, amount, currency.id
                    ),
                }
            )
        return request.render(
            "utility_billing.portal_my_utility_topup", values, status=400 if amount_error else 200
        )

    @http.route(
        ["/my/utility/contracts/<int:contract_id>/topup/transaction"],
        type="jsonrpc",
        auth="user",
    )
    def portal_my_utility_topup_transaction(self, contract_id, amount, access_token, **kwargs):
        """Create the draft top-up transaction and return its processing
        values (the payment form's ``transaction_route``)."""
        contract_sudo = self._utility_check("utility.contract", contract_id)
        if contract_sudo.billing_mode != "prepaid" or contract_sudo.state != "active":
            raise NotFound()
        partner_sudo = request.env.user.partner_id
        currency = contract_sudo.currency_id
        try:
            amount = float(currency._utility_parse_amount(amount))
        except AmountError as error:
            raise ValidationError(error.args[0]) from error
        if not payment_utils.check_access_token(access_token, partner_sudo.id, amount, currency.id):
            raise ValidationError(request.env._("The access token is invalid."))
        kwargs.pop("partner_id", None)
        kwargs.pop("currency_id", None)
        self._validate_transaction_kwargs(kwargs, additional_allowed_keys=("reference_prefix",))
        kwargs["reference_prefix"] = None  # computed from the contract
        tx_sudo = self._create_transaction(
            amount=amount,
            currency_id=currency.id,
            partner_id=partner_sudo.id,
            custom_create_values={"utility_contract_id": contract_sudo.id},
            **kwargs,
        )
        return tx_sudo._get_processing_values()

    # ------------------------------------------------------------------
    # Odoo's invoice page: contract, period and consumption of the bill
    # ------------------------------------------------------------------

    @http.route()
    def portal_my_invoice_detail(
        self, invoice_id, access_token=None, report_type=None, download=False, **kw
    ):
        """A utility bill viewed or printed from the portal is the electricity
        bill (readings, tiers, amount in capitals), not Odoo's generic
        invoice; the download of a bill without a sent PDF renders it too
        (``account.move._get_invoice_pdf_proforma``)."""
        if report_type in ("html", "pdf") and not download:
            try:
                invoice_sudo = self._document_check_access("account.move", invoice_id, access_token)
            except (AccessError, MissingError):
                return request.redirect("/my")
            if invoice_sudo._utility_is_bill():
                return self._show_report(
                    model=invoice_sudo,
                    report_type=report_type,
                    report_ref="utility_billing.action_report_utility_bill",
                    download=download,
                )
        return super().portal_my_invoice_detail(
            invoice_id, access_token=access_token, report_type=report_type, download=download, **kw
        )

    def _invoice_get_page_view_values(self, invoice, access_token, **kwargs):
        values = super()._invoice_get_page_view_values(invoice, access_token, **kwargs)
        contract = invoice.utility_contract_id
        values["utility_contract"] = contract.sudo() if contract else False
        return values
