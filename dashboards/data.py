"""Data access for the dashboards: what the grading, evidence, exam and course packages stored,
read with one query per table, cached per kernel, and filtered by who is looking.

A page reads what its viewer may see, not the company: the rows of the viewer's teams
(`teams_result`, through the indexes of migration 0013), the company's means as one grouped
query, and the evidence flags and fairness model stored with the grade run (never recomputed
here). The whole company's results are loaded only for an administrator or the what-if panel.

The dashboards never compute grades: they read stored results (graders.results.store) and, for the
what-if panel only, call the scoring engine (graders.engine.grading.what_if), which touches nothing.

Every function that returns people's data takes a Viewer and filters with dashboards.access; a
request for a team or person outside the viewer's reach raises AccessDenied (never an empty
answer that could be mistaken for "no data").
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from core.cycles import Cycle, get_cycle
from core.home import open_home
from core.rows import frame as rows_frame
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
from graders.forms_config import load_evidence_config
from graders.ladder.coaching_store import followups
from graders.results.models import GradePublication, GradeRun
from graders.results.store import current_run, run_schemes, stored_result
from graders.sources import FLAG_COLUMNS
from graders.sources.reviews import peer_summary
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
    #: what pages read of one viewer's teams: run heads, team rows, company means (small)
    _views: dict = field(default_factory=dict)
    _trend: pd.DataFrame | None = None
    #: who a viewer sees, per viewer, with the hierarchy it was computed from (_access_memo)
    _access: dict = field(default_factory=dict)
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
    f = rows_frame(session.execute(q), HIERARCHY_COLUMNS + ["role_code", "family", "level"])
    # plain object columns: a page walks and zips this frame a dozen times, and iterating
    # pandas' string arrays goes element by element through their indexing (about 20x slower)
    return f.astype({c: object for c in f.columns if f[c].dtype != object
                     and pd.api.types.is_string_dtype(f[c].dtype)})


def cycles_frame(session: Session) -> pd.DataFrame:
    """Cycles (oldest first) with their publication state, whether they have grades and the id
    of their current grade run."""
    from core.cycles import Cycle

    pub = aliased(GradePublication)
    q = (select(Cycle.id, Cycle.name, Cycle.opens_on, Cycle.closes_on, Cycle.status, pub.state,
                GradeRun.id)
         .outerjoin(pub, pub.cycle_id == Cycle.id)
         .outerjoin(GradeRun, (GradeRun.cycle_id == Cycle.id) & GradeRun.current.is_(True))
         .order_by(Cycle.opens_on))
    f = rows_frame(session.execute(q),
                   ["id", "name", "opens_on", "closes_on", "status", "state", "run_id"])
    f["state"] = f["state"].fillna("draft")
    f["graded"] = f["run_id"].notna()
    f["run_id"] = f["run_id"].astype("Int64")
    return f


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


@dataclass
class CycleHead:
    """What a page needs of a cycle's current run besides people's rows (no results loaded)."""

    name: str
    state: str
    run_id: int
    schemes: dict  # family -> Scheme the run used
    checks: pd.DataFrame


def cycle_head(company: Company, cycle: str) -> CycleHead:
    """The current run of a graded cycle: its id, schemes and checks (one row read)."""
    from core.cycles import get_cycle
    from graders.engine import grading as g
    from graders.results.store import current_run, run_schemes

    with _LOCK:
        key = ("head", cycle)
        if key not in company._views:
            with Session(company.home.engine) as s:
                run = current_run(s, get_cycle(s, cycle).id)
                if run is None:
                    raise LookupError(f"cycle {cycle} has no grades yet")
                state = company.cycles.set_index("name").at[cycle, "state"]
                company._views[key] = CycleHead(cycle, state, run.id, run_schemes(run),
                                                pd.DataFrame(run.checks, columns=g.CHECK_COLUMNS))
        return company._views[key]


#: team selections whose rows a kernel keeps (a page's viewer switches between a few)
KEPT_SELECTIONS = 8


def teams_result(company: Company, cycle: str, teams: list[str]):
    """The current results of the people of `teams` only (graders.results.store.stored_result
    with teams: indexed reads of a few teams, not the company); from the whole company's
    results when this kernel already holds them (an administrator, the what-if panel)."""
    from core.cycles import get_cycle
    from graders.results.store import stored_result

    if cycle in company._results:
        full = company._results[cycle].result
        return restrict_teams(full, teams)
    key = ("teams", cycle, tuple(sorted(teams)))
    with _LOCK:
        if key not in company._views:
            everyone = set(teams) >= set(company.hierarchy["team"])
            with Session(company.home.engine) as s:
                res = stored_result(s, get_cycle(s, cycle).id, None if everyone else teams)
            if res is None:
                raise LookupError(f"cycle {cycle} has no grades yet")
            kept = [k for k in company._views if k[0] == "teams"]
            for old in kept[:max(len(kept) - KEPT_SELECTIONS + 1, 0)]:
                del company._views[old]
            company._views[key] = res
        return company._views[key]


def restrict_teams(result, teams):
    """A GradeResult keeping the people of `teams` (as graded) and those teams' outcomes."""
    res = result.results
    ids = res.loc[res["team"].isin(list(teams)), "employee_id"]
    return restrict(result, ids)


