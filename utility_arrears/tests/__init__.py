from . import test_late_fee
from . import test_dunning
from . import test_disconnection
from . import test_tv_feed
from . import test_kpi
from . import test_late_fee_at_payment
from . import test_kpi_dashboard
from . import test_bill_delivery
