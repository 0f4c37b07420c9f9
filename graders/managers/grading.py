"""Grading supervisors and managers on their teams' figures: pure functions on DataFrames.

Who counts for whom (`monthly_links`): the roster's state at the end of each month of the cycle is
rebuilt from today's roster and its recorded changes (roster_changes, dated by their import). In
that state a person counts for every supervisor and manager above them in the supervisor chain
(a manager's team is everyone below them, through supervisors). The chain runs through people who
have left, so the staff of a vacant supervisor roll up to the next manager above; a person with no
supervisor rolls up to their team's manager. **Attribution is per month**: a person who moved team
in the middle of a cycle counts, each month, for the heads of the team they were in at that
month's end; figures without a month (customer surveys, course progress) are shared pro rata, by
the share of the cycle's months spent under each head. Team CSAT is the mean satisfaction of the
team's customer responses (0-100, the items attributed to the person), as a share of 100. Someone who left during a month still
counts for that month (and is that month's leaver).

Each indicator turns the team's figures into a value (a rate), compares it with the scheme's
target and scores it on 0-100 like the KPI items: `100 x min(1, value / target)` when more is
better, `100 x min(1, target / value)` when less is better (a value of 0 scores 100). No data
(a team without complaints, no churn imported) leaves the indicator missing, and the scheme's
missing policy decides (by default its weight is shared out over the others).

`INDICATORS` is the registry: a role scheme lists indicators by name among its components, as
result or process indicators. A new indicator (e.g. `violations`) is one more `Indicator` here
(and, if it needs data of its own, a loader in `graders.managers.store.EXTRA_LOADERS`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["Indicator", "INDICATORS", "TeamData", "monthly_links", "roster_at",
           "indicator_scores", "rescore", "ManagementRules", "LEVEL_RANK", "LINK_COLUMNS", "FIGURE_COLUMNS"]

#: roster state columns (one row per person)
STATE_COLUMNS = ["employee_id", "team", "role_code", "level", "supervisor_id", "active",
                 "team_manager_id"]
#: roster changes: when a field of a person changed (created: the person was added)
CHANGE_COLUMNS = ["employee_id", "field", "before", "after", "at"]
#: who counts for whom in each month; `direct`: the head is the person's nearest head
LINK_COLUMNS = ["month", "employee_id", "head_id", "direct", "leaver", "team"]
#: one row per head and indicator
FIGURE_COLUMNS = ["head_id", "indicator", "value", "target", "score", "n", "note"]
LEVEL_RANK = {"staff": 0, "supervisor": 1, "manager": 2}
HEAD_LEVELS = ("supervisor", "manager")


# --- who counts for whom -------------------------------------------------------------------------


def roster_at(current: pd.DataFrame, changes: pd.DataFrame, when: pd.Timestamp) -> pd.DataFrame:
    """The roster as it stood at `when`: today's state with every change recorded after `when`
    undone (the earliest later change of a field holds its value at `when`); people created after
    `when` are left out. `active` is a bool column."""
    state = current[STATE_COLUMNS].copy().set_index("employee_id")
    later = changes[pd.to_datetime(changes["at"]) > when]
    if len(later):
        later = later.sort_values("at", kind="stable")
        created = set(later.loc[later["field"] == "created", "employee_id"])
        first = later[later["field"] != "created"].drop_duplicates(["employee_id", "field"])
        for fld in ("team", "role_code", "supervisor_id", "active"):
            f = first[(first["field"] == fld) & first["employee_id"].isin(state.index)]
            if f.empty:
                continue
            values = f.set_index("employee_id")["before"]
            if fld == "active":
                values = values.map(lambda v: str(v) == "True")
            state.loc[values.index, fld] = values.to_numpy(dtype=object)
        state = state.drop(index=[e for e in created if e in state.index])
    state["active"] = state["active"].astype(bool)
    return state.reset_index()


def _month_bounds(month: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    start = pd.Timestamp(f"{month}-01", tz="UTC")
    return start, start + pd.offsets.MonthBegin(1) - pd.Timedelta(microseconds=1)


def monthly_links(current: pd.DataFrame, changes: pd.DataFrame, months: list[str],
                  levels: dict[str, str]) -> pd.DataFrame:
    """LINK_COLUMNS: for each month, each person who was on the roster at its end (or left during
    it) and every active supervisor or manager above them. `levels`: role code -> level."""
    frames = []
    changes = changes.assign(at=pd.to_datetime(changes["at"], utc=True))
    for month in months:
        start, end = _month_bounds(month)
        state = roster_at(current, changes, end)
        state["level"] = state["role_code"].map(levels).fillna("staff")
        left = changes[(changes["field"] == "active") & (changes["before"].astype(str) == "True")
                       & (changes["after"].astype(str) == "False")
                       & (changes["at"] >= start) & (changes["at"] <= end)]
        leavers = set(left["employee_id"])
        counted = state[state["active"] | state["employee_id"].isin(leavers)]
        frames.append(_links_of_month(month, state, counted, leavers))
    if not frames:
        return pd.DataFrame(columns=LINK_COLUMNS)
    return pd.concat(frames, ignore_index=True)


#: a supervisor chain longer than this is a loop (the roster import refuses loops)
MAX_DEPTH = 64


def _links_of_month(month: str, state: pd.DataFrame, counted: pd.DataFrame,
                    leavers: set[str]) -> pd.DataFrame:
    """Walk every counted person's supervisor chain at once, one level per step (vectorised)."""
    sup = state.set_index("employee_id")["supervisor_id"]
    sup = sup[sup.notna() & (sup.astype(str) != "")]
    active_heads = state[state["active"] & state["level"].isin(HEAD_LEVELS)]
    level_of = active_heads.set_index("employee_id")["level"]
    walk = pd.DataFrame({"employee_id": counted["employee_id"].to_numpy(dtype=object),
                         "cur": counted["employee_id"].map(sup).to_numpy(dtype=object),
                         "found": False})
    out = []
    for _ in range(MAX_DEPTH):
        walk = walk[walk["cur"].notna() & (walk["cur"] != walk["employee_id"])]
        if walk.empty:
            break
        lv = walk["cur"].map(level_of)
        hit = lv.notna()
        if hit.any():
            h = walk[hit]
            out.append(pd.DataFrame({"employee_id": h["employee_id"], "head_id": h["cur"],
                                     "direct": ~h["found"]}))
            walk.loc[hit, "found"] = True
        walk = walk.assign(cur=walk["cur"].map(sup).to_numpy(dtype=object))
    links = (pd.concat(out, ignore_index=True) if out
             else pd.DataFrame(columns=["employee_id", "head_id", "direct"]))
    # nobody above at manager level: the team's manager, if active and not the person
    done = set(links.loc[links["head_id"].map(level_of) == "manager", "employee_id"])
    has_head = set(links["employee_id"])
    tm = counted[["employee_id", "team_manager_id"]]
    tm = tm[tm["team_manager_id"].isin(level_of.index) & (tm["team_manager_id"] != tm["employee_id"])
            & ~tm["employee_id"].isin(done)]
    key = links["employee_id"].astype(str) + "\x00" + links["head_id"].astype(str)
    tm = tm[~(tm["employee_id"].astype(str) + "\x00" + tm["team_manager_id"].astype(str)).isin(key)]
    if len(tm):
        links = pd.concat([links, pd.DataFrame({
            "employee_id": tm["employee_id"], "head_id": tm["team_manager_id"],
            "direct": ~tm["employee_id"].isin(has_head)})], ignore_index=True)
    links["month"] = month
    links["leaver"] = links["employee_id"].isin(list(leavers))
    links["team"] = links["employee_id"].map(counted.set_index("employee_id")["team"])
    links["direct"] = links["direct"].astype(bool)
    return links[LINK_COLUMNS]


