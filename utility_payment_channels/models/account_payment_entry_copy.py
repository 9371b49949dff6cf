"""Journal entries of a batch of payments written as copies of an entry Odoo made.

A booking job of an agency file books hundreds of payments whose journal
entries all have the same shape: same company, journal, currency and date, the
same two plain items on the same two accounts, no tax, no analytic
distribution. Odoo's ``create`` and ``action_post`` compute each entry's values
one by one through the ORM, which is about half of the job's time.

Here Odoo creates and posts the first entry of each shape (the template), the
way it always does. The entries of the other payments of that shape are
inserted in SQL as copies of the template's rows, with the values that differ
from one payment to the next set from the payment, exactly as Odoo computes
them: partner, fiscal position, amounts, labels, number. Numbers come from
Odoo's own sequence cache (``_locked_increment``) once the template's number
has locked the sequence, so they follow the template without a gap.

Only columns known to be one or the other are written: a column that another
module adds to entries or items makes the batch fall back to Odoo's create for
every entry. ``test_payment_entry_copy`` compares every stored value of copied
entries with the entries Odoo books for the same payments.
"""

import re
from collections import defaultdict

from odoo import api, models
from odoo.tools import SQL

from odoo.addons.utility_billing.models.utility_bulk_booking import (
    bulk_booking,
    entry_copy_refused,
    no_analytic,
)

# columns of a payment's journal entry that every entry of the same shape
# (company, journal, currency, date, accounts of its two items) holds with the
# same value: copied from the template
ENTRY_COPIED = frozenset(
    (
        "access_token",
        "always_tax_exigible",
        "amount_residual",
        "amount_residual_signed",
        "amount_tax",
        "amount_tax_signed",
        "amount_untaxed",
        "amount_untaxed_in_currency_signed",
        "amount_untaxed_signed",
        "auto_post",
        "auto_post_origin_id",
        "auto_post_until",
        "checked",
        "company_id",
        "create_date",
        "create_uid",
        "currency_id",
        "date",
        "delivery_date",
        "inalterable_hash",
        "incoterm_location",
        "invoice_cash_rounding_id",
        "invoice_currency_rate",
        "invoice_date",
        "invoice_date_due",
        "invoice_incoterm_id",
        "invoice_origin",
        "invoice_payment_term_id",
        "invoice_source_email",
        "invoice_user_id",
        "is_manually_modified",
        "is_move_sent",
        "journal_id",
        "message_main_attachment_id",
        "move_type",
        "narration",
        "partner_shipping_id",
        "payment_reference",
        "payment_state",
        "posted_before",
        "qr_code_method",
        "quick_edit_total_amount",
        "reversed_entry_id",
        "secure_sequence_number",
        "sending_data",
        "state",
        "statement_line_id",
        "tax_cash_basis_origin_move_id",
        "tax_cash_basis_rec_id",
        "taxable_supply_date",
        "write_date",
        "write_uid",
        # utility_billing and utility_arrears: bill fields, empty on payments
        "utility_bill_delivered_date",
        "utility_bill_delivery",
        "utility_bill_held",
        "utility_billing_run_id",
        "utility_cancel_reason",
        "utility_category",
        "utility_consumption",
        "utility_contract_id",
        "utility_collection_hold",
        "utility_credited",
        "utility_deposit_contract_id",
        "utility_entry_kind",
        "utility_installment_plan_id",
        "utility_late_fee_accrued",
        "utility_late_fee_bill_id",
        "utility_late_fee_payment_id",
        "utility_late_fee_waiver_used",
        "utility_meter_id",
        "utility_period",
        "utility_period_end",
        "utility_period_start",
        "utility_service_point_id",
        "utility_station_id",
        "utility_writeoff_line_id",
    )
)
# columns of the entry set for each payment (``_utility_copy_entry_values``)
ENTRY_SET = (
    "origin_payment_id",
    "name",
    "sequence_prefix",
    "sequence_number",
    "made_sequence_gap",
    "ref",
    "partner_id",
    "commercial_partner_id",
    "invoice_partner_display_name",
    "preferred_payment_method_line_id",
    "partner_bank_id",
    "fiscal_position_id",
    "amount_total",
    "amount_total_signed",
    "amount_total_in_currency_signed",
)
# columns of an item the item at the same place in the template holds too
ITEM_COPIED = frozenset(
    (
        "analytic_distribution",
        "collapse_composition",
        "collapse_prices",
        "company_currency_id",
        "company_id",
        "create_date",
        "create_uid",
        "currency_id",
        "date",
        "deductible_amount",
        "discount",
        "discount_amount_currency",
        "discount_balance",
        "discount_date",
        "display_type",
        "extra_tax_data",
        "group_tax_id",
        "invoice_date",
        "is_imported",
        "is_storno",
        "journal_id",
        "no_followup",
        "parent_state",
        "price_unit",
        "product_id",
        "product_uom_id",
        "quantity",
        "reconcile_model_id",
        "sequence",
        "statement_id",
        "statement_line_id",
        "tax_base_amount",
        "tax_group_id",
        "tax_line_id",
        "tax_repartition_line_id",
        "write_date",
        "write_uid",
        # utility_billing: bill line fields, empty on payments
        "utility_charge_kind",
        "utility_register",
        "utility_tariff_block_id",
        "utility_tariff_version_id",
    )
)
# columns of an item set for each payment
ITEM_SET = (
    "move_id",
    "move_name",
    "ref",
    "payment_id",
    "partner_id",
    "account_id",
    "name",
    "date_maturity",
    "debit",
    "credit",
    "balance",
    "amount_currency",
    "amount_residual",
    "amount_residual_currency",
    "price_subtotal",
    "price_total",
    "reconciled",
    "matching_number",
    "full_reconcile_id",
)


