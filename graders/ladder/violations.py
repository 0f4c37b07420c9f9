"""Penalties as a ladder, for every role: violations, warning levels, corrective plans.

Pure functions on DataFrames; the database shell is graders.ladder.violations_store.

* A violation is the fold of its events (`ladder_events`, domain "violation"): `recorded`,
  `corrected` (new facts), `voided` (recorded in error: counts for nothing), `plan_set` (a
  corrective plan with a due date), and the plan's follow-up: `plan_met` (closes the violation),
  `plan_extended` (a later due date), `plan_escalated` (one warning level up; a new plan is due).
  Nothing is changed or deleted: a correction is one more event.
* Warning levels climb with repeats: a violation's level is the level its type starts at, or one
  above the highest level of the person's earlier violations within `window_days`, whichever is
  higher (never above the top level); an escalation adds one more.
* `check_step` refuses a step out of order (a follow-up without a plan, a second plan while one
  is open, anything on a voided violation ...) with a message that says what to do instead.
* `standing` gives open violations and level per person (the query the management scheme's
  `violations` process indicator reads, through `violation_score`).
* `PenaltyRule` is a role scheme's `penalties:` section; `apply_penalties` is the grading engine's
  step that deducts points and excludes from the individual award, and writes both into the
  result's component detail (component "penalty") so every grade shows why.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from academy_content import ASSESSMENTS
from core.errors import AcademyError
from core.yamlio import load_model
from graders.ladder.events import event_data as _data
from graders.ladder.events import event_day as _day

DOMAIN = "violation"
RECORDED, CORRECTED, VOIDED = "recorded", "corrected", "voided"
PLAN_SET, PLAN_MET, PLAN_EXTENDED, PLAN_ESCALATED = ("plan_set", "plan_met", "plan_extended",
                                                    "plan_escalated")
ACTIONS = (RECORDED, CORRECTED, VOIDED, PLAN_SET, PLAN_MET, PLAN_EXTENDED, PLAN_ESCALATED)
#: states of a violation
OPEN, PLAN, CLOSED, VOID = "open", "plan", "closed", "voided"

EVENT_COLUMNS = ["id", "domain", "subject", "employee_id", "action", "data", "by", "at", "reason"]
VIOLATION_COLUMNS = ["violation_id", "employee_id", "type", "occurred_on", "evidence",
                     "evidence_ref", "recorded_by", "recorded_at", "state", "level", "level_rank",
                     "escalations", "plan_goal", "plan_due", "extensions", "events"]
STANDING_COLUMNS = ["employee_id", "open_violations", "level", "level_rank", "last_on",
                    "plans_due"]
PENALTY_COLUMNS = ["employee_id", "violation_id", "type", "occurred_on", "level", "level_rank"]
PENALTY_COMPONENT = "penalty"


# --- configuration -------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_en: str = Field(min_length=1)
    name_zh: str = Field(min_length=1)


class ViolationType(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_en: str = Field(min_length=1)
    name_zh: str = Field(min_length=1)
    #: the warning level a first violation of this type starts at
    start_level: str


class CorrectiveRules(_Strict):
    #: a plan's default due date: this many days after it is set
    due_days: int = Field(default=30, ge=1, le=366)
    #: how often a plan may be extended before it must be met or escalated
    max_extensions: int = Field(default=2, ge=0, le=12)
    #: plans due within this many days are shown to the manager as due soon
    warn_days: int = Field(default=7, ge=0, le=90)


class ViolationsConfig(_Strict):
    """`assessments/violations.yaml`: the catalogue of violation types and the warning ladder."""

    #: earlier violations older than this many days no longer raise the level of a new one
    window_days: int = Field(default=365, ge=1, le=3660)
    #: warning levels, lowest first
    levels: list[Level] = Field(min_length=1)
    types: list[ViolationType] = Field(min_length=1)
    corrective: CorrectiveRules = CorrectiveRules()

    @model_validator(mode="after")
    def _known(self) -> ViolationsConfig:
        codes = [lv.code for lv in self.levels]
        if len(set(codes)) != len(codes):
            raise ValueError("level codes must be unique")
        tcodes = [t.code for t in self.types]
        if len(set(tcodes)) != len(tcodes):
            raise ValueError("violation type codes must be unique")
        for t in self.types:
            if t.start_level not in codes:
                raise ValueError(f"type {t.code!r}: unknown start_level {t.start_level!r} "
                                 f"(levels: {', '.join(codes)})")
        return self

    def rank(self, level: str) -> int:
        return [lv.code for lv in self.levels].index(level)

    def level_name(self, code: str | None, locale: str = "en") -> str:
        for lv in self.levels:
            if lv.code == code:
                return lv.name_zh if locale == "zh" else lv.name_en
        return "-" if code is None else code

    def type_name(self, code: str, locale: str = "en") -> str:
        for t in self.types:
            if t.code == code:
                return t.name_zh if locale == "zh" else t.name_en
        return code

    def type_of(self, code: str) -> ViolationType:
        for t in self.types:
            if t.code == code:
                return t
        raise AcademyError(f"unknown violation type {code!r} (catalogue: "
                           f"{', '.join(t.code for t in self.types)}; see violations.yaml)")


def load_violations_config(assessments_dir: Path | str | None = None) -> ViolationsConfig:
    """The home's `assessments/violations.yaml`, else the shipped one."""

    shipped = ASSESSMENTS / "violations.yaml"
    path = Path(assessments_dir) / "violations.yaml" if assessments_dir else shipped
    return load_model(path if path.is_file() else shipped, ViolationsConfig)


