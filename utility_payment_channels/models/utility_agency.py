import json

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

# Columns of the agency collection file (public interface: docs/ARCHITECTURE.md).
AGENCY_FILE_COLUMNS = (
    "txn_id",
    "paid_at",
    "customer_number",
    "bill_number",
    "amount",
    "outlet_code",
)
AGENCY_FILE_REQUIRED_COLUMNS = ("txn_id", "paid_at", "customer_number", "amount", "outlet_code")
# a biller's reconciliation file: its lines name no outlet (the biller's
# terminals are at its outlets) and may give no time (the trade date does)
BILLER_FILE_REQUIRED_COLUMNS = ("txn_id", "customer_number", "amount")
# fields of a biller file's count-and-total line (public interface)
BILLER_SUMMARY_FIELDS = ("count", "total", "trade_date")


class UtilityAgency(models.Model):
    """An agency collecting bills on the company's behalf (post office, bank).

    Customers paying at one of the agency's outlets are paid at that moment:
    their payments book in the agency's journal, whose account is the
    "amount due from agency" clearing account. The agency then owes the
    money until a settlement books its commission and the bank statement
    line of its transfer clears the account."""

    _name = "utility.agency"
    _description = "Collection Agency"
    _inherit = ["mail.thread", "utility.protected.fields.mixin"]
    _order = "name"

    name = fields.Char(required=True, translate=True, tracking=True)
    code = fields.Char(
        required=True,
        tracking=True,
        help="Short code of the agency, used in the journal code and on statements.",
    )
    active = fields.Boolean(default=True)
    kind = fields.Selection(
        selection=[("agency", "Collection Agency"), ("biller", "Third-party Biller")],
        default="agency",
        required=True,
        tracking=True,
        help="A collection agency (post office, bank) takes payments at its outlets and "
        "sends their file; a third-party biller (Alipay, WeChat, UnionPay, a bank app) "
        "queries and pays through the API on the customer's behalf and sends its "
        "reconciliation file the next day.",
    )
    signature_required = fields.Boolean(
        string="Require Signed Requests",
        tracking=True,
        help="The terminals at this biller's outlets must sign every API request with "
        "their signing secret (HMAC-SHA256, headers X-Utility-Timestamp, X-Utility-Nonce "
        "and X-Utility-Signature) besides their bearer key.",
    )
    signature_window = fields.Integer(
        string="Signature Window (s)",
        default=300,
        tracking=True,
        help="How far, in seconds, a signed request's timestamp may be from the server's "
        "clock; a nonce is refused as replayed within the window.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(comodel_name="res.currency", related="company_id.currency_id")
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Agency Partner",
        required=True,
        tracking=True,
        help="The post office or bank as a partner: settlements and commission are booked on it.",
    )
    outlet_ids = fields.Many2many(
        comodel_name="utility.collection.point",
        relation="utility_agency_outlet_rel",
        column1="agency_id",
        column2="point_id",
        string="Outlets",
        domain="[('kind', '=', 'agency'), ('company_id', '=', company_id)]",
        help="Collection points of kind agency; the outlet code of the agency file "
        "is the collection point code.",
    )
    journal_id = fields.Many2one(
        comodel_name="account.journal",
        string="Agency Journal",
        check_company=True,
        readonly=True,
        copy=False,
        help="Journal of the payments taken at the agency's outlets; its account is the "
        "clearing account of what the agency owes.",
    )
    clearing_account_id = fields.Many2one(
        comodel_name="account.account",
        string="Amount Due from Agency",
        readonly=True,
        copy=False,
        help="Reconcilable current-asset account holding what the agency collected and "
        "has not settled yet.",
    )
    commission_per_txn = fields.Monetary(
        string="Commission per Transaction",
        currency_field="currency_id",
        tracking=True,
    )
    commission_rate = fields.Float(
        string="Commission (%)",
        digits=(5, 3),
        tracking=True,
        help="Percentage of the gross amount collected.",
    )
    commission_min = fields.Monetary(
        string="Commission Floor",
        currency_field="currency_id",
        tracking=True,
        help="Minimum commission per settlement (0: none).",
    )
    commission_max = fields.Monetary(
        string="Commission Cap",
        currency_field="currency_id",
        tracking=True,
        help="Maximum commission per settlement (0: no cap).",
    )
    commission_account_id = fields.Many2one(
        comodel_name="account.account",
        string="Commission Expense Account",
        check_company=True,
        domain="[('account_type', 'in', ('expense', 'expense_direct_cost'))]",
        tracking=True,
    )
    settlement_journal_id = fields.Many2one(
        comodel_name="account.journal",
        string="Commission Journal",
        check_company=True,
        domain="[('type', '=', 'general')]",
        help="Miscellaneous journal where the commission of a settlement is posted.",
    )
    bank_journal_id = fields.Many2one(
        comodel_name="account.journal",
        string="Receiving Bank Journal",
        check_company=True,
        domain="[('type', '=', 'bank')]",
        help="Company bank journal where the agency's transfers arrive.",
    )
    settlement_frequency = fields.Selection(
        selection=[("daily", "Daily"), ("weekly", "Weekly"), ("monthly", "Monthly")],
        default="daily",
        required=True,
        tracking=True,
    )
    file_column_mapping = fields.Text(
        help="JSON object mapping our column names to the headers of the agency's file, e.g. "
        '{"txn_id": "流水号", "amount": "金额"}. Columns not named keep the standard header '
        "txn_id,paid_at,customer_number,bill_number,amount,outlet_code.",
    )
    file_encoding = fields.Selection(
        selection=[("utf-8", "UTF-8"), ("gb18030", "GBK / GB18030 (Excel on Chinese Windows)")],
        default="utf-8",
        required=True,
        help="Character encoding of the agency's files.",
    )
    file_thousands_separator = fields.Selection(
        selection=[
            ("none", "None (1375.33)"),
            ("comma", "Comma (1,375.33)"),
            ("space", "Space (1 375.33)"),
            ("apostrophe", "Apostrophe (1'375.33)"),
        ],
        default="comma",
        required=True,
        help="Separator the agency's files may put between groups of three digits of an "
        "amount. Any other character in an amount refuses the file.",
    )
    file_format = fields.Selection(
        selection=[("csv", "CSV"), ("fixed", "Fixed width")],
        default="csv",
        required=True,
        help="Layout of a biller's reconciliation file: delimited values with a header "
        "line, or fixed-width fields at the column positions of the fixed-width layout.",
    )
    file_delimiter = fields.Selection(
        selection=[("comma", "Comma (,)"), ("bar", "Vertical bar (|)"), ("tab", "Tab")],
        default="comma",
        required=True,
        help="Separator of the values of a biller's CSV reconciliation file.",
    )
    file_fixed_layout = fields.Text(
        string="Fixed-width Layout",
        help="JSON object giving, for each of our columns, its first and last position "
        "(counted from 1, in bytes of the file's encoding: a Chinese character takes 2 "
        'bytes in GBK, 3 in UTF-8), e.g. {"txn_id": [1, 20], "customer_number": [21, 30], '
        '"amount": [31, 42]}.',
    )
    file_summary_position = fields.Selection(
        selection=[("first", "First line"), ("last", "Last line")],
        string="Count-and-total Line",
        default="last",
        required=True,
        help="Where a biller's reconciliation file has its line of count and total.",
    )
    file_summary_layout = fields.Text(
        string="Count-and-total Layout",
        help="JSON object giving where the count-and-total line has the number of lines "
        "(count), their total (total) and, optionally, the trade date (trade_date): the "
        'number of the value in a CSV line, e.g. {"count": 1, "total": 2, "trade_date": 3}, '
        'or the first and last position in a fixed-width line, e.g. {"count": [1, 8], '
        '"total": [9, 22]}. Empty: count first, total second.',
    )
    amount_due = fields.Monetary(
        string="Owed by Agency",
        currency_field="currency_id",
        compute="_compute_amount_due",
        help="Balance of the clearing account: collected but not settled yet.",
    )
    settlement_ids = fields.One2many(
        comodel_name="utility.agency.settlement", inverse_name="agency_id", string="Settlements"
    )
    import_ids = fields.One2many(
        comodel_name="utility.agency.import", inverse_name="agency_id", string="File Imports"
    )
    terminal_ids = fields.Many2many(
        comodel_name="utility.payment.terminal",
        compute="_compute_terminal_ids",
        string="Terminals",
        # the terminals are the collection manager's (access rights)
        groups="utility_billing.group_utility_manager",
        help="API terminals at the outlets: their keys and signing secrets.",
    )
    terminal_count = fields.Integer(
        compute="_compute_terminal_ids", groups="utility_billing.group_utility_manager"
    )

    _code_company_uniq = models.Constraint(
        "UNIQUE(code, company_id)", "An agency code must be unique per company."
    )
    _commission_positive = models.Constraint(
        "CHECK(commission_per_txn >= 0 AND commission_rate >= 0 "
        "AND commission_min >= 0 AND commission_max >= 0)",
        "Commission figures cannot be negative.",
    )

    _signature_window_range = models.Constraint(
        "CHECK(signature_window BETWEEN 10 AND 3600)",
        "The signature window must be between 10 and 3600 seconds.",
    )

    @api.constrains("file_column_mapping")
    def _check_file_column_mapping(self):
        for agency in self:
            agency._get_file_columns()

    @api.constrains("kind", "file_format", "file_fixed_layout", "file_summary_layout")
    def _check_biller_layouts(self):
        for agency in self.filtered(lambda agency: agency.kind == "biller"):
            agency._get_fixed_layout()
            agency._get_summary_layout()

    @api.constrains("commission_min", "commission_max")
    def _check_commission_bounds(self):
        for agency in self:
            if agency.commission_max and agency.commission_min > agency.commission_max:
                raise ValidationError(
                    self.env._("The commission floor of %s is above its cap.", agency.name)
                )

    @api.constrains("outlet_ids")
    def _check_outlets(self):
        for agency in self:
            if agency.outlet_ids.filtered(lambda p: p.kind != "agency"):
                raise ValidationError(
                    self.env._(
                        "The outlets of %s must be collection points of kind agency.", agency.name
                    )
                )
        shared = self.env["utility.agency"].search(
            [("outlet_ids", "in", self.outlet_ids.ids), ("id", "not in", self.ids)], limit=1
        )
        if shared:
            raise ValidationError(
                self.env._("An outlet already belongs to the agency %s.", shared.display_name)
            )

    def _compute_amount_due(self):
        balances = dict(
            self.env["account.move.line"]._read_group(
                [
                    ("account_id", "in", self.clearing_account_id.ids),
                    ("parent_state", "=", "posted"),
                ],
                ["account_id"],
                ["balance:sum"],
            )
        )
        for agency in self:
            agency.amount_due = balances.get(agency.clearing_account_id, 0.0)

    @api.depends("outlet_ids")
    def _compute_terminal_ids(self):
        terminals = self.env["utility.payment.terminal"].search(
            [("collection_point_id", "in", self.outlet_ids.ids)]
        )
        for agency in self:
            agency.terminal_ids = terminals.filtered(
                lambda t, a=agency: t.collection_point_id in a.outlet_ids
            )
            agency.terminal_count = len(agency.terminal_ids)

    def _get_file_columns(self):
        """Header of each of our columns in this agency's file."""
        self.ensure_one()
        columns = {column: column for column in AGENCY_FILE_COLUMNS}
        if not self.file_column_mapping:
            return columns
        try:
            mapping = json.loads(self.file_column_mapping)
        except ValueError as err:
            raise ValidationError(
                self.env._("The column mapping of %s is not valid JSON.", self.name)
            ) from err
        if not isinstance(mapping, dict) or any(
            key not in columns or not isinstance(value, str) or not value.strip()
            for key, value in mapping.items()
        ):
            raise ValidationError(
                self.env._(
                    "The column mapping of %(agency)s must map some of %(columns)s to "
                    "the headers of the agency's file.",
                    agency=self.name,
                    columns=", ".join(AGENCY_FILE_COLUMNS),
                )
            )
        columns.update({key: value.strip() for key, value in mapping.items()})
        return columns

    def _parse_layout(self, text, keys, field_label, fixed):
        """``{key: position}`` of a JSON layout: a value number (from 1) for a
        CSV line, ``(first, last)`` positions (from 1) for a fixed-width one."""
        try:
            layout = json.loads(text) if text else {}
        except ValueError:
            layout = None

        def valid(value):
            if fixed:
                return (
                    isinstance(value, list)
                    and len(value) == 2
                    and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
                    and 1 <= value[0] <= value[1]
                )
            return isinstance(value, int) and not isinstance(value, bool) and value >= 1

        if not isinstance(layout, dict) or any(
            key not in keys or not valid(value) for key, value in layout.items()
        ):
            raise ValidationError(
                self.env._(
                    "The %(layout)s of %(agency)s must be a JSON object mapping some of "
                    "%(keys)s to %(positions)s.",
                    layout=field_label,
                    agency=self.name,
                    keys=", ".join(keys),
                    positions=self.env._("first and last positions, e.g. [1, 20]")
                    if fixed
                    else self.env._("value numbers counted from 1"),
                )
            )
        return {key: tuple(value) if fixed else value for key, value in layout.items()}

    def _get_fixed_layout(self):
        """Positions ``(first, last)`` of our columns in a fixed-width file."""
        self.ensure_one()
        if self.file_format != "fixed":
            return {}
        layout = self._parse_layout(
            self.file_fixed_layout,
            AGENCY_FILE_COLUMNS,
            self._fields["file_fixed_layout"].get_description(self.env)["string"],
            fixed=True,
        )
        missing = [column for column in BILLER_FILE_REQUIRED_COLUMNS if column not in layout]
        if missing:
            raise ValidationError(
                self.env._(
                    "The fixed-width layout of %(agency)s misses the columns %(missing)s.",
                    agency=self.name,
                    missing=", ".join(missing),
                )
            )
        return layout

    def _get_summary_layout(self):
        """Where the count-and-total line has the count, the total and maybe
        the trade date (``BILLER_SUMMARY_FIELDS``)."""
        self.ensure_one()
        fixed = self.file_format == "fixed"
        if not self.file_summary_layout and not fixed:
            return {"count": 1, "total": 2}
        layout = self._parse_layout(
            self.file_summary_layout,
            BILLER_SUMMARY_FIELDS,
            self._fields["file_summary_layout"].get_description(self.env)["string"],
            fixed=fixed,
        )
        if "count" not in layout or "total" not in layout:
            raise ValidationError(
                self.env._(
                    "The count-and-total layout of %s must say where the count and the total are.",
                    self.name,
                )
            )
        return layout

    def _utility_txn_scope(self):
        """Transaction scope shared by the agency's file and its networked
        counters, so that a transaction id is booked once whichever way it
        arrives first."""
        self.ensure_one()
        return f"agency:{self.id}"

    def _compute_commission(self, count, gross):
        """Commission of a settlement of ``count`` payments totalling ``gross``:
        per transaction plus percentage, then floor and cap, currency-rounded."""
        self.ensure_one()
        commission = self.commission_per_txn * count + gross * self.commission_rate / 100.0
        if count and self.commission_min:
            commission = max(commission, self.commission_min)
        if self.commission_max:
            commission = min(commission, self.commission_max)
        return self.currency_id.round(commission)

    def _prepare_clearing_account_vals(self):
        self.ensure_one()
        account_model = self.env["account.account"].with_company(self.company_id)
        return {
            "name": self.env._("Amount due from agency %s", self.name),
            "code": account_model._search_new_account_code("112300"),
            "account_type": "asset_current",
            "reconcile": True,
            "company_ids": [fields.Command.set(self.company_id.ids)],
        }

    def _utility_in_languages(self, text):
        """``text(env)`` in every installed language, to name a record made
        once (maybe by a job or the demo, which have no language) and read by
        everyone in theirs."""
        langs = {"en_US", *(code for code, _label in self.env["res.lang"].get_installed())}
        return {lang: text(self.with_context(lang=lang).env) for lang in langs}

    def _journal_code(self):
        """AG + the agency id in base 36: five characters cover 46,656 agencies."""
        digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        number, code = self.id, ""
        while number:
            number, rest = divmod(number, 36)
            code = digits[rest] + code
        return f"AG{code or '0'}"

    def action_create_journal(self):
        """Create the clearing account and the agency journal when missing,
        and make the outlets book in it."""
        for agency in self:
            if agency.journal_id:
                continue
            account = agency.clearing_account_id
            if not account:
                account = self.env["account.account"].create(
                    agency._prepare_clearing_account_vals()
                )
                account.update_field_translations(
                    "name",
                    agency._utility_in_languages(
                        lambda env, agency=agency: env._("Amount due from agency %s", agency.name)
                    ),
                )
            names = agency._utility_in_languages(
                lambda env, agency=agency: env._("Agency %s", agency.name)
            )
            journal = self.env["account.journal"].create(
                {
                    "name": names["en_US"],
                    "code": agency._journal_code(),
                    "type": "bank",
                    "company_id": agency.company_id.id,
                    "default_account_id": account.id,
                }
            )
            journal.update_field_translations("name", names)
            journal.inbound_payment_method_line_ids.payment_account_id = account
            journal.outbound_payment_method_line_ids.payment_account_id = account
            agency.write({"clearing_account_id": account.id, "journal_id": journal.id})
            agency.outlet_ids.journal_id = journal
        return True

    def _check_ready(self):
        for agency in self:
            if not agency.journal_id or not agency.clearing_account_id:
                raise UserError(
                    self.env._(
                        "Agency %s has no journal yet: create it from the agency form.",
                        agency.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        agencies = super().create(vals_list)
        # every agency books in its own clearing journal from the start
        agencies.action_create_journal()
        return agencies

    def write(self, vals):
        res = super().write(vals)
        if "outlet_ids" in vals:
            for agency in self.filtered("journal_id"):
                agency.outlet_ids.journal_id = agency.journal_id
        return res

    def action_view_settlements(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "utility_payment_channels.action_utility_agency_settlement"
        )
        action["domain"] = [("agency_id", "=", self.id)]
        action["context"] = {"default_agency_id": self.id}
        return action

    def action_view_terminals(self):
        """The API terminals at the outlets, a new one at the first outlet."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "utility_payment_channels.action_utility_payment_terminal"
        )
        action["domain"] = [("collection_point_id", "in", self.outlet_ids.ids)]
        action["context"] = {"default_collection_point_id": self.outlet_ids[:1].id}
        return action

    def action_view_imports(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "utility_payment_channels.action_utility_agency_import"
        )
        action["domain"] = [("agency_id", "=", self.id)]
        action["context"] = {"default_agency_id": self.id}
        return action
