from . import utility_counter_payment
from . import utility_counter_payment_line
from . import utility_consolidated_payment
from . import utility_consolidated_payment_line
from . import utility_payment_cancel
from . import utility_counter_einvoice
from . import utility_counter_payment_einvoice
from . import utility_counter_payment_deposit
