"""SMART goals per person and month, and monthly one-to-one talks.

A goal is **set** for the current or a coming month (by the person or a manager above them in the
roster), **agreed** by both the person and a manager above them before the month ends, and
**scored** (0-100, the share achieved) by a manager above the person once the month is over.
Anything out of that order is refused with the reason: agreeing or scoring a goal that does not
exist, scoring before both agreed or before the month is over, scoring twice, agreeing after the
month, setting a goal for a month that is over or whose goals are already scored. Nothing is
deleted; every step is also recorded as a GoalEvent (who, when).

A one-to-one is a talk between a person and a manager above them on a day (not in the future).

Both are visible to the person and to the managers above them only (`visible_to`); the roster's
supervisor chain decides, as everywhere (dashboards.access).

Goal completion is the `goals` grade component any role scheme may weigh (`goal_component`):
a month scores the weighted mean of its scored goals; the component is the mean over the cycle's
scored months. Imports of goals, scores and one-to-ones (CSV or .xlsx as HR and OKR tools export
them, English or Chinese headers) are all-or-nothing and name file, row and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.errors import AcademyError, ProblemsError
from core.tabular import map_columns, normalize_text, parse_bool, parse_date, read_table
from graders.importing import Located, parse_number
from graders.managers.goal_models import Goal, GoalEvent, OneToOne
from graders.sources import COMPONENT_COLUMNS
from roster.models import Staff

__all__ = ["set_goal", "agree_goal", "score_goal", "record_one_to_one", "goals_frame",
           "one_to_ones_frame", "visible_to", "goal_component", "import_goals", "import_scores",
           "import_one_to_ones", "parse_month", "GoalRefused", "GOAL_COLUMNS", "TALK_COLUMNS"]

GOAL_COLUMNS = ["id", "employee_id", "month", "title", "measure", "weight", "set_by",
                "person_agreed", "manager_agreed_by", "achievement", "scored_by", "comment",
                "state"]
TALK_COLUMNS = ["id", "employee_id", "manager_id", "held_on", "month", "notes", "recorded_by"]
_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")


class GoalRefused(AcademyError):
    """A goal step done out of order or by someone who may not do it."""


def parse_month(value: object) -> str:
    text = normalize_text(value)
    if m := _MONTH.match(text):
        if 1 <= int(m[2]) <= 12:
            return f"{int(m[1]):04d}-{int(m[2]):02d}"
    try:
        d = parse_date(value)
    except ValueError:
        raise ValueError(f"{text!r} is not a month (write it as YYYY-MM)") from None
    return f"{d.year:04d}-{d.month:02d}"


def _month_start(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def _next_month_start(month: str) -> date:
    y, m = int(month[:4]), int(month[5:7])
    return date(y + (m == 12), 1 if m == 12 else m + 1, 1)


def month_over(month: str, today: date) -> bool:
    return today >= _next_month_start(month)


def chain_above(staff: dict[str, Staff], emp: str) -> set[str]:
    """Everyone above `emp` in the supervisor chain."""
    out: set[str] = set()
    cur = staff[emp].supervisor_id if emp in staff else None
    while cur and cur not in out:
        out.add(cur)
        cur = staff[cur].supervisor_id if cur in staff else None
    return out


def _staff(session: Session) -> dict[str, Staff]:
    return {s.employee_id: s for s in session.scalars(select(Staff))}


def _event(session: Session, goal: Goal, action: str, by: str, **detail) -> None:
    session.add(GoalEvent(goal_id=goal.id, action=action, by=by, at=utcnow(),
                          detail=detail or None))


def _check_set(session: Session, staff: dict[str, Staff], employee_id: str, month: str,
               title: str, measure: str, weight: float, by: str, today: date) -> None:
    person = staff.get(employee_id)
    if person is None or not person.active:
        raise GoalRefused(f"{employee_id!r} is not an active member of the roster")
    if by != employee_id and by not in chain_above(staff, employee_id):
        raise GoalRefused(f"{by!r} is neither {employee_id} nor a manager above them: only they "
                          "set goals")
    if not title.strip():
        raise GoalRefused("a goal needs a title")
    if not measure.strip():
        raise GoalRefused("a SMART goal needs a measure: how achievement is judged")
    if not weight > 0:
        raise GoalRefused(f"a goal's weight must be above 0, not {weight:g}")
    if month_over(month, today):
        raise GoalRefused(f"{month} is over: goals are set for the current or a coming month")
    goals = list(session.scalars(select(Goal).where(Goal.employee_id == employee_id,
                                                    Goal.month == month)))
    if any(g.title == title for g in goals):
        raise GoalRefused(f"{employee_id} already has the goal {title!r} for {month}")
    if any(g.achievement is not None for g in goals):
        raise GoalRefused(f"the goals of {employee_id} for {month} are already scored")


def set_goal(session: Session, employee_id: str, month: str, title: str, measure: str, by: str,
             weight: float = 1.0, today: date | None = None) -> Goal:
    """Set a goal (not yet agreed); GoalRefused says why it cannot be."""
    today = today or date.today()
    month = parse_month(month)
    title, measure = normalize_text(title), normalize_text(measure)
    _check_set(session, _staff(session), employee_id, month, title, measure, weight, by, today)
    goal = Goal(employee_id=employee_id, month=month, title=title, measure=measure,
                weight=float(weight), set_by=by, set_at=utcnow())
    session.add(goal)
    session.flush()
    _event(session, goal, "set", by, title=title, measure=measure, weight=float(weight))
    return goal


def _goal(session: Session, goal_id: int) -> Goal:
    goal = session.get(Goal, goal_id)
    if goal is None:
        raise GoalRefused(f"no goal {goal_id}")
    return goal


def agree_goal(session: Session, goal_id: int, by: str, today: date | None = None) -> Goal:
    """The person (by = their id) or a manager above them agrees to a goal."""
    today = today or date.today()
    goal = _goal(session, goal_id)
    staff = _staff(session)
    if goal.achievement is not None:
        raise GoalRefused(f"goal {goal.id} is already scored")
    if month_over(goal.month, today):
        raise GoalRefused(f"goal {goal.id}: {goal.month} is over; goals are agreed before the month "
                          "ends")
    if by == goal.employee_id:
        if goal.person_agreed_at is not None:
            raise GoalRefused(f"{by} already agreed to goal {goal.id}")
        goal.person_agreed_at = utcnow()
        _event(session, goal, "agree_person", by)
    elif by in chain_above(staff, goal.employee_id):
        if goal.manager_agreed_at is not None:
            raise GoalRefused(f"goal {goal.id} is already agreed by manager {goal.manager_agreed_by}")
        goal.manager_agreed_by, goal.manager_agreed_at = by, utcnow()
        _event(session, goal, "agree_manager", by)
    else:
        raise GoalRefused(f"{by!r} is neither {goal.employee_id} nor a manager above them")
    session.flush()
    return goal


def score_goal(session: Session, goal_id: int, achievement: float, by: str,
               comment: str | None = None, today: date | None = None) -> Goal:
    """A manager above the person scores an agreed goal once its month is over."""
    today = today or date.today()
    goal = _goal(session, goal_id)
    if by not in chain_above(_staff(session), goal.employee_id):
        raise GoalRefused(f"{by!r} is not a manager above {goal.employee_id}: only they score goals")
    if goal.person_agreed_at is None or goal.manager_agreed_at is None:
        missing = " and ".join(w for w, t in (("the person", goal.person_agreed_at),
                                              ("a manager", goal.manager_agreed_at)) if t is None)
        raise GoalRefused(f"goal {goal.id} is not agreed yet (missing: {missing}); an unagreed goal "
                          "cannot be scored")
    if not month_over(goal.month, today):
        raise GoalRefused(f"goal {goal.id} is for {goal.month}, which is not over: goals are scored "
                          f"from {_next_month_start(goal.month).isoformat()}")
    if goal.achievement is not None:
        raise GoalRefused(f"goal {goal.id} is already scored ({goal.achievement:g})")
    if not 0 <= achievement <= 100:
        raise GoalRefused(f"achievement {achievement:g} is outside 0-100")
    goal.achievement, goal.scored_by, goal.scored_at = float(achievement), by, utcnow()
    goal.comment = normalize_text(comment) or None
    session.flush()
    _event(session, goal, "score", by, achievement=float(achievement))
    return goal


def record_one_to_one(session: Session, employee_id: str, manager_id: str, held_on: date,
                      by: str, notes: str | None = None, today: date | None = None) -> OneToOne:
    today = today or date.today()
    staff = _staff(session)
    if employee_id not in staff:
        raise GoalRefused(f"unknown staff id {employee_id!r}")
    if manager_id not in chain_above(staff, employee_id):
        raise GoalRefused(f"{manager_id!r} is not a manager above {employee_id} in the roster")
    if held_on > today:
        raise GoalRefused(f"{held_on.isoformat()} is in the future: record a talk once it is held")
    if session.scalar(select(OneToOne.id).where(OneToOne.employee_id == employee_id,
                                                OneToOne.manager_id == manager_id,
                                                OneToOne.held_on == held_on)):
        raise GoalRefused(f"a one-to-one of {manager_id} with {employee_id} on {held_on} is "
                          "already recorded")
    talk = OneToOne(employee_id=employee_id, manager_id=manager_id, held_on=held_on,
                    month=f"{held_on.year:04d}-{held_on.month:02d}", notes=normalize_text(notes)
                    or None, recorded_by=by, recorded_at=utcnow())
    session.add(talk)
    session.flush()
    return talk


# --- reading --------------------------------------------------------------------------------------


def visible_to(session: Session, viewer: str | None) -> set[str] | None:
    """Whose goals and talks `viewer` may see: themself and everyone below them; None = all (an
    administrator at the shell)."""
    if viewer is None:
        return None
    # the same set as {e for e in staff if e == viewer or viewer in chain_above(staff, e)}, found
    # downwards from the viewer over (employee, supervisor) pairs instead of every Staff object
    below: dict[str, list[str]] = {}
    known = set()
    for emp, sup in session.execute(select(Staff.employee_id, Staff.supervisor_id)):
        known.add(emp)
        if sup:
            below.setdefault(sup, []).append(emp)
    out = {viewer} if viewer in known else set()
    frontier = [viewer]
    while frontier:
        nxt = [e for b in frontier for e in below.get(b, ()) if e not in out]
        out.update(nxt)
        frontier = nxt
    return out


def goals_frame(session: Session, months: list[str] | None = None,
                only: set[str] | None = None) -> pd.DataFrame:
    q = select(Goal).order_by(Goal.employee_id, Goal.month, Goal.id)
    if months is not None:
        q = q.where(Goal.month.in_(months))
    rows = []
    for g in session.scalars(q):
        if only is not None and g.employee_id not in only:
            continue
        agreed = g.person_agreed_at is not None and g.manager_agreed_at is not None
        state = "scored" if g.achievement is not None else "agreed" if agreed else "set"
        rows.append((g.id, g.employee_id, g.month, g.title, g.measure, g.weight, g.set_by,
                     g.person_agreed_at is not None, g.manager_agreed_by, g.achievement,
                     g.scored_by, g.comment, state))
    return pd.DataFrame(rows, columns=GOAL_COLUMNS)


def one_to_ones_frame(session: Session, months: list[str] | None = None,
                      only: set[str] | None = None) -> pd.DataFrame:
    q = select(OneToOne).order_by(OneToOne.held_on, OneToOne.id)
    if months is not None:
        q = q.where(OneToOne.month.in_(months))
    rows = [(t.id, t.employee_id, t.manager_id, t.held_on, t.month, t.notes, t.recorded_by)
            for t in session.scalars(q)
            if only is None or t.employee_id in only]
    return pd.DataFrame(rows, columns=TALK_COLUMNS)


def goal_component(goals: pd.DataFrame) -> pd.DataFrame:
    """The `goals` component (COMPONENT_COLUMNS) from GOAL_COLUMNS rows of a cycle's months."""
    s = goals[goals["achievement"].notna()] if len(goals) else goals
    if s.empty:
        return pd.DataFrame(columns=COMPONENT_COLUMNS)
    s = s.assign(wa=s["weight"] * s["achievement"].astype(float))
    per_month = s.groupby(["employee_id", "month"]).agg(wa=("wa", "sum"), w=("weight", "sum"),
                                                        n=("id", "size"))
    per_month["score"] = per_month["wa"] / per_month["w"]
    per = per_month.groupby("employee_id").agg(score=("score", "mean"), n=("n", "sum"),
                                               months=("score", "size")).reset_index()
    per["component"], per["status"] = "goals", "ok"
    per["note"] = [f"{n} goals scored over {m} month(s)" for n, m in zip(per["n"], per["months"])]
    per["score"] = per["score"].round(2)
    return per[COMPONENT_COLUMNS]


