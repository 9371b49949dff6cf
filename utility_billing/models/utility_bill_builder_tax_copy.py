"""Tax journal items of a billing run's bills inserted in SQL.

A bill with output VAT and a government fund has two tax items besides its
product and receivable items. Through the ORM each of them costs what any
item costs (a new record to compute its precomputed fields, the move's loops
over its items), which made a taxed bill about 60% slower than an untaxed
one. The tax items of the bills of one batch differ only by their amounts:
account, tax, repartition line, tags, name, dates and journal are the same
for every bill with the same taxes.

So the first bill of the batch with a given set of tax items (the template)
is created by the ORM with all its items, as before; the other bills are
created by the ORM without their tax items, which are then inserted in SQL
as copies of the template's items, with the values that differ from bill to
bill (``TAX_ITEM_SET``) set exactly as Odoo computes them. Their tax and tag
relations are copied from the template's. Then what the ORM's create does
after its own INSERT is done: the fields that depend on items (the moves'
amounts, payment state) are marked for recomputation and the cached
one2many values are dropped. The moves' balance is checked by Odoo's own
check before they are posted.

Only columns this file knows are written: a column another module adds to
items (or another many2many) turns the copies off, and so do the context
key ``utility_tax_copy=False`` (what the comparison tests use to bill the
same bills through the ORM), a journal that hashes its entries and a tax
item with an analytic distribution or in another currency. A tax item
without a template in the batch is created by the ORM.
``TestBillingRunTaxes`` compares every stored value of copied bills with
the bills Odoo makes by create + action_post.
"""

from odoo import api, models
from odoo.tools import SQL

from .utility_bill_builder import _set_command_ids
from .utility_bulk_booking import tax_copy_refused, unknown_columns

# columns of a tax item that every bill of the batch with the same tax item
# key (``_utility_tax_item_key``) holds with the same value: copied from the
# template's item
TAX_ITEM_COPIED = frozenset(
    (
        "account_id",
        "analytic_distribution",
        "collapse_composition",
        "collapse_prices",
        "company_currency_id",
        "company_id",
        "create_date",
        "create_uid",
        "currency_id",
        "date",
        "date_maturity",
        "deductible_amount",
        "discount",
        "discount_amount_currency",
        "discount_balance",
        "discount_date",
        "display_type",
        "extra_tax_data",
        "full_reconcile_id",
        "group_tax_id",
        "invoice_date",
        "is_imported",
        "is_storno",
        "journal_id",
        "matching_number",
        "name",
        "no_followup",
        "parent_state",
        "payment_id",
        "price_subtotal",
        "price_total",
        "price_unit",
        "product_id",
        "product_uom_id",
        "quantity",
        "reconcile_model_id",
        "ref",
        "sequence",
        "statement_id",
        "statement_line_id",
        "tax_group_id",
        "tax_line_id",
        "tax_repartition_line_id",
        "write_date",
        "write_uid",
        # utility_billing: product line fields, empty on tax items
        "utility_charge_kind",
        "utility_register",
        "utility_tariff_block_id",
        "utility_tariff_version_id",
    )
)
# columns of a tax item set for each bill (``_utility_tax_item_values``)
TAX_ITEM_SET = (
    "id",
    "move_id",
    "move_name",
    "partner_id",
    "balance",
    "amount_currency",
    "debit",
    "credit",
    "tax_base_amount",
    "amount_residual",
    "amount_residual_currency",
    "reconciled",
)
# the many2many values of a tax item, copied from the template's rows
TAX_ITEM_RELATIONS = ("tax_ids", "tax_tag_ids")
# values of a tax item's vals that differ from bill to bill
TAX_ITEM_AMOUNTS = frozenset(("balance", "amount_currency", "tax_base_amount", "partner_id"))


