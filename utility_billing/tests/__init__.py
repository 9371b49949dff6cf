from . import test_customer_archive
from . import test_tariff
