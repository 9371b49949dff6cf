import json

from odoo import SUPERUSER_ID, http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.utility_payment_channels.controllers.openapi import _error_response
from odoo.addons.utility_payment_channels.controllers.terminal_api import (
    UtilityTerminalApi,
    api_error_response,
)
from odoo.addons.utility_payment_channels.tools.api_error import UtilityApiError

from ..models.utility_meter_command import parse_executed_at

ACK_STATUSES = ("acknowledged", "failed")


def _clean(text, size):
    """A head-end's free text as stored: without NUL (refused by
    PostgreSQL), cut to ``size`` characters; None when empty."""
    return (text or "").replace("\x00", "")[:size] or None


class UtilityMeterCommandController(http.Controller):
    """The head-end's acknowledgement of a remote switching command
    (``Authorization: Bearer <head-end key>``)."""

    @http.route(
        "/utility/api/v1/meter-commands/<string:reference>/ack",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        readonly=False,
        save_session=False,
    )
    def meter_command_ack(self, reference, **_kwargs):
        try:
            return request.make_json_response(self._ack(reference))
        except UtilityApiError as error:
            return api_error_response(error)

    def _ack(self, reference):
        # a NUL cannot reach PostgreSQL: no command has one in its reference
        reference = reference.replace("\x00", "\ufffd")
        headend = request.env["utility.headend"]._utility_api_authenticate(
            request.httprequest.headers.get("Authorization", ""),
            request.httprequest.remote_addr,
        )
        try:
            body = json.loads(request.httprequest.get_data(as_text=True))
        except (ValueError, RecursionError) as err:
            raise UtilityApiError(
                422, "invalid_json", "The request body is not valid JSON."
            ) from err
        if not isinstance(body, dict):
            raise UtilityApiError(422, "invalid_json", "The request body must be a JSON object.")
        status = body.get("status")
        if status not in ACK_STATUSES:
            raise UtilityApiError(
                422, "invalid_status", "Field 'status' must be 'acknowledged' or 'failed'."
            )
        headend_reference = body.get("reference")
        message = body.get("message")
        if headend_reference is not None and not isinstance(headend_reference, str):
            raise UtilityApiError(422, "invalid_reference", "Field 'reference' must be a string.")
        if message is not None and not isinstance(message, str):
            raise UtilityApiError(422, "invalid_message", "Field 'message' must be a string.")
        try:
            executed_at = parse_executed_at(body.get("executed_at"))
        except (ValueError, TypeError, OverflowError) as err:
            raise UtilityApiError(
                422, "invalid_executed_at", "Field 'executed_at' must be an ISO 8601 time."
            ) from err
        # superuser: the head-end is authenticated, and sees its own
        # commands only; the changes are the system's (the chatter's author)
        headend = headend.with_user(SUPERUSER_ID)
        headend._utility_touch()
        command = headend.env["utility.meter.command"].search(
            [("name", "=", reference), ("headend_id", "=", headend.id)], limit=1
        )
        if not command:
            raise UtilityApiError(404, "command_not_found", "No such command for this head-end.")
        try:
            return command._utility_acknowledge(
                status,
                headend_reference=_clean(headend_reference, 64),
                executed_at=executed_at,
                message=_clean(message, 500),
            )
        except UserError as error:
            raise UtilityApiError(409, "command_closed", str(error)) from error

    @http.route(
        "/utility/api/v1/meter-commands/<string:reference>/ack",
        type="http",
        auth="none",
        methods=["GET", "PUT", "PATCH", "DELETE"],
        csrf=False,
        save_session=False,
    )
    def meter_command_ack_other_methods(self, reference, **_kwargs):
        """Other methods: the API's JSON 405, not Odoo's HTML page."""
        response = api_error_response(
            UtilityApiError(405, "method_not_allowed", "Use POST on the acknowledgement route.")
        )
        response.headers["Allow"] = "POST"
        return response


ACK_PATH = {
    "post": {
        "operationId": "acknowledgeMeterCommand",
        "summary": "The head-end reports whether a switching command was executed.",
        "description": "For head-end systems, with the head-end's own key "
        "(`Authorization: Bearer <head-end key>`). Idempotent: a replayed "
        "acknowledgement changes nothing and gets the same answer. A failure "
        "is retried by the product, then becomes a field order.",
        "security": [{"headendKey": []}],
        "parameters": [
            {
                "name": "reference",
                "in": "path",
                "required": True,
                "description": "The command's reference, as sent to the head-end.",
                "schema": {"type": "string"},
            }
        ],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["status"],
                        "properties": {
                            "status": {"type": "string", "enum": list(ACK_STATUSES)},
                            "reference": {
                                "type": "string",
                                "description": "The head-end's own reference.",
                            },
                            "executed_at": {"type": "string", "format": "date-time"},
                            "message": {"type": "string"},
                        },
                    }
                }
            },
        },
        "responses": {
            "200": {
                "description": "The command as it now stands.",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/MeterCommandAck"}}
                },
            },
            "401": _error_response("Unknown or revoked head-end key.", ["unauthorized"]),
            "404": _error_response(
                "No command with this reference for this head-end.", ["command_not_found"]
            ),
            "409": _error_response(
                "The command was cancelled, or already acknowledged and now reported failed.",
                ["command_closed"],
            ),
            "422": _error_response(
                "The body is not a valid acknowledgement.",
                [
                    "invalid_json",
                    "invalid_status",
                    "invalid_reference",
                    "invalid_message",
                    "invalid_executed_at",
                ],
            ),
            "429": _error_response(
                "Too many refused keys from this address in a short time; retry later.",
                ["too_many_attempts"],
            ),
        },
    }
}

ACK_SCHEMA = {
    "type": "object",
    "required": ["reference", "state", "supply_state"],
    "properties": {
        "reference": {"type": "string"},
        "state": {
            "type": "string",
            "enum": ["queued", "sent", "acknowledged", "failed", "cancelled"],
        },
        "supply_state": {"type": "string", "enum": ["unknown", "on", "off"]},
    },
    "additionalProperties": False,
}


class UtilityTerminalApiMeterCommands(UtilityTerminalApi):
    """The acknowledgement route in the published OpenAPI document."""

    def _openapi_document(self):
        document = super()._openapi_document()
        components = document["components"]
        return {
            **document,
            "paths": {**document["paths"], "/meter-commands/{reference}/ack": ACK_PATH},
            "components": {
                **components,
                "securitySchemes": {
                    **components["securitySchemes"],
                    "headendKey": {"type": "http", "scheme": "bearer"},
                },
                "schemas": {**components["schemas"], "MeterCommandAck": ACK_SCHEMA},
            },
        }
