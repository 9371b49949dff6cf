from . import tools
from . import models
from . import controllers
from . import report
from . import wizards
