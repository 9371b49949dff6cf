"""Head-end readings API (public interface: docs/ARCHITECTURE.md 7.5):
a head-end system (HES/AMI) posts its meters' daily register readings,
authenticated by its own key. HTTP <-> dict only: the rules live in
``utility.meter.daily.reading._utility_api_receive``."""

import json

from odoo import http
from odoo.http import request

from odoo.addons.utility_payment_channels.controllers.openapi import _error_response
from odoo.addons.utility_payment_channels.controllers.terminal_api import (
    UtilityTerminalApi,
    api_error_response,
)
from odoo.addons.utility_payment_channels.tools.api_error import UtilityApiError

# a batch of 1,000 readings is about 120 KB: anything far bigger is refused
# before it is parsed
MAX_BODY_BYTES = 1024 * 1024


class UtilityHeadendApi(http.Controller):
    """``POST /utility/api/v1/readings`` (``Authorization: Bearer <head-end key>``)."""

    @http.route(
        "/utility/api/v1/readings",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def post_readings(self, **_kwargs):
        httprequest = request.httprequest
        try:
            headend = request.env["utility.headend"]._utility_api_authenticate(
                httprequest.headers.get("Authorization", ""), httprequest.remote_addr
            )
            headend._utility_touch()
            if (httprequest.content_length or 0) > MAX_BODY_BYTES:
                raise UtilityApiError(413, "batch_too_large", "The request body is too large.")
            try:
                payload = json.loads(httprequest.get_data(as_text=True))
            except (ValueError, RecursionError) as err:
                raise UtilityApiError(
                    422, "invalid_json", "The request body is not valid JSON."
                ) from err
            # the head-end comes back with superuser rights: its readings are
            # confined to its own company's meters by _utility_api_receive
            answer = headend.env["utility.meter.daily.reading"]._utility_api_receive(
                headend, payload
            )
        except UtilityApiError as error:
            return api_error_response(error)
        return request.make_json_response(answer)

    @http.route(
        "/utility/api/v1/readings",
        type="http",
        auth="none",
        methods=["GET", "PUT", "PATCH", "DELETE"],
        csrf=False,
        save_session=False,
    )
    def readings_other_methods(self, **_kwargs):
        """Other methods: the API's JSON 405, not Odoo's HTML page."""
        response = api_error_response(
            UtilityApiError(405, "method_not_allowed", "Use POST on /utility/api/v1/readings.")
        )
        response.headers["Allow"] = "POST"
        return response


REFUSAL_CODES = [
    "invalid_reading",
    "invalid_meter_serial",
    "invalid_register",
    "invalid_read_at",
    "invalid_value",
    "unknown_meter",
    "meter_not_on_headend",
    "meter_removed",
]

READINGS_REQUEST_SCHEMA = {
    "type": "object",
    "required": ["readings"],
    "properties": {
        "readings": {
            "type": "array",
            "maxItems": 1000,
            "items": {
                "type": "object",
                "required": ["meter_serial", "register", "read_at", "value"],
                "properties": {
                    "meter_serial": {"type": "string", "minLength": 1, "maxLength": 64},
                    "register": {"type": "string", "enum": ["total", "peak", "flat", "valley"]},
                    "read_at": {
                        "type": "string",
                        "format": "date-time",
                        "description": "ISO 8601 time with its UTC offset.",
                    },
                    "value": {"type": "number", "minimum": 0, "description": "Register value."},
                },
            },
        }
    },
}

READINGS_ANSWER_SCHEMA = {
    "type": "object",
    "required": ["received", "totals", "results"],
    "properties": {
        "received": {"type": "integer"},
        "totals": {
            "type": "object",
            "required": ["accepted", "review", "duplicate", "conflict", "refused"],
            "properties": {
                name: {"type": "integer"}
                for name in ("accepted", "review", "duplicate", "conflict", "refused")
            },
        },
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["index", "status"],
                "properties": {
                    "index": {"type": "integer"},
                    "meter_serial": {"type": "string", "nullable": True},
                    "status": {
                        "type": "string",
                        "enum": ["accepted", "review", "duplicate", "conflict", "refused"],
                    },
                    "reason": {
                        "type": "string",
                        "description": "Why the reading is held for review.",
                    },
                    "code": {
                        "type": "string",
                        "enum": [*REFUSAL_CODES, "conflicting_value"],
                        "description": "Why the reading is refused, or conflicting_value.",
                    },
                    "message": {"type": "string"},
                },
            },
        },
    },
}

READINGS_PATH = {
    "post": {
        "operationId": "postReadings",
        "summary": "A head-end system's batch of meter register readings.",
        "description": "With the head-end's own key (`Authorization: Bearer <head-end key>`). "
        "At most 1,000 readings. Idempotent per meter, register and time: the same value "
        "again is a `duplicate`; another value is a `conflict` (the first is kept). A "
        "reading below the previous value (roll-over or negative consumption) or an "
        "abnormal jump is stored for review, never dropped. Each reading is answered in "
        "order.",
        "security": [{"headendKey": []}],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": READINGS_REQUEST_SCHEMA}},
        },
        "responses": {
            "200": {
                "description": "What happened to each reading, in order, and the totals.",
                "content": {"application/json": {"schema": READINGS_ANSWER_SCHEMA}},
            },
            "401": _error_response("Unknown or revoked head-end key.", ["unauthorized"]),
            "413": _error_response(
                "More than 1,000 readings, or a body too large.", ["batch_too_large"]
            ),
            "422": _error_response(
                "The body is not JSON, or not an object with a `readings` list.",
                ["invalid_json", "invalid_body"],
            ),
            "429": _error_response(
                "Too many refused keys from this address in a short time; retry later.",
                ["too_many_attempts"],
            ),
        },
    }
}


class UtilityTerminalApiHeadend(UtilityTerminalApi):
    """The readings API in the published OpenAPI document."""

    def _openapi_document(self):
        document = super()._openapi_document()
        components = document["components"]
        return {
            **document,
            "paths": {**document["paths"], "/readings": READINGS_PATH},
            "components": {
                **components,
                "securitySchemes": {
                    **components["securitySchemes"],
                    "headendKey": {"type": "http", "scheme": "bearer"},
                },
            },
        }
