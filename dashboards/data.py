"""Data access for the dashboards: what the grading, evidence, exam and course packages stored,
read with one query per table, cached per kernel, and filtered by who is looking.

The dashboards never compute grades: they read stored results (graders.results.store) and, for the
what-if panel only, call the scoring engine (graders.engine.grading.what_if), which touches nothing.

Every function that returns people's data takes a Viewer and filters with dashboards.access; a
request for a team or person outside the viewer's reach raises AccessDenied (never an empty
answer that could be mistaken for "no data").
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

import graders
from core.cycles import Cycle, get_cycle
from core.home import open_home
from dashboards import phrases
from dashboards.access import (
    ADMIN,
    HIERARCHY_COLUMNS,
    TRAINER,
    AccessDenied,
    Viewer,
    managed_teams,
    visible_ids,
)
from graders.engine.grading import what_if as engine_what_if
from graders.evidence import EvidenceBatch
from graders.forms_config import load_evidence_config
from graders.ladder.coaching_store import followups
from graders.results.models import GradePublication, GradeRun
from graders.results.store import current_run, run_schemes, stored_result
from graders.reviews import peer_summary
from graders.sources import FLAG_COLUMNS, collect
from roster.models import Role, Staff, Team

_LOCK = threading.Lock()
_COMPANIES: dict[str, "Company"] = {}


@dataclass
class Company:
    """Everything the dashboards read about one home, loaded once per kernel."""

    home: object  # core.home.Home
    hierarchy: pd.DataFrame  # HIERARCHY_COLUMNS + role_code, family, level
    cycles: pd.DataFrame  # id, name, opens_on, closes_on, status, state, graded
    _results: dict = field(default_factory=dict)
    _flags: dict = field(default_factory=dict)
    _inputs: dict = field(default_factory=dict)
    _trend: pd.DataFrame | None = None
    _words: tuple | None = None  # scenario titles, behaviour texts (dashboards.phrases)

    @property
    def locale(self) -> str:
        return self.home.settings.locale


def hierarchy_frame(session: Session) -> pd.DataFrame:
    """Active staff with team, supervisor, team manager, role: one query."""

    q = (select(Staff.employee_id, Staff.name, Team.name, Staff.supervisor_id, Team.manager_id,
                Staff.role_code, Role.family, Role.level)
         .join(Team, Staff.team_id == Team.id).join(Role, Staff.role_code == Role.code)
         .where(Staff.active.is_(True)).order_by(Staff.employee_id))
    return pd.DataFrame(session.execute(q).all(),
                        columns=HIERARCHY_COLUMNS + ["role_code", "family", "level"])


def cycles_frame(session: Session) -> pd.DataFrame:
    """Cycles (oldest first) with their publication state and whether they have grades."""

    pub = aliased(GradePublication)
    q = (select(Cycle.id, Cycle.name, Cycle.opens_on, Cycle.closes_on, Cycle.status, pub.state,
                GradeRun.id)
         .outerjoin(pub, pub.cycle_id == Cycle.id)
         .outerjoin(GradeRun, (GradeRun.cycle_id == Cycle.id) & GradeRun.current.is_(True))
         .order_by(Cycle.opens_on))
    f = pd.DataFrame(session.execute(q).all(),
                     columns=["id", "name", "opens_on", "closes_on", "status", "state", "run_id"])
    f["state"] = f["state"].fillna("draft")
    f["graded"] = f["run_id"].notna()
    return f.drop(columns=["run_id"])


def load_company(home=None, refresh: bool = False) -> Company:
    """The company of `home` (default: $ACADEMY_HOME), cached for the life of the kernel."""

    h = home if home is not None and not isinstance(home, str) else open_home(home)
    key = str(h.root)
    with _LOCK:
        if refresh or key not in _COMPANIES:
            with Session(h.engine) as s:
                _COMPANIES[key] = Company(h, hierarchy_frame(s), cycles_frame(s))
        return _COMPANIES[key]


# --- whole-company results, cached ------------------------------------------------------------


@dataclass
class CycleData:
    name: str
    state: str
    result: object  # graders.engine.grading.GradeResult
    schemes: dict  # family -> Scheme the run used


def cycle_data(company: Company, cycle: str) -> CycleData:
    """The stored (current) results of a cycle and the schemes they were computed with."""

    with _LOCK:
        if cycle not in company._results:
            with Session(company.home.engine) as s:
                c = get_cycle(s, cycle)
                res = stored_result(s, c.id)
                if res is None:
                    raise LookupError(f"cycle {cycle} has no grades yet")
                state = company.cycles.set_index("name").at[cycle, "state"]
                company._results[cycle] = CycleData(cycle, state, res,
                                                    run_schemes(current_run(s, c.id)))
        return company._results[cycle]


def coaching_followups(company: Company, cycle: str) -> pd.DataFrame:
    """Where the follow-up of each corrective action of `cycle` stands (graders.ladder.coaching); read
    fresh each time (not cached: follow-ups are recorded while the page is open). Empty for a
    cycle not published."""

    with Session(company.home.engine) as s:
        return followups(s, cycle)


def graded_cycles(company: Company, published_only: bool = False) -> list[str]:
    c = company.cycles[company.cycles["graded"]]
    if published_only:
        c = c[c["state"] == "published"]
    return list(c["name"])


def trend_frame(company: Company) -> pd.DataFrame:
    """Final scores of every graded cycle: DataFrame[cycle, opens_on, employee_id, team, family,
    final_score, band, state] in one query."""
    from graders.results.models import GradeResult, GradeRun

    with _LOCK:
        if company._trend is None:
            q = (select(Cycle.name, Cycle.opens_on, GradeResult.employee_id, GradeResult.team,
                        GradeResult.family, GradeResult.final_score, GradeResult.band)
                 .join(GradeRun, GradeRun.id == GradeResult.run_id)
                 .join(Cycle, Cycle.id == GradeResult.cycle_id)
                 .where(GradeRun.current.is_(True)))
            with Session(company.home.engine) as s:
                f = pd.DataFrame(s.execute(q).all(), columns=[
                    "cycle", "opens_on", "employee_id", "team", "family", "final_score", "band"])
            f["state"] = f["cycle"].map(company.cycles.set_index("name")["state"])
            company._trend = f
        return company._trend


def _flags_job(home_root: str, cycle: str) -> pd.DataFrame:

    with open_home(home_root, upgrade=False) as home, Session(home.engine) as s:
        return collect(s, get_cycle(s, cycle).id, []).flags


def flags_key(company: Company, cycle: str) -> str:
    """What a cycle's flags depend on, as one hash: the cycle's evidence batches (every import or
    form entry adds a batch, a re-delivery supersedes one; evidence rows are never edited in
    place), the roster's teams and reporting lines, and the grading code that derives them."""
    return _flags_key(company.home, cycle)


