from . import utility_collection_point
