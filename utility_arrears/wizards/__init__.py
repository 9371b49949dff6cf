from . import utility_late_fee_waive_wizard
