import hashlib
import hmac

from odoo import api, fields, models

from ..tools.api_error import UtilityApiError


def hash_api_key(key):
    """Only this digest of an API key is stored (SHA-256, hexadecimal)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class UtilityApiKeyMixin(models.AbstractModel):
    """A caller of a public API identified by its own bearer key: the
    terminals of the terminal API, the TV operators of the arrears feed.

    The one place where an API request is authenticated
    (``_utility_api_authenticate``): the ``Authorization: Bearer <key>``
    header is read, the key's digest looked up, and a refused key is logged
    and slowed down, then its address blocked for a while
    (``utility.api.auth.failure``). Only the digest of a key is stored
    (``key_hash``), never the key.

    A model inheriting it sets ``_utility_api_channel`` (its value of
    ``utility.api.auth.failure.channel``) and, if needed, the message of its
    401 answer and ``_utility_api_key_domain``."""

    _name = "utility.api.key.mixin"
    _description = "Utility: caller of an API with its own key"

    # channel under which the refused keys of this API are counted and logged
    _utility_api_channel = None
    # message of the 401 answer to an unknown or revoked key
    _utility_api_unauthorized_message = "Unknown or revoked API key."

    key_hash = fields.Char(copy=False, groups="base.group_system")

    @api.model
    def _utility_api_key_domain(self, digest):
        """Domain of the callers holding the key of ``digest`` that may be
        served."""
        return [("key_hash", "=", digest)]

    @api.model
    def _utility_authenticate(self, key):
        """The caller holding ``key`` (with superuser rights), or an empty
        recordset."""
        if not key:
            return self.browse()
        digest = hash_api_key(key)
        # sudo: called before any user is known, and the digest is readable
        # by administrators only; only the caller holding the key is returned
        caller = self.sudo().search(self._utility_api_key_domain(digest), limit=1)
        if caller and hmac.compare_digest(caller.key_hash, digest):
            return caller
        return self.browse()

    @api.model
    def _utility_api_authenticate(self, authorization, remote_addr):
        """The caller whose key the ``Authorization`` header value
        ``authorization`` holds (with superuser rights), for a request from
        ``remote_addr``.

        Raises ``UtilityApiError`` 401 ``unauthorized`` for a missing,
        unknown or revoked key (logged and slowed down, the key itself is
        never logged), and 429 ``too_many_attempts`` for an unknown key from
        an address that sent too many of them lately."""
        scheme, _sep, key = (authorization or "").partition(" ")
        # the scheme is case-insensitive (RFC 7235)
        key = key.strip() if scheme.lower() == "bearer" else ""
        caller = self._utility_authenticate(key)
        if caller:
            # a valid key is always served: the refused keys of a neighbour
            # behind the same address (a hall's NAT) only block further
            # unknown keys
            return caller
        failures = self.env["utility.api.auth.failure"]
        if failures._utility_is_blocked(remote_addr, self._utility_api_channel):
            _max, window, _delay = failures._utility_settings()
            raise UtilityApiError(
                429,
                "too_many_attempts",
                "Too many refused keys from this address; retry later.",
                # the block lasts at most the failure window
                retry_after=window,
            )
        failures._utility_register_failure(remote_addr, self._utility_api_channel)
        raise UtilityApiError(401, "unauthorized", self._utility_api_unauthorized_message)
