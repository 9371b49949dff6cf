from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..tools.protected import has_protected_write

ENTRY_KIND_SELECTION = [
    ("deposit", "Security deposit"),
    ("deposit_application", "Deposit applied"),
    ("refund_reserve", "Refund reserved"),
    ("credit_transfer", "Credit transfer"),
    ("writeoff", "Bad-debt write-off"),
    ("writeoff_reversal", "Write-off recovered"),
]


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

    @api.model
    def _utility_lifecycle_protected_fields(self):
        """Fields of the life-cycle entries that only the actions write."""
        return {"utility_entry_kind", "utility_deposit_contract_id"}

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
