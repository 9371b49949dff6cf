from . import utility_arrears_ageing
from . import utility_collection_kpi
