import secrets

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.utility_payment_channels.models.utility_api_key_mixin import hash_api_key


class UtilityHeadend(models.Model):
    """A head-end system (HES/AMI) of the company's smart meters.

    Inbound, it sends the meters' readings through the readings API with
    its own key (``utility.api.key.mixin``: only the key's SHA-256 digest is
    stored, the key is shown once). Outbound, it receives the remote
    switching commands (远程费控) through its provider, as Odoo's payment
    providers do: ``provider`` names the adapter, and each hook
    ``_headend_<hook>`` dispatches to ``_headend_<provider>_<hook>``, so
    that a new head-end protocol is a new provider value and its methods,
    without touching the rest."""

    _name = "utility.headend"
    _description = "Meter Head-end System"
    _inherit = ["mail.thread", "utility.protected.fields.mixin", "utility.api.key.mixin"]
    _order = "name"
    _utility_api_channel = "headend"

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(required=True, tracking=True, help="Short code of the head-end system.")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        help="The head-end reads and switches only this company's meters.",
    )
    provider = fields.Selection(
        selection=[("http_json", "Generic HTTP JSON")],
        default="http_json",
        required=True,
        tracking=True,
        help="The adapter that sends commands to this head-end system.",
    )
    state = fields.Selection(
        selection=[("disabled", "Disabled"), ("test", "Test"), ("enabled", "Enabled")],
        default="disabled",
        required=True,
        tracking=True,
        help="Disabled: nothing is sent nor accepted. Test: commands are logged, not "
        "sent. Enabled: commands are sent.",
    )
    api_url = fields.Char(
        string="Command URL",
        tracking=True,
        help="Where the head-end receives commands (generic HTTP JSON provider).",
    )
    api_token = fields.Char(
        string="Command Token",
        copy=False,
        groups="base.group_system",
        help="Bearer token the head-end expects on each command.",
    )
    max_attempts = fields.Integer(
        default=5,
        help="Attempts to send a command before it fails and a field order is opened.",
    )
    retry_minutes = fields.Integer(
        string="First Retry After (minutes)",
        default=2,
        help="Delay before the second attempt; each later delay doubles.",
    )
    key_hash = fields.Char(readonly=True, copy=False, groups="base.group_system")
    key_hint = fields.Char(
        readonly=True, copy=False, help="First characters of the key, to recognise it."
    )
    last_used_at = fields.Datetime(readonly=True, copy=False)

    _code_company_uniq = models.Constraint(
        "UNIQUE(code, company_id)", "A head-end code must be unique per company."
    )
    _attempts_positive = models.Constraint(
        "CHECK(max_attempts > 0 AND retry_minutes >= 0)",
        "A head-end needs at least one attempt and a retry delay of zero or more.",
    )

    @api.model
    def _utility_protected_fields(self):
        # the key's digest is issued and revoked by the actions; the last
        # use is stamped by the API
        return {"key_hash", "key_hint", "last_used_at"}

    # ------------------------------------------------------------------
    # the inbound key
    # ------------------------------------------------------------------
    def action_generate_key(self):
        """Generate the head-end's API key, store its digest and show it once."""
        self.ensure_one()
        self.check_access("write")
        key = secrets.token_urlsafe(32)
        # sudo: key_hash is restricted to administrators; the manager
        # issuing the key never sees the stored digest, only the key once
        with self._utility_protected_write():
            self.sudo().write({"key_hash": hash_api_key(key), "key_hint": key[:6]})
        self.message_post(body=self.env._("New API key generated; earlier keys revoked."))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("API key of %s (shown only once)", self.name),
                "message": key,
                "sticky": True,
                "type": "warning",
            },
        }

    def action_revoke_key(self):
        """Revoke the key: the head-end is refused until a new key is issued."""
        self.check_access("write")
        # sudo: see action_generate_key
        with self._utility_protected_write():
            self.sudo().write({"key_hash": False, "key_hint": False})
        for headend in self:
            headend.message_post(body=self.env._("The API key was revoked."))
        return True

    @api.model
    def _utility_api_key_domain(self, digest):
        # a disabled head-end is refused
        return [("state", "!=", "disabled"), *super()._utility_api_key_domain(digest)]

    def _utility_touch(self):
        """Record the last use, at most once a minute."""
        now = fields.Datetime.now()
        for headend in self:
            if not headend.last_used_at or (now - headend.last_used_at).total_seconds() > 60:
                with headend._utility_protected_write():
                    headend.last_used_at = now

    # ------------------------------------------------------------------
    # provider hooks (one method per provider: _headend_<provider>_<hook>)
    # ------------------------------------------------------------------
    def _headend_dispatch(self, hook, *args, **kwargs):
        """Call this head-end's provider implementation of ``hook``."""
        self.ensure_one()
        method = getattr(self, f"_headend_{self.provider}_{hook}", None)
        if method is None:
            raise UserError(
                self.env._(
                    "The head-end provider %(provider)s cannot %(hook)s.",
                    provider=self.provider,
                    hook=hook,
                )
            )
        return method(*args, **kwargs)

    def _headend_send_command(self, command):
        """Send ``command`` (a ``utility.meter.command``) to the head-end.
        Returns the head-end's reference of the command; raises on a
        failure to retry."""
        return self._headend_dispatch("send_command", command)


class UtilityApiAuthFailure(models.Model):
    _inherit = "utility.api.auth.failure"  # pylint: disable=consider-merging-classes-inherited

    channel = fields.Selection(
        selection_add=[("headend", "Head-end Readings API")], ondelete={"headend": "cascade"}
    )
