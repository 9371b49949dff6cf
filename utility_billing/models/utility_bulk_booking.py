"""Bulk booking: every shortcut past Odoo's record-by-record create and post.

A billing run creates and posts hundreds of bills per job, an agency file
hundreds of payments. Odoo's create and post compute, check and write each
record alone; the add-ons replace some of that work by the same work done
once per batch. Each replacement is switched by one flag below, set and read
only through this module, so that whatever bypasses Odoo is found here. Each
one falls back to Odoo's own code whenever its guard cannot prove the answer
is the same, and a test compares its result value by value with Odoo's.

``bulk_booking(env, ...)`` switches them for a block and yields the env to
create or post with; ``bulk_context(...)`` gives the same flags as context
keys for a caller that builds its own context.

Flags (context keys unless said otherwise):

``BATCH_COMPANY_CHECK`` (``utility_batch_company_check``)
    Replaces: ``_check_company`` of ``account.move``, ``account.move.line``
    and ``account.payment``, which checks every record and field alone.
    Instead: ``companies_consistent`` (``tools/company_check.py``) checks the
    union of the linked records once per company and field.
    Guard: only for more than one record; when the union is not found
    consistent, Odoo's own check runs and raises its own error.
    Compared: ``TestBillingRunLines``
    ``.test_batch_company_check_still_refuses_another_companys_records``.
    Set by: the billing run's create, the payment batch's create and the
    creation and posting of payment entries.

``SKIP_KNOWN_RANK`` (``utility_skip_known_rank``)
    Replaces: ``res.partner._increase_rank`` raising the customer (supplier)
    rank of every partner of every posted move, one tracked write each after
    the commit.
    Instead: partners already ranked are left alone (a utility customer's
    rank only says "customer"); partners still at 0 are ranked as Odoo does.
    Guard: none needed: a partner at 0 always gets Odoo's increase.
    Compared: ``TestBillingRunLines``
    ``.test_batch_posting_ranks_new_customers_and_leaves_ranked_ones_alone``,
    ``TestPaymentEntryCopy.test_copied_entries_hold_what_odoo_stores``.

``PENDING_RANKS`` (cursor cache ``utility_billing.pending_ranks``, with ``ranks_at_end``)
    Replaces: one partner write per posted move for the partners still at 0.
    Instead: the increases are noted and written at the end of the block,
    one write per field and value.
    Guard: only under ``SKIP_KNOWN_RANK``; nothing is written if the block
    raises.
    Compared: the same tests as ``SKIP_KNOWN_RANK``.

``SEQUENCE_FORMATS`` (cursor cache ``utility_billing.sequence_formats``)
    Replaces: ``account.move._get_next_sequence_format``, one lookup of the
    journal's last number per posted move.
    Instead: the format (never a number) is looked up once per journal,
    date, move type, payment origin and sequence index; the numbers come
    from Odoo's own increment (``_locked_increment``).
    Guard: self-billing journals are left to Odoo.
    Compared: ``TestBillingRunLines.test_batch_bills_are_numbered_without_gaps_and_can_be_paid``,
    ``test_batches_continue_the_journal_numbering_without_gaps``.

``NO_ANALYTIC`` (``utility_no_analytic``)
    Replaces: the analytic distribution Odoo computes item by item for the
    items of payment entries (``_prepare_move_line_default_vals``).
    Instead: an empty distribution, given.
    Guard: set only when no ``account.analytic.distribution.model`` exists
    (``account.payment._utility_entry_post_context``).
    Compared: ``TestPaymentBatch.test_single_and_batch_entries_are_what_odoo_books``.

``ENTRY_COPY`` (``utility_entry_copy``)
    Replaces: Odoo's create and post of the journal entries of a payment
    batch (``account_payment_entry_copy.py``).
    Instead: entries of one shape are SQL copies of the first one Odoo made.
    Guard: only under ``NO_ANALYTIC`` and when every column of entries and
    items is one the copy knows (its whitelist); ``utility_entry_copy=False``
    in the context turns the copy off (what the comparison tests do).
    Compared: ``TestPaymentEntryCopy`` (every stored value of copies and of
    Odoo's entries for the same payments).

``TAX_COPY`` (``utility_tax_copy``)
    Replaces: Odoo's create of the tax items of a billing run's bills
    (``utility_bill_builder_tax_copy.py``).
    Instead: the first bill of the batch with a given set of tax items is
    created with them by the ORM; the tax items of the other bills are SQL
    copies of its items, with the amounts, move and partner of each bill,
    and their tax and tag relations copied; then the moves' amounts are
    recomputed and Odoo's balance check runs, before the post.
    Guard: only with precomputed lines (``_utility_can_precompute_lines``),
    when every column and many2many of items is one the copy knows (its
    whitelist), on a journal without hashing, for tax items in the company
    currency without analytic distribution; ``utility_tax_copy=False`` in
    the context turns the copy off (what the comparison tests do).
    Compared: ``TestBillingRunTaxes`` (every stored value of copied bills
    and of Odoo's bills, their credit notes and payments).

Shortcuts without a flag, guarded by the columns they write
(``unknown_columns``: a stored column they do not know sends them to the
ORM), each one with its own comparison test:

* the journal entries copied in SQL (``ENTRY_COPY`` above, whitelist in
  ``utility_payment_channels/models/account_payment_entry_copy.py``);
* the dunning activities and followers inserted in SQL
  (``utility.dunning.action._insert_activities`` in utility_arrears), which
  notify the assigned users as ``mail.activity.create`` does;
* Odoo's check that cash-basis and other taxes share no tag
  (``account.move.line._check_caba_non_caba_shared_tags``) runs only on
  the items bearing a tax exigible on payment, the only ones it can
  refuse (``TestBillingRunTaxes
  .test_taxes_due_on_payment_still_cannot_share_tags_with_others``);
* the dunning notes logged with one ``_message_create``
  (``account.move._utility_message_log_batch`` in utility_arrears), which
  fall back to Odoo's ``_message_log_batch`` when a module overrides it.

Odoo's own ``skip_invoice_sync``, ``skip_analytic_sync`` and ``skip_invoice_line_sync``
    Replaces: the dynamic-line synchronisation of a billing run's bills
    (product, tax and receivable lines; each line's balance and amount
    currency, read with its ``price_subtotal``).
    Instead: every line given complete by ``utility.bill.builder
    ._utility_precompute_lines`` (tax lines from Odoo's own ``account.tax``
    helpers, ``_utility_tax_lines``); ``price_subtotal``/``price_total``
    given and removed from the to-compute list after the create.
    Guard: ``_utility_can_precompute_lines`` (company currency; percent,
    fixed or division taxes due on the invoice; no analytic tax lines with
    a distribution model; no early-payment discount on a taxed bill).
    Compared: ``TestBillingRunLines``, ``TestBillingRunTaxes``.

``BATCH_CONTEXT`` (Odoo's ``tracking_disable``, ``mail_create_nolog``, ``mail_notrack``)
    Mass creation of payments with no "created" message nor tracking values
    (``quiet=True``); the chatter stays on for what a person does.
"""

