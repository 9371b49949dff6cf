import math
from contextlib import contextmanager

from odoo import Command, api, models
from odoo.exceptions import AccessError, UserError

from ..tools.new_name import is_new_name

# beyond this a float field's value is no amount nor quantity of a utility
# (and Odoo's rounding of it overflows): refused with a clear error, not a 500
NUMBER_LIMIT = 1e15

# Name of the attribute of the database cursor that holds the open write
# permissions: a list of (model name, frozenset of ids, or None for the whole
# model). Only Python code running in the server can set it; nothing a client
# sends (values, context keys) reaches it.
_PERMISSIONS_ATTR = "_utility_protected_write_permissions"
# Set on the cursor while ``load()`` (the import of a file, callable by RPC)
# runs, so that the data it loads gets no permission.
_IMPORTING_ATTR = "_utility_protected_write_importing"


class UtilityProtectedFieldsMixin(models.AbstractModel):
    """Fields that only the model's own actions change, whoever asks.

    The shape of ``account.move.write``: a model lists in
    ``_utility_protected_fields()`` its workflow fields (states, approvers,
    counted and handed-in totals, payments and bills a record is linked to,
    dates an action stamps), and in ``_utility_create_only_fields()`` the
    fields given once at creation (the customer of an order, the hall of a
    session, its opening float). ``write`` and ``create`` refuse them with an
    ``AccessError`` naming the fields, for every user, Collection Managers and
    administrators included, with or without ``sudo()``:

    * ``write`` refuses any protected or create-only field;
    * ``create`` refuses a protected field whose value is not the field's
      declared default (``state='draft'`` passes; the context's
      ``default_*`` keys are not considered, a client sends any context);
    * computed fields without an inverse are protected as well: writing them
      would store a figure (a counted total, an expected amount) that no
      computation produced.

    The model's action methods are the only writers. After their own checks
    (state, the acting user's groups, amounts) they open a server-side
    permission around their writes::

        with self._utility_protected_write():
            self.write({"state": "closed"})

    The permission lives on the database cursor, for the records of ``self``
    (or the whole model when ``self`` is empty, to create records), and is
    removed when the block ends. A JSON-RPC client reaches only public
    methods with values and a context, so it cannot open it: a context key
    would not do, a client can send any. Data files and demo data get the
    permission while they are loaded (``_load_records``), but not files
    imported by a user through ``load()``.
    """

    _name = "utility.protected.fields.mixin"
    _description = "Utility: fields only actions change"

    # -- what a model protects ------------------------------------------------
    @api.model
    def _utility_protected_fields(self):
        """Names of the fields that only the model's actions write."""
        return set()

    @api.model
    def _utility_create_only_fields(self):
        """Names of the fields given at creation and never written after."""
        return set()

    @api.model
    def _utility_computed_protected_fields(self):
        """Computed fields a client cannot set: no inverse, read-only."""
        return {
            name
            for name, field in self._fields.items()
            if field.compute and not field.inverse and field.readonly
        }

    @api.model
    def _utility_write_protected_fields(self):
        """Every field a ``write`` outside the actions is refused for."""
        return (
            set(self._utility_protected_fields())
            | set(self._utility_create_only_fields())
            | self._utility_computed_protected_fields()
        )

    # -- the permission ------------------------------------------------------
    @contextmanager
    def _utility_protected_write(self):
        """Let the code of the ``with`` block write the protected fields of
        the records of ``self`` (of any record of the model, and create
        records with them, when ``self`` is empty). Call it in an action,
        after the action's own checks."""
        permissions = self.env.cr.__dict__.setdefault(_PERMISSIONS_ATTR, [])
        entry = (self._name, frozenset(self.ids) if self else None)
        permissions.append(entry)
        try:
            yield
        finally:
            permissions.remove(entry)

    def _utility_has_protected_write(self):
        permissions = getattr(self.env.cr, _PERMISSIONS_ATTR, None)
        if not permissions:
            return False
        ids = set(self._ids)
        return any(
            model == self._name and (allowed is None or ids <= allowed)
            for model, allowed in permissions
        )

    def _utility_raise_protected(self, names):
        descriptions = sorted(self._fields[name]._description_string(self.env) for name in names)
        raise AccessError(
            self.env._(
                "%(model)s: %(fields)s can only be changed by the buttons of the form "
                "(its actions), not by editing the record.",
                fields=", ".join(descriptions),
                model=self.env["ir.model"]._get(self._name).name,
            )
        )

    # -- the checks ----------------------------------------------------------
    def _utility_is_default_value(self, name, value):
        """Whether ``value`` given at creation is the field's declared default
        (or empty, for a field without a default)."""
        field = self._fields[name]
        default = field.default(self) if field.default else False
        try:
            if field.type in ("one2many", "many2many"):
                # only "nothing linked" is the default of a link list
                return all(
                    command[0] == Command.CLEAR or (command[0] == Command.SET and not command[2])
                    for command in value or []
                )
            return field.convert_to_cache(value, self, validate=False) == field.convert_to_cache(
                default, self, validate=False
            )
        except (TypeError, ValueError):
            return False

    def _utility_numbered_vals(self, vals_list, sequence_code):
        """``vals_list`` of a numbered document about to be created: the
        placeholder name a form sends is dropped, protected fields are
        refused (``_utility_check_protected_create``), and each record gets
        the next number of ``sequence_code``. The caller creates them under
        ``_utility_protected_write()`` (the name is protected)."""
        for vals in vals_list:
            if is_new_name(self, vals.get("name")):
                vals.pop("name", None)
        self._utility_check_protected_create(vals_list)
        sequence = self.env["ir.sequence"]
        for vals in vals_list:
            vals["name"] = sequence.next_by_code(sequence_code) or self.env._("New")
        return vals_list

    def _utility_check_protected_create(self, vals_list):
        if self._utility_has_protected_write():
            return
        protected = set(self._utility_protected_fields()) | (
            self._utility_computed_protected_fields()
        )
        refused = set()
        for vals in vals_list:
            refused |= {
                name
                for name in protected.intersection(vals)
                if not self._utility_is_default_value(name, vals[name])
            }
        if refused:
            self._utility_raise_protected(refused)

    def _utility_check_protected_write(self, vals):
        refused = self._utility_write_protected_fields().intersection(vals)
        if refused and not self._utility_has_protected_write():
            self._utility_raise_protected(refused)

    def _utility_check_numbers(self, vals):
        """Refuse a NaN, an infinity or an absurd number sent for a float or
        monetary field (JSON-RPC accepts 1e308) with a translated error."""
        for name, value in vals.items():
            field = self._fields.get(name)
            if (
                field is not None
                and field.type in ("float", "monetary")
                and isinstance(value, float)
                and not (math.isfinite(value) and abs(value) < NUMBER_LIMIT)
            ):
                raise UserError(
                    self.env._(
                        "%(field)s: %(value)s is not a number this form accepts.",
                        field=field._description_string(self.env),
                        value=str(value)[:40],
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._utility_check_numbers(vals)
        self._utility_check_protected_create(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._utility_check_numbers(vals)
        self._utility_check_protected_write(vals)
        return super().write(vals)

    # -- data files ----------------------------------------------------------
    def load(self, fields, data):
        """Files imported by a user get no permission (see ``_load_records``)."""
        importing = self.env.cr.__dict__.get(_IMPORTING_ATTR, 0)
        self.env.cr.__dict__[_IMPORTING_ATTR] = importing + 1
        try:
            return super().load(fields, data)
        finally:
            self.env.cr.__dict__[_IMPORTING_ATTR] = importing

    def _load_records(self, data_list, update=False):
        """The module's data and demo files set workflow fields as written."""
        if self.env.cr.__dict__.get(_IMPORTING_ATTR):
            return super()._load_records(data_list, update=update)
        with self.browse()._utility_protected_write():
            return super()._load_records(data_list, update=update)
