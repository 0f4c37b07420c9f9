"""The database shell of career paths (graders.ladder.careers): what eligibility is computed from (roster,
published bands, courses completed, exams passed, violations), the promotion pipeline's steps and
the mentoring pairs, all recorded as append-only events with who, when and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.cycles import Cycle
from core.errors import AcademyError
from core.rows import frame as rows_frame
from graders.exam.models import ExamResult
from graders.ladder import careers as car
from graders.ladder import store, violations_store
from graders.ladder.events import line_above as _line_managers
from graders.results.models import GradeOutcome, GradePublication, GradeResult
from graders.results.publishing import PUBLISHED
from roster.models import Role, Staff, Team
from training.catalog import load_courses
from training.progress import ModuleProgress


def people_frame(session: Session) -> pd.DataFrame:
    """Active staff: DataFrame[employee_id, name, team, role_code, hire_date, supervisor_id,
    team_manager_id, level]."""
    q = (select(Staff.employee_id, Staff.name, Team.name, Staff.role_code, Staff.hire_date,
                Staff.supervisor_id, Team.manager_id, Role.level)
         .join(Team, Staff.team_id == Team.id).join(Role, Staff.role_code == Role.code)
         .where(Staff.active.is_(True)).order_by(Staff.employee_id))
    return rows_frame(session.execute(q), car.PEOPLE_COLUMNS + [
        "supervisor_id", "team_manager_id", "level"])


#: up to this many people a reader filters its query by their ids (beyond it, reads every row
#: once and keeps theirs: a list of thousands of ids costs more than it saves)
IDS_IN_QUERY = 2000


def _of(q, column, employee_ids):
    """`q` restricted to `employee_ids` (None: everyone) when the list is short enough."""
    if employee_ids is not None and len(employee_ids) <= IDS_IN_QUERY:
        q = q.where(column.in_(list(employee_ids)))
    return q


def _keep(f: pd.DataFrame, employee_ids) -> pd.DataFrame:
    if employee_ids is None:
        return f
    return f[f["employee_id"].isin(list(employee_ids))].reset_index(drop=True)


def bands_frame(session: Session, depth: int = 12, employee_ids: list[str] | None = None
                ) -> pd.DataFrame:
    """Bands of the published results of the latest `depth` published cycles (back = 1, 2 ...);
    of `employee_ids` only when given."""
    q = (select(Cycle.id).join(GradePublication, GradePublication.cycle_id == Cycle.id)
         .where(GradePublication.state == PUBLISHED).order_by(Cycle.opens_on.desc()).limit(depth))
    back = {cid: i + 1 for i, cid in enumerate(session.scalars(q))}
    if not back:
        return pd.DataFrame(columns=car.BAND_COLUMNS)
    q = (select(GradeResult.cycle_id, GradeResult.employee_id, GradeResult.band)
         .join(GradePublication, GradePublication.run_id == GradeResult.run_id)
         .where(GradePublication.state == PUBLISHED, GradeResult.cycle_id.in_(list(back))))
    q = _of(q, GradeResult.employee_id, employee_ids)
    h = _keep(rows_frame(session.execute(q), ["cycle_id", "employee_id", "band"]), employee_ids)
    h["back"] = h["cycle_id"].map(back)
    return h[car.BAND_COLUMNS]


def courses_done_frame(session: Session, employee_ids: list[str] | None = None) -> pd.DataFrame:
    """(employee_id, course) for every course whose every module the person completed (of
    `employee_ids` only when given)."""

    modules = {c.id: {m.id for m in c.modules} for c in load_courses()}
    q = select(ModuleProgress.employee_id, ModuleProgress.course, ModuleProgress.module).where(
        ModuleProgress.practice_done_at.is_not(None), ModuleProgress.self_check_score.is_not(None))
    q = _of(q, ModuleProgress.employee_id, employee_ids)
    f = _keep(rows_frame(session.execute(q), ["employee_id", "course", "module"]), employee_ids)
    if f.empty:
        return pd.DataFrame(columns=["employee_id", "course"])
    n = f.groupby(["employee_id", "course"])["module"].nunique().reset_index()
    need = n["course"].map(lambda c: len(modules.get(c, ())) or 10**9)
    return n.loc[n["module"] >= need, ["employee_id", "course"]].reset_index(drop=True)


def exams_passed_frame(session: Session, share: float, employee_ids: list[str] | None = None
                       ) -> pd.DataFrame:

    q = select(ExamResult.employee_id, ExamResult.exam, ExamResult.score, ExamResult.max_score
               ).where(ExamResult.status.in_(["graded", "repaired"]))
    q = _of(q, ExamResult.employee_id, employee_ids)
    f = _keep(rows_frame(session.execute(q), ["employee_id", "exam", "score", "max"]),
              employee_ids)
    ok = f["max"].astype(float).gt(0) & (f["score"].astype(float) >= share * f["max"].astype(float))
    return f.loc[ok, ["employee_id", "exam"]].reset_index(drop=True)


def course_names() -> dict[str, tuple[str, str]]:
    """Course id -> (English title, Chinese title)."""

    return {c.id: (c.title("en"), c.title("zh")) for c in load_courses()}


def cases(session: Session) -> pd.DataFrame:
    return car.fold_cases(store.events(session, car.PROMOTION))


def pairs(session: Session) -> pd.DataFrame:
    return car.fold_pairs(store.events(session, car.MENTORING))


@dataclass
class Careers:
    people: pd.DataFrame
    eligibility: pd.DataFrame
    cases: pd.DataFrame
    pairs: pd.DataFrame
    bench: pd.DataFrame


def load(session: Session, cfg: car.CareersConfig, as_of: date | None = None,
         employee_ids: list[str] | None = None) -> Careers:
    """Everything the career views show: for the whole company, or eligibility and the talent
    pipeline of `employee_ids` only (cases and pairs are for the views to filter)."""
    as_of = as_of or date.today()
    people = people_frame(session)
    if employee_ids is not None:
        people = people[people["employee_id"].isin(list(employee_ids))].reset_index(drop=True)
    c = cases(session)
    ids = None if employee_ids is None else list(people["employee_id"])
    elig = car.eligibility(people, bands_frame(session, employee_ids=ids),
                           courses_done_frame(session, ids),
                           exams_passed_frame(session, cfg.exam_pass_share, ids),
                           violations_store.standing(session, as_of, ids), car.held_levels(c),
                           cfg, as_of, course_names())
    return Careers(people, elig, c, pairs(session), car.bench(elig, c, cfg))


def _grade_signal(session: Session, employee_id: str) -> str | None:
    """The reason of the person's latest promotion signal in published grades, if any."""
    q = (select(GradeOutcome.reason).join(GradePublication,
                                          GradePublication.run_id == GradeOutcome.run_id)
         .where(GradeOutcome.kind == "promotion", GradeOutcome.employee_id == employee_id,
                GradePublication.state == PUBLISHED).order_by(GradeOutcome.id.desc()).limit(1))
    return session.scalar(q)


