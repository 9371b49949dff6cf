"""Row locks taken without waiting.

Billing runs, dunning runs, agency imports and cashier sessions refuse a
second user or job at once instead of making it wait for the first one (and
then fail on a unique index or do the work twice): each takes its rows with
``lock_nowait`` and, when another transaction holds them, says so clearly.
"""

from psycopg2 import errors as pgerrors

from odoo.tools import SQL


def lock_nowait(records):
    """Row-lock ``records`` (``FOR NO KEY UPDATE``) for this transaction
    without waiting. True when locked (or nothing to lock), False when another
    transaction holds one of them; the refused attempt is rolled back to a
    savepoint and not logged as a database error."""
    if not records:
        return True
    cr = records.env.cr
    try:
        with cr.savepoint(flush=False):
            cr.execute(
                SQL(
                    "SELECT id FROM %s WHERE id IN %s FOR NO KEY UPDATE NOWAIT",
                    SQL.identifier(records._table),
                    tuple(records.ids),
                ),
                log_exceptions=False,
            )
    except pgerrors.LockNotAvailable:
        return False
    return True