def _flags_key(home, cycle: str) -> str:
    import hashlib
    from pathlib import Path

    from roster.models import Staff, Team

    h = hashlib.sha256()
    with Session(home.engine) as s:
        c = get_cycle(s, cycle)
        h.update(repr((c.id, c.name)).encode())
        for q in (select(EvidenceBatch.id, EvidenceBatch.source, EvidenceBatch.key,
                         EvidenceBatch.sha256, EvidenceBatch.rows, EvidenceBatch.superseded_by,
                         EvidenceBatch.entered_at)
                  .where(EvidenceBatch.cycle_id == c.id).order_by(EvidenceBatch.id),
                  select(Staff.employee_id, Staff.team_id, Staff.role_code, Staff.supervisor_id,
                         Staff.active).order_by(Staff.employee_id),
                  select(Team.id, Team.name, Team.manager_id).order_by(Team.id)):
            for row in s.execute(q):
                h.update(repr(tuple(row)).encode())
    for path in sorted(Path(graders.__file__).resolve().parent.rglob("*.py")):
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()[:32]


def _flags_cache(company: Company, cycle: str, key: str) -> Path:
    return _flags_path(company.home, cycle, key)


def _flags_path(home, cycle: str, key: str) -> Path:
    import re

    name = re.sub(r"[^\w.]", "_", cycle)
    return Path(home.root) / "serve" / "cache" / f"flags-{name}-{key}.json"


