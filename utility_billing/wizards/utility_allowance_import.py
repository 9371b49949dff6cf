from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.utility_billing.tools import tabular

# the columns of the civil affairs list, by the names they go by (matched
# folded: ``tabular.fold``); the first name is the one of the template
COLUMNS = {
    "customer_number": ("户号", "客户编号", "用户编号", "customer_number"),
    "holder_id_number": ("身份证号", "证件号", "证件号码", "id_number"),
    "kind": ("救助类别", "类别", "kind"),
    "number": ("证书编号", "证号", "certificate_number"),
    "date_from": ("起始日期", "开始日期", "date_from"),
    "date_to": ("截止日期", "结束日期", "date_to"),
}
REQUIRED = ("kind", "number", "date_from", "date_to")
KIND_NAMES = {
    "low_income": ("低保", "低保户", "最低生活保障", "low_income"),
    "five_guarantee": ("五保", "五保户", "特困", "特困供养", "five_guarantee"),
}


class UtilityAllowanceImport(models.TransientModel):
    """Import the civil affairs bureau's list of low-income (低保) and
    five-guarantee (五保) households as allowance certificates, from a CSV
    (UTF-8) or XLSX file read by ``tools/tabular.py``.

    Line by line: a good line creates or updates the certificate of its
    number, a rejected line is kept in the result with its reasons and the
    other lines still count. The customer is found by customer number or,
    for a renewal, by the holder's ID number on an earlier certificate.
    Importing the same file again changes nothing (lines are matched on the
    certificate number)."""

    _name = "utility.allowance.import"
    _description = "Allowance Certificate Import"

    file = fields.Binary(required=True, attachment=False)
    filename = fields.Char()
    state = fields.Selection(
        selection=[("upload", "Upload"), ("done", "Imported")],
        default="upload",
        required=True,
    )
    line_ids = fields.One2many(
        comodel_name="utility.allowance.import.line", inverse_name="import_id", readonly=True
    )
    created_count = fields.Integer(compute="_compute_counts")
    updated_count = fields.Integer(compute="_compute_counts")
    unchanged_count = fields.Integer(compute="_compute_counts")
    rejected_count = fields.Integer(compute="_compute_counts")

    @api.depends("line_ids.status")
    def _compute_counts(self):
        for wizard in self:
            statuses = wizard.line_ids.mapped("status")
            wizard.created_count = statuses.count("created")
            wizard.updated_count = statuses.count("updated")
            wizard.unchanged_count = statuses.count("unchanged")
            wizard.rejected_count = statuses.count("rejected")

    def _read_rows(self):
        """``[(line number, {column: cell})]`` of the file, columns by their
        key in ``COLUMNS``. File-level problems raise a UserError."""
        self.ensure_one()
        header, rows = tabular.read_upload(self.env, self.file, filename=self.filename)
        names = {tabular.fold(name): key for key, aliases in COLUMNS.items() for name in aliases}
        keys = [names.get(tabular.fold(column)) for column in header]
        missing = [COLUMNS[key][0] for key in REQUIRED if key not in keys]
        if "customer_number" not in keys and "holder_id_number" not in keys:
            missing.append(f"{COLUMNS['customer_number'][0]} / {COLUMNS['holder_id_number'][0]}")
        if missing:
            raise UserError(
                self.env._(
                    "Missing column(s): %(missing)s. The first row must name the columns "
                    "%(columns)s.",
                    missing=", ".join(missing),
                    columns=", ".join(aliases[0] for aliases in COLUMNS.values()),
                )
            )
        result = []
        for number, row in rows:
            values = {
                key: row[index] if index < len(row) else None
                for index, key in enumerate(keys)
                if key
            }
            result.append((number, values))
        if not result:
            raise UserError(self.env._("The file has no certificate lines."))
        return result

    @api.model
    def _text(self, cell):
        """A text cell as written; a whole number of a workbook without its
        ``.0`` (numbers typed into Excel)."""
        if isinstance(cell, float) and cell.is_integer():
            return str(int(cell))
        return str(cell if cell is not None else "").strip()

    def _parse_row(self, values):
        """Values of one line and the list of its problems."""
        errors = []
        vals = {key: self._text(values.get(key)) for key in COLUMNS}
        if not vals["number"]:
            errors.append(self.env._("The certificate number is empty."))
        kinds = {tabular.fold(name): kind for kind, names in KIND_NAMES.items() for name in names}
        kind = kinds.get(tabular.fold(vals["kind"]))
        if not kind:
            errors.append(
                self.env._(
                    "Kind '%s' is neither 低保 (low-income) nor 五保 (five-guarantee).",
                    vals["kind"],
                )
            )
        vals["kind"] = kind
        for key in ("date_from", "date_to"):
            date = tabular.parse_date(values.get(key))
            if not date:
                errors.append(self.env._("Date '%s' is not a date (use YYYY-MM-DD).", vals[key]))
            vals[key] = date
        if vals["date_from"] and vals["date_to"] and vals["date_to"] < vals["date_from"]:
            errors.append(self.env._("The certificate ends before it starts."))
        if not vals["customer_number"] and not vals["holder_id_number"]:
            errors.append(self.env._("Give the customer number or the holder's ID number."))
        return vals, errors

    def action_import(self):
        """Check every line, then create or update the certificates of the
        good ones; the rejected ones are listed with their reasons."""
        self.ensure_one()
        parsed = []
        for number, values in self._read_rows():
            vals, errors = self._parse_row(values)
            parsed.append({"row": number, "vals": vals, "errors": errors})
        self._match_records(parsed)
        self._save_certificates([p for p in parsed if not p["errors"]])
        self.write(
            {
                "line_ids": [Command.clear()]
                + [
                    Command.create(
                        {
                            "row": p["row"],
                            "customer_number": p["vals"]["customer_number"],
                            "holder_id_number": p["vals"]["holder_id_number"],
                            "number": p["vals"]["number"],
                            "partner_id": p["vals"].get("partner_id", False),
                            "kind": p["vals"]["kind"] or False,
                            "date_from": p["vals"]["date_from"] or False,
                            "date_to": p["vals"]["date_to"] or False,
                            "certificate_id": p.get("certificate_id", False),
                            "status": "rejected" if p["errors"] else p["status"],
                            "message": "\n".join(p["errors"]),
                        }
                    )
                    for p in parsed
                ],
                "state": "done",
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

    def _match_records(self, parsed):
        """Customers by number, certificates on file by number and by holder
        ID number, duplicates in the file: one search each."""
        company = self.env.company
        Certificate = self.env["utility.allowance.certificate"].with_context(active_test=False)
        customer_numbers = {p["vals"]["customer_number"] for p in parsed} - {""}
        partners = self.env["res.partner"].search(
            [
                ("utility_customer_number", "in", list(customer_numbers)),
                ("company_id", "in", (company.id, False)),
            ]
        )
        by_customer = {partner.utility_customer_number: partner for partner in partners}
        numbers = {p["vals"]["number"] for p in parsed} - {""}
        id_numbers = {p["vals"]["holder_id_number"] for p in parsed} - {""}
        on_file = Certificate.search(
            [
                ("company_id", "=", company.id),
                "|",
                ("number", "in", list(numbers)),
                ("holder_id_number", "in", list(id_numbers)),
            ],
            order="date_to desc, id desc",
        )
        by_number = {certificate.number: certificate for certificate in on_file}
        by_id_number = {}
        for certificate in on_file:
            if certificate.holder_id_number:
                by_id_number.setdefault(certificate.holder_id_number, certificate)
        seen = {}
        for p in parsed:
            vals, errors = p["vals"], p["errors"]
            partner = by_customer.get(vals["customer_number"])
            if vals["customer_number"] and not partner:
                errors.append(self.env._("Unknown customer number %s.", vals["customer_number"]))
            elif not partner and vals["holder_id_number"]:
                partner = by_id_number.get(vals["holder_id_number"], Certificate).partner_id
                if not partner:
                    errors.append(
                        self.env._(
                            "No certificate on file for ID number %s: give the customer "
                            "number of the household.",
                            vals["holder_id_number"],
                        )
                    )
            vals["partner_id"] = partner.id if partner else False
            if not vals["number"]:
                continue
            if vals["number"] in seen:
                errors.append(
                    self.env._(
                        "Duplicate of line %s (same certificate number).", seen[vals["number"]]
                    )
                )
            else:
                seen[vals["number"]] = p["row"]
            certificate = by_number.get(vals["number"])
            if certificate and partner and certificate.partner_id != partner:
                errors.append(
                    self.env._(
                        "Certificate %(number)s is on file for another customer (%(customer)s).",
                        number=vals["number"],
                        customer=certificate.partner_id.display_name,
                    )
                )
            p["certificate"] = certificate

    def _save_certificates(self, parsed):
        """Create the new certificates in one batch, update those whose
        values changed, leave the others as they are."""
        Certificate = self.env["utility.allowance.certificate"]
        fields_to_compare = ("kind", "holder_id_number", "date_from", "date_to")
        new = []
        for p in parsed:
            vals = p["vals"]
            certificate = p.get("certificate")
            if not certificate:
                new.append(p)
                continue
            changes = {
                key: vals[key]
                for key in fields_to_compare
                if vals[key] and certificate[key] != vals[key]
            }
            if not certificate.active:
                changes["active"] = True
            if changes:
                certificate.write(changes)
            p["certificate_id"] = certificate.id
            p["status"] = "updated" if changes else "unchanged"
        if new:
            certificates = Certificate.create(
                [
                    {
                        "number": p["vals"]["number"],
                        "partner_id": p["vals"]["partner_id"],
                        "kind": p["vals"]["kind"],
                        "holder_id_number": p["vals"]["holder_id_number"] or False,
                        "date_from": p["vals"]["date_from"],
                        "date_to": p["vals"]["date_to"],
                        "company_id": self.env.company.id,
                    }
                    for p in new
                ]
            )
            for p, certificate in zip(new, certificates, strict=True):
                p["certificate_id"] = certificate.id
                p["status"] = "created"

    def action_open_certificates(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "utility.allowance.certificate",
            "view_mode": "list,form",
            "domain": [("id", "in", self.line_ids.certificate_id.ids)],
            "name": self.env._("Imported Certificates"),
        }

    def action_download_template(self):
        """A CSV with the expected header, to fill in."""
        return {
            "type": "ir.actions.act_url",
            "url": "/utility_billing/static/src/allowance_import_template.csv",
            "target": "download",
        }