def mark_eligible(session: Session, cfg: car.CareersConfig, employee_id: str, track: str,
                  by: str, as_of: date | None = None) -> str:
    """Open a case at step `eligible` for the person's next level on `track`: refused unless they
    meet every entry criterion now. Returns the case id."""
    store.lock(session, car.PROMOTION)
    store.active_person(session, employee_id)
    cfg.track(track)
    data = load(session, cfg, as_of)
    e = data.eligibility[(data.eligibility["employee_id"] == employee_id)
                         & (data.eligibility["track"] == track)]
    if e.empty:
        raise AcademyError(f"{employee_id} holds the top level of {track} already")
    e = e.iloc[0]
    if e["readiness"] != car.READY_NOW:
        raise AcademyError(f"{employee_id} does not meet the entry criteria of {track}/"
                           f"{e['level']}: {e['detail']}")
    c = data.cases
    mine = c[(c["employee_id"] == employee_id) & (c["track"] == track) & c["open"]] if len(c) \
        else c
    car.check_case_step(mine.iloc[0].to_dict() if len(mine) else None, car.ELIGIBLE)
    signal = _grade_signal(session, employee_id)
    cid = store.next_subject(session, car.PROMOTION, "P")
    store.append(session, car.PROMOTION, cid, employee_id, car.ELIGIBLE,
                 {"track": track, "level": e["level"]}, by,
                 e["detail"] + (f"; grades: {signal}" if signal else ""))
    return cid


