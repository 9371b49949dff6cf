import re
from datetime import UTC, datetime

from odoo import fields, http
from odoo.http import request

# an offset whose "+" the client did not encode arrives as a space
UNENCODED_OFFSET = re.compile(r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


class UtilityArrearsFeedController(http.Controller):
    """Arrears feed for cable-TV operators (``Authorization: Bearer <key>``)."""

    @staticmethod
    def _error(status, code, message):
        return request.make_json_response({"code": code, "message": message}, status=status)

    @http.route(
        "/utility/api/v1/arrears",
        type="http",
        auth="public",
        methods=["GET"],
        csrf=False,
        save_session=False,
    )
    def arrears_feed(self, since=None, **kwargs):
        header = request.httprequest.headers.get("Authorization", "")
        scheme, _sep, key = header.partition(" ")
        # the scheme is case-insensitive (RFC 7235), as for the terminal API
        key = key.strip() if scheme.lower() == "bearer" else ""
        address = request.httprequest.remote_addr
        failures = request.env["utility.api.auth.failure"]
        if failures._utility_is_blocked(address, "tv_feed"):
            response = self._error(
                429, "too_many_attempts", "Too many refused keys from this address; retry later."
            )
            # the block lasts at most the failure window
            response.headers["Retry-After"] = str(failures._utility_settings()[1])
            return response
        operator = request.env["utility.tv.operator"]._authenticate(key)
        if not operator:
            # logged and slowed down there; the key itself is never logged
            failures._utility_register_failure(address, "tv_feed")
            return self._error(401, "unauthorized", "Unknown or revoked API key.")
        try:
            since_dt = datetime.fromisoformat(UNENCODED_OFFSET.sub(r"\1+\2", (since or "").strip()))
            if since_dt.tzinfo:
                since_dt = since_dt.astimezone(UTC).replace(tzinfo=None)
        except (ValueError, OverflowError):
            # OverflowError: an offset moving the time out of the calendar
            return self._error(
                422, "invalid_since", "Parameter 'since' must be an ISO 8601 timestamp."
            )
        # sudo: the operator is authenticated by its key; the feed lists only
        # its company's customers with a TV account who did not opt out
        operator = operator.sudo()
        with operator._utility_protected_write():
            operator.last_used_at = fields.Datetime.now()
        return request.make_json_response(operator._feed(since_dt))
