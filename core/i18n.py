"""The platform's labels now live in the one label table, core.labels; these names stay for
code written against them (`from core.labels import t`)."""

from __future__ import annotations

from core.labels import LABELS, t

__all__ = ["LABELS", "t"]
