"""The definitions shipped with the platform, as package data: `assessments/` (question banks,
rubrics, forms, role schemes, rules ...) and `courses/` (course descriptions, module notebooks and
practice files).

In a checkout the two folders here are links to the checkout's own `assessments/` and `courses/`,
so editing a course there is what the platform reads; a built wheel holds copies of them (package
data, pyproject.toml), so a plain `pip install` finds them inside the installed package.

This module imports nothing of the project (every layer may use it). `academy init` copies the
assessment definitions into a new home (`<home>/assessments/`), where the company edits its own;
courses are read from here, or from `$ACADEMY_COURSES` (training.catalog).
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent

#: shipped assessment definitions (in a checkout: the checkout's `assessments/`)
ASSESSMENTS = (_HERE / "assessments").resolve()
#: shipped courses (in a checkout: the checkout's `courses/`)
COURSES = (_HERE / "courses").resolve()
#: the folder holding `courses/` (and `assessments/`): in a checkout, the checkout itself
ROOT = COURSES.parent
