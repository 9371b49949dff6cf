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
* **Header**: the first line that is not blank; column names are matched
  stripped and case-folded (``fold``: ``Meter_Serial``, ``TXN_ID``).
* **Delimiter**: whichever of comma, semicolon and tab the header line holds
  most (the comma on a tie).
* **Lines**: numbered as in the file (line 1 is the first line); a blank
  line (every cell empty or spaces) is left out, any other line is the
  caller's to keep or to refuse with its number.
* **Amounts and numbers** (``parse_amount``): the amount grammar of every
  channel, ``res.currency._utility_parse_amount``, with the file's thousands
  separator (``THOUSANDS_SEPARATORS``), allowed only between groups of three
  digits: with a comma, ``1,500`` is 1500 and ``1,5`` is refused, saying that
  decimals take a point; never read as 15 nor as 1.5. A cell is taken as
  written: spaces around a number refuse it.
* **Dates** (``parse_date``: ``DATE_FORMATS``, or the date of a datetime)
  and **datetimes** (``parse_datetime``: ``DATETIME_FORMATS``, then ISO 8601,
  possibly with an offset); a date or datetime cell of a workbook as it is.

Callers keep their own column checks and the way they report a bad line.
"""

import base64
import csv
import datetime
import io
import logging
import re

from odoo.exceptions import UserError

from odoo.addons.utility_billing.models.res_currency import AmountError

_logger = logging.getLogger(__name__)

try:
    import openpyxl
except ImportError:  # pragma: no cover - openpyxl ships with Odoo's requirements
    _logger.debug("openpyxl is not installed: XLSX files cannot be read")
    openpyxl = None

DELIMITERS = (",", ";", "\t")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d")
# a date and a time, or a date alone (midnight); ISO 8601 is tried after them
DATETIME_FORMATS = (
    *(
        f"{date_format} {time_format}"
        for date_format in DATE_FORMATS[:3]
        for time_format in ("%H:%M:%S", "%H:%M")
    ),
    # compact bank formats
    "%Y%m%d%H%M%S",
    *DATE_FORMATS,
)
# the separator a file may put between groups of three digits of an amount
THOUSANDS_SEPARATORS = {"none": "", "comma": ",", "space": " ", "apostrophe": "'"}
# digits with commas, the commas not all between groups of three (1,5 or
# 12,50): a decimal comma, said so rather than refused as any other text
_COMMA_NUMBER = re.compile(r"[0-9]+(?:,[0-9]+)+(?:\.[0-9]+)?")
_THOUSANDS_GROUPS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")


def decode(data, encoding="utf-8"):
    """The text of ``data`` in ``encoding`` (a UTF-8 byte-order mark
    dropped). Raises ``UnicodeDecodeError``: the caller says what to do."""
    return data.decode("utf-8-sig" if encoding == "utf-8" else encoding)


def read_table(env, data, *, filename="", encoding="utf-8", xlsx=False):
    """``(header, rows)`` of an uploaded file: the header's names stripped
    (match them with ``fold``), and ``(line number, cells)`` for every line
    after it that is not blank. Cells are strings as written in a CSV file,
    the typed values of a workbook. File-level problems raise a
    ``UserError``; a wrong encoding raises ``UnicodeDecodeError`` (see
    ``decode``)."""
    if xlsx and (filename.lower().endswith(".xlsx") or data[:2] == b"PK"):
        lines = _xlsx_lines(env, data)
    else:
        lines = _csv_lines(env, decode(data, encoding))
    numbered = [(number, line) for number, line in enumerate(lines, start=1) if not is_blank(line)]
    if not numbered:
        raise UserError(env._("The file is empty."))
    (_number, header), rows = numbered[0], numbered[1:]
    return [str(column or "").strip() for column in header], rows


def read_upload(env, file, *, filename=""):
    """``read_table`` of a wizard's uploaded UTF-8 CSV or XLSX file
    (``file``: the binary field's base64 value), with the users' messages
    for an empty file and a file in another encoding (``UserError``)."""
    data = base64.b64decode(file or b"")
    if not data:
        raise UserError(env._("The file is empty."))
    try:
        return read_table(env, data, filename=filename or "", xlsx=True)
    except UnicodeDecodeError as err:
        raise UserError(
            env._(
                "The file is not UTF-8 encoded (byte %(position)s). Save it again as "
                "'CSV UTF-8' (in Excel or WPS: Save As > CSV UTF-8) and import it again.",
                position=err.start,
            )
        ) from err


def fold(name):
    """A column name as headers are matched: stripped and case-folded."""
    return str(name or "").strip().casefold()


def is_blank(cells):
    """Whether a line has no value in any cell (empty or spaces only)."""
    return not any(cell not in (None, "") and str(cell).strip() for cell in cells)


def _csv_lines(env, text):
    if "\x00" in text:
        raise UserError(env._("The file contains NUL characters: it is not a CSV text file."))
    first_line = text.lstrip().split("\n", 1)[0]
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
    """The date of a cell: a date or datetime of a workbook, a text in one of
    ``DATE_FORMATS``, or the date of a datetime text (as the date of a
    workbook's datetime cell). None when it is none."""
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
    moment = parse_datetime(text)
    return moment.date() if moment else None


def parse_datetime(cell):
    """The datetime of a cell: a datetime (or date, at midnight) of a
    workbook, a text in one of ``DATETIME_FORMATS`` or in ISO 8601. Naive as
    written, aware when the text gives an offset; None when it is none."""
    if isinstance(cell, datetime.datetime):
        return cell
    if isinstance(cell, datetime.date):
        return datetime.datetime.combine(cell, datetime.time())
    text = str(cell or "").strip()
    for datetime_format in DATETIME_FORMATS:
        try:
            return datetime.datetime.strptime(text, datetime_format)
        except ValueError:
            continue
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        return None


def parse_amount(currency, cell, *, thousands=",", decimals=None, allow_zero=False):
    """The ``Decimal`` of an amount or number cell, by the amount grammar
    (``res.currency._utility_parse_amount``) with the file's ``thousands``
    separator. A comma that is not between groups of three digits (``1,5``)
    is refused with an ``AmountError`` saying that decimals take a point."""
    if thousands == "," and isinstance(cell, str) and is_decimal_comma(cell):
        raise AmountError(
            currency.env._("The amount %s is not a number.", cell[:40])
            + " "
            + decimal_comma_hint(currency.env)
        )
    return currency._utility_parse_amount(
        cell, thousands=thousands, decimals=decimals, allow_zero=allow_zero
    )


def is_decimal_comma(text):
    """Whether ``text`` is digits with a comma that cannot separate
    thousands (``1,5``, ``1,50``, ``1,5000``)."""
    return bool(_COMMA_NUMBER.fullmatch(text)) and not _THOUSANDS_GROUPS.fullmatch(text)


def decimal_comma_hint(env):
    return env._(
        "A comma separates thousands only, in groups of three digits (1,500): "
        "write decimals with a point (1.5)."
    )
