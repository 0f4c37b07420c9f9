"""The dashboards' lookup: the one label table (core.labels) with the dashboards' own wording
(scope "dashboard") where it differs from the command line's."""

from __future__ import annotations

from core.labels import LABELS, scoped

__all__ = ["LABELS", "t"]

t = scoped("dashboard")