def _columns(model):
    """Stored columns of ``model`` as the ORM knows them."""
    return {
        name: field.column_type[1]
        for name, field in model._fields.items()
        if field.store and field.column_type and name != "id"
    }


class AccountPayment(models.Model):
    _inherit = "account.payment"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _utility_entry_copy_allowed(self):
        """Whether entries may be copied at all: every column of entries and
        items is one this file knows, and no analytic rule can apply."""
        if entry_copy_refused(self.env):
            return False
        if not no_analytic(self.env):
            return False
        return set(_columns(self.env["account.move"])) <= ENTRY_COPIED | set(ENTRY_SET) and set(
            _columns(self.env["account.move.line"])
        ) <= ITEM_COPIED | set(ITEM_SET)

    def _utility_entry_copy_plan(self, move_vals_list, completed):
        """Which entries can be copied: ``{index of a payment: index of the
        payment of its template}``, in the order of ``self``. The template of
        a shape is the payment Odoo would number first (date, memo, order)."""
        if len(self) < 2 or not self._utility_entry_copy_allowed():
            return {}
        shapes = defaultdict(list)
        for index, (payment, move_vals) in enumerate(zip(self, move_vals_list, strict=True)):
            if (
                payment.id not in completed
                or "fiscal_position_id" not in move_vals
                # (Odoo names the creator instead of a customer without a name)
                or not payment.partner_id.display_name
                or payment.journal_id.restrict_mode_hash_table
            ):
                continue
            items = [command[2] for command in move_vals["line_ids"]]
            shape = (
                move_vals["company_id"],
                move_vals["journal_id"],
                move_vals["currency_id"],
                move_vals["date"],
                move_vals["move_type"],
                tuple((vals["account_id"], vals["currency_id"]) for vals in items),
            )
            shapes[shape].append(index)
        plan = {}
        for indexes in shapes.values():
            indexes.sort(key=numbering_order(move_vals_list))
            plan.update((index, indexes[0]) for index in indexes[1:])
        return plan

    def _utility_copy_entries(self, templates, move_vals_list, plan):
        """Insert the entries of the payments at the indexes of ``plan`` as
        copies of their templates (``templates``: {payment id: its posted
        entry}). Returns the indexes of the payments whose template could not
        be copied after all (left to Odoo)."""
        by_template = defaultdict(list)
        for index, template_index in plan.items():
            by_template[self[template_index].id].append(index)
        left = []
        rows, item_rows = [], []
        for template_payment_id, indexes in by_template.items():
            template = templates.get(template_payment_id)
            names = template and self._utility_copy_names(template, len(indexes))
            if not names:
                left += indexes
                continue
            template_items = template.line_ids.sorted("id")
            direction = template.direction_sign
            for index, name in zip(sorted(indexes, key=numbering_order(move_vals_list)), names):
                payment = self[index]
                move_vals = move_vals_list[index]
                items = [command[2] for command in move_vals["line_ids"]]
                rows.append(
                    (
                        template.id,
                        payment._utility_copy_entry_values(move_vals, items, name, direction),
                    )
                )
                item_rows.append((payment.id, template_items, items, name, move_vals["ref"]))
        if rows:
            self._utility_insert_copies(rows, item_rows)
        return left

    @api.model
    def _utility_copy_names(self, template, count):
        """The ``count`` numbers following the template's, from Odoo's
        sequence cache of this transaction (the template's number locked the
        sequence); ``None`` when the cache does not hold it."""
        if (
            not template.name
            or template.name == "/"
            or template.state != "posted"
            or len(template.line_ids) != 2
            or _has_many2many_values(template)
            or _has_many2many_values(template.line_ids)
        ):
            return None
        format_string, format_values = template._get_next_sequence_format()
        values = dict(format_values)
        values.pop("seq")
        index_value = template._sequence_index and template[template._sequence_index]
        key = (format_string.format(**values, seq=0), index_value)
        if key not in template._get_sequence_cache():
            return None
        # Odoo's own increment: from the cache, no query, no savepoint
        return [
            template._locked_increment(format_string, dict(format_values)) for _i in range(count)
        ]

    def _utility_copy_entry_values(self, move_vals, items, name, direction):
        """The values of ``ENTRY_SET`` for the entry of this payment, as Odoo
        computes them for a two-item entry in the company currency."""
        self.ensure_one()
        Move = self.env["account.move"]
        regex = Move._make_regex_non_capturing(Move._sequence_fixed_regex.replace(r"?P<seq>", ""))
        matching = re.match(regex, name)
        partner = self.env["res.partner"].browse(move_vals["partner_id"])
        currency = self.company_id.currency_id
        total = sum(vals["debit"] - vals["credit"] for vals in items if vals["debit"])
        total_currency = sum(vals["amount_currency"] for vals in items if vals["debit"])
        amount_total = currency.round(direction * total_currency)
        return {
            "origin_payment_id": self.id,
            "name": name,
            "sequence_prefix": name[: matching.start(1)],
            "sequence_number": int(matching.group(1) or 0),
            "made_sequence_gap": False,
            "ref": move_vals["ref"] or None,
            "partner_id": partner.id or None,
            "commercial_partner_id": partner.commercial_partner_id.id or None,
            "invoice_partner_display_name": partner.display_name,
            "preferred_payment_method_line_id": partner.with_company(
                self.company_id
            ).property_outbound_payment_method_line_id.id
            or None,
            "partner_bank_id": move_vals["partner_bank_id"] or None,
            "fiscal_position_id": move_vals["fiscal_position_id"] or None,
            "amount_total": amount_total,
            "amount_total_signed": abs(currency.round(total)),
            "amount_total_in_currency_signed": abs(amount_total),
        }

    @api.model
    def _utility_insert_copies(self, rows, item_rows):
        """One INSERT for the entries, one for their items; then what Odoo's
        create does around its own INSERT: dependent fields of other records
        marked for recomputation, cached one2many values dropped."""
        Move, Item = self.env["account.move"], self.env["account.move.line"]
        self.env.flush_all()  # the templates' rows as Odoo wrote them
        inserted = _insert_copies(self.env.cr, Move, ENTRY_SET, rows, "origin_payment_id")
        move_of_payment = {payment_id: move_id for move_id, payment_id in inserted}
        moves = Move.browse(move_of_payment.values())

        accounts = self.env["account.account"].browse(
            {vals["account_id"] for _p, _t, items, _n, _r in item_rows for vals in items}
        )
        with_residual = {
            account.id
            for account in accounts
            if account.reconcile or account.account_type in ("asset_cash", "liability_credit_card")
        }
        types = {account.id: account.account_type for account in accounts}
        item_values = []
        for payment_id, template_items, items, name, ref in item_rows:
            for template_item, vals in zip(template_items, items, strict=True):
                currency = template_item.company_currency_id
                balance = currency.round(vals["debit"] - vals["credit"])
                residual = vals["account_id"] in with_residual
                values = {
                    "move_id": move_of_payment[payment_id],
                    "move_name": name,
                    "ref": ref or None,
                    "payment_id": payment_id,
                    "partner_id": vals["partner_id"] or None,
                    "account_id": vals["account_id"],
                    "name": vals["name"] or None,
                    "date_maturity": vals["date_maturity"] or None,
                    "debit": vals["debit"],
                    "credit": vals["credit"],
                    "balance": balance,
                    "amount_currency": vals["amount_currency"],
                    "amount_residual": balance if residual else 0.0,
                    "amount_residual_currency": vals["amount_currency"] if residual else 0.0,
                    "price_subtotal": vals["price_subtotal"],
                    "price_total": vals["price_total"],
                    "reconciled": False,
                    "matching_number": None,
                    "full_reconcile_id": None,
                }
                item_values.append((template_item.id, values))
        inserted = _insert_copies(self.env.cr, Item, ITEM_SET, item_values, "id")
        items = Item.browse([item_id for item_id, _id in inserted])

        # what Odoo's posting does for an entry: the partners of its
        # receivable items ranked as customers, of its payable items as
        # suppliers, once per entry (written once for the batch)
        ranks = {"asset_receivable": "customer_rank", "liability_payable": "supplier_rank"}
        counts = defaultdict(int)
        for _payment_id, _template_items, items_vals, _name, _ref in item_rows:
            ranked = {
                (ranks[types[vals["account_id"]]], vals["partner_id"])
                for vals in items_vals
                if vals["partner_id"] and types[vals["account_id"]] in ranks
            }
            for key in ranked:
                counts[key] += 1
        with bulk_booking(self.env, skip_known_rank=True, ranks_at_end=True) as env:
            Partner = env["res.partner"]
            for (field, partner_id), count in counts.items():
                partner = Partner.browse(partner_id)
                (partner | partner.commercial_partner_id)._increase_rank(field, count)

        # what Odoo's create does after its INSERT: the fields of other records
        # that depend on entries and items are marked for recomputation (the
        # copies' own values are all written: protected)
        with self.env.protecting([(Move._fields.values(), moves), (Item._fields.values(), items)]):
            moves.modified(Move._fields, create=True)
            items.modified(Item._fields, create=True)
        # cached one2many values of the records the copies point to (what
        # Odoo's create updates through the inverses of their many2one fields)
        for model in (Move, Item):
            for field in model._fields.values():
                if field.type != "many2one":
                    continue
                for inverse in self.env.registry.field_inverses[field]:
                    self.env[inverse.model_name].invalidate_model([inverse.name], flush=False)
        return moves