def company_profile(company: Company, cycle: str) -> pd.Series:
    """competency -> the company's mean score in a cycle (an aggregate over everyone)."""
    from graders.results.store import profile_means

    key = ("profile", cycle)
    head = cycle_head(company, cycle)
    with _LOCK:
        if key not in company._views:
            if cycle in company._results:
                comp = company._results[cycle].result.competencies
                company._views[key] = comp.groupby("competency")["score"].mean()
            else:
                with Session(company.home.engine) as s:
                    company._views[key] = profile_means(s, head.run_id)
        return company._views[key]


def trend_of(company: Company, ids) -> pd.DataFrame:
    """trend_frame's rows of the people in `ids` only: read for them alone unless this kernel
    already holds the whole company's trend."""
    from core.cycles import Cycle
    from graders.results.models import GradeResult

    ids = [str(x) for x in ids]
    if company._trend is not None or len(ids) > TREND_READ_LIMIT:
        return _only(trend_frame(company), ids)
    cols = ["cycle", "opens_on", "employee_id", "team", "family", "final_score", "band"]
    parts = []
    with Session(company.home.engine) as s:
        for i in range(0, len(ids), 500):
            q = (select(Cycle.name, Cycle.opens_on, GradeResult.employee_id, GradeResult.team,
                        GradeResult.family, GradeResult.final_score, GradeResult.band)
                 .join(GradeRun, GradeRun.id == GradeResult.run_id)
                 .join(Cycle, Cycle.id == GradeResult.cycle_id)
                 .where(GradeRun.current.is_(True), GradeResult.employee_id.in_(ids[i:i + 500])))
            parts.append(rows_frame(s.execute(q), cols))
    f = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    f["state"] = f["cycle"].map(company.cycles.set_index("name")["state"])
    return _only(f, ids)


#: above this many people a page reads the whole company's trend once instead
TREND_READ_LIMIT = 2000


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
    from graders.results.models import GradeResult

    with _LOCK:
        if company._trend is None:
            q = (select(Cycle.name, Cycle.opens_on, GradeResult.employee_id, GradeResult.team,
                        GradeResult.family, GradeResult.final_score, GradeResult.band)
                 .join(GradeRun, GradeRun.id == GradeResult.run_id)
                 .join(Cycle, Cycle.id == GradeResult.cycle_id)
                 .where(GradeRun.current.is_(True)))
            with Session(company.home.engine) as s:
                f = rows_frame(s.execute(q), [
                    "cycle", "opens_on", "employee_id", "team", "family", "final_score", "band"])
            f["state"] = f["cycle"].map(company.cycles.set_index("name")["state"])
            company._trend = f
        return company._trend


def flags(company: Company, cycle: str) -> pd.DataFrame:
    """Evidence-quality flags of a cycle (graders.sources FLAG_COLUMNS: kind, source, subject,
    detail), as stored with its current grade run (graders.results.run_flags_store): the flags the
    engine used for those results, read with one indexed query, never recomputed here."""
    from core.cycles import get_cycle
    from graders.results.run_flags_store import read_flags
    from graders.results.store import current_run

    with _LOCK:
        if cycle not in company._flags:
            with Session(company.home.engine) as s:
                run = current_run(s, get_cycle(s, cycle).id)
                company._flags[cycle] = (read_flags(s, run.id) if run is not None
                                         else pd.DataFrame(columns=FLAG_COLUMNS))
        return company._flags[cycle]


def refresh_if_changed(company: Company) -> bool:
    """Re-read the roster and the cycles (two small queries) and, when a cycle has another
    current grade run than the one this kernel loaded (a new `academy grade`, a publication),
    drop what was loaded of the results: a kernel preheated before the change never draws the
    old run. Called once the request is known. Returns whether anything was dropped."""
    with Session(company.home.engine) as s:
        hierarchy, cycles = hierarchy_frame(s), cycles_frame(s)
    with _LOCK:
        old = company.cycles.set_index("name")[["run_id", "state"]]
        new = cycles.set_index("name")[["run_id", "state"]]
        changed = not old.equals(new)
        company.hierarchy, company.cycles = hierarchy, cycles
        if changed:
            company._results.clear()
            company._flags.clear()
            company._inputs.clear()
            company._views.clear()
            company._trend = None
        return changed


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
    cycle: CycleHead
    teams: list[str]  # the teams shown
    ids: np.ndarray  # the people shown
    result: object  # GradeResult restricted to ids
    company_profile: pd.Series  # competency -> company mean (an aggregate)
    flags: pd.DataFrame
    trend: pd.DataFrame


