"""A trainee's progress through the course modules (training.progress), their own rows only."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from graders.engine.course_catalog import module_catalog
from training.catalog import read_courses
from training.progress import ModuleProgress, module_status, progress_report


def my_progress(home, employee_id: str, loc: str = "en") -> pd.DataFrame:
    """Every module of every course with this trainee's status (not started ... completed)."""

    cat = module_catalog().drop_duplicates(["course", "module"])
    with Session(home.engine) as s:
        mine = {(r.course, r.module): module_status(r) for r in s.scalars(
            select(ModuleProgress).where(ModuleProgress.employee_id == employee_id))}
    title = cat["title_zh"] if loc == "zh" else cat["title_en"]
    status = [mine.get((c, m), "not_started") for c, m in zip(cat["course"], cat["module"])]
    return pd.DataFrame({"course": cat["course"].map(course_titles(loc)).fillna(cat["course"])
                         .to_numpy(), "module": title.to_numpy(), "status": status})


def course_titles(loc: str = "en") -> dict[str, str]:
    """Course id -> its title in `loc` (training.catalog); empty if the courses cannot be read."""

    courses, _problems = read_courses()
    return {c.id: c.title(loc) for c in courses}


def team_progress(home, ids, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Course progress of the people `ids` (a manager's selection), one row each: modules
    opened and completed, their average best self-check score and average rating given."""

    keys = list(module_catalog().drop_duplicates(["course", "module"])[["course", "module"]]
                .itertuples(index=False, name=None))
    wanted = {str(i) for i in ids}
    with Session(home.engine) as s:
        rows = [r for r in progress_report(s, keys) if r.employee_id in wanted]
    return pd.DataFrame({
        "person": [(names or {}).get(r.employee_id) or r.name or r.employee_id for r in rows],
        "modules_opened": [r.opened for r in rows],
        "modules_completed": [r.completed for r in rows],
        "self_check_avg": [r.self_check_avg for r in rows],
        "rating_avg": [r.rating_avg for r in rows]})