def cycle_weights(links: pd.DataFrame) -> pd.DataFrame:
    """[employee_id, head_id, weight]: the share of a person's counted months spent under each
    head, for figures without a month (pro rata)."""
    if links.empty:
        return pd.DataFrame(columns=["employee_id", "head_id", "weight"])
    months = links.groupby("employee_id")["month"].nunique()
    w = links.groupby(["employee_id", "head_id"]).size().rename("n").reset_index()
    w["weight"] = w["n"] / w["employee_id"].map(months)
    return w[["employee_id", "head_id", "weight"]]


# --- the indicators ------------------------------------------------------------------------------


@dataclass
class TeamData:
    """What the indicators are measured from (graders.managers.store loads it)."""

    links: pd.DataFrame  # LINK_COLUMNS
    #: operational KPI counts per employee_id and month (graders.service_kpis.kpis.kpis)
    tickets: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: one row per customer response: employee_id, satisfaction (0-100, the person's items)
    surveys: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: per employee_id: completed, required (course modules)
    training: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: promotions: employee_id, month
    promotions: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: customer churn: team, month, customers, lost (None: not provided)
    churn: pd.DataFrame | None = None
    #: goals: employee_id, month, agreed (bool), scored (bool); follow_up_due: months over
    goals: pd.DataFrame = field(default_factory=pd.DataFrame)
    follow_up_due: list[str] = field(default_factory=list)
    #: one-to-ones held: employee_id, manager_id, month
    one_to_ones: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: data of indicators added later, by name (graders.managers.store.EXTRA_LOADERS)
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)