def _access_memo(company: Company, what: str, viewer: Viewer, compute):
    """`compute(hierarchy, viewer)` once per roster this kernel holds: a page asks who its
    viewer sees a dozen times (each a walk down the supervisor chains of the whole roster). The
    answer is kept with the very hierarchy frame it was computed from and recomputed as soon
    as the kernel holds another one (dashboards.data.refresh_if_changed re-reads the roster)."""
    h = company.hierarchy
    memo = company._access
    key = (what, viewer.user)
    got = memo.get(key)
    if got is None or got[0] is not h:
        if len(memo) > 64:
            memo.clear()
        got = memo[key] = (h, compute(h, viewer))
    return got[1]


def allowed_teams(company: Company, viewer: Viewer | None) -> list[str]:
    if viewer is None:
        return []
    return list(_access_memo(company, "teams", viewer, managed_teams))


def visible(company: Company, viewer: Viewer | None) -> np.ndarray:
    """dashboards.access.visible_ids of the kernel's roster, remembered per viewer."""
    if viewer is None:
        return visible_ids(company.hierarchy, viewer)
    return _access_memo(company, "ids", viewer, visible_ids).copy()


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
    head = cycle_head(company, cycle)
    part = teams_result(company, cycle, chosen)  # only the chosen teams' rows are read
    res = part.results
    ids = np.intersect1d(visible(company, viewer),
                         res.loc[res["team"].isin(chosen), "employee_id"].to_numpy(dtype=object))
    if role:
        ids = np.intersect1d(ids, res.loc[res["role_code"] == role, "employee_id"]
                             .to_numpy(dtype=object))
    sliced = restrict(part, ids)
    return ManagerSlice(head, chosen, ids, sliced, company_profile(company, cycle),
                        _visible_flags(company, cycle, ids, chosen, viewer),
                        trend_of(company, ids))


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
    if viewer is None or employee_id not in set(visible(company, viewer)):
        raise AccessDenied(f"{employee_id} is not visible to you")
    return _own_rows(company, cycle, employee_id)


def _own_rows(company: Company, cycle: str, employee_id: str):
    """One person's results: from rows this kernel already holds (their team's, or the whole
    company's), else read for them alone (a trainee's page reads nobody else's rows)."""
    from core.cycles import get_cycle
    from graders.results.store import stored_result

    if cycle in company._results:
        return restrict(company._results[cycle].result, [employee_id])
    h = company.hierarchy
    team = h.loc[h["employee_id"] == employee_id, "team"]
    if len(team):
        for key, held in list(company._views.items()):
            if key[0] == "teams" and key[1] == cycle and team.iloc[0] in key[2]:
                mine = restrict(held, [employee_id])
                if len(mine.results):
                    return mine
    with Session(company.home.engine) as s:
        res = stored_result(s, get_cycle(s, cycle).id, people=[employee_id])
    if res is None:
        raise LookupError(f"cycle {cycle} has no grades yet")
    return restrict(res, [employee_id])


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
    head = cycle_head(company, cycle)
    mine = _own_rows(company, cycle, me)
    comp = mine.competencies
    team_profile = comp[["competency", "team_mean"]].rename(columns={"team_mean": "score"})
    tr = trend_of(company, [me])
    return TraineeReport(me, h.at[me, "name"], h.at[me, "team"], cycle, mine, head.schemes,
                         team_profile, peer_of(company, cycle, me),
                         tr[(tr["employee_id"] == me) & (tr["state"] == "published")]
                         .reset_index(drop=True))


def peer_of(company: Company, cycle: str, employee_id: str) -> pd.DataFrame:
    """Peer-review aggregates of one person (graders.sources.reviews.peer_summary: only competencies with
    at least the minimum number of raters; never individual answers)."""
    p = peer_table(company, cycle)
    return p[p["employee_id"] == employee_id][["competency", "score", "raters"]] \
        .reset_index(drop=True)


def peer_table(company: Company, cycle: str) -> pd.DataFrame:
    """graders.sources.reviews.peer_summary of a cycle (aggregates only), kept for the kernel's life:
    a trainee page's kernel reads it while preheating (dashboards.ui.preload)."""
    from core.cycles import get_cycle

    key = ("peers", cycle)
    with _LOCK:
        if key not in company._views:
            with Session(company.home.engine) as s:
                company._views[key] = peer_summary(s, get_cycle(s, cycle).id)
        return company._views[key]


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
    ids = visible(company, viewer)
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