# --- imports -------------------------------------------------------------------------------------

GOAL_SYNONYMS = {
    "employee_id": ["staff_id", "工号", "员工编号", "employee", "员工工号"],
    "month": ["月份", "目标月份", "period", "考核月份"],
    "title": ["goal", "objective", "目标", "目标名称", "目标内容", "okr", "kr"],
    "measure": ["衡量标准", "考核标准", "完成标准", "key result", "measurement", "metric", "指标"],
    "weight": ["权重", "比重"],
    "manager": ["上级", "直属上级", "主管", "经理", "manager_id", "agreed_with", "set_by", "制定人"],
    "person_agreed": ["员工确认", "本人确认", "employee agreed", "employee_confirmed"],
    "manager_agreed": ["上级确认", "主管确认", "manager agreed", "manager_confirmed"],
    "achievement": ["完成率", "达成率", "得分", "完成度", "score", "completion"],
    "comment": ["备注", "评语", "说明", "note", "comments"],
}
TALK_SYNONYMS = {
    "employee_id": GOAL_SYNONYMS["employee_id"],
    "manager": GOAL_SYNONYMS["manager"] + ["面谈人"],
    "held_on": ["date", "日期", "面谈日期", "沟通日期", "meeting date"],
    "notes": ["记录", "面谈记录", "沟通内容", "summary", "topics", "要点"],
}
_STATUS_ACHIEVEMENT = {"done": 100.0, "完成": 100.0, "已完成": 100.0, "partly": 50.0,
                       "部分完成": 50.0, "not done": 0.0, "未完成": 0.0}


