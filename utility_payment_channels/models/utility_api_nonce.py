from odoo import api, fields, models


class UtilityApiNonce(models.Model):
    """A nonce of a signed terminal API request, kept until the request's
    timestamp leaves its biller's window: a nonce is served once per
    terminal (unique index), a replay within the window is refused with
    ``nonce_replayed``. Inserted only by ``_utility_api_burn_nonce``, in the
    request's own transaction (see there), purged by a daily cron."""

    _name = "utility.api.nonce"
    _description = "Signed Request Nonce"
    _inherit = ["utility.protected.fields.mixin"]
    _log_access = False
    _order = "id desc"

    terminal_id = fields.Many2one(
        comodel_name="utility.payment.terminal",
        required=True,
        ondelete="cascade",
        readonly=True,
    )
    nonce = fields.Char(required=True, readonly=True)
    expires_at = fields.Datetime(
        required=True,
        readonly=True,
        index=True,
        help="When the request's timestamp leaves the window: a replay is refused as stale "
        "from then on, the nonce is no longer needed.",
    )

    _terminal_nonce_unique = models.UniqueIndex("(terminal_id, nonce)")

    @api.model
    def _utility_protected_fields(self):
        # written by the terminal API only
        return {"expires_at", "nonce", "terminal_id"}

    @api.model
    def _utility_api_burn_nonce(self, terminal, nonce, expires_at):
        """Use ``nonce`` for ``terminal``: True when it was never used in
        the window, False when it was (a replay).

        In the request's transaction on purpose: a request rolled back (an
        unexpected error) changed nothing and does not burn its nonce, so
        that Odoo's retry of a request after a serialization failure is
        served rather than refused as its own replay; every answered request,
        refused ones included, commits and burns it. Two simultaneous
        requests with one nonce: the second waits for the first's insert;
        once it commits, the second gets no row (or a serialization failure
        and is retried, seeing the row): exactly one is served."""
        self.env.cr.execute(
            """
            INSERT INTO utility_api_nonce (terminal_id, nonce, expires_at)
            VALUES (%s, %s, %s)
            ON CONFLICT (terminal_id, nonce) DO NOTHING
            RETURNING id
            """,
            (terminal.id, nonce, expires_at),
        )
        return bool(self.env.cr.fetchone())

    @api.model
    def _cron_utility_purge_nonces(self):
        """Forget the nonces whose request can no longer be replayed (its
        timestamp is out of the window)."""
        self.env.cr.execute(
            "DELETE FROM utility_api_nonce WHERE expires_at < %s", (fields.Datetime.now(),)
        )
