import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from .utility_api_key_mixin import hash_api_key

# only this digest of a terminal key is stored (see utility.api.key.mixin)
hash_terminal_key = hash_api_key


class UtilityPaymentTerminal(models.Model):
    """A self-service terminal, ATM or agency networked counter calling the
    terminal API with its own secret key. The key is shown once when it is
    generated; only its SHA-256 digest is stored, so a lost key is replaced,
    never recovered."""

    _name = "utility.payment.terminal"
    _description = "Payment Terminal"
    _inherit = ["mail.thread", "utility.protected.fields.mixin", "utility.api.key.mixin"]
    _order = "name"
    _utility_api_channel = "terminal"
    _utility_api_unauthorized_message = "Unknown or revoked terminal key."

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    collection_point_id = fields.Many2one(
        comodel_name="utility.collection.point",
        required=True,
        tracking=True,
        domain="[('kind', 'in', ('terminal', 'agency'))]",
        help="Terminal collection point, or the agency outlet of a networked counter.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        related="collection_point_id.company_id",
        store=True,
        index=True,
    )
    agency_id = fields.Many2one(
        comodel_name="utility.agency",
        compute="_compute_agency_id",
        help="Agency owning the outlet: its counters share the agency's transaction ids "
        "with the agency file.",
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Booking User",
        help="User recorded as operator of the payments taken by this terminal "
        "(default: the system user).",
    )
    key_hash = fields.Char(copy=False, index=True, groups="base.group_system")
    has_key = fields.Boolean(compute="_compute_has_key", string="Key Set")
    key_date = fields.Datetime(string="Key Generated On", readonly=True, copy=False)
    last_used_at = fields.Datetime(string="Last Used", readonly=True, copy=False)
    last_used_ip = fields.Char(string="Last Address", readonly=True, copy=False)

    @api.model
    def _utility_protected_fields(self):
        # the key's digest is issued and revoked by the manager's actions;
        # the last use is stamped by the API
        return {"key_date", "key_hash", "last_used_at", "last_used_ip"}

    @api.depends("collection_point_id")
    def _compute_agency_id(self):
        agencies = self.env["utility.agency"].search(
            [("outlet_ids", "in", self.collection_point_id.ids)]
        )
        for terminal in self:
            terminal.agency_id = agencies.filtered(
                lambda a, t=terminal: t.collection_point_id in a.outlet_ids
            )[:1]

    def _compute_has_key(self):
        # the digest is readable only by administrators; its presence is not a secret
        for terminal, terminal_sudo in zip(self, self.sudo(), strict=True):
            terminal.has_key = bool(terminal_sudo.key_hash)

    def _utility_txn_scope(self):
        """Scope of this terminal's transaction ids (see ``_utility_pay``)."""
        self.ensure_one()
        if self.agency_id:
            return self.agency_id._utility_txn_scope()
        return f"terminal:{self.id}"

    def action_generate_key(self):
        """Generate a new key, store its digest and show it once."""
        self.ensure_one()
        if not self.env.user.has_group("utility_billing.group_utility_manager"):
            raise UserError(self.env._("Only a collection manager can issue terminal keys."))
        key = secrets.token_urlsafe(32)
        # sudo: the digest field is restricted to administrators; the manager
        # issuing the key never sees the stored digest, only the key once
        with self._utility_protected_write():
            self.sudo().write(
                {"key_hash": hash_terminal_key(key), "key_date": fields.Datetime.now()}
            )
        self.message_post(body=self.env._("A new API key was issued; the previous one is revoked."))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("API key of %s (shown only once)", self.name),
                "message": key,
                "sticky": True,
                "type": "warning",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_revoke_key(self):
        """Revoke the key: the terminal is refused until a new key is issued."""
        if not self.env.user.has_group("utility_billing.group_utility_manager"):
            raise UserError(self.env._("Only a collection manager can revoke terminal keys."))
        # sudo: see action_generate_key
        with self._utility_protected_write():
            self.sudo().write({"key_hash": False})
        for terminal in self:
            terminal.message_post(body=self.env._("The API key was revoked."))
        return True

    def _utility_touch(self, address):
        """Record the last use, at most once a minute to keep concurrent
        requests of one terminal from writing the same row."""
        now = fields.Datetime.now()
        for terminal in self:
            if not terminal.last_used_at or terminal.last_used_at < now - timedelta(minutes=1):
                with terminal._utility_protected_write():
                    terminal.write({"last_used_at": now, "last_used_ip": address})
