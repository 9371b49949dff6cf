from . import test_late_fee
