"""The write permission of ``utility.protected.fields.mixin``, for models
that cannot inherit the mixin (``account.move``): the same list on the
database cursor, opened by server code only (see the mixin's docstring)."""

from contextlib import contextmanager

from ..models.utility_protected_fields_mixin import _PERMISSIONS_ATTR


@contextmanager
def protected_write(records):
    """Let the ``with`` block write the protected fields of ``records`` (of
    any record of the model, and create records with them, when
    ``records`` is empty)."""
    permissions = records.env.cr.__dict__.setdefault(_PERMISSIONS_ATTR, [])
    entry = (records._name, frozenset(records.ids) if records else None)
    permissions.append(entry)
    try:
        yield
    finally:
        permissions.remove(entry)


def has_protected_write(records):
    """Whether a ``protected_write`` block covers ``records``."""
    permissions = getattr(records.env.cr, _PERMISSIONS_ATTR, None)
    if not permissions:
        return False
    ids = set(records._ids)
    return any(
        model == records._name and (allowed is None or ids <= allowed)
        for model, allowed in permissions
    )
