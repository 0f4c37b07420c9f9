"""Trainees' progress through course modules and their reaction ratings, in the platform database.

A trainee is identified by the serving identity (`$ACADEMY_USER`, set by the server that serves
the trainee, else the operating-system user name): on a JupyterHub deployment the user name is the
employee id. Rows are not tied to the roster by a foreign key, so a trainer trying a course is
recorded too; reports join on the roster and list unknown identities apart.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, utcnow
from roster.models import Staff, Team

USER_ENV = "ACADEMY_USER"


def current_trainee() -> str:
    """The serving identity: `$ACADEMY_USER`, else the operating-system user name."""
    return os.environ.get(USER_ENV) or getpass.getuser()


class ModuleProgress(Base):
    """Where one trainee is in one module (one row per trainee and module)."""

    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("employee_id", "course", "module",
                                       name="uq_module_progress_trainee_module"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    employee_id: Mapped[str] = mapped_column(String(64), index=True)
    course: Mapped[str] = mapped_column(String(64), index=True)
    module: Mapped[str] = mapped_column(String(100))
    first_opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    times_opened: Mapped[int] = mapped_column(Integer, default=1)
    #: practice id -> when it was finished
    practice: Mapped[dict | None] = mapped_column(JSON)
    practice_done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    self_check_score: Mapped[float | None] = mapped_column(Float)  # latest, 0-100
    self_check_best: Mapped[float | None] = mapped_column(Float)
    self_check_attempts: Mapped[int] = mapped_column(Integer, default=0)
    self_check_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReactionRating(Base):
    """Was this module useful (1-5), with an optional comment: level 1 of training evaluation.
    A trainee's newer rating of the same module replaces the older one."""

    __tablename__ = "reaction_ratings"
    __table_args__ = (
        UniqueConstraint("employee_id", "course", "module", name="uq_reaction_ratings_trainee_module"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_1_to_5"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    employee_id: Mapped[str] = mapped_column(String(64), index=True)
    course: Mapped[str] = mapped_column(String(64), index=True)
    module: Mapped[str] = mapped_column(String(100))
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def _row(session: Session, trainee: str, course: str, module: str,
         now: datetime) -> ModuleProgress:
    row = session.scalar(select(ModuleProgress).where(
        ModuleProgress.employee_id == trainee, ModuleProgress.course == course,
        ModuleProgress.module == module))
    if row is None:
        row = ModuleProgress(employee_id=trainee, course=course, module=module,
                             first_opened_at=now, last_opened_at=now, times_opened=0,
                             practice={}, self_check_attempts=0)
        session.add(row)
    return row


def record_opened(session: Session, trainee: str, course: str, module: str,
                  now: datetime | None = None) -> ModuleProgress:
    now = now or utcnow()
    row = _row(session, trainee, course, module, now)
    if row.id is None:
        row.times_opened = 1
    else:  # incremented in SQL, so two tabs opening at once both count
        row.times_opened = ModuleProgress.times_opened + 1
    row.last_opened_at = now
    session.flush()
    return row


def record_practice(session: Session, trainee: str, course: str, module: str, practice_id: str,
                    all_practice: list[str], now: datetime | None = None) -> ModuleProgress:
    """Mark one practice item finished; the module's practice is done when all items are."""
    now = now or utcnow()
    row = _row(session, trainee, course, module, now)
    done = dict(row.practice or {})
    done.setdefault(practice_id, now.isoformat())
    row.practice = done  # a new dict, so the JSON column is seen as changed
    if row.practice_done_at is None and set(all_practice) <= set(done):
        row.practice_done_at = now
    session.flush()
    return row


def record_self_check(session: Session, trainee: str, course: str, module: str, score: float,
                      now: datetime | None = None) -> ModuleProgress:
    if not 0 <= score <= 100:
        raise ValueError(f"a self-check score is 0-100, not {score}")
    now = now or utcnow()
    row = _row(session, trainee, course, module, now)
    row.self_check_score = score
    row.self_check_best = max(score, row.self_check_best or 0.0)
    row.self_check_attempts = (row.self_check_attempts or 0) + 1
    row.self_check_at = now
    session.flush()
    return row


def record_reaction(session: Session, trainee: str, course: str, module: str, rating: int,
                    comment: str | None = None, now: datetime | None = None) -> ReactionRating:
    if rating not in (1, 2, 3, 4, 5):
        raise ValueError(f"a reaction rating is 1 to 5, not {rating!r}")
    now = now or utcnow()
    comment = (comment or "").strip() or None
    row = session.scalar(select(ReactionRating).where(
        ReactionRating.employee_id == trainee, ReactionRating.course == course,
        ReactionRating.module == module))
    if row is None:
        row = ReactionRating(employee_id=trainee, course=course, module=module, rating=rating,
                             comment=comment, rated_at=now)
        session.add(row)
    else:
        row.rating, row.comment, row.rated_at = rating, comment, now
    session.flush()
    return row


def module_status(row: ModuleProgress | None) -> str:
    """'not_started', 'opened', 'practised' or 'completed' (practice done and self-check taken)."""
    if row is None:
        return "not_started"
    if row.practice_done_at is not None and row.self_check_score is not None:
        return "completed"
    if row.practice_done_at is not None or row.self_check_score is not None:
        return "practised"
    return "opened"


@dataclass(frozen=True)
class TraineeProgress:
    employee_id: str
    name: str | None
    team: str | None
    modules_total: int
    opened: int
    completed: int
    self_check_avg: float | None
    rating_avg: float | None

    @property
    def completion(self) -> float:
        return round(100.0 * self.completed / self.modules_total, 1) if self.modules_total else 0.0


def progress_report(session: Session, module_keys: list[tuple[str, str]],
                    team: str | None = None) -> list[TraineeProgress]:
    """Progress of every active staff member (of `team` if given) over the given modules
    ((course, module) pairs), plus identities with progress who are not on the roster."""

    keys = set(module_keys)
    rows: dict[str, list[ModuleProgress]] = {}
    for r in session.scalars(select(ModuleProgress)):
        if (r.course, r.module) in keys:
            rows.setdefault(r.employee_id, []).append(r)
    ratings: dict[str, list[int]] = {}
    for r in session.scalars(select(ReactionRating)):
        if (r.course, r.module) in keys:
            ratings.setdefault(r.employee_id, []).append(r.rating)
    q = select(Staff, Team.name).join(Team, Staff.team_id == Team.id).where(Staff.active.is_(True))
    if team:
        q = q.where(Team.name == team)
    people = [(s.employee_id, s.name, t) for s, t in session.execute(q.order_by(Staff.employee_id))]
    if not team:
        known = {p[0] for p in people}
        known |= set(session.scalars(select(Staff.employee_id)))
        people += [(e, None, None) for e in sorted(set(rows) - known)]
    out = []
    for emp, name, team_name in people:
        mine = rows.get(emp, [])
        scores = [r.self_check_best for r in mine if r.self_check_best is not None]
        rates = ratings.get(emp, [])
        out.append(TraineeProgress(
            emp, name, team_name, len(keys), len(mine),
            sum(1 for r in mine if module_status(r) == "completed"),
            round(sum(scores) / len(scores), 1) if scores else None,
            round(sum(rates) / len(rates), 2) if rates else None))
    return out


@dataclass(frozen=True)
class ModuleSummary:
    course: str
    module: str
    opened: int
    completed: int
    self_check_avg: float | None
    ratings: int
    rating_avg: float | None
    comments: tuple[str, ...]


def module_summary(session: Session, module_keys: list[tuple[str, str]]) -> list[ModuleSummary]:
    """Per module (in the given order): trainees who opened and completed it, their average best
    self-check score, and the reaction ratings with their comments (level 1 evaluation)."""
    progress: dict[tuple[str, str], list[ModuleProgress]] = {k: [] for k in module_keys}
    for r in session.scalars(select(ModuleProgress)):
        if (r.course, r.module) in progress:
            progress[(r.course, r.module)].append(r)
    rates: dict[tuple[str, str], list[ReactionRating]] = {k: [] for k in module_keys}
    for r in session.scalars(select(ReactionRating).order_by(ReactionRating.rated_at)):
        if (r.course, r.module) in rates:
            rates[(r.course, r.module)].append(r)
    out = []
    for key in module_keys:
        rows, rs = progress[key], rates[key]
        scores = [r.self_check_best for r in rows if r.self_check_best is not None]
        out.append(ModuleSummary(
            key[0], key[1], len(rows), sum(1 for r in rows if module_status(r) == "completed"),
            round(sum(scores) / len(scores), 1) if scores else None, len(rs),
            round(sum(r.rating for r in rs) / len(rs), 2) if rs else None,
            tuple(r.comment for r in rs if r.comment)))
    return out


# --- events: what a notebook records, as data (sent by a trainee's server on a hub) -------------

#: the fields each kind of event takes besides kind, course and module
EVENT_FIELDS = {"opened": set(), "practice": {"practice_id", "all_practice"},
                "self_check": {"score"}, "reaction": {"rating", "comment"}}


def check_event(event: object) -> dict:
    """A recorded event as plain, checked data; ValueError naming what is wrong. It never names
    the trainee: who it is for is decided by whoever stores it (the serving identity)."""
    if not isinstance(event, dict):
        raise ValueError("an event is a JSON object")
    kind = event.get("kind")
    if kind not in EVENT_FIELDS:
        raise ValueError(f"unknown event kind {kind!r} (one of {', '.join(EVENT_FIELDS)})")
    extra = set(event) - {"kind", "course", "module"} - EVENT_FIELDS[kind]
    if extra:
        raise ValueError(f"a {kind} event has no field {', '.join(sorted(extra))}")
    for key, size in (("course", 64), ("module", 100)):
        if not isinstance(event.get(key), str) or not 0 < len(event[key]) <= size:
            raise ValueError(f"{key} must be a text of 1 to {size} characters")
    if kind == "practice" and not isinstance(event.get("practice_id"), str):
        raise ValueError("practice_id must be a text")
    if kind == "self_check" and (isinstance(event.get("score"), bool)
                                 or not isinstance(event.get("score"), (int, float))):
        raise ValueError("score must be a number")
    if kind == "reaction" and (isinstance(event.get("rating"), bool)
                               or not isinstance(event.get("rating"), int)):
        raise ValueError("rating must be a whole number")
    if not isinstance(event.get("comment") or "", str) or len(event.get("comment") or "") > 2000:
        raise ValueError("comment must be a text of at most 2000 characters")
    return dict(event)


def record_event(session: Session, trainee: str, event: dict, now: datetime | None = None):
    """Store one checked event (check_event) for `trainee`."""
    e = check_event(event)
    c, m = e["course"], e["module"]
    if e["kind"] == "opened":
        return record_opened(session, trainee, c, m, now)
    if e["kind"] == "practice":
        return record_practice(session, trainee, c, m, e["practice_id"],
                               list(e.get("all_practice") or []), now)
    if e["kind"] == "self_check":
        return record_self_check(session, trainee, c, m, float(e["score"]), now)
    return record_reaction(session, trainee, c, m, e["rating"], e.get("comment"), now)
