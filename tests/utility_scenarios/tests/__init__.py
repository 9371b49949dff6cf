from . import test_backend_tours
from . import test_access_matrix
from . import test_properties
from . import test_audit_no_delete
from . import test_portal_isolation
from . import test_counter_race
