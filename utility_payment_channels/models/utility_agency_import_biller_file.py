import base64
import csv
import re
from decimal import Decimal

from odoo import models
from odoo.exceptions import UserError
from odoo.tools.misc import formatLang

from odoo.addons.utility_billing.tools import tabular

from .utility_agency import BILLER_FILE_REQUIRED_COLUMNS

DELIMITERS = {"comma": ",", "bar": "|", "tab": "\t"}
# a trade date in a file name: alipay_20250110.csv, 对账_2025-01-10.txt
FILENAME_DATE = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")


class UtilityAgencyImport(models.Model):
    """Reading a third-party biller's reconciliation file by the biller's
    layout (``utility.agency``: ``file_format``, ``file_delimiter``,
    ``file_fixed_layout``, ``file_summary_position``,
    ``file_summary_layout``, ``file_encoding``, ``file_column_mapping``):
    the whole file is read and checked against its count-and-total line
    before anything is written."""

    _inherit = "utility.agency.import"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # reading the file
    # ------------------------------------------------------------------
    def _biller_decode(self, data):
        """``data`` (bytes) in the biller's encoding, with the message of a
        file in another encoding."""
        try:
            return tabular.decode(data, self.agency_id.file_encoding or "utf-8")
        except UnicodeDecodeError as err:
            raise self._file_encoding_error() from err

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
                raise self._file_encoding_error()
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
