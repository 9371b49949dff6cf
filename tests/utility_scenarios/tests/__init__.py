from . import test_backend_tours
from . import test_access_matrix
from . import test_properties
from . import test_audit_no_delete
