"""OpenAPI 3 description of the terminal API, served at
/utility/api/v1/openapi.json. Keep it in step with terminal_api.py and the
answers of utility.payment.terminal's _utility_api_* methods: the tests
validate the API's real answers against these schemas."""


def _error_response(description, codes):
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "allOf": [
                        {"$ref": "#/components/schemas/Error"},
                        {
                            "type": "object",
                            "properties": {"code": {"type": "string", "enum": codes}},
                        },
                    ]
                }
            }
        },
    }


_UNAUTHORIZED = _error_response(
    "Unknown or revoked terminal key; or, for a terminal of a biller requiring signed "
    "requests, a missing or wrong signature (signature_missing, signature_invalid), a "
    "timestamp too far from the server's clock (timestamp_out_of_window), or a nonce "
    "already used (nonce_replayed). Nothing is booked.",
    [
        "unauthorized",
        "signature_missing",
        "signature_invalid",
        "timestamp_out_of_window",
        "nonce_replayed",
    ],
)
# the headers of a signed request (docs/ARCHITECTURE.md §7, "Signed requests")
SIGNATURE_PARAMETERS = [
    {"$ref": "#/components/parameters/SignatureTimestamp"},
    {"$ref": "#/components/parameters/SignatureNonce"},
    {"$ref": "#/components/parameters/Signature"},
]
SIGNATURE_DESCRIPTION = (
    "Required of the terminals of a biller set to require signed requests, ignored "
    "otherwise. The three headers X-Utility-Timestamp (Unix time in seconds), "
    "X-Utility-Nonce (8-64 characters A-Z a-z 0-9 _ -, used once per terminal) and "
    "X-Utility-Signature: the lowercase hexadecimal HMAC-SHA256, keyed with the terminal's "
    "signing secret (UTF-8), of the canonical string, six lines joined by LF with no "
    "trailing LF: `UTILITY-HMAC-SHA256`, the method in capitals, the path with its query "
    "string exactly as sent (`/utility/api/v1/payments`), the timestamp, the nonce, and the "
    "lowercase hexadecimal SHA-256 of the raw body (of the empty string for a GET). The "
    "timestamp must be within the biller's window (300 s by default) of the server's clock."
)
_TOO_MANY_ATTEMPTS = _error_response(
    "Too many refused keys from this address in a short time; retry later.",
    ["too_many_attempts"],
)

