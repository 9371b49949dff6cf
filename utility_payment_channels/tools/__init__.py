"""Plain helpers of the payment channels, outside any model.

* ``api_error``: ``UtilityApiError``, the refusal of a public API (terminal
  API, TV feed) with its stable code and HTTP status, raised by the models
  that serve the APIs and answered by their controllers.
* ``request_signature``: the canonical string and HMAC of a signed request
  of the terminal API, and the encryption at rest of the signing secrets.

Other add-ons import them as
``odoo.addons.utility_payment_channels.tools.<module>``.
"""

from . import api_error
from . import request_signature