def store_flags(home, cycle: str, frame: pd.DataFrame) -> Path:
    """Keep a cycle's flags where the dashboards look first, under the hash of what they depend
    on (flags_key). `academy grade` collects every source's evidence anyway and calls this with
    the flags it found, so the first dashboard kernel after a grade reads them in milliseconds
    instead of collecting the whole cycle again (about a minute at 10,000 staff)."""
    import os


    path = _flags_path(home, cycle, _flags_key(home, cycle))
    _write_flags(path, frame[FLAG_COLUMNS].reset_index(drop=True))
    if os.geteuid() == 0 and path.exists():  # on a hub: the file belongs to the cache's owner
        st = path.parent.stat()  # (the dashboards' account), as if its kernel had written it
        os.chown(path, st.st_uid, st.st_gid)
    return path


def _read_flags(path: Path) -> pd.DataFrame | None:
    import json

    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        return pd.DataFrame(saved["data"], columns=saved["columns"], dtype=object)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_flags(path: Path, frame: pd.DataFrame) -> None:
    import json
    import os
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(path.name.rsplit("-", 1)[0] + "-*.json"):
            old.unlink(missing_ok=True)  # earlier versions of this cycle's flags
        rows = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"columns": list(frame.columns), "data": rows}, out, ensure_ascii=False,
                      default=str)
        os.replace(tmp, path)  # whole or not at all, even with two kernels writing
    except OSError:
        pass  # a read-only home: computed again next time


def flags(company: Company, cycle: str) -> pd.DataFrame:
    """Evidence-quality flags of a cycle (graders.sources.collect): kind, source, subject, detail.

    Computed in a short-lived child process: collecting the whole cycle's evidence needs far more
    memory than the few flags it yields, and a child gives all of it back when it exits (the
    dashboard kernel stays small for a day of use). Kept in `<home>/serve/cache/` under a hash
    of everything they depend on (flags_key): every preheated kernel after the first reads them
    in milliseconds instead of collecting the evidence again (about a minute for 10,000 staff),
    and new evidence, a roster change or new grading code changes the hash."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with _LOCK:
        if cycle not in company._flags:
            key = flags_key(company, cycle)
            path = _flags_cache(company, cycle, key)
            cached = _read_flags(path) if path.exists() else None
            if cached is not None:
                company._flags[cycle] = cached
                return cached
            try:
                with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as ex:
                    company._flags[cycle] = ex.submit(_flags_job, str(company.home.root),
                                                      cycle).result()
            except (OSError, RuntimeError):  # no child processes here: compute in place
                company._flags[cycle] = _flags_job(str(company.home.root), cycle)
            _write_flags(path, company._flags[cycle])
        return company._flags[cycle]


def grade_inputs(company: Company, cycle: str):
    """The engine's inputs for a cycle (loaded on first use of the what-if panel)."""
    from graders.results.store import current_run, load_inputs, overrides_frame

    with _LOCK:
        if cycle not in company._inputs:
            with Session(company.home.engine) as s:
                c = get_cycle(s, cycle)
                run = current_run(s, c.id)
                # the last-month pay the stored run was computed with, so only weights differ
                ref = getattr(run, "reference_pay", None)
                pay = pd.Series(ref, dtype=float) if ref else None
                company._inputs[cycle] = (load_inputs(s, c, reference_pay=pay),
                                          overrides_frame(s, c.id))
        return company._inputs[cycle]


