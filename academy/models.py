"""Imports every module that defines tables, so `Base.metadata` knows the whole schema.

A capability that adds tables imports its models module here and adds a migration.
"""

from core import cycles
from core.db import Base
from graders import evidence, ticket_models
from graders.exam import models as exam_models  # noqa: F401
from graders.ladder import models as ladder_models
from graders.managers import goal_models
from graders.results import models as grade_models
from graders.results import run_flags_models
from roster import models  # noqa: F401
from training import progress  # noqa: F401

metadata = Base.metadata