def parse_achievement(value: object) -> float:
    text = normalize_text(value).lower()
    if not text:
        raise ValueError("no achievement given")
    if text in _STATUS_ACHIEVEMENT:
        return _STATUS_ACHIEVEMENT[text]
    pct = text.endswith("%")
    v = parse_number(text.rstrip("%").strip())
    if not pct and v is not None and 0 < v <= 1 and "." in text:
        v *= 100  # 0.85 as a spreadsheet's percentage cell
    if v is None or not 0 <= v <= 100:
        raise ValueError(f"achievement {text!r} is outside 0-100%")
    return float(v)


@dataclass
class GoalImport:
    file: str
    rows: int
    goals: int = 0
    agreed: int = 0
    scored: int = 0
    talks: int = 0


def _read(path: Path | str, synonyms: dict, required: tuple[str, ...], sheet: str | None):
    table = read_table(path, sheet=sheet)
    cols, problems = map_columns(table, synonyms, required)
    loc = Located(table, cols, problems=[*table.problems, *problems])
    if loc.problems:
        raise ProblemsError(loc.problems, what=table.file)
    return table, loc


def _step(loc: Located, row: int, field_name: str, fn, *args, **kw):
    """Run one step; a refusal becomes a located problem."""
    try:
        return fn(*args, **kw)
    except (GoalRefused, ValueError) as exc:
        loc.at(row, field_name, str(exc))
        return None