def numbering_order(move_vals_list):
    """Sort key of payment indexes in the order Odoo numbers their entries
    (all of one date here): memo, then creation."""
    return lambda index: (move_vals_list[index]["ref"] or "", index)


def _has_many2many_values(records):
    """Whether ``records`` hold a stored many2many value (copies would not)."""
    return any(
        field.type == "many2many" and field.store and records[name]
        for name, field in records._fields.items()
    )


def _insert_copies(cr, model, set_names, rows, returned):
    """Insert one row of ``model``'s table per ``(template id, values)`` of
    ``rows``, in order: the template row's columns, but ``set_names`` taken
    from ``values``. Returns ``(id, returned column)`` per row inserted."""
    columns = _columns(model)
    copied = sorted(set(columns) - set(set_names))
    # each value typed as its column (a VALUES list has no column types)
    row_code = (
        "(%s::int4, %s::int4, " + ", ".join(f"%s::{columns[name]}" for name in set_names) + ")"
    )
    query = SQL(
        "INSERT INTO %(table)s (%(columns)s) SELECT %(copied)s, %(set)s "
        "FROM (VALUES %(rows)s) AS v(template_id, row_no, %(names)s) "
        "JOIN %(table)s t ON t.id = v.template_id ORDER BY v.row_no "
        "RETURNING id, %(returned)s",
        table=SQL.identifier(model._table),
        columns=SQL(", ").join(SQL.identifier(name) for name in (*copied, *set_names)),
        copied=SQL(", ").join(SQL.identifier("t", name) for name in copied),
        set=SQL(", ").join(SQL.identifier("v", name) for name in set_names),
        rows=SQL(", ").join(
            SQL(row_code, template_id, row_no, *(values[name] for name in set_names))
            for row_no, (template_id, values) in enumerate(rows)
        ),
        names=SQL(", ").join(SQL.identifier(name) for name in set_names),
        returned=SQL.identifier(returned),
    )
    cr.execute(query)
    return cr.fetchall()
