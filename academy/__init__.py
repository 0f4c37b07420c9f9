"""Service Academy: the platform home, its settings, database and the `academy` command.

The domain packages (`roster`, `graders`, `dashboards`) hold the logic; this package holds what
they share: where a company's data lives (`Home`), its typed settings, the database and its
migrations, tabular file reading, labels in English and Chinese, and the command line.
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