#: measure(data) -> DataFrame[head_id, num, den, note]; value = num / den
Measure = Callable[[TeamData], pd.DataFrame]


@dataclass(frozen=True)
class Indicator:
    name: str
    kind: str  # "result" or "process": the default; the scheme says which it is
    higher_is_better: bool
    target: float  # default target (a rate)
    measure: Measure
    #: how num / den read in the note, e.g. "{num:g} of {den:g} complaints resolved"
    note: str = "{num:g} / {den:g}"


def _sum_by_head(links: pd.DataFrame, frame: pd.DataFrame, on: list[str], num: str,
                 den: str) -> pd.DataFrame:
    if links.empty or frame is None or frame.empty:
        return pd.DataFrame(columns=["head_id", "num", "den"])
    m = links.merge(frame[[*on, num, den]].rename(columns={num: "num", den: "den"}), on=on)
    return m.groupby("head_id")[["num", "den"]].sum().reset_index()


def _monthly(num: str, den: str) -> Measure:
    def measure(d: TeamData) -> pd.DataFrame:
        return _sum_by_head(d.links, d.tickets, ["employee_id", "month"], num, den)
    return measure


def _commitments(d: TeamData) -> pd.DataFrame:
    t = d.tickets
    if t is None or t.empty:
        return pd.DataFrame(columns=["head_id", "num", "den"])
    t = t.assign(met=t["response_met"] + t["arrival_met"] + t["fix_met"],
                 due=t["response_due"] + t["arrival_due"] + t["fix_due"])
    return _sum_by_head(d.links, t, ["employee_id", "month"], "met", "due")


def _team_csat(d: TeamData) -> pd.DataFrame:
    s = d.surveys
    if s is None or s.empty:
        return pd.DataFrame(columns=["head_id", "num", "den"])
    per = s.groupby("employee_id").agg(num=("satisfaction", "sum"), den=("satisfaction", "size"))
    per["num"] = per["num"] / 100.0
    m = cycle_weights(d.links).merge(per.reset_index(), on="employee_id")
    m["num"], m["den"] = m["num"] * m["weight"], m["den"] * m["weight"]
    return m.groupby("head_id")[["num", "den"]].sum().reset_index()


def _headcount(links: pd.DataFrame) -> pd.Series:
    """Average number of people per month under each head, over the months they were a head."""
    per_month = links.groupby(["head_id", "month"]).size()
    return per_month.groupby("head_id").mean()


def _attrition(d: TeamData) -> pd.DataFrame:
    if d.links.empty:
        return pd.DataFrame(columns=["head_id", "num", "den"])
    left = d.links[d.links["leaver"].astype(bool)].groupby("head_id")["employee_id"].nunique()
    hc = _headcount(d.links)
    return pd.DataFrame({"head_id": hc.index, "num": hc.index.map(left).fillna(0).astype(float),
                         "den": hc.to_numpy(dtype=float)})


def _promotions(d: TeamData) -> pd.DataFrame:
    if d.links.empty:
        return pd.DataFrame(columns=["head_id", "num", "den"])
    hc = _headcount(d.links)
    p = d.promotions
    got = pd.Series(dtype=float)
    if p is not None and len(p):
        got = d.links.merge(p[["employee_id", "month"]].drop_duplicates(),
                            on=["employee_id", "month"]).groupby("head_id")["employee_id"].nunique()
    return pd.DataFrame({"head_id": hc.index, "num": hc.index.map(got).fillna(0).astype(float),
                         "den": hc.to_numpy(dtype=float)})


def _training(d: TeamData) -> pd.DataFrame:
    t = d.training
    if t is None or t.empty:
        return pd.DataFrame(columns=["head_id", "num", "den"])
    m = cycle_weights(d.links).merge(t[["employee_id", "completed", "required"]], on="employee_id")
    m["num"], m["den"] = m["completed"] * m["weight"], m["required"] * m["weight"]
    return m.groupby("head_id")[["num", "den"]].sum().reset_index()


