from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from odoo.addons.utility_billing.models.res_currency import AmountError
from odoo.addons.utility_billing.tools import tabular

REQUIRED_COLUMNS = ("meter_serial", "reading_date", "value")
OPTIONAL_COLUMNS = ("value_peak", "value_flat", "value_valley")


class _ImportRejected(Exception):
    """Raised inside the savepoint to roll back every reading of the file."""


class UtilityReadingImport(models.TransientModel):
    """Import meter readings from a CSV (UTF-8) or XLSX file.

    Columns: ``meter_serial``, ``reading_date``, ``value`` and, for
    time-of-use meters, ``value_peak``, ``value_flat``, ``value_valley``.
    The file is imported all or nothing: when any row is rejected no reading
    is saved and every row shows its result and reason.
    """

    _name = "utility.reading.import"
    _description = "Meter Reading Import"

    file = fields.Binary(required=True, attachment=False)
    filename = fields.Char()
    validate = fields.Boolean(
        string="Validate Readings",
        default=True,
        help="Validate the imported readings at once; abnormal consumption goes to review.",
    )
    state = fields.Selection(
        selection=[("upload", "Upload"), ("done", "Imported"), ("rejected", "Rejected")],
        default="upload",
        required=True,
    )
    line_ids = fields.One2many(
        comodel_name="utility.reading.import.line", inverse_name="import_id", readonly=True
    )
    reading_ids = fields.Many2many(comodel_name="utility.meter.reading", readonly=True)
    imported_count = fields.Integer(compute="_compute_counts")
    rejected_count = fields.Integer(compute="_compute_counts")
    review_count = fields.Integer(compute="_compute_counts")

    @api.depends("line_ids.status")
    def _compute_counts(self):
        for wizard in self:
            statuses = wizard.line_ids.mapped("status")
            wizard.imported_count = statuses.count("imported") + statuses.count("to_review")
            wizard.rejected_count = statuses.count("rejected")
            wizard.review_count = statuses.count("to_review")

    # ------------------------------------------------------------------
    # reading the file
    # ------------------------------------------------------------------
    def _read_rows(self):
        """Rows of the file as a list of dicts keyed by lower-case column
        name, with the row number of the file. File-level problems (encoding,
        format, missing columns) raise a UserError."""
        self.ensure_one()
        header, rows = tabular.read_upload(self.env, self.file, filename=self.filename)
        header = [tabular.fold(column) for column in header]
        missing = [col for col in REQUIRED_COLUMNS if col not in header]
        if missing:
            raise UserError(
                self.env._(
                    "Missing column(s): %(missing)s. The first row must name the columns "
                    "%(required)s (optional: %(optional)s).",
                    missing=", ".join(missing),
                    required=", ".join(REQUIRED_COLUMNS),
                    optional=", ".join(OPTIONAL_COLUMNS),
                )
            )
        result = []
        for number, row in rows:
            values = {col: row[i] if i < len(row) else None for i, col in enumerate(header)}
            result.append((number, values))
        if not result:
            raise UserError(self.env._("The file has no reading rows."))
        return result

    # ------------------------------------------------------------------
    # parsing cells
    # ------------------------------------------------------------------
    def _parse_number(self, cell):
        """Float of a cell, None when empty; raises ValueError if not numeric."""
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            return None
        # a negative register: parsed, then refused as such by the caller
        if isinstance(cell, str) and len(cell) > 1 and cell[0] == "-" and cell[1] in "0123456789":
            return -self._parse_number(cell[1:])
        if isinstance(cell, int | float) and not isinstance(cell, bool) and cell < 0:
            return -self._parse_number(-cell)
        # the amount grammar of every channel: ASCII digits, a decimal point,
        # thousands by commas, two decimals at most, finite and bounded
        try:
            return float(
                tabular.parse_amount(
                    self.env.company.currency_id, cell, decimals=2, allow_zero=True
                )
            )
        except AmountError as err:
            raise ValueError(cell) from err

    def _parse_row(self, values):
        """Vals of one row and the list of its problems."""
        errors = []
        serial = str(values.get("meter_serial") or "").strip()
        if isinstance(values.get("meter_serial"), float) and values["meter_serial"].is_integer():
            serial = str(int(values["meter_serial"]))
        if not serial:
            errors.append(self.env._("The meter serial is empty."))
        date = tabular.parse_date(values.get("reading_date"))
        if not date:
            errors.append(
                self.env._(
                    "Reading date '%s' is not a date (use YYYY-MM-DD).",
                    values.get("reading_date") or "",
                )
            )
        elif date > fields.Date.context_today(self):
            errors.append(self.env._("Reading date %s is in the future.", date))
        parsed = {}
        for column in ("value", *OPTIONAL_COLUMNS):
            try:
                number = self._parse_number(values.get(column))
            except ValueError:
                cell = values.get(column)
                error = self.env._(
                    "%(column)s '%(cell)s' is not a number.", column=column, cell=cell
                )
                if isinstance(cell, str) and tabular.is_decimal_comma(cell):
                    error = f"{error} {tabular.decimal_comma_hint(self.env)}"
                errors.append(error)
                continue
            if number is not None and float_compare(number, 0.0, precision_digits=2) < 0:
                errors.append(
                    self.env._(
                        "%(column)s %(number)s is negative: a register never goes below zero.",
                        column=column,
                        number=number,
                    )
                )
            parsed[column] = number
        if "value" in parsed and parsed["value"] is None:
            registers = [parsed.get(col) for col in OPTIONAL_COLUMNS]
            if any(r is not None for r in registers):
                # time-of-use meter read register by register: total = sum
                parsed["value"] = sum(r or 0.0 for r in registers)
            else:
                errors.append(self.env._("The value is empty."))
        vals = {"meter_serial": serial, "reading_date": date}
        vals.update({col: num or 0.0 for col, num in parsed.items()})
        return vals, errors

    # ------------------------------------------------------------------
    # import
    # ------------------------------------------------------------------
    def action_import(self):
        """Check every row, then create all readings in one batch (and
        validate them) or none at all."""
        self.ensure_one()
        rows = self._read_rows()
        parsed = []
        for number, values in rows:
            vals, errors = self._parse_row(values)
            parsed.append({"row": number, "vals": vals, "errors": errors})
        self._check_against_meters(parsed)
        # every row is checked in one pass: the rows that passed the file
        # checks also meet the model's checks (a value below the previous
        # reading...), kept only if no row of the file is rejected
        checked = [p for p in parsed if not p["errors"]]
        if checked:
            self._create_readings(checked, keep=len(checked) == len(parsed))
        rejected = any(p["errors"] for p in parsed)
        lines = [
            {
                "row": p["row"],
                "meter_serial": p["vals"]["meter_serial"],
                "reading_date": p["vals"]["reading_date"],
                "value": p["vals"].get("value", 0.0),
                "reading_id": p.get("reading_id"),
                "status": self._row_status(p, rejected),
                "message": "\n".join(p["errors"]) or p.get("message", ""),
            }
            for p in parsed
        ]
        self.write(
            {
                "line_ids": [Command.clear()] + [Command.create(line) for line in lines],
                "state": "rejected" if rejected else "done",
                "reading_ids": [Command.set([] if rejected else [p["reading_id"] for p in parsed])],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Import Result"),
        }

    @api.model
    def _row_status(self, parsed_row, file_rejected):
        if parsed_row["errors"]:
            return "rejected"
        if file_rejected:
            return "not_imported"
        return "to_review" if parsed_row.get("to_review") else "imported"

    def _check_against_meters(self, parsed):
        """Unknown or removed meters, duplicates within the file and against
        the readings on file, readings before a billed one: one search each."""
        serials = {p["vals"]["meter_serial"] for p in parsed if p["vals"]["meter_serial"]}
        meters = self.env["utility.meter"].search(
            [("serial", "in", list(serials)), ("company_id", "=", self.env.company.id)]
        )
        by_serial = {meter.serial: meter for meter in meters}
        dates = [p["vals"]["reading_date"] for p in parsed if p["vals"]["reading_date"]]
        Reading = self.env["utility.meter.reading"]
        existing = set()
        last_billed = {}
        if meters and dates:
            existing = {
                (r.meter_id.id, r.reading_date)
                for r in Reading.search(
                    [
                        ("meter_id", "in", meters.ids),
                        ("reading_date", ">=", min(dates)),
                        ("reading_date", "<=", max(dates)),
                        ("state", "!=", "cancelled"),
                    ]
                )
            }
            last_billed = dict(
                Reading._read_group(
                    [("meter_id", "in", meters.ids), ("state", "=", "billed")],
                    ["meter_id"],
                    ["reading_date:max"],
                )
            )
        seen = {}
        for p in parsed:
            vals, errors = p["vals"], p["errors"]
            serial, date = vals["meter_serial"], vals["reading_date"]
            if not serial:
                continue
            meter = by_serial.get(serial)
            if not meter:
                errors.append(self.env._("Unknown meter %s.", serial))
                continue
            vals["meter_id"] = meter.id
            if not date:
                continue
            if meter.state == "removed" or (meter.remove_date and date > meter.remove_date):
                errors.append(
                    self.env._(
                        "Meter %(serial)s is removed (%(date)s): it cannot be read any more.",
                        serial=serial,
                        date=meter.remove_date or "",
                    )
                )
            key = (meter.id, date)
            if key in seen:
                errors.append(
                    self.env._("Duplicate of row %(row)s (same meter and date).", row=seen[key])
                )
            else:
                seen[key] = p["row"]
            if key in existing:
                errors.append(
                    self.env._(
                        "Meter %(serial)s already has a reading on %(date)s.",
                        serial=serial,
                        date=date,
                    )
                )
            if last_billed.get(meter) and date < last_billed[meter]:
                errors.append(
                    self.env._(
                        "Meter %(serial)s was already billed up to %(date)s.",
                        serial=serial,
                        date=last_billed[meter],
                    )
                )

    def _create_readings(self, parsed, keep=True):
        """Create (and validate) every reading in a savepoint; roll all back
        if the model rejects any of them, recording the reasons per row, or
        when ``keep`` is false (other rows of the file were rejected: the
        readings are created only to check them)."""
        Reading = self.env["utility.meter.reading"].with_context(
            tracking_disable=True, mail_create_nolog=True
        )
        vals_list = [
            {
                "meter_id": p["vals"]["meter_id"],
                "reading_date": p["vals"]["reading_date"],
                "value": p["vals"]["value"],
                "value_peak": p["vals"].get("value_peak", 0.0),
                "value_flat": p["vals"].get("value_flat", 0.0),
                "value_valley": p["vals"].get("value_valley", 0.0),
                "reading_type": "imported",
            }
            for p in parsed
        ]
        try:
            with self.env.cr.savepoint():
                readings = Reading.create(vals_list)
                errors = readings._get_validation_errors()
                for p, reading in zip(parsed, readings, strict=True):
                    p["errors"].extend(errors.get(reading.id, []))
                if errors or not keep:
                    raise _ImportRejected()
                if self.validate:
                    readings.action_validate()
                for p, reading in zip(parsed, readings, strict=True):
                    p["reading_id"] = reading.id
                    p["to_review"] = reading.state == "to_review"
                    p["message"] = reading.review_reason or ""
        except _ImportRejected:
            for p in parsed:
                p.pop("reading_id", None)
                if not p["errors"]:
                    p["message"] = self.env._("Not imported: other rows of the file were rejected.")

    def action_open_readings(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "utility.meter.reading",
            "view_mode": "list,form",
            "domain": [("id", "in", self.reading_ids.ids)],
            "name": self.env._("Imported Readings"),
        }

    def action_download_template(self):
        """A CSV with the expected header, to fill in."""
        return {
            "type": "ir.actions.act_url",
            "url": "/utility_billing/static/src/reading_import_template.csv",
            "target": "download",
        }
