"""Plain helpers of the payment channels, outside any model.

* ``api_error``: ``UtilityApiError``, the refusal of a public API (terminal
  API, TV feed) with its stable code and HTTP status, raised by the models
  that serve the APIs and answered by their controllers.

Other add-ons import them as
``odoo.addons.utility_payment_channels.tools.<module>``.
"""

from . import api_error