def _churn(d: TeamData) -> pd.DataFrame:
    c = d.churn
    if c is None or c.empty or d.links.empty:
        return pd.DataFrame(columns=["head_id", "num", "den"])
    spans = d.links[["head_id", "month", "team"]].drop_duplicates()
    m = spans.merge(c, on=["team", "month"])
    return m.groupby("head_id").agg(num=("lost", "sum"), den=("customers", "sum")).reset_index()


def _direct_months(d: TeamData) -> pd.DataFrame:
    """Direct-report months: [head_id, employee_id, month], the people a head leads in person."""
    return d.links.loc[d.links["direct"].astype(bool), ["head_id", "employee_id", "month"]]


def _goal_followup(d: TeamData) -> pd.DataFrame:
    dm = _direct_months(d)
    if dm.empty:
        return pd.DataFrame(columns=["head_id", "num", "den"])
    g = d.goals
    if g is None or g.empty:
        g = pd.DataFrame(columns=["employee_id", "month", "agreed", "scored"])
    per = g.groupby(["employee_id", "month"]).agg(agreed=("agreed", "all"), scored=("scored", "all"))
    m = dm.merge(per.reset_index(), on=["employee_id", "month"], how="left")
    m["agreed"] = m["agreed"].astype("boolean").fillna(False).astype(bool)
    m["scored"] = m["scored"].astype("boolean").fillna(False).astype(bool)
    due = m["month"].isin(d.follow_up_due)
    m["num"] = m["agreed"].astype(float) + (due & m["agreed"] & m["scored"]).astype(float)
    m["den"] = 1.0 + due.astype(float)
    return m.groupby("head_id")[["num", "den"]].sum().reset_index()


def _one_to_ones(d: TeamData) -> pd.DataFrame:
    dm = _direct_months(d)
    if dm.empty:
        return pd.DataFrame(columns=["head_id", "num", "den"])
    o = d.one_to_ones
    held = set()
    if o is not None and len(o):
        held = set(zip(o["manager_id"], o["employee_id"], o["month"]))
    num = [float((h, e, mo) in held) for h, e, mo in dm.itertuples(index=False)]
    m = dm.assign(num=num, den=1.0)
    return m.groupby("head_id")[["num", "den"]].sum().reset_index()


def _violation_free(d: TeamData) -> pd.DataFrame:
    """Team member-months without a counted violation (graders.ladder.violations, loaded as
    TeamData.extra["violations"]: employee_id, month of each violation not voided)."""
    if d.links.empty:
        return pd.DataFrame(columns=["head_id", "num", "den"])
    v = d.extra.get("violations")
    hit = set()
    if v is not None and len(v):
        hit = set(zip(v["employee_id"], v["month"]))
    members = d.links[["head_id", "employee_id", "month"]]
    clean = [float((e, mo) not in hit) for e, mo in zip(members["employee_id"], members["month"])]
    m = members.assign(num=clean, den=1.0)
    return m.groupby("head_id")[["num", "den"]].sum().reset_index()


INDICATORS: dict[str, Indicator] = {i.name: i for i in (
    Indicator("complaint_resolution", "result", True, 0.80,
              _monthly("complaints_resolved", "complaints"), "{num:g} of {den:g} complaints resolved"),
    Indicator("team_csat", "result", True, 0.90, _team_csat,
              "mean satisfaction {num:.2f} / {den:.2f} customer responses"),
    Indicator("commitments", "result", True, 0.95, _commitments,
              "{num:g} of {den:g} service commitments met"),
    Indicator("backlog", "result", False, 0.10, _monthly("open_at_month_end", "tickets"),
              "{num:g} of {den:g} tickets open at month end"),
    Indicator("attrition", "result", False, 0.05, _attrition,
              "{num:g} leavers over an average headcount of {den:.1f}"),
    Indicator("team_training", "result", True, 0.80, _training,
              "{num:.1f} of {den:.1f} required course modules completed"),
    Indicator("promotions", "result", True, 0.05, _promotions,
              "{num:g} promoted from within over an average headcount of {den:.1f}"),
    Indicator("churn", "result", False, 0.05, _churn, "{num:g} of {den:g} customers lost"),
    Indicator("goal_followup", "process", True, 1.0, _goal_followup,
              "{num:g} of {den:g} goal-setting and follow-up steps done"),
    Indicator("one_to_ones", "process", True, 1.0, _one_to_ones,
              "{num:g} of {den:g} monthly one-to-ones held"),
    Indicator("violation_free", "process", True, 0.95, _violation_free,
              "{num:g} of {den:g} staff-months without a violation"),
    Indicator("procedures", "process", True, 0.95, _monthly("surveyed", "tickets"),
              "{num:g} of {den:g} tickets with the follow-up survey sent"),
)}


