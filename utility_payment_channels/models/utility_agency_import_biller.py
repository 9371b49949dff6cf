import io
from decimal import Decimal

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools.misc import formatLang

from odoo.addons.utility_billing.tools.new_name import is_new_name

from .utility_agency_import_line import LINE_CATEGORIES

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