class UtilityBillBuilder(models.AbstractModel):
    """Tax items of a batch's bills as SQL copies of a template bill's (see
    the module)."""

    _inherit = "utility.bill.builder"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _utility_tax_copy_allowed(self, journal):
        """Whether the tax items of this journal's bills may be copied at
        all: not refused by the context, a journal without hashing, and
        every column and many2many of items known to this file."""
        if tax_copy_refused(self.env) or journal.restrict_mode_hash_table:
            return False
        Item = self.env["account.move.line"]
        relations = {
            name
            for name, field in Item._fields.items()
            if field.store and field.type == "many2many"
        }
        return relations == set(TAX_ITEM_RELATIONS) and not unknown_columns(
            Item, TAX_ITEM_COPIED | set(TAX_ITEM_SET)
        )

    @api.model
    def _utility_tax_item_key(self, move_vals, tax_vals):
        """What the tax items of two bills must share for one to be a copy of
        the other: the move's journal, company, type and date, and every
        value of the item but its amounts and partner."""
        Item = self.env["account.move.line"]
        values = tuple(
            (name, _key_value(Item._fields[name], tax_vals.get(name)))
            for name in sorted(set(tax_vals) - TAX_ITEM_AMOUNTS | set(TAX_ITEM_RELATIONS))
        )
        return _move_key(move_vals) + (values,)

    @api.model
    def _utility_tax_record_key(self, move_vals, item, names):
        """``_utility_tax_item_key`` of an item made by the ORM."""
        values = tuple(
            (name, _key_value(item._fields[name], item[name], record=True)) for name in names
        )
        return _move_key(move_vals) + (values,)

    @api.model
    def _utility_tax_copy_plan(self, run, journal, vals_list):
        """Take the tax items out of the precomputed ``vals_list`` of the
        bills whose tax items can be copied from an earlier bill of the batch
        (the template, which keeps its own): ``{index of a bill: [(key, tax
        item values)]}``, empty when nothing can be copied."""
        if len(vals_list) < 2 or not self._utility_tax_copy_allowed(journal):
            return {}
        currency_id = run.company_id.currency_id.id
        templates, plan = set(), {}
        for index, vals in enumerate(vals_list):
            tax_vals_list = [
                command[2]
                for command in vals["line_ids"]
                if command[2].get("display_type") == "tax"
            ]
            if not tax_vals_list or any(
                tax_vals.get("analytic_distribution") or tax_vals.get("currency_id") != currency_id
                for tax_vals in tax_vals_list
            ):
                continue
            keys = [self._utility_tax_item_key(vals, tax_vals) for tax_vals in tax_vals_list]
            if None in (value for key in keys for _name, value in key[-1]) or len(set(keys)) != len(
                keys
            ):
                continue  # taxes given another way, or two items of one key
            if templates.issuperset(keys):
                plan[index] = list(zip(keys, tax_vals_list, strict=True))
                vals["line_ids"] = [
                    command
                    for command in vals["line_ids"]
                    if command[2].get("display_type") != "tax"
                ]
            else:
                templates.update(keys)
        return plan

    @api.model
    def _utility_insert_tax_items(self, moves, vals_list, plan):
        """Insert the tax items of ``plan`` (``_utility_tax_copy_plan``) into
        ``moves`` (in the order of ``vals_list``) as copies of their
        templates' items; an item without a template is created by the ORM.
        Then Odoo's own balance check of the moves."""
        Item = self.env["account.move.line"]
        # the templates' rows as Odoo wrote them; the moves' amounts are
        # computed once, with every item, at the next flush
        Item.flush_model()
        template_items = [
            (index, item)
            for index, move in enumerate(moves)
            if index not in plan
            for item in move.line_ids
            if item.display_type == "tax"
        ]
        by_names = {}

        def template_of(key):
            # the templates' items keyed by the same values as ``key``
            names = tuple(name for name, _value in key[-1])
            if names not in by_names:
                found = by_names[names] = {}
                for index, item in template_items:
                    record_key = self._utility_tax_record_key(vals_list[index], item, names)
                    found.setdefault(record_key, item)
            return by_names[names].get(key)

        rows, left = [], []
        for index, items in plan.items():
            move = moves[index]
            for key, tax_vals in items:
                template = template_of(key)
                if template is None:
                    left.append(dict(tax_vals, move_id=move.id))
                else:
                    rows.append((template, self._utility_tax_item_values(move, template, tax_vals)))
        if rows:
            self._utility_insert_tax_rows(rows)
        if left:
            # the ORM, as for any bill: the move is balanced once all its
            # items are there (checked below)
            Item.with_context(check_move_validity=False, skip_invoice_sync=True).create(left)
        # Odoo's own check (the context of the batch's create is not ours)
        with moves.with_context(check_move_validity=True)._check_balanced({"records": moves}):
            pass

    @api.model
    def _utility_tax_item_values(self, move, template, tax_vals):
        """The values of ``TAX_ITEM_SET`` (the id aside) of a tax item of
        ``move``, as Odoo computes them for an item of ``template``'s
        account (``_compute_debit_credit``, ``_compute_amount_residual``)."""
        currency = template.company_currency_id
        balance = currency.round(tax_vals["balance"])
        amount_currency = currency.round(tax_vals["amount_currency"])
        if template.is_storno:
            debit, credit = (
                (balance if balance < 0.0 else 0.0),
                (-balance if balance > 0.0 else 0.0),
            )
        else:
            debit, credit = (
                (balance if balance > 0.0 else 0.0),
                (-balance if balance < 0.0 else 0.0),
            )
        account = template.account_id
        residual = account.reconcile or account.account_type in (
            "asset_cash",
            "liability_credit_card",
        )
        return {
            "move_id": move.id,
            "move_name": move.name or None,
            "partner_id": tax_vals.get("partner_id") or None,
            "balance": balance,
            "amount_currency": amount_currency,
            "debit": debit,
            "credit": credit,
            "tax_base_amount": currency.round(tax_vals.get("tax_base_amount") or 0.0),
            "amount_residual": balance if residual else 0.0,
            "amount_residual_currency": amount_currency if residual else 0.0,
            "reconciled": bool(
                residual and currency.is_zero(balance) and currency.is_zero(amount_currency)
            ),
        }

    @api.model
    def _utility_insert_tax_rows(self, rows):
        """One INSERT of the items of ``rows`` (``(template item, values)``),
        one per many2many of their relations; then what the ORM's create does
        after its INSERT: the fields depending on items marked for
        recomputation, cached one2many values dropped."""
        Item = self.env["account.move.line"]
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                Item._table,
                len(rows),
            )
        )
        ids = [row[0] for row in cr.fetchall()]
        for new_id, (_template, values) in zip(ids, rows, strict=True):
            values["id"] = new_id
        columns = {
            name: field.column_type[1]
            for name, field in Item._fields.items()
            if field.store and field.column_type and name != "id"
        }
        columns["id"] = "int4"
        copied = sorted(set(columns) - set(TAX_ITEM_SET))
        row_code = "(%s::int4, " + ", ".join(f"%s::{columns[name]}" for name in TAX_ITEM_SET) + ")"
        cr.execute(
            SQL(
                "INSERT INTO %(table)s (%(columns)s) SELECT %(copied)s, %(set)s "
                "FROM (VALUES %(rows)s) AS v(template_id, %(names)s) "
                "JOIN %(table)s t ON t.id = v.template_id",
                table=SQL.identifier(Item._table),
                columns=SQL(", ").join(SQL.identifier(name) for name in (*copied, *TAX_ITEM_SET)),
                copied=SQL(", ").join(SQL.identifier("t", name) for name in copied),
                set=SQL(", ").join(SQL.identifier("v", name) for name in TAX_ITEM_SET),
                rows=SQL(", ").join(
                    SQL(row_code, template.id, *(values[name] for name in TAX_ITEM_SET))
                    for template, values in rows
                ),
                names=SQL(", ").join(SQL.identifier(name) for name in TAX_ITEM_SET),
            )
        )
        pairs = SQL(", ").join(
            SQL("(%s::int4, %s::int4)", values["id"], template.id) for template, values in rows
        )
        for name in TAX_ITEM_RELATIONS:
            field = Item._fields[name]
            cr.execute(
                SQL(
                    "INSERT INTO %(relation)s (%(column1)s, %(column2)s) "
                    "SELECT v.new_id, r.%(column2)s "
                    "FROM (VALUES %(pairs)s) AS v(new_id, template_id) "
                    "JOIN %(relation)s r ON r.%(column1)s = v.template_id",
                    relation=SQL.identifier(field.relation),
                    column1=SQL.identifier(field.column1),
                    column2=SQL.identifier(field.column2),
                    pairs=pairs,
                )
            )
        items = Item.browse(ids)
        # what Odoo's create does after its INSERT: the fields of other
        # records that depend on items (the moves' amounts) are marked for
        # recomputation (the copies' own values are all written: protected)
        with self.env.protecting(Item._fields.values(), items):
            items.modified(Item._fields, create=True)
        # cached one2many values of the records the copies point to (the
        # moves' items), as Odoo's create updates them
        for field in Item._fields.values():
            if field.type != "many2one":
                continue
            for inverse in self.env.registry.field_inverses[field]:
                self.env[inverse.model_name].invalidate_model([inverse.name], flush=False)
        return items


def _move_key(move_vals):
    """What the moves of two tax items must share for one to be a copy."""
    return (
        move_vals["journal_id"],
        move_vals["company_id"],
        move_vals["move_type"],
        move_vals["invoice_date"],
    )


def _key_value(field, value, record=False):
    """``value`` of ``field`` (as given in vals, or read on a record) in a
    form comparable between the two: ids for relations, False for empty
    values, None for x2many commands other than one ``Command.set``."""
    if field.type == "many2many":
        ids = value.ids if record else _set_command_ids(value)
        return None if ids is None else tuple(sorted(ids))
    if field.type == "many2one" and record:
        return value.id or False
    if isinstance(value, dict | list):
        return repr(value)
    return value or False
