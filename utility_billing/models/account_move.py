from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

from .utility_bulk_booking import batch_checked, bulk_booking, cached_sequence_formats

BILL_JOURNAL_CODE = "UTB"
# payment states of a bill still to be paid (see ``_utility_open_bill_domain``)
OPEN_PAYMENT_STATES = ("not_paid", "partial")


class AccountMove(models.Model):
    """Utility bills are customer invoices of the "Utility Bills" journal,
    one per supply contract and billing period, carrying the readings, the
    consumption and the tariff versions they bill."""

    _inherit = "account.move"

    utility_contract_id = fields.Many2one(
        comodel_name="utility.contract",
        string="Supply Contract",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
    )
    utility_service_point_id = fields.Many2one(
        comodel_name="utility.service.point",
        string="Service Point",
        readonly=True,
        copy=False,
    )
    utility_meter_id = fields.Many2one(
        comodel_name="utility.meter", string="Meter", readonly=True, copy=False
    )
    utility_station_id = fields.Many2one(
        comodel_name="utility.supply.station",
        string="Supply Station",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    utility_category = fields.Selection(
        selection="_selection_utility_category",
        string="Customer Category",
        readonly=True,
        copy=False,
    )
    utility_customer_number = fields.Char(
        related="partner_id.utility_customer_number", string="Customer Number"
    )
    utility_period_start = fields.Date(string="Billing Period Start", readonly=True, copy=False)
    utility_period_end = fields.Date(string="Billing Period End", readonly=True, copy=False)
    utility_period = fields.Char(
        string="Billing Period",
        compute="_compute_utility_period",
        store=True,
        help="Month of the billing period (YYYY-MM), for reports.",
    )
    utility_consumption = fields.Float(
        string="Consumption (kWh)",
        digits=(16, 2),
        readonly=True,
        copy=False,
        help="kWh billed, multiplier included.",
    )
    utility_tariff_version_ids = fields.Many2many(
        comodel_name="utility.tariff.version",
        string="Tariff Versions",
        readonly=True,
        copy=False,
        help="The approved tariff versions this bill was computed with.",
    )
    utility_billing_run_id = fields.Many2one(
        comodel_name="utility.billing.run",
        string="Billing Run",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    utility_reading_ids = fields.Many2many(
        comodel_name="utility.meter.reading",
        relation="account_move_utility_meter_reading_rel",
        column1="move_id",
        column2="reading_id",
        string="Billed Readings",
        readonly=True,
        copy=False,
        help="The readings this bill charges; kept when a credit note frees them for a new bill.",
    )
    utility_credited = fields.Boolean(
        string="Cancelled by Credit Note",
        readonly=True,
        copy=False,
        help="The bill was cancelled by a credit note; its readings can be billed again.",
    )
    utility_cancel_reason = fields.Char(
        string="Cancellation Reason", readonly=True, copy=False, tracking=True
    )
    utility_amount_in_words = fields.Char(
        string="Amount in Words",
        compute="_compute_utility_amount_in_words",
        help="Total in words: Chinese capitals (大寫) for amounts in yuan.",
    )

    _utility_one_bill_per_period = models.UniqueIndex(
        "(utility_contract_id, utility_period_start) "
        "WHERE move_type = 'out_invoice' AND state != 'cancel' "
        "AND utility_contract_id IS NOT NULL AND utility_credited IS NOT TRUE",
        "A supply contract can have only one bill per billing period.",
    )
    # a customer's open bills (``_utility_open_bill_domain``: payments, counters,
    # terminal API, rounds, warnings, dunning) without scanning every move
    _utility_open_bills_idx = models.Index(
        "(commercial_partner_id, invoice_date_due) WHERE move_type = 'out_invoice' "
        "AND state = 'posted' AND payment_state IN ('not_paid', 'partial')"
    )

    @api.model
    def _utility_open_bill_domain(self, partners=None):
        """Posted customer invoices still to be paid, of the commercial
        partners of ``partners`` when given: the one definition of an open
        bill, which the partial index ``_utility_open_bills_idx`` matches
        (change both together). ``_utility_is_open_bill`` is the same test
        on records in memory."""
        domain = (
            Domain("move_type", "=", "out_invoice")
            & Domain("state", "=", "posted")
            & Domain("payment_state", "in", OPEN_PAYMENT_STATES)
        )
        if partners is not None:
            domain &= Domain("commercial_partner_id", "in", partners.commercial_partner_id.ids)
        return domain

    def _utility_is_open_bill(self):
        """Whether this move is an open bill (``_utility_open_bill_domain``)."""
        self.ensure_one()
        return (
            self.move_type == "out_invoice"
            and self.state == "posted"
            and self.payment_state in OPEN_PAYMENT_STATES
        )

    @api.model
    def _selection_utility_category(self):
        return self.env["res.partner"]._fields["utility_category"]._description_selection(self.env)

    @api.depends("utility_period_start")
    def _compute_utility_period(self):
        for move in self:
            start = move.utility_period_start
            move.utility_period = start.strftime("%Y-%m") if start else False

    @api.depends("amount_total", "currency_id")
    def _compute_utility_amount_in_words(self):
        for move in self:
            move.utility_amount_in_words = move._utility_amount_to_words(move.amount_total)

    def _utility_amount_to_words(self, amount, currency=None):
        """``amount`` in words: Chinese capitals (e.g. 壹佰捌拾肆元整) for CNY,
        Odoo's wording otherwise. ``currency`` defaults to the move's."""
        currency = currency or self.currency_id or self.env.company.currency_id
        return currency._utility_amount_to_words(amount)

    def _utility_tax_summary(self):
        """The parts of the bill as a Chinese bill prints them, read from the
        move's tax lines (what is booked, never recomputed): ``untaxed`` (the
        electricity charges net of VAT and funds, ``amount_untaxed``), ``vat``
        and ``funds`` ([{"name", "amount"}], one entry per tax, in the taxes'
        order), their totals ``vat_total`` and ``fund_total``, and ``total``
        (``amount_total``). Taxes computed on the price (percent, division)
        are VAT; per-unit (fixed) taxes are the government funds and
        surcharges. Amounts are positive for invoices and credit notes alike;
        a tax-free bill has empty lists."""
        self.ensure_one()
        by_tax = {}
        for line in self.line_ids.filtered(lambda aml: aml.display_type == "tax"):
            by_tax.setdefault(line.tax_line_id, 0.0)
            by_tax[line.tax_line_id] += line.amount_currency * self.direction_sign
        vat, funds = [], []
        for tax in sorted(by_tax, key=lambda t: (t.sequence, t.id)):
            part = vat if tax.amount_type in ("percent", "division") else funds
            part.append(
                {
                    "name": tax.name,
                    "rate": f"{tax.amount:g}%" if part is vat else False,
                    "amount": self.currency_id.round(by_tax[tax]),
                }
            )
        return {
            "untaxed": self.amount_untaxed,
            "vat": vat,
            "funds": funds,
            "vat_total": self.currency_id.round(sum(part["amount"] for part in vat)),
            "fund_total": self.currency_id.round(sum(part["amount"] for part in funds)),
            "total": self.amount_total,
        }

    @api.model
    def _utility_get_bill_journal(self, company=None):
        """The "Utility Bills" sale journal of ``company``, created on first use
        with the company's default income account."""
        company = company or self.env.company
        # sudo: the journal is configuration every billing officer relies on;
        # creating it on demand must not need accounting administrator rights
        journal_model = self.env["account.journal"].sudo()
        journal = journal_model.search(
            [("company_id", "=", company.id), ("code", "=", BILL_JOURNAL_CODE)], limit=1
        )
        if journal and journal.type != "sale":
            raise UserError(
                self.env._(
                    "Journal code %(code)s of %(company)s is used by a journal that is "
                    "not a sales journal: rename it to let utility bills use this code.",
                    code=BILL_JOURNAL_CODE,
                    company=company.name,
                )
            )
        if not journal:
            income = company.income_account_id or self.env["account.account"].sudo().search(
                [
                    *self.env["account.account"]._check_company_domain(company),
                    ("account_type", "=", "income"),
                ],
                limit=1,
            )
            if not income:
                raise UserError(
                    self.env._(
                        "Company %s has no income account: install a chart of accounts first.",
                        company.name,
                    )
                )
            # named in every installed language: created once, by whoever
            # bills first (a cron has no language), read by everyone
            names = {
                lang: self.with_context(lang=lang).env._("Utility Bills")
                for lang in {
                    "en_US",
                    *(code for code, _label in self.env["res.lang"].get_installed()),
                }
            }
            journal = journal_model.create(
                {
                    "name": names["en_US"],
                    "code": BILL_JOURNAL_CODE,
                    "type": "sale",
                    "company_id": company.id,
                    "default_account_id": income.id,
                }
            )
            journal.update_field_translations("name", names)
        return journal.sudo(False)

    def _utility_frozen_when_posted(self):
        """The posted moves that never go back to draft: utility bills and
        their credit notes. A bill is corrected by the audit-safe cancel
        wizard (a credit note with its reason) and billed again, so that
        what a customer was sent stays in the books."""
        return self.filtered(lambda move: move.state == "posted" and move.utility_contract_id)

    @api.depends("utility_contract_id")
    def _compute_show_reset_to_draft_button(self):
        result = super()._compute_show_reset_to_draft_button()
        for move in self._utility_frozen_when_posted():
            move.show_reset_to_draft_button = False
        return result

    def button_draft(self):
        frozen = self._utility_frozen_when_posted()
        if frozen:
            raise UserError(
                self.env._(
                    "A posted utility bill cannot go back to draft (%(bills)s): cancel "
                    "it with Actions > Cancel Utility Bills, which issues a credit note "
                    "with its reason, and bill the period again.",
                    bills=", ".join(frozen.mapped("name")),
                )
            )
        return super().button_draft()

    def _check_company(self, fnames=None):
        # the billing run's batches: each distinct value is checked once
        if batch_checked(self, fnames):
            return None
        return super()._check_company(fnames)

    def _get_next_sequence_format(self):
        """While the billing run posts a batch, the numbering format of a
        sequence is looked up once instead of once per bill: every bill of
        the batch shares journal, date and type, and once the first number is
        locked Odoo increments the following ones from its transaction cache
        (``_locked_increment``), so only the format is reused, never a
        number."""
        formats = cached_sequence_formats(self.env)
        if formats is None or self.journal_id.is_self_billing:
            return super()._get_next_sequence_format()
        key = (
            self.journal_id.id,
            self.date,
            self.move_type,
            bool(self.origin_payment_id),
            self._sequence_index and self[self._sequence_index],
        )
        if key not in formats:
            formats[key] = super()._get_next_sequence_format()
        format_string, format_values = formats[key]
        return format_string, dict(format_values)

    def _utility_post_batch(self, **context):
        """Post freshly created bills of one batch, numbering them without a
        per-bill lookup of the last number (see ``_get_next_sequence_format``)
        and without raising the rank of customers already ranked (see
        ``res.partner._increase_rank``)."""
        with bulk_booking(
            self.env, skip_known_rank=True, ranks_at_end=True, sequence_formats=True
        ) as env:
            return self.with_env(env).with_context(**context).action_post()

    @api.model
    def _utility_get_product(self):
        return self.env.ref("utility_billing.product_electricity")

    def _invoice_paid_hook(self):
        """Odoo calls this at the reconciliation that pays invoices (or puts
        them in payment), for the whole batch of a reconciliation: whatever
        the channel, the warnings of the bills paid clear with the payment."""
        res = super()._invoice_paid_hook()
        # sudo: the cashier, agency import or portal customer paying the bill
        # need no access to warnings; only those of these bills are cleared
        self.env["utility.warning"].sudo()._utility_clear_settled(bills=self)
        return res

    def _get_invoice_pdf_proforma(self):
        """A utility bill without a sent PDF downloads as the electricity
        bill (portal Download, back-office download), not as Odoo's generic
        pro forma invoice."""
        if not self._utility_is_bill():
            return super()._get_invoice_pdf_proforma()
        report = self.env.ref("utility_billing.action_report_utility_bill")
        content, _report_type = self.env["ir.actions.report"]._render_qweb_pdf(
            report.report_name, self.ids
        )
        return {
            "filename": self._get_invoice_report_filename(report=report),
            "filetype": "pdf",
            "content": content,
        }
