from . import utility_late_fee_waive_wizard
from . import utility_counter_payment
from . import utility_collection_dashboard
from . import utility_counter_payment_valuation
from . import utility_cost_control_dashboard
from . import utility_counter_payment_switch_on
