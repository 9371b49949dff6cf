from . import utility_arrears_ageing
from . import utility_collection_kpi
from . import utility_collection_recovery
from . import utility_collection_three_figures
from . import collection_kpi_xlsx
