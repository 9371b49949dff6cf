import base64
import hashlib

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.utility_billing.tools import tabular
from odoo.addons.utility_billing.tools.locks import try_advisory_lock
from odoo.addons.utility_billing.tools.new_name import is_new_name

from .utility_agency import AGENCY_FILE_REQUIRED_COLUMNS

BOOKING_BATCH_SIZE = 1000


class UtilityAgencyImport(models.Model):
    """One daily collection file of an agency.

    Importing books every line that matches a customer (and bill) through
    the payment service in the agency's journal, recognises transactions
    already booked (by an earlier file or by the agency's networked counters
    through the terminal API) and keeps the other lines for an accountant.
    It then lists every difference between the file and what the API had
    booked for the agency on the file's days."""

    _name = "utility.agency.import"
    _description = "Agency Collection File"
    _inherit = ["mail.thread", "utility.protected.fields.mixin", "utility.batch.job.mixin"]
    _order = "id desc"
    # the booking's life cycle (utility.batch.job.mixin): matched lines
    # booked at once, or for a big file in batches, one job at a time on the
    # payment channels' channel, the last one closing the import
    _batch_job_unit_model = "utility.agency.import.line"
    _batch_job_method = "_book_batch"
    _batch_job_channel = "root.utility_payment_channels"
    _batch_job_running_state = "booking"

    name = fields.Char(
        required=True, readonly=True, copy=False, default=lambda self: self.env._("New")
    )
    agency_id = fields.Many2one(
        comodel_name="utility.agency", required=True, tracking=True, index=True
    )
    company_id = fields.Many2one(
        comodel_name="res.company", related="agency_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(comodel_name="res.currency", related="company_id.currency_id")
    file = fields.Binary(required=True, attachment=True, copy=False)
    filename = fields.Char()
    file_hash = fields.Char(
        readonly=True,
        copy=False,
        index=True,
        help="SHA-256 of the file: the same file is never imported twice.",
    )
    state = fields.Selection(
        selection=[("draft", "Draft"), ("booking", "Booking"), ("done", "Imported")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
    )
    date_from = fields.Date(string="First Day", readonly=True, copy=False)
    date_to = fields.Date(string="Last Day", readonly=True, copy=False)
    line_ids = fields.One2many(
        comodel_name="utility.agency.import.line", inverse_name="import_id", string="Lines"
    )
    difference_ids = fields.One2many(
        comodel_name="utility.agency.import.difference",
        inverse_name="import_id",
        string="Differences with the API",
    )
    file_count = fields.Integer(string="Lines in File", compute="_compute_totals", store=True)
    file_total = fields.Monetary(compute="_compute_totals", store=True)
    booked_count = fields.Integer(compute="_compute_totals", store=True)
    booked_total = fields.Monetary(
        compute="_compute_totals", store=True, help="Booked from this file."
    )
    duplicate_count = fields.Integer(string="Already Booked", compute="_compute_totals", store=True)
    duplicate_total = fields.Monetary(
        string="Already Booked Amount", compute="_compute_totals", store=True
    )
    kept_count = fields.Integer(string="To Resolve", compute="_compute_totals", store=True)
    kept_total = fields.Monetary(string="Amount to Resolve", compute="_compute_totals", store=True)
    refund_total = fields.Monetary(
        string="Amount to Refund",
        compute="_compute_totals",
        store=True,
        help="Kept lines an accountant marked for refund by the agency.",
    )
    matched_total = fields.Monetary(
        string="Amount Being Booked",
        compute="_compute_totals",
        store=True,
        help="Lines matched and waiting for their background booking.",
    )
    totals_balanced = fields.Boolean(
        compute="_compute_totals",
        store=True,
        help="The file total is what was booked, already booked, kept to resolve, "
        "marked for refund and being booked: no line's money is left out.",
    )
    api_count = fields.Integer(
        string="Booked by API",
        readonly=True,
        copy=False,
        help="Payments the agency's counters booked through the API on the file's days.",
    )
    api_total = fields.Monetary(string="Amount Booked by API", readonly=True, copy=False)
    difference_count = fields.Integer(compute="_compute_difference_count")

    _file_hash_uniq = models.UniqueIndex(
        "(agency_id, file_hash) WHERE file_hash IS NOT NULL",
        "This file has already been imported for this agency.",
    )

    @api.model
    def _utility_protected_fields(self):
        # the import action only: its number, the file's fingerprint and
        # days, the API figures taken before booking, the lines it reads
        # from the file and the differences it finds, and the workflow
        return {
            "name", "file_hash", "state", "date_from", "date_to", "api_count", "api_total",
            "line_ids", "difference_ids",
        }  # fmt: skip

    @api.model
    def _utility_create_only_fields(self):
        # the file and its agency: what was imported never changes under its
        # lines (a draft uploaded by mistake is deleted and uploaded again)
        return {"agency_id", "file", "filename"}

    def _line_figures(self, groupby):
        """``{(import id, value of groupby): (count, amount)}`` of the saved
        imports' lines, summed by the database: a biller's day is 100,000
        lines, not to be read one by one to total them."""
        # (a record of a form being edited sums the lines saved of its origin)
        saved = self._origin.filtered("id")
        if not saved:
            return {}
        # sudo: only the totals of the imports' own lines, which whoever
        # reads the import sees on its form
        groups = (
            self.env["utility.agency.import.line"]
            .sudo()
            ._read_group(
                [("import_id", "in", saved.ids)], ["import_id", groupby], ["__count", "amount:sum"]
            )
        )
        return {(record.id, value): (count, amount) for record, value, count, amount in groups}

    @api.depends("line_ids.state", "line_ids.amount")
    def _compute_totals(self):
        figures = self._line_figures("state")
        for record in self:
            origin = record._origin.id

            def count(*states, origin=origin):
                return sum(figures.get((origin, state), (0, 0.0))[0] for state in states)

            def total(*states, origin=origin):
                return sum(figures.get((origin, state), (0, 0.0))[1] for state in states)

            all_states = [state for record_id, state in figures if record_id == origin]
            record.file_count = count(*all_states)
            record.file_total = total(*all_states)
            record.booked_count = count("booked", "resolved")
            record.booked_total = total("booked", "resolved")
            record.duplicate_count = count("duplicate")
            record.duplicate_total = total("duplicate")
            # (a biller's line kept with a note stays kept)
            record.kept_count = count("kept", "noted")
            record.kept_total = total("kept", "noted")
            record.refund_total = total("refund")
            record.matched_total = total("matched")
            # every line is in exactly one of the totals (none stays "new");
            # a new file in the form has no agency (hence no currency) yet
            currency = record.currency_id or self.env.company.currency_id
            record.totals_balanced = not count("new") and not currency.compare_amounts(
                record.file_total,
                record.booked_total
                + record.duplicate_total
                + record.kept_total
                + record.refund_total
                + record.matched_total,
            )

    def _compute_difference_count(self):
        for record in self:
            record.difference_count = len(record.difference_ids)

    # ------------------------------------------------------------------
    # parsing
    # ------------------------------------------------------------------
    def _file_encoding_error(self):
        """The error of a file that is not in its agency's encoding."""
        encoding = self.agency_id.file_encoding or "utf-8"
        return UserError(
            self.env._(
                "The file %(file)s is not %(encoding)s encoded: save it as %(encoding)s, or set "
                "the encoding of the files of %(agency)s, and import it again.",
                file=self.filename or "",
                encoding=dict(
                    self.env["utility.agency"]
                    ._fields["file_encoding"]
                    ._description_selection(self.env)
                )[encoding],
                agency=self.agency_id.display_name,
            )
        )

    def _read_rows(self):
        """Rows of the file as dicts keyed by our column names, read by the
        rules of every uploaded file (``utility_billing.tools.tabular``).

        Refuses the whole file (nothing is saved) on a wrong encoding,
        missing columns, bad dates or bad amounts, naming the line."""
        self.ensure_one()
        content = base64.b64decode(self.file or b"")
        encoding = self.agency_id.file_encoding or "utf-8"
        try:
            header, lines = tabular.read_table(
                self.env, content, filename=self.filename or "", encoding=encoding
            )
        except UnicodeDecodeError as err:
            raise self._file_encoding_error() from err
        folded = [tabular.fold(column) for column in header]
        columns = self.agency_id._get_file_columns()
        missing = [
            columns[column]
            for column in AGENCY_FILE_REQUIRED_COLUMNS
            if tabular.fold(columns[column]) not in folded
        ]
        if missing:
            raise UserError(
                self.env._(
                    "The file misses the columns %(missing)s (header found: %(header)s).",
                    missing=", ".join(missing),
                    header=", ".join(header),
                )
            )
        index = {
            ours: folded.index(tabular.fold(theirs))
            for ours, theirs in columns.items()
            if tabular.fold(theirs) in folded
        }
        rows = []
        thousands = tabular.THOUSANDS_SEPARATORS[self.agency_id.file_thousands_separator or "none"]
        for line_no, values in lines:
            if len(values) < len(header):
                values = values + [""] * (len(header) - len(values))
            row = {ours: values[position].strip() for ours, position in index.items()}
            row.setdefault("bill_number", "")
            for column in ("txn_id", "customer_number", "outlet_code"):
                if not row[column]:
                    raise UserError(
                        self.env._(
                            "Line %(line)s: the column %(column)s is empty.",
                            line=line_no,
                            column=columns[column],
                        )
                    )
            # the raw cell: spaces around an amount are refused like any other
            # character outside the amount grammar
            raw_amount = values[index["amount"]]
            try:
                amount = tabular.parse_amount(self.currency_id, raw_amount, thousands=thousands)
            except UserError as err:
                raise UserError(
                    self.env._(
                        "Line %(line)s: %(error)s",
                        line=line_no,
                        error=err.args[0],
                    )
                ) from err
            row["amount"] = float(amount)
            row["paid_at"] = self._parse_paid_at(row["paid_at"], line_no)
            row["line_no"] = line_no
            rows.append(row)
        if not rows:
            raise UserError(self.env._("The file has no transaction lines."))
        return rows

    def _utility_tz(self):
        """The county's time zone, in which the agency's files give times:
        the company's, never the importing user's."""
        return pytz.timezone(self.company_id._utility_tz())

    def _parse_paid_at(self, value, line_no):
        """The agency's local time of a payment (naive), read by the datetime
        rule of every uploaded file (``tabular.parse_datetime``). An ISO 8601
        time with an offset (2025-01-10T09:00:00+08:00) is brought to the
        company's time zone."""
        paid_at = tabular.parse_datetime(value)
        try:
            if paid_at and paid_at.tzinfo:
                paid_at = paid_at.astimezone(self._utility_tz()).replace(tzinfo=None)
            # stored in UTC: the local time must have one (not so on the first
            # or last day of the calendar)
            if paid_at:
                self._utility_tz().localize(paid_at).astimezone(pytz.utc)
        except (ValueError, OverflowError):
            # OverflowError: an offset moving the time out of the calendar
            paid_at = None
        if paid_at:
            return paid_at
        raise UserError(
            self.env._(
                "Line %(line)s: the payment time %(value)s is not a date (expected "
                "YYYY-MM-DD HH:MM:SS).",
                line=line_no,
                value=value,
            )
        )

    # ------------------------------------------------------------------
    # import
    # ------------------------------------------------------------------
    def _lock_for_processing(self, file_hash):
        """Lock the import without waiting, and the file itself (same agency,
        same content): a second user importing the same file at the same
        moment gets a clear message and books nothing, instead of waiting and
        failing on the unique file index."""
        self.ensure_one()
        cr = self.env.cr
        self._batch_job_lock()
        # transaction-level lock on (agency, file content), released at commit
        if not try_advisory_lock(cr, "agency_file", f"{self.agency_id.id}:{file_hash}"):
            raise UserError(
                self.env._(
                    "The same file of %(agency)s is being imported by another user "
                    "right now: nothing was booked. Refresh in a moment to see it.",
                    agency=self.agency_id.name,
                )
            )

    def action_import(self):
        """Parse the file, book what matches, keep the rest, list the differences."""
        for record in self.filtered(lambda r: r.state == "draft"):
            record.agency_id._check_ready()
            file_hash = hashlib.sha256(base64.b64decode(record.file)).hexdigest()
            record._lock_for_processing(file_hash)
            previous = self.search(
                [("agency_id", "=", record.agency_id.id), ("file_hash", "=", file_hash)], limit=1
            )
            if previous:
                raise UserError(
                    self.env._(
                        "This file was already imported as %(name)s on %(date)s: "
                        "nothing was booked.",
                        name=previous.name,
                        date=previous.create_date,
                    )
                )
            if record.agency_id.kind == "biller":
                # a biller's reconciliation file: compared, nothing booked
                record._import_biller_file(file_hash)
                continue
            rows = record._read_rows()
            vals = {
                "file_hash": file_hash,
                "date_from": min(row["paid_at"] for row in rows).date(),
                "date_to": max(row["paid_at"] for row in rows).date(),
            }
            if is_new_name(record, record.name):
                vals["name"] = self.env["ir.sequence"].next_by_code("utility.agency.import")
            Line = self.env["utility.agency.import.line"]
            with record._utility_protected_write(), Line.browse()._utility_protected_write():
                record.write(vals)
                # the API figures are taken before this file books anything
                api_payments = record._api_payments()
                record.write(
                    {
                        "api_count": len(api_payments),
                        "api_total": sum(api_payments.mapped("amount")),
                    }
                )
                lines = Line.create([record._prepare_line_vals(row) for row in rows])
            lines._match()
            record._compute_differences(api_payments)
            # booked at once, or in background batches (queue_job) for big
            # files so that a failure loses no batch
            record._batch_job_start(lines.filtered(lambda line: line.state == "matched"))
        return True

    # ------------------------------------------------------------------
    # the booking's jobs (life cycle: utility.batch.job.mixin)
    # ------------------------------------------------------------------
    def _batch_job_size(self):
        return self.env.context.get("utility_agency_booking_batch", BOOKING_BATCH_SIZE)

    def _batch_job_run_inline(self, units):
        return len(units) <= self._batch_job_size()

    def _batch_job_todo(self):
        self.ensure_one()
        return self.line_ids.filtered(lambda line: line.state == "matched")

    def _batch_job_is_done(self):
        # one query, not a read of every line of the file by every job
        return not self.env["utility.agency.import.line"].search_count(
            [("import_id", "=", self.id), ("state", "=", "matched")], limit=1
        )

    def _batch_job_busy_message(self):
        return self.env._(
            "The agency file %s is being processed by another user right now: "
            "refresh to see the result.",
            ", ".join(record.filename or record.name for record in self),
        )

    def _batch_job_units_busy_message(self):
        return self.env._("These lines are being booked by another worker.")

    def _batch_job_description(self, index, total, start):
        return self.env._("Agency file %(name)s: lines %(start)s", name=self.name, start=start)

    def _batch_job_not_running_message(self):
        return self.env._("Only a file being booked can be resumed.")

    def _batch_job_resumed_message(self, todo):
        return self.env._("Booking resumed: %s lines still to book.", len(todo))

    def _batch_job_process(self, lines):
        lines.filtered(lambda line: line.state == "matched")._book()

    def action_resume_booking(self):
        """Book what a file in booking has not booked yet, e.g. after its
        background worker was killed: new jobs for the matched lines left,
        none for the lines booked (a transaction is never booked twice)."""
        return self._batch_job_resume()

    def _book_batch(self, line_ids):
        """Job: book a batch of matched lines. Idempotent: lines already
        booked are skipped and bookings dedupe on the transaction id; lines
        another worker is booking right now are retried later."""
        return self._batch_job_perform(line_ids)

    def _prepare_line_vals(self, row):
        # the file gives local times of the agency: stored in UTC as Odoo does
        paid_at = (
            self._utility_tz().localize(row["paid_at"]).astimezone(pytz.utc).replace(tzinfo=None)
        )
        return {
            "import_id": self.id,
            "line_no": row["line_no"],
            "txn_id": row["txn_id"],
            "paid_at": paid_at,
            "paid_date": row["paid_at"].date(),
            "customer_number": row["customer_number"],
            "bill_number": row["bill_number"],
            "amount": row["amount"],
            "outlet_code": row["outlet_code"],
        }

    def _agency_payment_domain(self):
        self.ensure_one()
        return [
            ("company_id", "=", self.company_id.id),
            ("journal_id", "=", self.agency_id.journal_id.id),
            ("utility_txn_key", "=like", f"{self.agency_id._utility_txn_scope()}:%"),
            ("date", ">=", self.date_from),
            ("date", "<=", self.date_to),
            ("state", "not in", ("draft", "canceled")),
        ]

    def _api_payments(self):
        """Agency payments of the file's days not booked from an agency file."""
        self.ensure_one()
        # (a line found already booked points to the API's payment: not one
        # booked from a file)
        from_files = self.env["utility.agency.import.line"].search(
            [
                ("import_id.agency_id", "=", self.agency_id.id),
                ("payment_id", "!=", False),
                ("state", "in", ("booked", "resolved")),
            ]
        )
        return self.env["account.payment"].search(
            self._agency_payment_domain() + [("id", "not in", from_files.payment_id.ids)]
        )

    def _compute_differences(self, api_payments):
        """Every transaction on one side only, or with another amount. Not
        for an agency that takes no payment through the API (no terminal at
        its outlets, none booked on the file's days): there every line would
        be one."""
        self.ensure_one()
        # sudo: only whether the agency has terminals, which accountants
        # cannot read
        terminals = self.env["utility.payment.terminal"].sudo()
        if not api_payments and not terminals.search_count(
            [("collection_point_id", "in", self.agency_id.outlet_ids.ids)], limit=1
        ):
            return
        currency = self.currency_id
        by_txn = {payment.utility_external_txn_id: payment for payment in api_payments}
        file_txns = set()
        vals_list = []
        booked_before = self.line_ids.filtered(
            lambda line: line.state == "duplicate" and line.payment_id not in api_payments
        )
        for line in self.line_ids - booked_before:
            file_txns.add(line.txn_id)
            payment = by_txn.get(line.txn_id)
            if not payment:
                vals_list.append(
                    {
                        "import_id": self.id,
                        "kind": "file_only",
                        "txn_id": line.txn_id,
                        "line_id": line.id,
                        "amount_file": line.amount,
                    }
                )
            elif currency.compare_amounts(payment.amount, line.amount):
                vals_list.append(
                    {
                        "import_id": self.id,
                        "kind": "amount",
                        "txn_id": line.txn_id,
                        "line_id": line.id,
                        "payment_id": payment.id,
                        "amount_file": line.amount,
                        "amount_api": payment.amount,
                    }
                )
        vals_list += [
            {
                "import_id": self.id,
                "kind": "api_only",
                "txn_id": txn_id,
                "payment_id": payment.id,
                "amount_api": payment.amount,
            }
            for txn_id, payment in by_txn.items()
            if txn_id not in file_txns
        ]
        Difference = self.env["utility.agency.import.difference"]
        with Difference.browse()._utility_protected_write():
            Difference.create(vals_list)

    def action_view_differences(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "utility.agency.import.difference",
            "view_mode": "list",
            "domain": [("import_id", "=", self.id)],
            # last: Odoo's term extractor takes a parenthesis after _() for
            # another call, and would export "import_id" as a term
            "name": self.env._("Differences with the API"),
        }

    @api.ondelete(at_uninstall=False)
    def _unlink_except_done(self):
        if self.filtered(lambda r: r.state != "draft"):
            raise UserError(self.env._("An imported agency file cannot be deleted."))
