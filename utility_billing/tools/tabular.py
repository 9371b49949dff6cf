"""The one reader of the tabular files users upload: meter readings
(``utility.reading.import``) and agencies' collection files
(``utility.agency.import``). One set of rules, so that a cell means the same
in both:

* **Encoding**: the declared one (UTF-8 unless an agency declares GB18030),
  a UTF-8 byte-order mark dropped. Nothing is guessed: bytes that are not in
  the declared encoding raise ``UnicodeDecodeError``, which the caller turns
  into its own advice (save the file again, or set the agency's encoding).
  NUL characters refuse the file.
* **XLSX**: where the caller allows it, a file named ``*.xlsx`` or starting
  as a zip archive is a workbook: its first sheet, formulas as last computed.
* **Delimiter**: whichever of comma, semicolon and tab the header line holds
  most (the comma on a tie).
* **Header**: the first line; column names are matched stripped and
  case-folded (``Meter_Serial``, ``TXN_ID``).
* **Lines**: numbered as in the file (the header is line 1); blank lines are
  left out.
* **Amounts and numbers**: ``res.currency._utility_parse_amount``, the amount
  grammar of every channel, with the file's thousands separator
  (``THOUSANDS_SEPARATORS``).
* **Dates** (``DATE_FORMATS``) and **datetimes** (``DATETIME_FORMATS``, then
  ISO 8601 with an offset).

Callers keep their own column checks and the way they report a bad line.
"""

import csv
import datetime
import io
import logging

from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

try:
    import openpyxl
except ImportError:  # pragma: no cover - openpyxl ships with Odoo's requirements
    _logger.debug("openpyxl is not installed: XLSX files cannot be read")
    openpyxl = None

DELIMITERS = (",", ";", "\t")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d")


def decode(data, encoding="utf-8"):
    """The text of ``data`` in ``encoding`` (a UTF-8 byte-order mark
    dropped). Raises ``UnicodeDecodeError``: the caller says what to do."""
    return data.decode("utf-8-sig" if encoding == "utf-8" else encoding)


def read_table(env, data, *, filename="", encoding="utf-8", xlsx=False):
    """``(header, rows)`` of an uploaded file: the header's names stripped and
    case-folded, and ``(line number, cells)`` for every line after it. Cells
    are strings as written in a CSV file, the typed values of a workbook.
    File-level problems raise a ``UserError``; a wrong encoding raises
    ``UnicodeDecodeError`` (see ``decode``)."""
    if xlsx and (filename.lower().endswith(".xlsx") or data[:2] == b"PK"):
        lines = _xlsx_lines(env, data)
    else:
        lines = _csv_lines(env, decode(data, encoding))
    if not lines:
        raise UserError(env._("The file is empty."))
    header = [str(column or "").strip().lower() for column in lines[0]]
    rows = [(number, line) for number, line in enumerate(lines[1:], start=2)]
    return header, rows


def is_blank(cells):
    """Whether a line has no value in any cell."""
    return not any(cell not in (None, "") for cell in cells)


def _csv_lines(env, text):
    if "\x00" in text:
        raise UserError(env._("The file contains NUL characters: it is not a CSV text file."))
    first_line = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return list(reader)
    except csv.Error as err:
        raise UserError(env._("The file is not a valid CSV file: %s", err)) from err


def _xlsx_lines(env, data):
    if openpyxl is None:
        raise UserError(env._("XLSX import needs the Python library openpyxl."))
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:
        raise UserError(env._("The file is not a valid XLSX workbook: %s", err)) from err
    sheet = workbook.worksheets[0]
    lines = list(sheet.iter_rows(values_only=True))
    workbook.close()
    return lines


def parse_date(cell):
    """The date of a cell (a date or datetime of a workbook, or a text in one
    of ``DATE_FORMATS``), None when it is none."""
    if isinstance(cell, datetime.datetime):
        return cell.date()
    if isinstance(cell, datetime.date):
        return cell
    text = str(cell or "").strip()
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    return None
