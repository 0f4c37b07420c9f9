"""Service Academy's shell: the `academy` command, the demo, the servers and the hub, benchmarks
and synthetic data. It sits on top of every other package (docs/architecture.md); what they all
share (home, settings, database, file reading, labels) is in `core`, re-exported here for
convenience.
"""

from core.errors import AcademyError, Problem, ProblemsError
from core.home import Home, default_home, init_home, open_home
from core.settings import RoleDef, Settings

__all__ = [
    "AcademyError",
    "Home",
    "Problem",
    "ProblemsError",
    "RoleDef",
    "Settings",
    "default_home",
    "init_home",
    "open_home",
]
__version__ = "0.1.0"
