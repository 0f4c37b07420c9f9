"""A trainee's progress through the course modules (training.progress), their own rows only."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from graders.engine.course_catalog import module_catalog
from roster.models import Staff
from training.catalog import read_courses
from training.progress import ModuleProgress, ReactionRating, module_status


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


#: up to this many people the progress rows are read by their ids; beyond, every row is read
IDS_IN_QUERY = 2000


def team_progress(home, ids, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Course progress of the people `ids` (a manager's selection), one row each: modules
    opened and completed, their average best self-check score and average rating given.

    The figures of training.progress.progress_report for these people (tests compare the two),
    read for them alone and only the columns counted (no ORM objects, no practice answers)."""

    keys = set(module_catalog().drop_duplicates(["course", "module"])[["course", "module"]]
               .itertuples(index=False, name=None))
    wanted = sorted({str(i) for i in ids})

    def only(q, column):
        return q.where(column.in_(wanted)) if len(wanted) <= IDS_IN_QUERY else q

    mine: dict[str, list[tuple[bool, float | None]]] = {}
    rated: dict[str, list[int]] = {}
    with Session(home.engine) as s:
        q = only(select(ModuleProgress.employee_id, ModuleProgress.course, ModuleProgress.module,
                        ModuleProgress.practice_done_at.is_not(None)
                        & ModuleProgress.self_check_score.is_not(None),
                        ModuleProgress.self_check_best), ModuleProgress.employee_id)
        for emp, course, module, done, best in s.execute(q):
            if (course, module) in keys:
                mine.setdefault(emp, []).append((bool(done), best))
        q = only(select(ReactionRating.employee_id, ReactionRating.course, ReactionRating.module,
                        ReactionRating.rating), ReactionRating.employee_id)
        for emp, course, module, rating in s.execute(q):
            if (course, module) in keys:
                rated.setdefault(emp, []).append(rating)
        q = only(select(Staff.employee_id, Staff.name).where(Staff.active.is_(True)),
                 Staff.employee_id).order_by(Staff.employee_id)
        want = set(wanted)
        people = [(e, n) for e, n in s.execute(q) if e in want]
    person, opened, completed, checks, ratings = [], [], [], [], []
    for emp, name in people:
        rows, rates = mine.get(emp, []), rated.get(emp, [])
        scores = [b for _d, b in rows if b is not None]
        person.append((names or {}).get(emp) or name or emp)
        opened.append(len(rows))
        completed.append(sum(1 for d, _b in rows if d))
        checks.append(round(sum(scores) / len(scores), 1) if scores else None)
        ratings.append(round(sum(rates) / len(rates), 2) if rates else None)
    return pd.DataFrame({"person": person, "modules_opened": opened,
                         "modules_completed": completed, "self_check_avg": checks,
                         "rating_avg": ratings})
