from . import utility_supply_station
from . import utility_service_point
from . import utility_meter
from . import utility_tariff
from . import utility_tariff_version
from . import utility_tariff_block
from . import utility_contract
from . import res_partner
