from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.fields import Domain
from odoo.tools import SQL

from ..tools.protected import has_protected_write, protected_write

ENTRY_KIND_SELECTION = [
    ("deposit", "Security deposit"),
    ("deposit_application", "Deposit applied"),
    ("refund_reserve", "Refund reserved"),
    ("credit_transfer", "Credit transfer"),
    ("writeoff", "Bad-debt write-off"),
    ("writeoff_reversal", "Write-off recovered"),
]

COLLECTION_HOLD_SELECTION = [
    ("plan", "Installment plan"),
    ("written_off", "Written off"),
]


def chased_bill_sql(alias):
    """SQL condition on the ``account_move`` row ``alias``: a bill that the
    chasing channels (dunning, TV feed, warnings, disconnection, remote
    switch-off) may chase: not held by an installment plan or a write-off,
    and not a life-cycle entry (a deposit invoice is never chased)."""
    return SQL(
        "(%s.utility_collection_hold IS NULL AND %s.utility_entry_kind IS NULL)",
        SQL.identifier(alias),
        SQL.identifier(alias),
    )


class AccountMove(models.Model):
    """Entries of the customer's life cycle: what a move is for (a security
    deposit invoice, the application of a deposit, a refund reserve, ...),
    set by the actions that post them and never by hand."""

    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    utility_entry_kind = fields.Selection(
        selection=ENTRY_KIND_SELECTION,
        string="Utility Entry Kind",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Set by the action that posted the entry. A move with a kind is never a "
        "consumption bill: it is not chased, bears no late fee and gets no e-invoice.",
    )
    utility_deposit_contract_id = fields.Many2one(
        comodel_name="utility.contract",
        string="Deposit of Contract",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        help="The contract whose security deposit this invoice, credit note or application is.",
    )

    utility_collection_hold = fields.Selection(
        selection=COLLECTION_HOLD_SELECTION,
        string="Collection Hold",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Set while an installment plan is kept (the plan's bills) or once the bill is "
        "written off: no chasing channel (dunning, TV feed, warnings, disconnection, remote "
        "switch-off) touches the bill.",
    )

    @api.model
    def _utility_lifecycle_protected_fields(self):
        """Fields of the life-cycle entries that only the actions write."""
        return {"utility_entry_kind", "utility_deposit_contract_id", "utility_collection_hold"}

    @api.model
    def _utility_chased_bill_domain(self, partners=None):
        """The open bills (``_utility_open_bill_domain``) the chasing channels
        may chase: not on a collection hold, not a life-cycle entry (the ORM
        twin of ``chased_bill_sql``)."""
        return (
            self._utility_open_bill_domain(partners)
            & Domain("utility_collection_hold", "=", False)
            & Domain("utility_entry_kind", "=", False)
        )

    def _utility_set_collection_hold(self, value):
        """Put these bills on hold (``plan``/``written_off``) or release them
        (``False``): the only way to write the flag."""
        with protected_write(self):
            self.write({"utility_collection_hold": value or False})

    def _utility_raise_lifecycle_protected(self, names):
        descriptions = sorted(self._fields[name]._description_string(self.env) for name in names)
        raise AccessError(
            self.env._(
                "Journal entries: %(fields)s can only be set by the actions that post "
                "them, not by editing the entry.",
                fields=", ".join(descriptions),
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        protected = self._utility_lifecycle_protected_fields()
        refused = {name for vals in vals_list for name in protected if vals.get(name)}
        if refused and not has_protected_write(self.browse()):
            self._utility_raise_lifecycle_protected(refused)
        return super().create(vals_list)

    def write(self, vals):
        refused = self._utility_lifecycle_protected_fields().intersection(vals)
        if refused and not has_protected_write(self):
            self._utility_raise_lifecycle_protected(refused)
        return super().write(vals)
