from . import main
from . import portal
from . import meter_command
