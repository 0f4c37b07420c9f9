"""Imports every module that defines tables, so `Base.metadata` knows the whole schema.

A capability that adds tables imports its models module here and adds a migration.
"""

from academy import cycles  # noqa: F401
from academy.db import Base
from graders import evidence  # noqa: F401
from graders import goal_models  # noqa: F401
from graders import grade_models  # noqa: F401
from graders import ladder_models  # noqa: F401
from graders import run_flags_models  # noqa: F401
from graders import ticket_models  # noqa: F401
from graders.exam import models as exam_models  # noqa: F401
from roster import models  # noqa: F401
from training import progress  # noqa: F401

metadata = Base.metadata