from collections import defaultdict
from contextlib import ExitStack, contextmanager

from ..tools.company_check import companies_consistent

BATCH_COMPANY_CHECK = "utility_batch_company_check"
SKIP_KNOWN_RANK = "utility_skip_known_rank"
NO_ANALYTIC = "utility_no_analytic"
ENTRY_COPY = "utility_entry_copy"
TAX_COPY = "utility_tax_copy"
# cursor caches (live for one block on one cursor)
PENDING_RANKS = "utility_billing.pending_ranks"
SEQUENCE_FORMATS = "utility_billing.sequence_formats"
# mass creation: no tracking values, no "created" message per record
BATCH_CONTEXT = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}


def bulk_context(*, company_check=False, skip_known_rank=False, no_analytic=False, quiet=False):
    """The context keys switching the given shortcuts (see the module)."""
    context = dict(BATCH_CONTEXT) if quiet else {}
    if company_check:
        context[BATCH_COMPANY_CHECK] = True
    if skip_known_rank:
        context[SKIP_KNOWN_RANK] = True
    if no_analytic:
        context[NO_ANALYTIC] = True
    return context


@contextmanager
def _cursor_cache(env, key, factory):
    """``env.cr.cache[key]`` for the block: ``(value, owned)``. A block
    within another one with the same key shares the outer one's value and
    does not own it (the outer block ends it)."""
    cache = env.cr.cache
    if key in cache:
        yield cache[key], False
        return
    cache[key] = value = factory()
    try:
        yield value, True
    finally:
        cache.pop(key, None)


