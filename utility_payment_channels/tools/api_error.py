class UtilityApiError(Exception):
    """A refusal of a public API (the terminal API, the TV-operator feed)
    with the stable error code and HTTP status it publishes
    (``controllers/openapi.py``).

    The models serving the APIs raise it (``utility.api.key.mixin``,
    ``utility.payment.terminal._utility_api_*``); the controllers answer it
    as ``{"code": ..., "message": ...}`` with ``status``, and a
    ``Retry-After`` header when ``retry_after`` (seconds) is set."""

    def __init__(self, status, code, message, retry_after=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after
