from . import utility_bill_cancel
from . import utility_reading_import
from . import utility_reading_import_line
from . import utility_reading_estimate
from . import utility_reading_round
from . import utility_prepaid_refund
from . import utility_allowance_import
from . import utility_allowance_import_line