class PenaltyRule(_Strict):
    """A role scheme's `penalties:` section: what the cycle's violations cost in its grades."""

    #: points deducted from the final score per violation dated in the cycle, by warning level
    deduction: dict[str, float] = Field(default_factory=dict)
    #: at most this many points in all per cycle
    max_deduction: float = Field(default=100.0, ge=0, le=100)
    #: a violation in the cycle at one of these levels rules the person out of the individual award
    exclude_award_at: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _positive(self) -> PenaltyRule:
        for level, pts in self.deduction.items():
            if not 0 <= pts <= 100:
                raise ValueError(f"deduction for {level!r} must be between 0 and 100, not {pts:g}")
        return self


# --- folding events ------------------------------------------------------------------------------


def fold(events: pd.DataFrame, cfg: ViolationsConfig) -> pd.DataFrame:
    """Every violation as its events make it now: facts, state, plan, and its warning level
    (`level_rank` 0 for the lowest level; a voided violation has level None and rank -1)."""
    ev = events[events["domain"] == DOMAIN] if len(events) else events
    if ev is None or ev.empty:
        return pd.DataFrame(columns=VIOLATION_COLUMNS)
    rows: dict[str, dict] = {}
    for e in ev.sort_values("id").itertuples(index=False):
        d = _data(e.data)
        if e.action == RECORDED:
            rows[e.subject] = {
                "violation_id": e.subject, "employee_id": e.employee_id, "type": d["type"],
                "occurred_on": _day(d["occurred_on"]), "evidence": d.get("evidence", ""),
                "evidence_ref": d.get("evidence_ref"), "recorded_by": e.by, "recorded_at": e.at,
                "state": OPEN, "escalations": 0, "plan_goal": None, "plan_due": None,
                "extensions": 0, "events": 1}
            continue
        v = rows.get(e.subject)
        if v is None:
            continue
        v["events"] += 1
        if e.action == CORRECTED:
            for k in ("type", "evidence", "evidence_ref"):
                if k in d:
                    v[k] = d[k]
            if "occurred_on" in d:
                v["occurred_on"] = _day(d["occurred_on"])
        elif e.action == VOIDED:
            v["state"] = VOID
        elif e.action == PLAN_SET:
            v.update(state=PLAN, plan_goal=d.get("goal"), plan_due=_day(d["due_on"]),
                     extensions=0)
        elif e.action == PLAN_MET:
            v["state"] = CLOSED
        elif e.action == PLAN_EXTENDED:
            v.update(plan_due=_day(d["due_on"]), extensions=v["extensions"] + 1)
        elif e.action == PLAN_ESCALATED:
            v.update(state=OPEN, escalations=v["escalations"] + 1, plan_due=None)
    out = pd.DataFrame(list(rows.values()))
    ranks, levels = _levels(out, cfg)
    out["level_rank"] = pd.Series([-1 if r is None else r for r in ranks], dtype=int)
    out["level"] = pd.Series(levels, dtype=object)
    return out[VIOLATION_COLUMNS].sort_values(["employee_id", "occurred_on", "violation_id"],
                                              kind="stable").reset_index(drop=True)


def _levels(v: pd.DataFrame, cfg: ViolationsConfig) -> tuple[list, list]:
    """The ladder: per person in date order, each counted violation starts at its type's level or
    one above the highest level standing within the window, plus its own escalations."""
    top = len(cfg.levels) - 1
    start = {t.code: cfg.rank(t.start_level) for t in cfg.types}
    window = timedelta(days=cfg.window_days)
    order = sorted(range(len(v)), key=lambda i: (v["employee_id"].iat[i], v["occurred_on"].iat[i],
                                                  v["violation_id"].iat[i]))
    emp, day, vtype, state, esc = (v[c].tolist() for c in ("employee_id", "occurred_on", "type",
                                                           "state", "escalations"))
    ranks: dict[int, int | None] = {}
    current, earlier = None, []
    for i in order:  # one pass in (person, date) order; `earlier` holds this person's ranks
        if emp[i] != current:
            current, earlier = emp[i], []
        if state[i] == VOID:
            ranks[i] = None
            continue
        prior = [rk for d, rk in earlier if day[i] - d < window]
        base = start.get(vtype[i], 0)
        rank = min(top, max(base, max(prior) + 1 if prior else base) + int(esc[i]))
        ranks[i] = rank
        earlier.append((day[i], rank))
    rk = [ranks[i] for i in range(len(v))]
    return rk, [None if x is None else cfg.levels[x].code for x in rk]


