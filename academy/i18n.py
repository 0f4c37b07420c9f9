"""The platform's labels now live in the one label table, academy.labels; these names stay for
code written against them (`from academy.labels import t`)."""

from __future__ import annotations

from academy.labels import LABELS, t

__all__ = ["LABELS", "t"]
