"""Course modules by competency, as a DataFrame for training plans.

Uses the course catalogue (`training.catalog.all_modules`) when it is available and valid; else
reads `courses/<course>/course.yaml` defensively (modules with their competencies, or the course's
own), skipping anything it cannot read, so a half-written course never stops grading.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import yaml

from academy_content import COURSES
from core.competencies import CODES
from training.catalog import all_modules

COLUMNS = ["competency", "course", "module", "title_en", "title_zh"]


def _default_dir() -> Path:
    env = os.environ.get("ACADEMY_COURSES")
    return Path(env) if env else COURSES


def _from_catalog(root: Path) -> pd.DataFrame:

    rows = [(c, m.course_id, m.id, m.title_en, m.title_zh)
            for m in all_modules(root) for c in m.competencies]
    return pd.DataFrame(rows, columns=COLUMNS)


def _from_yaml(root: Path) -> pd.DataFrame:
    rows = []
    for f in sorted(root.glob("*/course.yaml")):
        try:
            data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if not isinstance(data, dict):
            continue
        own = [c for c in data.get("competencies") or [] if c in CODES]
        for m in data.get("modules") or []:
            if not isinstance(m, dict) or not m.get("id"):
                continue
            comps = [c for c in (m.get("competencies") or own) if c in CODES]
            rows += [(c, f.parent.name, str(m["id"]), str(m.get("title_en", m["id"])),
                      str(m.get("title_zh", m.get("title_en", m["id"])))) for c in comps]
    return pd.DataFrame(rows, columns=COLUMNS)


def module_catalog(root: Path | str | None = None) -> pd.DataFrame:
    """DataFrame[competency, course, module, title_en, title_zh]: one row per module and
    competency it trains, in course and module order."""
    root = Path(root) if root else _default_dir()
    if not root.is_dir():
        return pd.DataFrame(columns=COLUMNS)
    try:
        frame = _from_catalog(root)
    except Exception:  # noqa: BLE001  (catalogue missing or a course not valid yet: read course.yaml)
        frame = _from_yaml(root)
    return frame.sort_values(["course", "module", "competency"], kind="stable").reset_index(
        drop=True)
