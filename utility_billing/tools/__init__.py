"""Plain helpers shared by the three add-ons, outside any model.

* ``locks``: every lock the add-ons take (row locks with or without waiting,
  advisory locks under one key namespace);
* ``company_check``: the company consistency of a batch of records, checked
  once per distinct value;
* ``new_name``: whether a record's name is still the placeholder "New",
  in any language;
* ``tabular``: the one reader of uploaded CSV/XLSX files (encoding,
  delimiter, header, amounts, dates);
* ``einvoice_template`` / ``einvoice_results``: the tax platform's
  batch-issue workbook (数电票) and the reader of its results;
* ``protected``: the protected-fields permission for models outside the
  mixin (``account.move``).

Other add-ons import them as ``odoo.addons.utility_billing.tools.<module>``.
"""

from . import company_check
from . import einvoice_results
from . import einvoice_template
from . import locks
from . import new_name
from . import tabular
from . import protected