def import_goals(session: Session, path: Path | str, sheet: str | None = None,
                 today: date | None = None) -> GoalImport:
    """Goals as an HR or OKR tool exports them: person, month, goal, measure, weight, the manager
    who agreed, and whether each side confirmed. All-or-nothing: a ProblemsError lists every
    problem, and the caller rolls its transaction back (the CLI does)."""
    today = today or date.today()
    table, loc = _read(path, GOAL_SYNONYMS, ("employee_id", "month", "title", "measure", "manager"),
                       sheet)
    out = GoalImport(table.file, len(table.rows))
    for row, cells in table.rows:
        emp, manager = loc.text(cells, "employee_id"), loc.text(cells, "manager")
        month = _step(loc, row, "month", parse_month, loc.cell(cells, "month"))
        try:
            weight = parse_number(loc.cell(cells, "weight"))
        except ValueError as exc:
            loc.at(row, "weight", str(exc))
            continue
        try:
            person_ok = parse_bool(loc.cell(cells, "person_agreed"), default=False)
            manager_ok = parse_bool(loc.cell(cells, "manager_agreed"), default=False)
        except ValueError as exc:
            loc.at(row, "person_agreed", str(exc))
            continue
        if month is None:
            continue
        # every step checks before it writes, so a refused step leaves nothing behind; the
        # caller rolls the whole file back when any problem was found (no savepoints: SQLite's
        # driver commits on releasing one)
        goal = _step(loc, row, "title", set_goal, session, emp, month, loc.text(cells, "title"),
                     loc.text(cells, "measure"), manager, 1.0 if weight is None else weight,
                     today)
        if goal is None:
            continue
        out.goals += 1
        for ok, who, fld in ((person_ok, emp, "person_agreed"),
                             (manager_ok, manager, "manager_agreed")):
            if ok and _step(loc, row, fld, agree_goal, session, goal.id, who, today) is None:
                break
        if goal.person_agreed_at and goal.manager_agreed_at:
            out.agreed += 1
    if loc.problems:
        raise ProblemsError(loc.problems, what=table.file)
    return out