@contextmanager
def bulk_booking(
    env,
    *,
    company_check=False,
    skip_known_rank=False,
    ranks_at_end=False,
    sequence_formats=False,
    no_analytic=False,
    quiet=False,
):
    """Switch the given shortcuts for the block (see the module) and yield
    the env to create or post with. ``ranks_at_end`` writes the ranks noted
    under ``skip_known_rank`` once the block ends without error;
    ``sequence_formats`` reuses numbering formats within the block."""
    context = bulk_context(
        company_check=company_check,
        skip_known_rank=skip_known_rank,
        no_analytic=no_analytic,
        quiet=quiet,
    )
    with ExitStack() as stack:
        if sequence_formats:
            stack.enter_context(_cursor_cache(env, SEQUENCE_FORMATS, dict))
        if ranks_at_end:
            pending, owned = stack.enter_context(
                _cursor_cache(env, PENDING_RANKS, lambda: defaultdict(int))
            )
        yield env(context=dict(env.context, **context)) if context else env
    # once the cache is closed: the writes note nothing more
    if ranks_at_end and owned:
        _write_ranks(env, pending)


def _write_ranks(env, pending):
    """One write per field and increase of the ranks noted in ``pending``."""
    groups = defaultdict(list)
    for (field, partner_id), increase in pending.items():
        groups[field, increase].append(partner_id)
    for (field, increase), partner_ids in groups.items():
        env["res.partner"].browse(partner_ids).sudo().write({field: increase})


# readers of the flags, for the overrides the shortcuts live in


def batch_checked(records, fnames=None):
    """True when ``records`` are a batch created under ``BATCH_COMPANY_CHECK``
    whose companies ``companies_consistent`` finds consistent: their
    ``_check_company`` override then skips Odoo's record-by-record check."""
    return bool(
        len(records) > 1
        and records.env.context.get(BATCH_COMPANY_CHECK)
        and companies_consistent(records, fnames)
    )


def skips_known_rank(env):
    """Whether ``_increase_rank`` leaves partners already ranked alone."""
    return bool(env.context.get(SKIP_KNOWN_RANK))


def pending_ranks(env):
    """The ``{(field, partner id): increase}`` noted for the end of the
    ``ranks_at_end`` block, or None outside one."""
    return env.cr.cache.get(PENDING_RANKS)


def cached_sequence_formats(env):
    """The numbering formats reused within a ``sequence_formats`` block
    (``{key: (format, values)}``), or None outside one."""
    return env.cr.cache.get(SEQUENCE_FORMATS)


def no_analytic(env):
    """Whether payment entry items get no analytic distribution (none can
    apply: no distribution model exists)."""
    return bool(env.context.get(NO_ANALYTIC))


def entry_copy_refused(env):
    """Whether the caller turned the copy of payment entries off
    (``utility_entry_copy=False``, as the comparison tests do)."""
    return env.context.get(ENTRY_COPY) is False


def tax_copy_refused(env):
    """Whether the caller turned the copy of bills' tax items off
    (``utility_tax_copy=False``, as the comparison tests do)."""
    return env.context.get(TAX_COPY) is False


def unknown_columns(model, known):
    """The stored columns of ``model`` (as the ORM knows them, every module
    installed) outside ``known``: a shortcut writing rows in SQL falls back
    to the ORM when there is any (a column another module added may be
    required or computed, which the ORM fills and an INSERT would not)."""
    return {
        name
        for name, field in model._fields.items()
        if field.store and field.column_type and name != "id"
    } - set(known)