# --- slices a viewer may see ------------------------------------------------------------------


def _only(frame: pd.DataFrame, ids) -> pd.DataFrame:
    return frame[frame["employee_id"].isin(ids)].reset_index(drop=True)


def restrict(result, ids):
    """A GradeResult keeping only the people in `ids` (checks, which are per scheme, kept)."""
    return replace(result, **{n: _only(getattr(result, n), ids) for n in (
        "results", "components", "competencies", "awards", "actions", "training", "excluded")})


@dataclass
class ManagerSlice:
    cycle: CycleData
    teams: list[str]  # the teams shown
    ids: np.ndarray  # the people shown
    result: object  # GradeResult restricted to ids
    company_profile: pd.Series  # competency -> company mean (an aggregate)
    flags: pd.DataFrame
    trend: pd.DataFrame


def allowed_teams(company: Company, viewer: Viewer | None) -> list[str]:
    if viewer is None:
        return []
    return managed_teams(company.hierarchy, viewer)


def manager_slice(company: Company, viewer: Viewer | None, cycle: str,
                  teams: list[str] | None = None, role: str | None = None) -> ManagerSlice:
    """What a manager sees of a cycle for the chosen teams (default: all theirs) and role."""
    allowed = allowed_teams(company, viewer)
    if not allowed:
        raise AccessDenied("no teams are under you in the roster")
    chosen = list(teams) if teams else allowed
    outside = sorted(set(chosen) - set(allowed))
    if outside:
        raise AccessDenied(f"team {outside[0]!r} is not under you")
    cd = cycle_data(company, cycle)
    res = cd.result.results
    ids = np.intersect1d(visible_ids(company.hierarchy, viewer),
                         res.loc[res["team"].isin(chosen), "employee_id"].to_numpy(dtype=object))
    if role:
        ids = np.intersect1d(ids, res.loc[res["role_code"] == role, "employee_id"]
                             .to_numpy(dtype=object))
    sliced = restrict(cd.result, ids)
    profile = cd.result.competencies.groupby("competency")["score"].mean()
    return ManagerSlice(cd, chosen, ids, sliced, profile, _visible_flags(company, cycle, ids,
                                                                            chosen, viewer),
                        _only(trend_frame(company), ids))


def _visible_flags(company: Company, cycle: str, ids, teams: list[str],
                   viewer: Viewer | None) -> pd.DataFrame:
    """Flags about the shown people (a pair only when both are shown), their teams, or a whole
    scenario; flags about trainers are the trainers' business (trainer view)."""
    f = flags(company, cycle)
    if f.empty:
        return f
    idset = set(ids)
    parts = f["subject"].astype(str).str.split("<->")
    about_people = parts.map(lambda p: all(x in idset for x in p))
    about_team = f["subject"].isin(teams)
    scenario = (f["source"] == "practical") & (f["kind"] == "low_agreement")
    keep = about_people | about_team | scenario
    if viewer is not None and viewer.kind == ADMIN:
        keep[:] = True
    return f[keep].reset_index(drop=True)


def person(company: Company, viewer: Viewer | None, cycle: str, employee_id: str):
    """One person's results (drill-down), if the viewer may see them."""
    if viewer is None or employee_id not in set(visible_ids(company.hierarchy, viewer)):
        raise AccessDenied(f"{employee_id} is not visible to you")
    return restrict(cycle_data(company, cycle).result, [employee_id])


# --- the trainee's own report ----------------------------------------------------------------


@dataclass
class TraineeReport:
    employee_id: str
    name: str
    team: str
    cycle: str | None
    result: object | None  # GradeResult of this person only (published cycles only)
    schemes: dict
    team_profile: pd.DataFrame  # competency, score (team mean)
    peer: pd.DataFrame  # competency, score, raters (aggregates over >= min raters)
    trend: pd.DataFrame


