"""Signed requests of the terminal API (public interface:
docs/ARCHITECTURE.md §7 "Signed requests", openapi.py).

A terminal of a biller requiring signatures sends, besides its bearer key,
three headers: the Unix time of the request, a nonce used once, and the
HMAC-SHA256 of the canonical string below keyed with the terminal's
signing secret, in lowercase hexadecimal::

    UTILITY-HMAC-SHA256 \\n METHOD \\n /path?query \\n timestamp \\n nonce \\n sha256(body)

(the six lines joined by a single LF, no trailing LF). Pure functions:
no Odoo, so that the biller client of the tests and outside developers can
read them as the reference."""

import base64
import hashlib
import hmac
import re

from cryptography.fernet import Fernet, InvalidToken

SIGNATURE_SCHEME = "UTILITY-HMAC-SHA256"
TIMESTAMP_HEADER = "X-Utility-Timestamp"
NONCE_HEADER = "X-Utility-Nonce"
SIGNATURE_HEADER = "X-Utility-Signature"
NONCE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}\Z")
TIMESTAMP_PATTERN = re.compile(r"^[0-9]{1,12}\Z")
SIGNATURE_PATTERN = re.compile(r"^[0-9a-f]{64}\Z")
# what the encryption key of the signing secrets is derived for, with the
# database's secret: another purpose never gets the same key
SECRET_KEY_PURPOSE = b"utility_payment_channels/terminal-signing-secret/v1"


def canonical_string(method, target, timestamp, nonce, body):
    """The string a terminal signs: ``target`` is the path with its query
    string exactly as sent on the request line (``/utility/api/v1/...?a=1``),
    ``body`` the raw bytes of the body (``b""`` for a GET)."""
    return "\n".join(
        (
            SIGNATURE_SCHEME,
            method.upper(),
            target,
            str(timestamp),
            nonce,
            hashlib.sha256(body or b"").hexdigest(),
        )
    )


def sign(secret, method, target, timestamp, nonce, body):
    """The ``X-Utility-Signature`` value: lowercase hexadecimal HMAC-SHA256
    of the canonical string (UTF-8), keyed with the secret (UTF-8)."""
    message = canonical_string(method, target, timestamp, nonce, body).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def _fernet(database_secret):
    key = hmac.new(database_secret.encode("utf-8"), SECRET_KEY_PURPOSE, hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_secret(database_secret, secret):
    """The signing secret as stored: Fernet-encrypted (AES-128-CBC and an
    HMAC) with a key derived from the database's secret."""
    return _fernet(database_secret).encrypt(secret.encode("utf-8")).decode("ascii")


def decrypt_secret(database_secret, token):
    """The signing secret of a stored token, or None when it cannot be
    read (another database's secret, a damaged value)."""
    if not token:
        return None
    try:
        return _fernet(database_secret).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError, UnicodeError):
        return None