# --- checking a step before it is recorded -------------------------------------------------------


def check_step(violation: dict | None, action: str, data: dict, cfg: ViolationsConfig,
               today: date) -> None:
    """Refuse a step that does not fit the violation's state, with what to do instead."""
    if action not in ACTIONS:
        raise AcademyError(f"unknown step {action!r} (steps: {', '.join(ACTIONS)})")
    if action == RECORDED:
        cfg.type_of(data["type"])
        if data["occurred_on"] > today:
            raise AcademyError(f"a violation cannot be dated in the future ({data['occurred_on']})")
        if not str(data.get("evidence") or "").strip():
            raise AcademyError("a violation needs its evidence (what happened, where it is "
                               "written down)")
        return
    if violation is None:
        raise AcademyError("no such violation")
    vid, state = violation["violation_id"], violation["state"]
    if state == VOID:
        raise AcademyError(f"violation {vid} was voided; nothing more can be recorded on it")
    if action == CORRECTED:
        if "type" in data:
            cfg.type_of(data["type"])
        if "occurred_on" in data and data["occurred_on"] > today:
            raise AcademyError(f"a violation cannot be dated in the future ({data['occurred_on']})")
        return
    if action == VOIDED:
        return
    if action == PLAN_SET:
        if state == PLAN:
            raise AcademyError(f"violation {vid} already has a corrective plan due "
                               f"{violation['plan_due']}: record its follow-up (met, extended or "
                               "escalated) first")
        if state == CLOSED:
            raise AcademyError(f"violation {vid} is closed (its plan was met); record a new "
                               "violation instead")
        if data["due_on"] <= violation["occurred_on"]:
            raise AcademyError(f"the plan's due date {data['due_on']} must be after the violation "
                               f"({violation['occurred_on']})")
        return
    # follow-ups
    if state != PLAN:
        what = "is closed" if state == CLOSED else "has no corrective plan yet: set one first"
        raise AcademyError(f"violation {vid} {what} (a follow-up needs an open plan)")
    if action == PLAN_EXTENDED:
        if data["due_on"] <= violation["plan_due"]:
            raise AcademyError(f"the new due date {data['due_on']} must be after the current one "
                               f"({violation['plan_due']})")
        if violation["extensions"] >= cfg.corrective.max_extensions:
            raise AcademyError(f"the plan of {vid} was extended {violation['extensions']} times "
                               f"already (at most {cfg.corrective.max_extensions}): record it as "
                               "met or escalate it")
    if action == PLAN_ESCALATED and violation["level_rank"] >= len(cfg.levels) - 1:
        raise AcademyError(f"violation {vid} is at the top level "
                           f"({cfg.levels[-1].name_en}) already; it cannot be escalated further")


# --- per person ----------------------------------------------------------------------------------


def standing(violations: pd.DataFrame, cfg: ViolationsConfig, as_of: date) -> pd.DataFrame:
    """Per person with a violation: open violations, the warning level standing on `as_of` (the
    highest level of counted violations within the window, or still open), the latest violation's
    date, and how many of their corrective plans are due by then."""
    v = violations[(violations["state"] != VOID)] if len(violations) else violations
    if v.empty:
        return pd.DataFrame(columns=STANDING_COLUMNS)
    v = v[v["occurred_on"].map(lambda d: d <= as_of)]
    if v.empty:
        return pd.DataFrame(columns=STANDING_COLUMNS)
    is_open = v["state"].isin([OPEN, PLAN])
    recent = v["occurred_on"].map(lambda d: (as_of - d).days < cfg.window_days)
    due = (v["state"] == PLAN) & v["plan_due"].map(lambda d: d is not None and d <= as_of)
    f = v.assign(open=is_open, rk=v["level_rank"].where(is_open | recent, -1), due=due)
    g = f.groupby("employee_id")
    out = pd.DataFrame({"open_violations": g["open"].sum().astype(int),
                        "level_rank": g["rk"].max().astype(int),
                        "last_on": g["occurred_on"].max(),
                        "plans_due": g["due"].sum().astype(int)}).reset_index()
    out["level"] = out["level_rank"].map(lambda r: cfg.levels[r].code if r >= 0 else None)
    return out[STANDING_COLUMNS]