def achievement(value: float, target: float, higher_is_better: bool) -> float:
    """0-100: the share of the target reached, capped at 100 (see the module's formula)."""
    if np.isnan(value):
        return np.nan
    if higher_is_better:
        return 100.0 * min(1.0, value / target) if target > 0 else 100.0
    return 100.0 if value <= target else 100.0 * target / value


def indicator_scores(data: TeamData, names: list[str], targets: dict[str, float] | None = None,
                     heads: list[str] | None = None) -> pd.DataFrame:
    """FIGURE_COLUMNS for each head and each named indicator that has data (den > 0)."""
    targets = targets or {}
    rows = []
    for name in names:
        ind = INDICATORS[name]
        target = float(targets.get(name, ind.target))
        got = ind.measure(data)
        for head, num, den in got[["head_id", "num", "den"]].itertuples(index=False):
            if heads is not None and head not in heads:
                continue
            if not den or den <= 0:
                continue
            value = float(num) / float(den)
            rows.append((head, name, round(value, 6), target,
                         round(achievement(value, target, ind.higher_is_better), 2),
                         int(round(den)), ind.note.format(num=float(num), den=float(den))
                         + f" = {value:.1%} " + _target_note(target, ind.higher_is_better)))
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS)


def _target_note(target: float, higher: bool) -> str:
    return f"(target {'at least' if higher else 'at most'} {target:.0%})"


_TARGET_NOTE = re.compile(r"\(target (at least|at most) [^)]*\)")


def rescore(comp: pd.DataFrame, variants: pd.DataFrame | None, people: pd.DataFrame,
            schemes: dict) -> pd.DataFrame:
    """Indicator components scored against the targets of each person's own scheme (its
    `management.targets`), from their raw values (the "value" variant of graders.sources)."""
    if variants is None or variants.empty:
        return comp
    v = variants[variants["variant"] == "value"]
    if v.empty:
        return comp
    fam_of = dict(zip(people["employee_id"], people["family"]))
    out = comp
    for fam, sch in schemes.items():
        rules = getattr(sch, "management", None)
        targets = rules.targets if rules is not None else {}
        for name in [c for c in sch.components if c in INDICATORS]:
            ind = INDICATORS[name]
            target = float(targets.get(name, ind.target))
            if target == ind.target:
                continue  # collected with this target already
            values = v[(v["component"] == name) & (v["employee_id"].map(fam_of) == fam)]
            values = values.set_index("employee_id")["score"]
            rows = (out["component"] == name) & out["employee_id"].isin(values.index)
            if not rows.any():
                continue
            if out is comp:
                out = comp.copy()
            x = out.loc[rows, "employee_id"].map(values).astype(float)
            out.loc[rows, "score"] = [round(achievement(a, target, ind.higher_is_better), 2)
                                      for a in x]
            note = _target_note(target, ind.higher_is_better)
            out.loc[rows, "note"] = [_TARGET_NOTE.sub(note, str(n)) for n in out.loc[rows, "note"]]
    return out


# --- the scheme's settings -----------------------------------------------------------------------


class ManagementRules(BaseModel):
    """The `management:` section of a role scheme (graders.engine.schemes.Scheme.management)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    #: how a person who moved team mid-cycle is counted; only "month" (see the module docstring)
    attribution: str = Field(default="month", pattern="^month$")
    #: target per indicator (a rate: 0.8 = 80%); default: the indicator's own
    targets: dict[str, float] = Field(default_factory=dict)

    @field_validator("targets")
    @classmethod
    def _known(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = [k for k in v if k not in INDICATORS]
        if unknown:
            raise ValueError(f"unknown indicator {unknown[0]!r} (use: {', '.join(INDICATORS)})")
        bad = [k for k, t in v.items() if not t > 0]
        if bad:
            raise ValueError(f"target of {bad[0]!r} must be above 0")
        return v