def import_scores(session: Session, path: Path | str, sheet: str | None = None,
                  today: date | None = None) -> GoalImport:
    """Scores of agreed goals (person, month, goal, achievement, the scoring manager, comment)."""
    today = today or date.today()
    table, loc = _read(path, GOAL_SYNONYMS, ("employee_id", "month", "title", "achievement",
                                             "manager"), sheet)
    out = GoalImport(table.file, len(table.rows))
    for row, cells in table.rows:
        emp, title = loc.text(cells, "employee_id"), loc.text(cells, "title")
        month = _step(loc, row, "month", parse_month, loc.cell(cells, "month"))
        value = _step(loc, row, "achievement", parse_achievement, loc.cell(cells, "achievement"))
        if month is None or value is None:
            continue
        goal_id = session.scalar(select(Goal.id).where(Goal.employee_id == emp,
                                                       Goal.month == month, Goal.title == title))
        if goal_id is None:
            loc.at(row, "title", f"{emp} has no goal {title!r} for {month}: it was never set")
            continue
        if _step(loc, row, "achievement", score_goal, session, goal_id, value,
                 loc.text(cells, "manager"), loc.text(cells, "comment"), today) is not None:
            out.scored += 1
    if loc.problems:
        raise ProblemsError(loc.problems, what=table.file)
    return out


def import_one_to_ones(session: Session, path: Path | str, by: str, sheet: str | None = None,
                       today: date | None = None) -> GoalImport:
    """One-to-one talks (person, manager, date, notes) as a calendar or HR tool exports them."""
    today = today or date.today()
    table, loc = _read(path, TALK_SYNONYMS, ("employee_id", "manager", "held_on"), sheet)
    out = GoalImport(table.file, len(table.rows))
    for row, cells in table.rows:
        held = _step(loc, row, "held_on", parse_date, loc.cell(cells, "held_on"))
        if held is None:
            continue
        if _step(loc, row, "manager", record_one_to_one, session, loc.text(cells, "employee_id"),
                 loc.text(cells, "manager"), held, by, loc.text(cells, "notes"),
                 today) is not None:
            out.talks += 1
    if loc.problems:
        raise ProblemsError(loc.problems, what=table.file)
    return out