OPENAPI_DOCUMENT = {
    "openapi": "3.0.3",
    "info": {
        "title": "Utility terminal API",
        "version": "1.0.0",
        "description": "Bill query and payment for self-service terminals, ATMs and agency "
        "counters. Every call but this document needs `Authorization: Bearer <terminal key>`. "
        "Amounts are decimal numbers in the company currency with at most two decimals. "
        "The terminals of a biller requiring signed requests also sign every request "
        "(securityScheme requestSignature).",
    },
    "servers": [{"url": "/utility/api/v1"}],
    # the key alone, or the key and the signature (a biller requiring it)
    "security": [{"terminalKey": []}, {"terminalKey": [], "requestSignature": []}],
    "paths": {
        "/customers/{customer_number}/bills": {
            "get": {
                "operationId": "getCustomerBills",
                "summary": "Open bills of a customer with amount due, due date and late fee "
                "as of today.",
                "parameters": [
                    {
                        "name": "customer_number",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    *SIGNATURE_PARAMETERS,
                ],
                "responses": {
                    "200": {
                        "description": "The customer's open bills, oldest due first.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/CustomerBills"}
                            }
                        },
                    },
                    "401": _UNAUTHORIZED,
                    "429": _TOO_MANY_ATTEMPTS,
                    "404": _error_response("Unknown customer.", ["customer_not_found"]),
                },
            }
        },
        "/payments": {
            "post": {
                "operationId": "createPayment",
                "summary": "Pay a customer's bills (oldest first, or the bills named).",
                "description": "Idempotent on terminal_txn_id: sending the same transaction again "
                "never pays twice and answers the first result with `duplicate: true`.",
                "parameters": SIGNATURE_PARAMETERS,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/PaymentRequest"}
                        }
                    },
                },
                "responses": {
                    "201": {
                        "description": "Payment booked; receipt data.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Receipt"}}
                        },
                    },
                    "200": {
                        "description": "Transaction already booked: the first result "
                        "(duplicate: true).",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Receipt"}}
                        },
                    },
                    "401": _UNAUTHORIZED,
                    "429": _TOO_MANY_ATTEMPTS,
                    "404": _error_response(
                        "Unknown customer or bill.", ["customer_not_found", "bill_not_found"]
                    ),
                    "409": _error_response(
                        "terminal_txn_id already used for another customer or amount, or "
                        "reversed (a reversal of this id came first: it is never booked).",
                        ["duplicate_conflict", "payment_reversed"],
                    ),
                    "422": _error_response(
                        "Invalid input, or nothing to pay.",
                        [
                            "invalid_json",
                            "missing_field",
                            "invalid_field",
                            "invalid_amount",
                            "bill_not_open",
                            "no_open_bills",
                            "amount_exceeds_due",
                            "payment_refused",
                        ],
                    ),
                },
            }
        },
        "/payments/{terminal_txn_id}": {
            "get": {
                "operationId": "getPayment",
                "summary": "Status and receipt data of a payment of this terminal.",
                "parameters": [
                    {
                        "name": "terminal_txn_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    *SIGNATURE_PARAMETERS,
                ],
                "responses": {
                    "200": {
                        "description": "The payment.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Receipt"}}
                        },
                    },
                    "401": _UNAUTHORIZED,
                    "429": _TOO_MANY_ATTEMPTS,
                    "404": _error_response(
                        "No payment of this terminal has this id.", ["payment_not_found"]
                    ),
                },
            }
        },
        "/payments/{terminal_txn_id}/reversal": {
            "post": {
                "operationId": "reversePayment",
                "summary": "Reverse (冲正) a payment of this terminal, or of its agency or "
                "biller, on the payment's own day.",
                "description": "Cancels the payment booked with terminal_txn_id and the late "
                "fees charged with it, and reopens the bills as they were before it. When "
                "nothing was booked with this id (the request timed out before reaching the "
                "company), answers status not_booked and bars the id: a payment sent later "
                "with it is refused (409 payment_reversed). Idempotent: a second reversal "
                "answers the first result with `duplicate: true`. Refused once the payment "
                "is in an agency or biller settlement, or its day is closed (not the "
                "county's day today, a trade date before today, a closed cashier session "
                "or a lock date).",
                "parameters": [
                    {
                        "name": "terminal_txn_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ReversalRequest"}
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "Payment cancelled (status canceled, with its "
                        "receipt), or nothing was booked with this id (status not_booked); "
                        "duplicate: true when the id was reversed before.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Reversal"}
                            }
                        },
                    },
                    "401": _UNAUTHORIZED,
                    "429": _TOO_MANY_ATTEMPTS,
                    "404": _error_response(
                        "Not a transaction id a terminal can send.", ["payment_not_found"]
                    ),
                    "409": _error_response(
                        "The payment can no longer be reversed: settled with the agency or "
                        "biller, its day closed, or cancelled by the company or booked from "
                        "the agency's file.",
                        ["payment_settled", "reversal_too_late", "payment_not_reversible"],
                    ),
                    "422": _error_response(
                        "Invalid body or reason.", ["invalid_json", "invalid_field"]
                    ),
                },
            }
        },
    },
    "components": {
        "securitySchemes": {
            "terminalKey": {"type": "http", "scheme": "bearer"},
            "requestSignature": {
                "type": "apiKey",
                "in": "header",
                "name": "X-Utility-Signature",
                "description": SIGNATURE_DESCRIPTION,
            },
        },
        "parameters": {
            "SignatureTimestamp": {
                "name": "X-Utility-Timestamp",
                "in": "header",
                "required": False,
                "description": "Signed requests: Unix time of the request in seconds.",
                "schema": {"type": "string", "pattern": "^[0-9]{1,12}$"},
            },
            "SignatureNonce": {
                "name": "X-Utility-Nonce",
                "in": "header",
                "required": False,
                "description": "Signed requests: a value used once per terminal.",
                "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"},
            },
            "Signature": {
                "name": "X-Utility-Signature",
                "in": "header",
                "required": False,
                "description": SIGNATURE_DESCRIPTION,
                "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            },
        },
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string", "description": "Stable error code."},
                    "message": {"type": "string"},
                },
            },
            "Bill": {
                "type": "object",
                "required": [
                    "bill_number",
                    "invoice_date",
                    "due_date",
                    "amount_total",
                    "amount_due",
                    "late_fee",
                ],
                "properties": {
                    "bill_number": {"type": "string"},
                    "invoice_date": {"type": "string", "format": "date"},
                    "due_date": {"type": "string", "format": "date"},
                    "amount_total": {"type": "number"},
                    "amount_due": {"type": "number"},
                    "late_fee": {"type": "number", "description": "Late fee if paid today."},
                },
                "additionalProperties": False,
            },
            "CustomerBills": {
                "type": "object",
                "required": [
                    "customer_number",
                    "customer_name",
                    "currency",
                    "as_of",
                    "bills",
                    "total_due",
                    "credit",
                ],
                "properties": {
                    "customer_number": {"type": "string"},
                    "customer_name": {"type": "string"},
                    "currency": {"type": "string"},
                    "as_of": {"type": "string", "format": "date"},
                    "bills": {"type": "array", "items": {"$ref": "#/components/schemas/Bill"}},
                    "total_due": {"type": "number", "description": "Amounts due plus late fees."},
                    "credit": {"type": "number", "description": "Prepaid balance."},
                    "cost_control": {"$ref": "#/components/schemas/CostControl"},
                },
                "additionalProperties": False,
            },
            "CostControl": {
                "type": "object",
                "description": "Only for a customer under remote cost control (utility_arrears): "
                "the daily valuation of their prepaid contract.",
                "required": ["estimated_balance", "days_left", "valued_at", "supply_state"],
                "properties": {
                    "estimated_balance": {
                        "type": "number",
                        "description": "Prepaid credit minus open bills minus the consumption "
                        "read since the last bill, priced by the tariff (tax included).",
                    },
                    "days_left": {
                        "type": "integer",
                        "description": "Days the balance lasts at the average consumption; "
                        "-1 when unknown.",
                    },
                    "valued_at": {
                        "type": "string",
                        "format": "date-time",
                        "nullable": True,
                        "description": "When it was valued (UTC); null before the first valuation.",
                    },
                    "supply_state": {"type": "string", "enum": ["on", "off", "unknown"]},
                },
                "additionalProperties": False,
            },
            "PaymentRequest": {
                "type": "object",
                "required": ["customer_number", "amount", "terminal_txn_id"],
                "properties": {
                    "customer_number": {"type": "string"},
                    "amount": {
                        "type": "number",
                        "exclusiveMinimum": True,
                        "minimum": 0,
                        "description": "At most two decimals (a JSON number, or a string such "
                        'as "50.00"); at most the total_due of the '
                        "bills query (late fees included, charged before each bill is settled) "
                        "unless allow_prepaid.",
                    },
                    "terminal_txn_id": {
                        "type": "string",
                        "pattern": "^[A-Za-z0-9._:-]{1,64}$",
                        "description": "The terminal's own transaction id, unique per terminal "
                        "(per agency for agency counters).",
                    },
                    "bill_numbers": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "Bills to pay, in this order; default: oldest due first.",
                    },
                    "allow_prepaid": {
                        "type": "boolean",
                        "default": False,
                        "description": "Keep an amount above what is due as the customer's "
                        "prepaid credit instead of refusing it.",
                    },
                    "trade_date": {
                        "type": "string",
                        "format": "date",
                        "description": "The channel's accounting day of the transaction (a "
                        "biller's settlement date, 清算日期): the county's day, or the day "
                        "before or after it. Default: the county's day. A biller's "
                        "reconciliation file lists its payments by this day.",
                    },
                },
            },
            "SettledBill": {
                "type": "object",
                "required": ["bill_number", "amount_paid", "amount_remaining"],
                "properties": {
                    "bill_number": {"type": "string"},
                    "amount_paid": {"type": "number"},
                    "amount_remaining": {"type": "number"},
                },
                "additionalProperties": False,
            },
            "Receipt": {
                "type": "object",
                "required": [
                    "status",
                    "duplicate",
                    "payment_id",
                    "payment_name",
                    "terminal_txn_id",
                    "trade_date",
                    "customer_number",
                    "customer_name",
                    "amount",
                    "currency",
                    "amount_in_words",
                    "bills",
                    "balance_due",
                    "credit",
                    "paid_at",
                    "terminal",
                    "collection_point",
                ],
                "properties": {
                    "status": {
                        "type": "string",
                        "enum": ["posted", "draft", "canceled", "rejected"],
                    },
                    "duplicate": {"type": "boolean"},
                    "payment_id": {"type": "integer"},
                    "payment_name": {"type": "string"},
                    "terminal_txn_id": {"type": "string"},
                    "trade_date": {"type": "string", "format": "date"},
                    "customer_number": {"type": "string"},
                    "customer_name": {"type": "string"},
                    "amount": {"type": "number"},
                    "currency": {"type": "string"},
                    "amount_in_words": {
                        "type": "string",
                        "description": "Chinese capitals for CNY (壹佰元整).",
                    },
                    "bills": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/SettledBill"},
                    },
                    "balance_due": {
                        "type": "number",
                        "description": "Still due after this payment, late fees as of today "
                        "included (the total_due the bills query now shows).",
                    },
                    "credit": {"type": "number", "description": "Prepaid balance left."},
                    "paid_at": {"type": "string", "format": "date-time"},
                    "terminal": {"type": "string"},
                    "collection_point": {"type": "string"},
                    "switch_on": {
                        "type": "string",
                        "enum": ["queued", "sent", "acknowledged", "failed", "cancelled"],
                        "description": "Only when the payment lifted a remotely "
                        "cost-controlled customer's balance above the switch-off threshold "
                        "(utility_arrears): the state of the remote switch-on it caused, "
                        "queued at once and sent after the payment commits.",
                    },
                },
                "additionalProperties": False,
            },
            "ReversalRequest": {
                "type": "object",
                "properties": {
                    "reason": {
                        "type": "string",
                        "maxLength": 500,
                        "description": "Why the biller reverses (kept on the payment).",
                    }
                },
            },
            "Reversal": {
                "type": "object",
                "required": [
                    "status",
                    "duplicate",
                    "terminal_txn_id",
                    "reason",
                    "reversed_at",
                ],
                "properties": {
                    "status": {
                        "type": "string",
                        "enum": ["canceled", "not_booked"],
                        "description": "canceled: the payment was cancelled; not_booked: "
                        "no payment had this id, and none ever will.",
                    },
                    "duplicate": {"type": "boolean"},
                    "terminal_txn_id": {"type": "string"},
                    "reason": {"type": "string"},
                    "reversed_at": {"type": "string", "format": "date-time"},
                    "receipt": {
                        "allOf": [{"$ref": "#/components/schemas/Receipt"}],
                        "description": "The cancelled payment (status canceled, bills "
                        "reopened); absent when not_booked.",
                    },
                },
                "additionalProperties": False,
            },
        },
    },
}
