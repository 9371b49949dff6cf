from . import utility_collection_point
from . import account_payment
