"""Every lock the utility add-ons take, in one place.

Two kinds, one helper each:

* **Row locks** (``lock_nowait``, ``lock_rows``). Billing runs, dunning runs,
  agency imports and cashier sessions refuse a second user or job at once
  (``lock_nowait``) instead of making it wait for the first one and then fail
  on a unique index or do the work twice; the payment paths lock the bills
  they pay (``lock_rows``, waiting, in id order so that two batches never
  deadlock, or without waiting at a counter).
* **Advisory locks** (``try_advisory_lock``, ``advisory_lock``) on a value
  that has no row yet: a terminal's transaction id while it is booked, an
  agency file's content while it is imported. Their keys live in one
  namespace: the first key names the kind (``ADVISORY_KINDS``), the second is
  PostgreSQL's ``hashtext`` of the value. All are transaction-level: released
  at commit or rollback.
"""

from psycopg2 import errors as pgerrors

from odoo.tools import SQL

# first key of the advisory locks, one per kind of value locked (four ASCII
# letters read as a 32-bit integer, so that a lock is recognisable in
# pg_locks): a new kind gets its own entry here, never a literal elsewhere
ADVISORY_KINDS = {
    "terminal_txn": 0x5554584E,  # "UTXN": a terminal's transaction id
    "agency_file": 0x55414746,  # "UAGF": an agency file (agency, content hash)
}

ROW_LOCK_MODES = ("FOR UPDATE", "FOR NO KEY UPDATE")


def _row_lock_sql(records, mode, nowait):
    if mode not in ROW_LOCK_MODES:
        raise ValueError(f"unknown row lock mode {mode!r}")
    return SQL(
        "SELECT id FROM %s WHERE id IN %s ORDER BY id %s%s",
        SQL.identifier(records._table),
        tuple(records.ids),
        SQL(mode),
        SQL(" NOWAIT") if nowait else SQL(""),
    )


def lock_nowait(records, mode="FOR NO KEY UPDATE"):
    """Row-lock ``records`` for this transaction without waiting. True when
    locked (or nothing to lock), False when another transaction holds one of
    them; the refused attempt is rolled back to a savepoint and not logged as
    a database error. ``FOR NO KEY UPDATE`` by default: rows that other
    records reference may still be referenced meanwhile."""
    if not records:
        return True
    cr = records.env.cr
    try:
        with cr.savepoint(flush=False):
            cr.execute(_row_lock_sql(records, mode, nowait=True), log_exceptions=False)
    except pgerrors.LockNotAvailable:
        return False
    return True


def lock_rows(records, mode="FOR UPDATE"):
    """Row-lock ``records`` for this transaction, waiting for other
    transactions to release them; in id order, so that two transactions
    locking overlapping sets never deadlock."""
    if records:
        records.env.cr.execute(_row_lock_sql(records, mode, nowait=False))


def _advisory_key(kind, value):
    return SQL("%s, hashtext(%s)", ADVISORY_KINDS[kind], str(value))


def try_advisory_lock(cr, kind, value):
    """Take the transaction-level advisory lock of ``value`` (a string) of
    ``kind`` (a key of ``ADVISORY_KINDS``) without waiting: True when taken,
    False when another transaction holds it."""
    cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s)", _advisory_key(kind, value)))
    return cr.fetchone()[0]


def advisory_lock(cr, kind, value):
    """Take the transaction-level advisory lock of ``value`` of ``kind``,
    waiting until the transaction holding it ends."""
    cr.execute(SQL("SELECT pg_advisory_xact_lock(%s)", _advisory_key(kind, value)))
