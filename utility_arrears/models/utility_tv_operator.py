import secrets

from odoo import api, fields, models
from odoo.tools.misc import formatLang

from odoo.addons.utility_payment_channels.models.utility_api_key_mixin import hash_api_key


class UtilityTvOperator(models.Model):
    """A cable-TV operator reading the arrears feed to show point-to-point
    notices on customers' digital-TV screens. Each operator has its own API
    key; only its SHA-256 hash is stored, the key itself is shown once."""

    _name = "utility.tv.operator"
    _description = "TV Operator"
    _inherit = ["mail.thread", "utility.protected.fields.mixin", "utility.api.key.mixin"]
    _order = "name"
    _utility_api_channel = "tv_feed"

    name = fields.Char(required=True, tracking=True)
    partner_id = fields.Many2one(comodel_name="res.partner", string="Operator Company")
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        help="The feed lists only this company's customers.",
    )
    active = fields.Boolean(default=True)
    state = fields.Selection(
        selection=[("draft", "No Key"), ("active", "Active"), ("revoked", "Revoked")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
    )
    key_hash = fields.Char(readonly=True, copy=False, groups="base.group_system")
    key_hint = fields.Char(
        readonly=True, copy=False, help="First characters of the key, to recognise it."
    )
    last_used_at = fields.Datetime(readonly=True, copy=False)

    @api.model
    def _utility_protected_fields(self):
        # the key's digest and state are issued and revoked by the actions;
        # the last use is stamped by the feed
        return {"key_hash", "key_hint", "last_used_at", "state"}

    def _set_new_key(self):
        """Store the hash of a new random key and return the key."""
        self.ensure_one()
        key = secrets.token_urlsafe(32)
        # sudo: key_hash is restricted to system users, the operator's
        # manager sets it only through this method
        with self._utility_protected_write():
            self.sudo().write(
                {"key_hash": hash_api_key(key), "key_hint": key[:6], "state": "active"}
            )
        self.message_post(body=self.env._("New API key generated; earlier keys revoked."))
        return key

    def action_generate_key(self):
        """Generate a key and show it once to the user."""
        key = self._set_new_key()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("API key of %s", self.name),
                "message": self.env._("Copy this key now, it will not be shown again: %s", key),
                "sticky": True,
                "type": "warning",
            },
        }

    def action_revoke(self):
        """Revoke the key: the operator is refused until a new key is issued."""
        self.check_access("write")
        # sudo: key_hash is restricted to system users (see _set_new_key)
        with self._utility_protected_write():
            self.sudo().write({"key_hash": False, "state": "revoked"})
        for operator in self:
            operator.message_post(body=self.env._("The API key was revoked."))
        return True

    @api.model
    def _utility_api_key_domain(self, digest):
        # only an active operator is served (a revoked one's digest is
        # cleared as well)
        return [("state", "=", "active"), *super()._utility_api_key_domain(digest)]

    @api.model
    def _authenticate(self, key):
        """The active operator owning ``key``, or an empty recordset (see
        ``utility.api.key.mixin``)."""
        return self._utility_authenticate(key)

    def _utility_api_feed(self, since):
        """The feed as the API serves it to this authenticated operator: its
        last use is stamped, then ``_feed``."""
        self.ensure_one()
        # sudo: the operator is authenticated by its key; the feed lists only
        # its company's customers with a TV account who did not opt out
        operator = self.sudo()
        with operator._utility_protected_write():
            operator.last_used_at = fields.Datetime.now()
        return operator._feed(since)

    def _feed(self, since):
        """Customers of the operator's company with a TV account, not opted
        out, whose arrears changed at or after ``since`` (a naive UTC
        datetime)."""
        self.ensure_one()
        # changes are stamped to the second: a change stamped in the second of
        # ``since`` is sent again rather than missed
        since = since.replace(microsecond=0)
        partners = (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search(
                [
                    ("utility_tv_account", "!=", False),
                    ("utility_tv_opt_out", "=", False),
                    ("utility_arrears_changed_at", ">=", since),
                    ("company_id", "in", (self.company_id.id, False)),
                    ("utility_customer_number", "!=", False),
                ],
                order="utility_arrears_changed_at, id",
            )
        )
        lang = self.partner_id.lang or self.env.user.lang
        result = []
        for partner in partners:
            overdue = partner.utility_amount_overdue
            result.append(
                {
                    "customer_number": partner.utility_customer_number,
                    "tv_account": partner.utility_tv_account,
                    "amount_overdue": overdue,
                    "oldest_due_date": fields.Date.to_string(partner.utility_oldest_due_date)
                    if partner.utility_oldest_due_date
                    else None,
                    "notice_text": self.with_context(lang=lang)._notice_text(partner)
                    if overdue > 0
                    else "",
                    "changed_at": partner.utility_arrears_changed_at.isoformat() + "Z",
                }
            )
        return result

    def _notice_text(self, partner):
        return self.env._(
            "Dear customer %(number)s, your electricity bill of %(amount)s yuan has been "
            "overdue since %(date)s. Please pay at any service hall, agency or online.",
            number=partner.utility_customer_number,
            # as the customer's bill shows it: 1,234.50, not 1234.5
            amount=formatLang(
                self.env,
                partner.utility_amount_overdue,
                digits=self.company_id.currency_id.decimal_places,
            ),
            date=partner.utility_oldest_due_date,
        )
