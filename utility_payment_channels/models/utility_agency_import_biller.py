import base64
import csv
import io
import re
from decimal import Decimal

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import formatLang

from odoo.addons.utility_billing.tools import tabular
from odoo.addons.utility_billing.tools.new_name import is_new_name

from .utility_agency import BILLER_FILE_REQUIRED_COLUMNS
from .utility_agency_import_line import LINE_CATEGORIES

DELIMITERS = {"comma": ",", "bar": "|", "tab": "\t"}
# a trade date in a file name: alipay_20250110.csv, 对账_2025-01-10.txt
FILENAME_DATE = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")
# lines inserted per statement (a day of a big biller is 100,000 lines)
LINE_BATCH = 10000
# the stored columns of a line the import of a biller's file writes
# (the related agency and company and the category are added to them)
LINE_COLUMNS = (
    "import_id", "line_no", "txn_id", "paid_at", "paid_date", "customer_number", "bill_number",
    "amount", "outlet_code", "state", "reason", "note", "partner_id", "collection_point_id",
    "payment_id",
)  # fmt: skip


class UtilityAgencyImport(models.Model):
    """A third-party biller's next-day reconciliation file (对账文件).

    Unlike an agency file, nothing in it is booked by the import: each line
    is compared with the payment the biller booked through the terminal API
    for the file's trade date (matched; on the file only, kept until an
    accountant confirms it; amount or customer differences), and the
    payments of that trade date the file does not list are listed for
    reversal after review. ``file total = matched + booked from file +
    kept``, and the booked-here-only total beside it."""

    _inherit = "utility.agency.import"  # pylint: disable=consider-merging-classes-inherited

    agency_kind = fields.Selection(related="agency_id.kind", string="Partner Kind")
    trade_date = fields.Date(
        copy=False,
        tracking=True,
        help="Trade date (清算日期) of a biller's file: the count-and-total line's when "
        "the biller's layout names it, else the date (YYYYMMDD) in the file name, else "
        "the one given here before importing.",
    )
    summary_count = fields.Integer(
        string="Count on Total Line",
        readonly=True,
        copy=False,
        help="Number of lines the file's count-and-total line announces.",
    )
    summary_total = fields.Monetary(
        string="Total on Total Line",
        readonly=True,
        copy=False,
        help="Total the file's count-and-total line announces.",
    )
    recon_matched_count = fields.Integer(
        string="Matched", compute="_compute_recon_totals", store=True
    )
    recon_matched_total = fields.Monetary(
        string="Matched Amount",
        compute="_compute_recon_totals",
        store=True,
        help="Lines the API booked for the same customer and amount.",
    )
    recon_booked_count = fields.Integer(
        string="Booked from File", compute="_compute_recon_totals", store=True
    )
    recon_booked_total = fields.Monetary(
        string="Booked from File Amount",
        compute="_compute_recon_totals",
        store=True,
        help="Lines on the file only that an accountant confirmed and booked.",
    )
    recon_kept_count = fields.Integer(string="Kept", compute="_compute_recon_totals", store=True)
    recon_kept_total = fields.Monetary(
        string="Kept Amount",
        compute="_compute_recon_totals",
        store=True,
        help="Lines not booked from the file: on the file only and not confirmed yet, "
        "kept with a note, or differing from the API payment in amount or customer.",
    )
    recon_here_only_count = fields.Integer(
        string="Booked Here Only", compute="_compute_recon_totals", store=True
    )
    recon_here_only_total = fields.Monetary(
        string="Booked Here Only Amount",
        compute="_compute_recon_totals",
        store=True,
        help="Payments the biller booked through the API on the trade date that the file "
        "does not list, still booked: to review, and reverse by a Collection Manager.",
    )
    recon_balanced = fields.Boolean(
        string="File Total Accounted For",
        compute="_compute_recon_totals",
        store=True,
        help="The file total is matched + booked from file + kept: no line is left out.",
    )

    @api.model
    def _utility_protected_fields(self):
        # the count and total the file announced: read by the import only
        return super()._utility_protected_fields() | {"summary_count", "summary_total"}

    def write(self, vals):
        # the trade date is the accountant's while the file is not imported
        # (for a file that gives none), the file's after
        if (
            "trade_date" in vals
            and not self._utility_has_protected_write()
            and self.filtered(lambda record: record.state != "draft")
        ):
            raise AccessError(self.env._("The trade date of an imported file cannot be changed."))
        return super().write(vals)

    @api.depends(
        "line_ids.category",
        "line_ids.amount",
        "difference_ids.kind",
        "difference_ids.amount_api",
        "difference_ids.payment_id.state",
        "difference_ids.payment_id.utility_reversal_move_id",
    )
    def _compute_recon_totals(self):
        figures = self._line_figures("category")
        for record in self:
            by_category = {
                category: figure
                for (record_id, category), figure in figures.items()
                if record_id == record._origin.id
            }
            # still booked here: a payment reversed after review is settled
            here_only = record.difference_ids.filtered(
                lambda diff: diff.kind == "api_only" and not diff.payment_reversed
            )
            record.recon_matched_count, record.recon_matched_total = by_category.get(
                "matched", (0, 0.0)
            )
            record.recon_booked_count, record.recon_booked_total = by_category.get(
                "booked", (0, 0.0)
            )
            record.recon_kept_count, record.recon_kept_total = by_category.get("kept", (0, 0.0))
            record.recon_here_only_count = len(here_only)
            record.recon_here_only_total = sum(here_only.mapped("amount_api"))
            currency = record.currency_id or self.env.company.currency_id
            counted = (
                record.recon_matched_count + record.recon_booked_count + record.recon_kept_count
            )
            file_count = sum(count for count, _amount in by_category.values())
            file_total = sum(amount for _count, amount in by_category.values())
            record.recon_balanced = bool(
                file_count
                and counted == file_count
                and not currency.compare_amounts(
                    file_total,
                    record.recon_matched_total
                    + record.recon_booked_total
                    + record.recon_kept_total,
                )
            )

    def action_view_lines(self):
        """The file's lines, to filter and group by category."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "utility.agency.import.line",
            "view_mode": "list",
            "domain": [("import_id", "=", self.id)],
            "context": {"search_default_group_category": 1},
            "name": self.env._("Lines of %s", self.name),
        }

    # ------------------------------------------------------------------
    # reading the file
    # ------------------------------------------------------------------
    def _biller_decode(self, data):
        """``data`` (bytes) in the biller's encoding, with the message of a
        file in another encoding."""
        try:
            return tabular.decode(data, self.agency_id.file_encoding or "utf-8")
        except UnicodeDecodeError as err:
            raise self._biller_encoding_error() from err

    def _biller_encoding_error(self):
        encoding = self.agency_id.file_encoding or "utf-8"
        return UserError(
            self.env._(
                "The file %(file)s is not %(encoding)s encoded: save it as %(encoding)s, "
                "or set the encoding of the biller's files, and import it again.",
                file=self.filename or "",
                encoding=dict(
                    self.env["utility.agency"]
                    ._fields["file_encoding"]
                    ._description_selection(self.env)
                )[encoding],
            )
        )

    def _biller_split(self):
        """``(summary, details)``: the count-and-total line and the detail
        lines, as ``(line number, cells)`` where ``cells`` maps our names to
        the raw text of the values. Fixed-width lines are cut in bytes of
        the file's encoding before decoding (positions are bytes in GBK
        layouts), CSV lines are decoded, then split by the delimiter, the
        first detail line being the header."""
        agency = self.agency_id
        content = base64.b64decode(self.file or b"")
        if b"\x00" in content:
            raise UserError(self.env._("The file contains NUL characters: it is not a text file."))
        if agency.file_encoding != "utf-8" and not content.isascii():
            # GB18030 decodes almost any bytes: a UTF-8 file (Chinese text
            # in UTF-8 is hardly ever valid GBK by chance) would be read as
            # garbled text instead of being refused
            try:
                content.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                raise self._biller_encoding_error()
        raw = [
            (number, line)
            for number, line in enumerate(content.splitlines(), start=1)
            if line.strip()
        ]
        if len(raw) < 2:
            raise UserError(
                self.env._("The file has no transaction lines, or no count-and-total line.")
            )
        # a UTF-8 byte-order mark is not part of the first value
        if raw[0][1].startswith(b"\xef\xbb\xbf"):
            raw[0] = (raw[0][0], raw[0][1][3:])
        if agency.file_summary_position == "first":
            summary, details = raw[0], raw[1:]
        else:
            summary, details = raw[-1], raw[:-1]
        summary_layout = agency._get_summary_layout()
        if agency.file_format == "fixed":
            layout = agency._get_fixed_layout()

            def cut(line, positions):
                return {
                    name: self._biller_decode(line[first - 1 : last])
                    for name, (first, last) in positions.items()
                }

            return (
                (summary[0], cut(summary[1], summary_layout)),
                [(number, cut(line, layout)) for number, line in details],
            )
        delimiter = DELIMITERS[agency.file_delimiter or "comma"]
        numbers = [number for number, _line in details]
        texts = self._biller_decode(b"\n".join(line for _number, line in details)).split("\n")
        try:
            rows = list(csv.reader(texts, delimiter=delimiter))
            (summary_cells,) = csv.reader([self._biller_decode(summary[1])], delimiter=delimiter)
        except csv.Error as err:
            raise UserError(self.env._("The file is not a valid CSV file: %s", err)) from err
        header = [tabular.fold(cell) for cell in rows[0]]
        columns = agency._get_file_columns()
        missing = [
            columns[column]
            for column in BILLER_FILE_REQUIRED_COLUMNS
            if tabular.fold(columns[column]) not in header
        ]
        if missing:
            raise UserError(
                self.env._(
                    "The file misses the columns %(missing)s (header found: %(header)s).",
                    missing=", ".join(missing),
                    header=", ".join(rows[0]),
                )
            )
        index = {
            ours: header.index(tabular.fold(theirs))
            for ours, theirs in columns.items()
            if tabular.fold(theirs) in header
        }
        width = len(header)
        details = []
        for number, cells in zip(numbers[1:], rows[1:], strict=True):
            cells = cells + [""] * (width - len(cells))
            details.append((number, {ours: cells[position] for ours, position in index.items()}))
        summary_values = {
            name: summary_cells[position - 1] if position <= len(summary_cells) else ""
            for name, position in summary_layout.items()
        }
        return (summary[0], summary_values), details

    def _read_biller_file(self):
        """``(rows, summary)`` of a biller's file: rows as ``_read_rows``
        gives them (``paid_at`` may be None, ``outlet_code`` empty) and the
        count-and-total line's ``count``, ``total`` (``Decimal``) and
        ``trade_date`` (or None). Refuses the whole file, naming the line,
        on a bad value, and when the count or the total of the count-and-
        total line is not the detail lines', saying both figures."""
        self.ensure_one()
        currency = self.currency_id
        thousands = tabular.THOUSANDS_SEPARATORS[self.agency_id.file_thousands_separator or "none"]
        columns = self.agency_id._get_file_columns()
        (summary_no, summary_values), details = self._biller_split()

        def amount_of(text, line_no, allow_zero=False):
            try:
                return tabular.parse_amount(
                    currency, text.strip(), thousands=thousands, allow_zero=allow_zero
                )
            except UserError as err:
                raise UserError(
                    self.env._("Line %(line)s: %(error)s", line=line_no, error=err.args[0])
                ) from err

        def paid_at_of(text, line_no):
            # the agency file's rule (``_parse_paid_at``) without its checks
            # for the common case: a plain local time in the calendar
            moment = tabular.parse_datetime(text) if text else None
            if moment and not moment.tzinfo and 1 < moment.year < 9999:
                return moment
            return self._parse_paid_at(text, line_no) if text else None

        rows = []
        for line_no, cells in details:
            row = {name: value.strip() for name, value in cells.items()}
            for column in BILLER_FILE_REQUIRED_COLUMNS:
                if not row.get(column):
                    raise UserError(
                        self.env._(
                            "Line %(line)s: the column %(column)s is empty.",
                            line=line_no,
                            column=columns[column],
                        )
                    )
            row["amount"] = amount_of(row["amount"], line_no)
            row["paid_at"] = paid_at_of(row.get("paid_at"), line_no)
            row.setdefault("bill_number", "")
            row.setdefault("outlet_code", "")
            row["line_no"] = line_no
            rows.append(row)
        if not rows:
            raise UserError(self.env._("The file has no transaction lines."))
        count_text = summary_values.get("count", "").strip()
        if not count_text.isdigit():
            raise UserError(
                self.env._(
                    "Line %(line)s, the count-and-total line: the count %(value)s is not a "
                    "whole number. Check the biller's count-and-total layout.",
                    line=summary_no,
                    value=count_text,
                )
            )
        summary = {
            "count": int(count_text),
            "total": amount_of(summary_values.get("total", ""), summary_no, allow_zero=True),
            "trade_date": None,
        }
        if "trade_date" in summary_values:
            summary["trade_date"] = tabular.parse_date(summary_values["trade_date"])
            if not summary["trade_date"]:
                raise UserError(
                    self.env._(
                        "Line %(line)s, the count-and-total line: the trade date %(value)s "
                        "is not a date (expected YYYYMMDD or YYYY-MM-DD).",
                        line=summary_no,
                        value=summary_values["trade_date"].strip(),
                    )
                )
        lines_total = sum((row["amount"] for row in rows), Decimal(0))
        if summary["count"] != len(rows) or summary["total"] != lines_total:
            raise UserError(
                self.env._(
                    "The count-and-total line says %(count)s lines for %(total)s, but the "
                    "file has %(lines)s lines for %(sum)s: the file is incomplete or altered, "
                    "nothing was imported. Ask %(biller)s for the file again.",
                    count=summary["count"],
                    total=formatLang(self.env, float(summary["total"]), currency_obj=currency),
                    lines=len(rows),
                    sum=formatLang(self.env, float(lines_total), currency_obj=currency),
                    biller=self.agency_id.name,
                )
            )
        return rows, summary

    def _biller_trade_date(self, summary):
        """The file's trade date: the count-and-total line's, else the date
        in the file name, else the one the accountant gave. A date the
        accountant gave that the file contradicts refuses the file."""
        self.ensure_one()
        found = summary["trade_date"]
        if not found:
            match = FILENAME_DATE.search(self.filename or "")
            if match:
                found = tabular.parse_date("-".join(match.groups()))
        if found and self.trade_date and found != self.trade_date:
            raise UserError(
                self.env._(
                    "The file is of the trade date %(file)s, not %(given)s as given: "
                    "nothing was imported. Correct the trade date or pick the right file.",
                    file=found,
                    given=self.trade_date,
                )
            )
        trade_date = found or self.trade_date
        if not trade_date:
            raise UserError(
                self.env._(
                    "The file gives no trade date (neither on its count-and-total line nor "
                    "in its name): give the trade date before importing it."
                )
            )
        return trade_date

    # ------------------------------------------------------------------
    # comparison with the API
    # ------------------------------------------------------------------
    def _biller_api_payments(self, trade_date):
        """``{transaction id: payment row}`` of what the biller booked
        through the API for ``trade_date``, read in one query: still booked
        (not cancelled nor reversed) and not booked from one of its files."""
        self.ensure_one()
        scope = self.agency_id._utility_txn_scope()
        like = scope.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT p.id, p.utility_external_txn_id, p.amount, p.partner_id,
                   partner.utility_customer_number
              FROM account_payment p
              JOIN res_partner partner ON partner.id = p.partner_id
             WHERE p.company_id = %s AND p.journal_id = %s
               AND p.utility_txn_key LIKE %s
               AND p.utility_trade_date = %s
               AND p.state NOT IN ('draft', 'canceled')
               AND p.utility_reversal_move_id IS NULL
               AND NOT EXISTS (
                   SELECT 1 FROM utility_agency_import_line line
                    WHERE line.payment_id = p.id AND line.state IN ('booked', 'resolved'))
            """,
            (
                self.company_id.id,
                self.agency_id.journal_id.id,
                f"{like}:%",
                trade_date,
            ),
        )
        return {row[1]: row for row in self.env.cr.fetchall()}

    def _biller_other_payments(self, txn_ids):
        """``{transaction id: (payment id, name, why, trade date, amount,
        partner id, customer number)}`` of the file's transactions booked
        under the biller's scope but not among the API payments of the trade
        date, ``why`` saying why: ``canceled``, ``reversed``, or ``booked``
        (for another trade date, or from one of the biller's files)."""
        scope = self.agency_id._utility_txn_scope()
        self.env.cr.execute(
            """
            SELECT p.utility_external_txn_id, p.id, p.name,
                   CASE WHEN p.state = 'canceled' THEN 'canceled'
                        WHEN p.utility_reversal_move_id IS NOT NULL THEN 'reversed'
                        ELSE 'booked' END,
                   p.utility_trade_date, p.amount, p.partner_id,
                   partner.utility_customer_number
              FROM account_payment p
              JOIN res_partner partner ON partner.id = p.partner_id
             WHERE p.company_id = %s AND p.utility_txn_key = ANY(%s)
            """,
            (self.company_id.id, [f"{scope}:{txn_id}" for txn_id in txn_ids]),
        )
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    def _import_biller_file(self, file_hash):
        """Import a biller's reconciliation file: read it whole (refused
        whole on any error), then compare each line with the API payment of
        its transaction and list the payments the file misses. Nothing is
        booked: a line on the file only waits for an accountant."""
        self.ensure_one()
        rows, summary = self._read_biller_file()
        trade_date = self._biller_trade_date(summary)
        currency = self.currency_id
        agency = self.agency_id
        api = self._biller_api_payments(trade_date)
        unmatched = [row["txn_id"] for row in rows if row["txn_id"] not in api]
        others = self._biller_other_payments(unmatched) if unmatched else {}
        numbers = {row["customer_number"] for row in rows if row["txn_id"] not in api}
        customers = dict(
            self.env["res.partner"]
            .search_fetch(
                [
                    ("utility_customer_number", "in", list(numbers)),
                    ("company_id", "in", (self.company_id.id, False)),
                ],
                ["utility_customer_number"],
            )
            .mapped(lambda partner: (partner.utility_customer_number, partner.id))
        )
        # (ids and codes, not records: read 100,000 times below)
        outlet_by_code = {outlet.code: (outlet.id, outlet.code) for outlet in agency.outlet_ids}
        default_outlet = (agency.outlet_ids[:1].id, agency.outlet_ids[:1].code)
        import_id = self.id
        tz = self._utility_tz()

        def money(amount):
            return formatLang(self.env, amount, currency_obj=currency)

        line_vals, differences, seen = [], [], {}
        for row in rows:
            txn_id, amount = row["txn_id"], float(row["amount"])
            outlet_id, outlet_code = outlet_by_code.get(row["outlet_code"]) or default_outlet
            paid_at = row["paid_at"]
            vals = {
                "import_id": import_id,
                "line_no": row["line_no"],
                "txn_id": txn_id,
                # the biller's local time, stored in UTC as Odoo does
                "paid_at": tz.localize(paid_at).astimezone(pytz.utc).replace(tzinfo=None)
                if paid_at
                else False,
                "paid_date": paid_at.date() if paid_at else trade_date,
                "customer_number": row["customer_number"],
                "bill_number": row["bill_number"],
                "amount": amount,
                "outlet_code": outlet_code or row["outlet_code"],
                "collection_point_id": outlet_id,
            }
            payment = api.get(txn_id)
            other = others.get(txn_id)
            booked_note = False
            if not payment and other and other[2] == "booked":
                # booked already, for another trade date or from an earlier
                # file: compared as the day's API payments are, never booked
                # a second time
                payment = (other[0], txn_id, other[4], other[5], other[6])
                booked_note = (
                    self.env._(
                        "Booked already as %(payment)s, for the trade date %(date)s.",
                        payment=other[1],
                        date=other[3],
                    )
                    if other[3] and other[3] != trade_date
                    else self.env._("Booked already as %s, from an earlier file.", other[1])
                )
            diff = {"import_id": import_id, "txn_id": txn_id, "amount_file": amount}
            if txn_id in seen:
                vals.update(
                    state="kept",
                    reason="duplicate_conflict",
                    partner_id=customers.get(row["customer_number"], False),
                    note=self.env._(
                        "Line %s of this file has the same transaction id.", seen[txn_id]
                    ),
                )
                diff = None
            elif not payment:
                vals.update(
                    state="kept",
                    reason="api_missing",
                    partner_id=customers.get(row["customer_number"], False),
                )
                if other:
                    # booked under a transaction id of its own if confirmed
                    vals["payment_id"] = other[0]
                    vals["note"] = (
                        self.env._(
                            "The API payment %s of this transaction was cancelled.", other[1]
                        )
                        if other[2] == "canceled"
                        else self.env._(
                            "The API payment %s of this transaction was reversed.", other[1]
                        )
                    )
                diff.update(kind="file_only")
            elif currency.compare_amounts(float(payment[2]), amount):
                vals.update(
                    state="kept",
                    reason="api_amount",
                    partner_id=payment[3],
                    payment_id=payment[0],
                    note=self.env._(
                        "The API booked %(api)s, the file says %(file)s.",
                        api=money(float(payment[2])),
                        file=money(amount),
                    ),
                )
                diff.update(kind="amount", payment_id=payment[0], amount_api=float(payment[2]))
            elif (payment[4] or "") != row["customer_number"]:
                vals.update(
                    state="kept",
                    reason="api_customer",
                    partner_id=payment[3],
                    payment_id=payment[0],
                    note=self.env._(
                        "The API booked it for the customer %(api)s, the file says %(file)s.",
                        api=payment[4] or "",
                        file=row["customer_number"],
                    ),
                )
                diff.update(
                    kind="customer",
                    payment_id=payment[0],
                    amount_api=float(payment[2]),
                    customer_api=payment[4] or "",
                    customer_file=row["customer_number"],
                )
            else:
                vals.update(state="duplicate", partner_id=payment[3], payment_id=payment[0])
                diff = None
            if booked_note:
                vals["note"] = " ".join(filter(None, [booked_note, vals.get("note")]))
            seen.setdefault(txn_id, row["line_no"])
            if diff:
                # linked to its line once the lines are created
                diff["line_id"] = len(line_vals)
                differences.append(diff)
            line_vals.append(vals)
        differences += [
            {
                "import_id": self.id,
                "kind": "api_only",
                "txn_id": txn_id,
                "payment_id": payment[0],
                "amount_api": float(payment[2]),
                "customer_api": payment[4] or "",
            }
            for txn_id, payment in api.items()
            if txn_id not in seen
        ]
        vals = {
            "file_hash": file_hash,
            "trade_date": trade_date,
            "date_from": trade_date,
            "date_to": trade_date,
            "summary_count": summary["count"],
            "summary_total": float(summary["total"]),
            "api_count": len(api),
            "api_total": float(sum((Decimal(str(row[2])) for row in api.values()), Decimal(0))),
            "state": "done",
        }
        if is_new_name(self, self.name):
            vals["name"] = self.env["ir.sequence"].next_by_code("utility.agency.import")
        Difference = self.env["utility.agency.import.difference"]
        with self._utility_protected_write(), Difference.browse()._utility_protected_write():
            self.write(vals)
            line_ids = self._biller_insert_lines(line_vals)
            for diff in differences:
                if "line_id" in diff:
                    diff["line_id"] = line_ids[diff["line_id"]]
            Difference.create(differences)
        return True

    def _biller_insert_lines(self, line_vals):
        """Insert the lines of a biller's file with one ``COPY`` and return
        their ids in order (taken from the table's sequence first).

        Why not ``create``: the ORM takes about 0.6 ms a line, a minute for
        a big biller's day of 100,000 lines, all of it computing what is
        known here already. The values are the lines' complete stored
        values (``LINE_COLUMNS``, then the related agency and company and
        the category), checked as ``create`` would (the import's own
        values, the biller's outlets, customers and payments found above);
        the lines are written by the import only (protected fields), and
        the import's totals are recomputed from them by the ORM."""
        self.ensure_one()
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            "SELECT nextval('utility_agency_import_line_id_seq') FROM generate_series(1, %s)",
            (len(line_vals),),
        )
        ids = [row[0] for row in cr.fetchall()]
        fixed = [
            self.agency_id.id,
            self.company_id.id,
            self.env.uid,
            self.env.uid,
            fields.Datetime.to_string(fields.Datetime.now()),
            fields.Datetime.to_string(fields.Datetime.now()),
        ]
        fixed = "\t".join(_copy_text(value) for value in fixed)
        buffer = io.StringIO()
        for line_id, vals in zip(ids, line_vals, strict=True):
            buffer.write(str(line_id))
            for column in LINE_COLUMNS:
                buffer.write("\t")
                buffer.write(_copy_text(vals.get(column)))
            buffer.write(f"\t{fixed}\t{LINE_CATEGORIES.get(vals['state'], 'pending')}\n")
        buffer.seek(0)
        cr._obj.copy_expert(
            f"COPY utility_agency_import_line (id, {', '.join(LINE_COLUMNS)}, agency_id, "
            "company_id, create_uid, write_uid, create_date, write_date, category) FROM STDIN",
            buffer,
        )
        self.env["utility.agency.import.line"].invalidate_model()
        self.invalidate_recordset(["line_ids"])
        # the import's totals, computed from the lines now in the database
        self.modified(["line_ids"])
        return ids


def _copy_text(value):
    """``value`` as a field of PostgreSQL's COPY text format (``\\N``: null)."""
    if value is None or value is False:
        return "\\N"
    if isinstance(value, str):
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return str(value)
