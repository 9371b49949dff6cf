from . import test_backend_tours
