"""The tax platform's results for a batch of e-invoice requests.

The platform answers a batch-issue file with a sheet of its rows: the
serial (发票流水号), the invoice number (发票号码) and date (开票日期), or the
reason a row failed. It comes as a workbook or a CSV file, or as a zip
archive holding that sheet and the issued PDF/OFD files, each named by its
invoice number or its serial. ``import_results(batch, content, filename)``
records them on the batch's requests: all rows or none, unknown serials
refused and named, and importing the same file twice changes nothing.
"""

import base64
import io
import os
import zipfile

from odoo.exceptions import UserError

from . import tabular

SERIAL_HEADERS = ("发票流水号", "流水号", "serial")
NUMBER_HEADERS = ("发票号码", "数电发票号码", "数电票号码", "invoice number", "number")
DATE_HEADERS = ("开票日期", "开具日期", "invoice date", "date")
REASON_HEADERS = ("失败原因", "错误信息", "开具失败原因", "reason")
SHEET_EXTENSIONS = (".xlsx", ".csv")
FILE_EXTENSIONS = (".pdf", ".ofd")
# an archive is read whole in memory: refuse a zip bomb with a clear error
MAX_ARCHIVE_SIZE = 200 * 1024 * 1024


def _column(env, header, names, required):
    folded = [tabular.fold(name) for name in header]
    for name in names:
        if tabular.fold(name) in folded:
            return folded.index(tabular.fold(name))
    if required:
        raise UserError(env._("The results file has no %s column.", " / ".join(names[:2])))
    return None


def _cell(cells, index):
    if index is None or index >= len(cells):
        return ""
    value = cells[index]
    return "" if value is None else str(value).strip()


def _unpack(env, content, filename):
    """(sheet bytes, sheet name, {stem: (filename, bytes)}) of the upload."""
    files = {}
    if not (
        filename.lower().endswith(".zip")
        or (content[:2] == b"PK" and not filename.lower().endswith(".xlsx"))
    ):
        return content, filename, files
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as err:
        raise UserError(env._("The file is not a valid zip archive: %s", err)) from err
    if sum(info.file_size for info in archive.infolist()) > MAX_ARCHIVE_SIZE:
        raise UserError(env._("The archive is too large once unpacked."))
    sheet = sheet_name = None
    for info in archive.infolist():
        if info.is_dir():
            continue
        name = os.path.basename(info.filename)
        stem, extension = os.path.splitext(name)
        extension = extension.lower()
        if extension in SHEET_EXTENSIONS:
            if sheet is not None:
                raise UserError(env._("The archive holds more than one results sheet: keep one."))
            sheet, sheet_name = archive.read(info), name
        elif extension in FILE_EXTENSIONS:
            files.setdefault(stem, []).append((name, archive.read(info)))
    if sheet is None:
        raise UserError(env._("The archive holds no results sheet (.xlsx or .csv)."))
    return sheet, sheet_name, files


def _read_rows(env, sheet, sheet_name):
    try:
        header, rows = tabular.read_table(env, sheet, filename=sheet_name, xlsx=True)
    except UnicodeDecodeError as err:
        raise UserError(env._("Save the results file as UTF-8 and import it again.")) from err
    serial_col = _column(env, header, SERIAL_HEADERS, True)
    number_col = _column(env, header, NUMBER_HEADERS, True)
    date_col = _column(env, header, DATE_HEADERS, False)
    reason_col = _column(env, header, REASON_HEADERS, False)
    results = []
    errors = []
    for line_number, cells in rows:
        serial = _cell(cells, serial_col)
        number = _cell(cells, number_col)
        raw_date = cells[date_col] if date_col is not None and date_col < len(cells) else None
        reason = _cell(cells, reason_col)
        if not serial:
            errors.append(env._("line %s: no serial", line_number))
            continue
        date = None
        if number:
            try:
                date = tabular.parse_date(raw_date)
            except (ValueError, UserError):
                date = None
            if not date:
                errors.append(
                    env._(
                        "line %(line)s: no valid invoice date for %(serial)s",
                        line=line_number,
                        serial=serial,
                    )
                )
                continue
        elif not reason:
            errors.append(
                env._(
                    "line %(line)s: %(serial)s has neither an invoice number nor a reason",
                    line=line_number,
                    serial=serial,
                )
            )
            continue
        results.append((line_number, serial, number, date, reason))
    if errors:
        raise UserError(env._("The results file was not imported:\n%s", "\n".join(errors)))
    return results


def import_results(batch, content, filename):
    """Record the results of ``content`` on the requests of ``batch``."""
    env = batch.env
    sheet, sheet_name, files = _unpack(env, content, filename or "")
    results = _read_rows(env, sheet, sheet_name or "")
    requests = batch.request_ids
    by_serial = {request.serial: request for request in requests}
    unknown = [serial for _line, serial, *_rest in results if serial not in by_serial]
    if unknown:
        raise UserError(
            env._(
                "These serials are not requests of batch %(batch)s: %(serials)s. Import the "
                "results of this batch's file only.",
                batch=batch.name,
                serials=", ".join(unknown),
            )
        )
    seen = set()
    conflicts = []
    for line, serial, number, date, _reason in results:
        request = by_serial[serial]
        if serial in seen:
            conflicts.append(
                env._("line %(line)s: %(serial)s appears twice", line=line, serial=serial)
            )
        seen.add(serial)
        if request.state == "issued" and (
            number != request.einvoice_number or date != request.einvoice_date
        ):
            conflicts.append(
                env._(
                    "line %(line)s: %(request)s is already issued as %(number)s",
                    line=line,
                    request=request.name,
                    number=request.einvoice_number,
                )
            )
        if request.state == "rejected" and number:
            conflicts.append(
                env._("line %(line)s: %(request)s was rejected", line=line, request=request.name)
            )
        if request.state not in ("sent", "issued", "rejected"):
            conflicts.append(
                env._("line %(line)s: %(request)s is not sent", line=line, request=request.name)
            )
    if conflicts:
        raise UserError(env._("The results file was not imported:\n%s", "\n".join(conflicts)))
    changed = env["utility.einvoice.request"]
    Attachment = env["ir.attachment"]
    for _line, serial, number, date, reason in results:
        request = by_serial[serial]
        if request.state == "sent":
            vals = (
                {"state": "issued", "einvoice_number": number, "einvoice_date": date}
                if number
                else {"state": "rejected", "reject_reason": reason}
            )
            with request._utility_protected_write():
                request.write(vals)
            request.message_post(
                body=env._("E-invoice %(number)s issued on %(date)s.", number=number, date=date)
                if number
                else env._("Rejected by the tax platform: %s", reason)
            )
            changed |= request
        if request.state != "issued":
            continue
        known = set(request.attachment_ids.mapped("name"))
        new_files = [
            (name, data)
            for stem in (request.einvoice_number, request.serial)
            for name, data in files.get(stem, [])
            if name not in known
        ]
        if new_files:
            attachments = Attachment.create(
                [
                    {
                        "name": name,
                        "datas": base64.b64encode(data),
                        "res_model": request._name,
                        "res_id": request.id,
                    }
                    for name, data in new_files
                ]
            )
            with request._utility_protected_write():
                request.attachment_ids = [(4, attachment.id) for attachment in attachments]
            changed |= request
    batch._utility_update_state()
    return changed
