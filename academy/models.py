"""Imports every module that defines tables, so `Base.metadata` knows the whole schema."""

from academy import cycles  # noqa: F401
from academy.db import Base
from roster import models  # noqa: F401

metadata = Base.metadata
