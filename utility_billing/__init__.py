from . import tools
from . import models
from . import wizards
from . import report
from . import controllers
