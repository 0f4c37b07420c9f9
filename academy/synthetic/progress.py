"""Believable course progress for the demo company, from a fixed seed (so dashboards have data)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.orm import Session

from training.catalog import Module
from training.progress import record_opened, record_practice, record_reaction, record_self_check

COMMENTS = [
    "The diagnosis exercise was close to real visits.", "Clear tables, I printed the error codes.",
    "A bit long.", "More examples for the O5 please.", "对新员工很有帮助。", "例子很实用。",
    "The conversation practice helped me on the hotline.", None, None, None,
]


def record_demo_progress(session: Session, employee_ids: list[str], modules: list[Module],
                         seed: int, today) -> int:
    """Let most trainees work through the first modules of some courses: opened, practised,
    self-checked (better with each attempt), rated. Returns the number of module records."""
    rng = random.Random(seed * 7 + 11)
    by_course: dict[str, list[Module]] = {}
    for m in modules:
        by_course.setdefault(m.course_id, []).append(m)
    start = datetime.combine(today - timedelta(days=60), time(9), tzinfo=UTC)
    count = 0
    for emp in employee_ids:
        if rng.random() < 0.2:
            continue  # has not started any course yet
        diligence = rng.uniform(0.3, 1.0)
        for course_id, mods in by_course.items():
            if rng.random() > diligence:
                continue
            when = start + timedelta(days=rng.randint(0, 45), hours=rng.randint(0, 7))
            for m in mods:
                if rng.random() > diligence + 0.15:
                    break  # stopped in this course
                record_opened(session, emp, course_id, m.id, now=when)
                count += 1
                if rng.random() < 0.85:
                    ids = list(m.content().practice)
                    for pid in ids:
                        record_practice(session, emp, course_id, m.id, pid, ids, now=when)
                    score = 40 + 60 * min(1.0, rng.betavariate(4, 2))
                    record_self_check(session, emp, course_id, m.id, round(score / 20) * 20.0,
                                      now=when + timedelta(minutes=m.minutes))
                    if rng.random() < 0.7:
                        rating = min(5, max(1, round(rng.gauss(4.1, 0.8))))
                        record_reaction(session, emp, course_id, m.id, rating,
                                        rng.choice(COMMENTS), now=when + timedelta(minutes=m.minutes))
                when += timedelta(days=rng.randint(1, 6))
    session.flush()
    return count
