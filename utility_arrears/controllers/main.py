import re
from datetime import UTC, datetime

from odoo import http
from odoo.http import request

from odoo.addons.utility_payment_channels.controllers.openapi import _error_response
from odoo.addons.utility_payment_channels.controllers.terminal_api import (
    UtilityTerminalApi,
    api_error_response,
)
from odoo.addons.utility_payment_channels.tools.api_error import UtilityApiError

# an offset whose "+" the client did not encode arrives as a space
UNENCODED_OFFSET = re.compile(r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


class UtilityArrearsFeedController(http.Controller):
    """Arrears feed for cable-TV operators (``Authorization: Bearer <key>``)."""

    @staticmethod
    def _error(status, code, message):
        return api_error_response(UtilityApiError(status, code, message))

    @http.route(
        "/utility/api/v1/arrears",
        type="http",
        auth="public",
        methods=["GET"],
        csrf=False,
        save_session=False,
    )
    def arrears_feed(self, since=None, **kwargs):
        """Customers in arrears changed since ``since``, for the operator
        whose key is given."""
        try:
            operator = request.env["utility.tv.operator"]._utility_api_authenticate(
                request.httprequest.headers.get("Authorization", ""),
                request.httprequest.remote_addr,
            )
        except UtilityApiError as error:
            return api_error_response(error)
        try:
            since_dt = datetime.fromisoformat(UNENCODED_OFFSET.sub(r"\1+\2", (since or "").strip()))
            if since_dt.tzinfo:
                since_dt = since_dt.astimezone(UTC).replace(tzinfo=None)
        except (ValueError, OverflowError):
            # OverflowError: an offset moving the time out of the calendar
            return self._error(
                422, "invalid_since", "Parameter 'since' must be an ISO 8601 timestamp."
            )
        return request.make_json_response(operator._utility_api_feed(since_dt))

    @http.route(
        "/utility/api/v1/arrears",
        type="http",
        auth="none",
        methods=["POST", "PUT", "PATCH", "DELETE"],
        csrf=False,
        save_session=False,
    )
    def arrears_feed_other_methods(self, **_kwargs):
        """Other methods on the feed: the API's JSON 405, not Odoo's HTML page."""
        response = self._error(405, "method_not_allowed", "Use GET on /utility/api/v1/arrears.")
        response.headers["Allow"] = "GET"
        return response


FEED_ENTRY_SCHEMA = {
    "type": "object",
    "required": [
        "customer_number",
        "tv_account",
        "amount_overdue",
        "oldest_due_date",
        "notice_text",
        "changed_at",
    ],
    "properties": {
        "customer_number": {"type": "string"},
        "tv_account": {"type": "string"},
        "amount_overdue": {"type": "number"},
        "oldest_due_date": {"type": "string", "format": "date", "nullable": True},
        "notice_text": {
            "type": "string",
            "description": "Notice to show on the customer's TV; empty once nothing is overdue.",
        },
        "changed_at": {"type": "string", "format": "date-time"},
    },
    "additionalProperties": False,
}

ARREARS_PATH = {
    "get": {
        "operationId": "getArrearsFeed",
        "summary": "Customers with a TV account whose arrears changed since a time.",
        "description": "For cable-TV operators, with the operator's own key "
        "(`Authorization: Bearer <operator key>`), not a terminal's.",
        "security": [{"tvOperatorKey": []}],
        "parameters": [
            {
                "name": "since",
                "in": "query",
                "required": True,
                "description": "ISO 8601 time (UTC unless an offset is given).",
                "schema": {"type": "string", "format": "date-time"},
            }
        ],
        "responses": {
            "200": {
                "description": "Changes at or after `since`, oldest first.",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/ArrearsFeedEntry"},
                        }
                    }
                },
            },
            "401": _error_response("Unknown or revoked operator key.", ["unauthorized"]),
            "422": _error_response("`since` is not an ISO 8601 time.", ["invalid_since"]),
            "429": _error_response(
                "Too many refused keys from this address in a short time; retry later.",
                ["too_many_attempts"],
            ),
        },
    }
}


class UtilityTerminalApiArrears(UtilityTerminalApi):
    """The arrears feed in the API's published OpenAPI document, so that
    client generators and the fuzzing tests see it."""

    def _openapi_document(self):
        document = super()._openapi_document()
        components = document["components"]
        return {
            **document,
            "paths": {**document["paths"], "/arrears": ARREARS_PATH},
            "components": {
                **components,
                "securitySchemes": {
                    **components["securitySchemes"],
                    "tvOperatorKey": {"type": "http", "scheme": "bearer"},
                },
                "schemas": {**components["schemas"], "ArrearsFeedEntry": FEED_ENTRY_SCHEMA},
            },
        }
