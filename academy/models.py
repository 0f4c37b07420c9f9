"""Imports every module that defines tables, so `Base.metadata` knows the whole schema.

A capability that adds tables imports its models module here and adds a migration.
"""

from core import cycles  # noqa: F401
from core.db import Base
from graders import (
    evidence,  # noqa: F401
    ticket_models,  # noqa: F401
)
from graders.exam import models as exam_models  # noqa: F401
from graders.ladder import models as ladder_models  # noqa: F401
from graders.managers import goal_models  # noqa: F401
from graders.results import models as grade_models  # noqa: F401
from roster import models  # noqa: F401
from training import progress  # noqa: F401

metadata = Base.metadata