def violation_score(standing_frame: pd.DataFrame, cfg: ViolationsConfig,
                    people: list[str]) -> pd.Series:
    """The `violations` process indicator on 0-100 for each of `people`: 100 with no warning
    standing, then down an equal step per level (4 levels: 75, 50, 25, 0 at the top)."""
    rank = standing_frame.set_index("employee_id")["level_rank"] if len(standing_frame) else {}
    r = pd.Series(people, index=people, dtype=object).map(rank).fillna(-1).astype(int)
    return (100.0 * (1 - (r + 1) / len(cfg.levels))).rename("violations")


def due_plans(violations: pd.DataFrame, cfg: ViolationsConfig, as_of: date) -> pd.DataFrame:
    """Open corrective plans due by `as_of` + the warning days, the most overdue first, with
    `overdue` days (negative: days left)."""
    p = violations[violations["state"] == PLAN] if len(violations) else violations
    limit = as_of + timedelta(days=cfg.corrective.warn_days)
    p = p[[d <= limit for d in p["plan_due"]]] if len(p) else p
    if p.empty:
        return pd.DataFrame(columns=VIOLATION_COLUMNS + ["overdue"])
    p = p.assign(overdue=p["plan_due"].map(lambda d: (as_of - d).days))
    return p.sort_values(["plan_due", "violation_id"]).reset_index(drop=True)


# --- in the grades -------------------------------------------------------------------------------


def cycle_penalties(violations: pd.DataFrame, opens_on: date, closes_on: date) -> pd.DataFrame:
    """The counted violations dated within a cycle, with their current level (grading input)."""
    if violations.empty:
        return pd.DataFrame(columns=PENALTY_COLUMNS)
    v = violations[(violations["state"] != VOID)
                   & violations["occurred_on"].map(lambda d: opens_on <= d <= closes_on)]
    return v[PENALTY_COLUMNS].reset_index(drop=True)


def apply_penalties(scored: pd.DataFrame, detail: pd.DataFrame, penalties: pd.DataFrame | None,
                    schemes: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Deduct each scheme's points for the cycle's violations from the computed score (never below
    0; capped at max_deduction), rule people out of the individual award (counted with the critical
    flags), and add one "penalty" detail row per person concerned saying what and why."""
    if penalties is None or penalties.empty:
        return scored, detail
    p = penalties.merge(scored[["employee_id", "family"]], on="employee_id")
    if p.empty:
        return scored, detail
    pts = np.zeros(len(p))
    excl = np.zeros(len(p), dtype=bool)
    cap = {}
    for fam, sch in schemes.items():
        rule = getattr(sch, "penalties", None) or PenaltyRule()
        rows = (p["family"] == fam).to_numpy()
        pts[rows] = p.loc[rows, "level"].map(rule.deduction).fillna(0.0).to_numpy(dtype=float)
        excl[rows] = p.loc[rows, "level"].isin(rule.exclude_award_at).to_numpy()
        cap[fam] = rule.max_deduction
    p = p.assign(points=pts, excluded=excl)
    p["what"] = (p["violation_id"] + " " + p["type"].astype(str) + " on "
                 + p["occurred_on"].astype(str) + " (" + p["level"].astype(str) + ")")
    g = p.groupby("employee_id")
    per = pd.DataFrame({"points": g["points"].sum(), "excluded": g["excluded"].sum(),
                        "what": g["what"].agg("; ".join), "family": g["family"].first()})
    per["points"] = np.minimum(per["points"], per["family"].map(cap).astype(float))
    s = scored.copy()
    ded = s["employee_id"].map(per["points"]).fillna(0.0)
    known = s["computed_score"].notna()
    s.loc[known, "computed_score"] = np.round(
        np.maximum(0.0, s.loc[known, "computed_score"].astype(float) - ded[known]), 2)
    s["final_score"] = s["computed_score"]
    s["critical_flags"] = (s["critical_flags"] + s["employee_id"].map(per["excluded"]).fillna(0)
                           ).astype(int)
    per = per.reset_index()
    applied = per["employee_id"].map(dict(zip(s["employee_id"], known))).fillna(False)
    note = ("violations in the cycle: " + per["what"] + "; " + per["points"].map("{:g}".format)
            + " points deducted"
            + np.where(per["excluded"] > 0, "; excluded from the individual award", "")
            + np.where(applied, "", " (no final score to deduct from)"))
    rows = pd.DataFrame({
        "employee_id": per["employee_id"], "component": PENALTY_COMPONENT,
        "score": -per["points"], "n": g.size().reindex(per["employee_id"]).to_numpy(),
        "status": "ok", "weight": 0.0, "weight_used": 0.0,
        "contribution": np.where(applied, -per["points"], 0.0), "note": note})
    # columns the engine adds to its detail and a penalty has no value for (e.g. `scores`, the
    # other variants of a component) are left empty
    return s, pd.concat([detail, rows.reindex(columns=detail.columns)], ignore_index=True)