def trainee_report(company: Company, viewer: Viewer | None, cycle: str | None = None
                   ) -> TraineeReport:
    """The viewer's own published results; never anyone else's."""
    if viewer is None or viewer.kind in (TRAINER, ADMIN):
        raise AccessDenied("the trainee report is for staff on the roster")
    me = viewer.employee_id
    h = company.hierarchy.set_index("employee_id")
    if me not in h.index:
        raise AccessDenied(f"{me} is not an active member of the roster")
    published = graded_cycles(company, published_only=True)
    if cycle is not None and cycle not in published:
        raise AccessDenied(f"cycle {cycle} has no published results")
    cycle = cycle or (published[-1] if published else None)
    empty = pd.DataFrame(columns=["competency", "score"])
    if cycle is None:
        return TraineeReport(me, h.at[me, "name"], h.at[me, "team"], None, None, {}, empty,
                             pd.DataFrame(columns=["competency", "score", "raters"]),
                             pd.DataFrame())
    cd = cycle_data(company, cycle)
    mine = restrict(cd.result, [me])
    comp = mine.competencies
    team_profile = comp[["competency", "team_mean"]].rename(columns={"team_mean": "score"})
    tr = trend_frame(company)
    return TraineeReport(me, h.at[me, "name"], h.at[me, "team"], cycle, mine, cd.schemes,
                         team_profile, peer_of(company, cycle, me),
                         tr[(tr["employee_id"] == me) & (tr["state"] == "published")])


def peer_of(company: Company, cycle: str, employee_id: str) -> pd.DataFrame:
    """Peer-review aggregates of one person (graders.reviews.peer_summary: only competencies with
    at least the minimum number of raters; never individual answers)."""

    with Session(company.home.engine) as s:
        p = peer_summary(s, get_cycle(s, cycle).id)
    return p[p["employee_id"] == employee_id][["competency", "score", "raters"]] \
        .reset_index(drop=True)


def what_if(company: Company, viewer: Viewer | None, cycle: str,
            weights: dict[str, dict[str, float]]):
    """Results under other component weights, computed by the scoring engine on the cycle's
    stored inputs (nothing is written); the changes restricted to what the viewer may see.
    Returns (diff, restricted GradeResult)."""

    if not allowed_teams(company, viewer):
        raise AccessDenied("the what-if panel is for managers")
    cd = cycle_data(company, cycle)
    inputs, overrides = grade_inputs(company, cycle)
    wi = engine_what_if(inputs, cd.schemes, cd.result.results, weights, overrides)
    ids = visible_ids(company.hierarchy, viewer)
    return _only(wi.diff, ids), restrict(wi.result, ids)


# --- words for codes: role names, and what turns ids in the engine's sentences into names ------


def role_name(company: Company, code: str, loc: str) -> str:
    """A role's name from the home's settings (the code itself if the settings lost it)."""
    for r in company.home.settings.roles:
        if r.code == code:
            return r.name_zh if loc == "zh" else r.name_en
    return code


def phrase_context(company: Company, ids) -> phrases.Context:
    """Names of the people in `ids` (only those: a flag naming someone else keeps their id),
    practical scenarios' titles and key behaviours' texts, for dashboards.phrases."""

    h = company.hierarchy
    names = h.loc[h["employee_id"].isin(list(ids)), ["employee_id", "name"]]
    if company._words is None:
        try:
            cfg = load_evidence_config(company.home.assessments_dir)
            words = ({k: (r.title_en, r.title_zh or r.title_en) for k, r in cfg.rubrics.items()},
                     {b.code: (b.text_en, b.text_zh or b.text_en) for b in cfg.behaviours.behaviours})
        except Exception:  # noqa: BLE001 - a broken definition: codes stay codes
            words = ({}, {})
        company._words = words
    scen, beh = company._words
    return phrases.Context(dict(zip(names["employee_id"], names["name"])), scen, beh)
