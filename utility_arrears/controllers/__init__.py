from . import main
from . import portal
from . import headend_api
from . import meter_command
