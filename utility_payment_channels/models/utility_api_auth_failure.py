import logging
import time
from datetime import timedelta

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

# ir.config_parameter keys and their defaults
PARAM_MAX_FAILURES = "utility_api.auth_max_failures"
PARAM_WINDOW = "utility_api.auth_window_seconds"
PARAM_DELAY = "utility_api.auth_delay_seconds"
DEFAULT_MAX_FAILURES = 10
DEFAULT_WINDOW = 300
DEFAULT_DELAY = 0.5
# a refused caller never holds a worker longer than this: a few callers with
# bad keys must not keep the workers from the terminals (the block after
# too many failures does the rest)
MAX_DELAY = 1.0


class UtilityApiAuthFailure(models.Model):
    """One refused API key (terminal API or TV-operator feed), by caller
    address. Rows are only inserted, never updated, so that simultaneous
    failures never conflict; the count over a sliding window decides whether
    the caller is slowed down or refused (HTTP 429 ``too_many_attempts``).
    No key material is stored: only the address, the API and the time."""

    _name = "utility.api.auth.failure"
    _description = "Refused API Key"
    _inherit = ["utility.protected.fields.mixin"]
    _order = "id desc"

    remote_addr = fields.Char(string="Address", required=True, index=True, readonly=True)
    channel = fields.Selection(
        selection=[("terminal", "Terminal API"), ("tv_feed", "TV-Operator Feed")],
        string="API",
        required=True,
        readonly=True,
    )
    failed_at = fields.Datetime(
        required=True, readonly=True, index=True, default=fields.Datetime.now
    )

    @api.model
    def _utility_protected_fields(self):
        # a refused key, recorded by the APIs only
        return {"channel", "failed_at", "remote_addr"}

    @api.model
    def _utility_settings(self):
        """(max failures, window in seconds, base delay in seconds) from the
        system parameters, with safe defaults on missing or bad values."""
        params = self.env["ir.config_parameter"].sudo()

        def number(key, default, cast):
            try:
                return max(cast(params.get_param(key, default)), 0)
            except (TypeError, ValueError):
                return default

        return (
            number(PARAM_MAX_FAILURES, DEFAULT_MAX_FAILURES, int),
            number(PARAM_WINDOW, DEFAULT_WINDOW, int),
            number(PARAM_DELAY, DEFAULT_DELAY, float),
        )

    @api.model
    def _utility_recent_count(self, remote_addr, window):
        since = fields.Datetime.now() - timedelta(seconds=window)
        return self.sudo().search_count(
            [("remote_addr", "=", remote_addr or ""), ("failed_at", ">=", since)]
        )

    @api.model
    def _utility_is_blocked(self, remote_addr, api_key):
        """True when ``remote_addr`` reached the failure limit in the window:
        the caller is then refused before its key is even looked at."""
        max_failures, window, _delay = self._utility_settings()
        if not max_failures:
            return False
        failures = self._utility_recent_count(remote_addr, window)
        if failures >= max_failures:
            _logger.warning(
                "%s: refused a request from %s after %d failed keys in %d s",
                self._utility_api_label(api_key),
                remote_addr,
                failures,
                window,
            )
            return True
        return False

    @api.model
    def _utility_api_label(self, api_key):
        return dict(self._fields["channel"].selection).get(api_key, api_key)

    @api.model
    def _utility_register_failure(self, remote_addr, api_key, reason=None):
        """Record a refused key (never the key itself), log it and make the
        caller wait longer with every failure in the window. ``reason``: why
        a valid key was refused (a bad signature), for the log only."""
        _max_failures, window, delay = self._utility_settings()
        # sudo: the caller is not authenticated; it only adds its own failure
        with self.browse()._utility_protected_write():
            self.sudo().create({"remote_addr": remote_addr or "", "channel": api_key})
        failures = self._utility_recent_count(remote_addr, window)
        _logger.warning(
            "%s: refused %s from %s (%d failed in the last %d s)",
            self._utility_api_label(api_key),
            reason or "an unknown or revoked key",
            remote_addr,
            failures,
            window,
        )
        if delay:
            time.sleep(min(delay * failures, MAX_DELAY))
        return failures

    @api.autovacuum
    def _gc_old_failures(self):
        """Failures older than a day are of no use to the throttle."""
        limit = fields.Datetime.now() - timedelta(days=1)
        self.sudo().search([("failed_at", "<", limit)]).unlink()