def scan(session: Session, cfg: car.CareersConfig, by: str, as_of: date | None = None) -> list[str]:
    """Open an `eligible` case for everyone ready now who has no open case on that track."""
    data = load(session, cfg, as_of)
    ready = data.eligibility[data.eligibility["readiness"] == car.READY_NOW]
    c = data.cases
    opened = set(zip(c.loc[c["open"], "employee_id"], c.loc[c["open"], "track"])) if len(c) \
        else set()
    out = []
    for r in ready.itertuples():
        if (r.employee_id, r.track) not in opened:
            out.append(mark_eligible(session, cfg, r.employee_id, r.track, by, as_of))
    return out


def case_step(session: Session, cfg: car.CareersConfig, case_id: str, action: str, actor: str,
              reason: str, outcome: str | None = None) -> dict:
    """Take a pipeline step (nominated, reviewed, decided) on a case: refused when out of order or
    by someone without the role. Returns the case as it now stands."""
    store.lock(session, car.PROMOTION)
    c = cases(session)
    hit = c[c["case_id"] == case_id]
    if hit.empty:
        raise AcademyError(f"no promotion case {case_id!r} (see `academy careers cases`)")
    case = hit.iloc[0].to_dict()
    car.check_case_step(case, action, outcome)
    rule = {car.NOMINATED: cfg.pipeline.nominate, car.REVIEWED: cfg.pipeline.review,
            car.DECIDED: cfg.pipeline.decide}[action]
    people = people_frame(session)
    role = people.loc[people["employee_id"] == actor, "role_code"]
    car.check_actor(rule, action, actor, role.iloc[0] if len(role) else None,
                    case["employee_id"], _line_managers(people, case["employee_id"]), case)
    store.append(session, car.PROMOTION, case_id, case["employee_id"], action,
                 {"track": case["track"], "level": case["level"], "outcome": outcome}, actor,
                 reason)
    return cases(session).set_index("case_id").loc[case_id].to_dict() | {"case_id": case_id}


def start_pair(session: Session, mentor: str, mentee: str, goal: str, starts_on: date,
               ends_on: date | None, by: str, reason: str | None = None) -> str:
    store.lock(session, car.MENTORING)
    store.active_person(session, mentor)
    store.active_person(session, mentee)
    if not (goal or "").strip():
        raise AcademyError("a mentoring pair needs its goal (what the mentee should be able to do)")
    car.check_pair(pairs(session), mentor, mentee, starts_on, ends_on)
    pid = store.next_subject(session, car.MENTORING, "M")
    store.append(session, car.MENTORING, pid, mentee, car.STARTED,
                 {"mentor_id": mentor, "goal": goal.strip(), "starts_on": starts_on,
                  "ends_on": ends_on}, by, reason or f"{mentor} mentors {mentee}")
    return pid


def end_pair(session: Session, pair_id: str, ended_on: date, by: str, reason: str) -> None:
    store.lock(session, car.MENTORING)
    p = pairs(session)
    hit = p[p["pair_id"] == pair_id]
    pair = hit.iloc[0].to_dict() if len(hit) else None
    car.check_end(pair, ended_on)
    store.append(session, car.MENTORING, pair_id, pair["mentee_id"], car.ENDED,
                 {"ended_on": ended_on}, by, reason)
