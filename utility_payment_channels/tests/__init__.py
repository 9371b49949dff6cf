from . import test_collection_point
