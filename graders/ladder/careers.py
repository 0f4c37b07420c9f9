"""Career paths: tracks and levels with entry criteria, the promotion pipeline, the talent
pipeline (梯队) and mentoring pairs (传帮带). Pure functions on DataFrames; the database shell is
graders.ladder.careers_store.

* `assessments/careers.yaml` (`CareersConfig`): tracks (technical expert, management, broad), each
  a ladder of levels with entry criteria: a band at least as good as `min_band` in each of the
  last `cycles` published cycles, required courses completed, exams passed, tenure, and no open
  violation; who may take each pipeline step.
* `eligibility` checks every person against the next level of every track and lists the gaps;
  a person is *ready now* with no gap, *ready soon* with only small gaps (a course or exam to
  take, a few months of tenure), else *not yet*.
* The promotion signal of the grades becomes a pipeline: `eligible -> nominated -> reviewed ->
  decided`, each an event with who, when and why (`ladder_events`, domain "promotion");
  `check_case_step` refuses a step out of order, `check_actor` one by someone without the role.
* `bench` is the talent pipeline per track and level; `fold_pairs` the mentoring pairs.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from academy_content import ASSESSMENTS
from core.errors import AcademyError
from core.labels import t
from core.yamlio import load_model
from graders.ladder.events import event_data as _data

PROMOTION, MENTORING = "promotion", "mentoring"
ELIGIBLE, NOMINATED, REVIEWED, DECIDED = "eligible", "nominated", "reviewed", "decided"
STEPS = (ELIGIBLE, NOMINATED, REVIEWED, DECIDED)
SUPPORTED, NOT_SUPPORTED = "supported", "not_supported"
PROMOTED, DECLINED = "promoted", "declined"
READY_NOW, READY_SOON, NOT_YET = "ready_now", "ready_soon", "not_yet"
STARTED, ENDED = "started", "ended"

PEOPLE_COLUMNS = ["employee_id", "name", "team", "role_code", "hire_date"]
BAND_COLUMNS = ["employee_id", "back", "band"]  # back = 1 for the latest published cycle
ELIGIBILITY_COLUMNS = ["employee_id", "name", "team", "track", "level", "readiness", "gaps",
                       "detail", "detail_zh"]
CASE_COLUMNS = ["case_id", "employee_id", "track", "level", "step", "outcome", "open",
                "eligible_by", "nominated_by", "reviewed_by", "decided_by", "last_at", "reason"]
PAIR_COLUMNS = ["pair_id", "mentor_id", "mentee_id", "goal", "starts_on", "ends_on", "ended_on",
                "active", "outcome", "by"]


# --- configuration -------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Criteria(_Strict):
    #: the band each of the last `cycles` published cycles must reach (or better)
    min_band: str | None = None
    cycles: int = Field(default=2, ge=1, le=12)
    #: course ids (courses/) whose every module is completed
    courses: list[str] = Field(default_factory=list)
    #: exam names passed (score share at least exam_pass_share)
    exams: list[str] = Field(default_factory=list)
    tenure_months: int = Field(default=0, ge=0, le=600)
    no_open_violation: bool = True


class CareerLevel(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_en: str = Field(min_length=1)
    name_zh: str = Field(min_length=1)
    criteria: Criteria = Criteria()
    #: people in these roster roles hold this level already (e.g. supervisors: team leader)
    held_by_roles: list[str] = Field(default_factory=list)


class Track(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_en: str = Field(min_length=1)
    name_zh: str = Field(min_length=1)
    levels: list[CareerLevel] = Field(min_length=1)


class StepRule(_Strict):
    #: roster role codes that may take the step
    roles: list[str] = Field(default_factory=list)
    #: other identities that may (e.g. admin:hr)
    identities: list[str] = Field(default_factory=list)
    #: the actor must be above the person in the roster hierarchy
    line_only: bool = False


class Pipeline(_Strict):
    nominate: StepRule = StepRule(roles=["supervisor", "manager"], line_only=True)
    review: StepRule = StepRule(roles=["manager"])
    decide: StepRule = StepRule(roles=["manager"])


class ReadySoon(_Strict):
    #: at most this many gaps, none of them a band or a violation ...
    max_gaps: int = Field(default=1, ge=1, le=5)
    #: ... and tenure short by at most this many months
    tenure_months: int = Field(default=6, ge=0, le=60)


class Named(_Strict):
    code: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    name_zh: str = Field(min_length=1)


class CareersConfig(_Strict):
    """`assessments/careers.yaml`."""

    #: the role schemes' bands, best first
    bands: list[Named] = Field(min_length=1)
    #: names of the exams the criteria require (exam ids are not shown to users)
    exam_names: list[Named] = Field(default_factory=list)
    exam_pass_share: float = Field(default=0.6, gt=0, le=1)
    tracks: list[Track] = Field(min_length=1)
    pipeline: Pipeline = Pipeline()
    ready_soon: ReadySoon = ReadySoon()

    @model_validator(mode="after")
    def _known(self) -> CareersConfig:
        codes = [t.code for t in self.tracks]
        if len(set(codes)) != len(codes):
            raise ValueError("track codes must be unique")
        for t in self.tracks:
            for lv in t.levels:
                b = lv.criteria.min_band
                if b is not None and b not in self.band_order:
                    raise ValueError(f"track {t.code!r} level {lv.code!r}: unknown min_band "
                                     f"{b!r} (bands: {', '.join(self.band_order)})")
        return self

    @property
    def band_order(self) -> list[str]:
        return [b.code for b in self.bands]

    def named(self, items: list[Named], code: str, locale: str) -> str:
        for it in items:
            if it.code == code:
                return it.name_zh if locale == "zh" else it.name_en
        return code

    def track(self, code: str) -> Track:
        for t in self.tracks:
            if t.code == code:
                return t
        raise AcademyError(f"unknown track {code!r} (tracks: "
                           f"{', '.join(t.code for t in self.tracks)}; see careers.yaml)")

    def level(self, track: str, code: str) -> CareerLevel:
        for lv in self.track(track).levels:
            if lv.code == code:
                return lv
        raise AcademyError(f"track {track!r} has no level {code!r} (levels: "
                           f"{', '.join(lv.code for lv in self.track(track).levels)})")

    def name(self, track: str, level: str | None = None, locale: str = "en") -> str:
        t = self.track(track)
        obj = t if level is None else self.level(track, level)
        return obj.name_zh if locale == "zh" else obj.name_en


def load_careers_config(assessments_dir: Path | str | None = None) -> CareersConfig:
    """The home's `assessments/careers.yaml`, else the shipped one."""

    shipped = ASSESSMENTS / "careers.yaml"
    path = Path(assessments_dir) / "careers.yaml" if assessments_dir else shipped
    return load_model(path if path.is_file() else shipped, CareersConfig)


# --- eligibility ---------------------------------------------------------------------------------


def _rows(frame: pd.DataFrame, *columns: str):
    """Rows of some columns as plain tuples (much faster than iterating pandas columns)."""
    return zip(*(frame[c].tolist() for c in columns))


def months_between(start: date, end: date) -> int:
    """Whole months from `start` to `end`."""
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def next_levels(people: pd.DataFrame, held: pd.DataFrame, cfg: CareersConfig) -> pd.DataFrame:
    """Per person and track, the next level: the first one above what they hold (by a decided
    promotion, or by their roster role). DataFrame[employee_id, track, level]."""
    rows = []
    held_set = set(_rows(held, "employee_id", "track", "level"))
    for t in cfg.tracks:
        for emp, role in _rows(people, "employee_id", "role_code"):
            top = -1
            for i, lv in enumerate(t.levels):
                if (emp, t.code, lv.code) in held_set or role in lv.held_by_roles:
                    top = i
            if top + 1 < len(t.levels):
                rows.append((emp, t.code, t.levels[top + 1].code))
    return pd.DataFrame(rows, columns=["employee_id", "track", "level"])


def eligibility(people: pd.DataFrame, bands: pd.DataFrame, courses_done: pd.DataFrame,
                exams_passed: pd.DataFrame, standing: pd.DataFrame, held: pd.DataFrame,
                cfg: CareersConfig, as_of: date,
                course_names: dict[str, tuple[str, str]] | None = None) -> pd.DataFrame:
    """Every person against the next level of every track: readiness and the gaps, each gap
    with its reason in English and Chinese. `standing` is graders.ladder.violations STANDING_COLUMNS;
    `course_names` maps a course id to its (English, Chinese) title."""
    course_names = course_names or {}

    def say(key: str, **kw) -> tuple[str, str]:
        return t(key, "en").format(**kw), t(key, "zh").format(**kw)

    def band_name(code: str | None, loc: str) -> str:
        return "-" if code is None else cfg.named(cfg.bands, code, loc)

    def course(c: str, i: int) -> str:
        return course_names.get(c, (c, c))[i]

    targets = next_levels(people, held, cfg)
    if targets.empty:
        return pd.DataFrame(columns=ELIGIBILITY_COLUMNS)
    order = {b: i for i, b in enumerate(cfg.band_order)}
    band_at = {(e, int(b)): band for e, b, band in _rows(bands, "employee_id", "back", "band")}
    done = set(_rows(courses_done, "employee_id", "course"))
    passed = set(_rows(exams_passed, "employee_id", "exam"))
    open_v = dict(_rows(standing, "employee_id", "open_violations"))
    name_of = dict(_rows(people, "employee_id", "name"))
    team_of = dict(_rows(people, "employee_id", "team"))
    hired_on = dict(_rows(people, "employee_id", "hire_date"))
    out = []
    criteria = {(tr.code, lv.code): lv.criteria for tr in cfg.tracks for lv in tr.levels}
    # the sentences repeat from person to person: each worded once (same words as before)
    worded: dict[tuple, tuple[str, str]] = {}

    def band_gap(min_band: str, n: int, got: tuple) -> tuple[str, str]:
        key = ("band", min_band, n, got)
        if key not in worded:
            worded[key] = (t("gap_band", "en").format(
                band=band_name(min_band, "en"), n=n,
                had=", ".join(band_name(b, "en") for b in got)),
                t("gap_band", "zh").format(band=band_name(min_band, "zh"), n=n,
                                           had="、".join(band_name(b, "zh") for b in got)))
        return worded[key]

    def course_gap(cid: str) -> tuple[str, str]:
        key = ("course", cid)
        if key not in worded:
            worded[key] = (t("gap_course", "en").format(name=course(cid, 0)),
                           t("gap_course", "zh").format(name=course(cid, 1)))
        return worded[key]

    def exam_gap(exam: str) -> tuple[str, str]:
        key = ("exam", exam)
        if key not in worded:
            worded[key] = (t("gap_exam", "en").format(name=cfg.named(cfg.exam_names, exam, "en")),
                           t("gap_exam", "zh").format(name=cfg.named(cfg.exam_names, exam, "zh")))
        return worded[key]

    def said(key: str, **kw) -> tuple[str, str]:
        k = (key, *sorted(kw.items()))
        if k not in worded:
            worded[k] = say(key, **kw)
        return worded[k]

    for emp, track, level in _rows(targets, "employee_id", "track", "level"):
        c = criteria[(track, level)]
        gaps, detail, soon = [], [], True
        if c.min_band is not None:
            got = tuple(band_at.get((emp, k)) for k in range(1, c.cycles + 1))
            if any(b is None or order.get(b, 99) > order[c.min_band] for b in got):
                gaps.append("band")
                soon = False
                detail.append(band_gap(c.min_band, c.cycles, got))
        for cid in c.courses:
            if (emp, cid) not in done:
                gaps.append(f"course:{cid}")
                detail.append(course_gap(cid))
        for exam in c.exams:
            if (emp, exam) not in passed:
                gaps.append(f"exam:{exam}")
                detail.append(exam_gap(exam))
        if c.tenure_months:
            hired = hired_on.get(emp)
            have = months_between(hired, as_of) if hired is not None and hired == hired else 0
            if have < c.tenure_months:
                gaps.append("tenure")
                detail.append(said("gap_tenure", have=have, need=c.tenure_months))
                soon &= c.tenure_months - have <= cfg.ready_soon.tenure_months
        if c.no_open_violation and open_v.get(emp, 0) > 0:
            gaps.append("violation")
            soon = False
            detail.append(said("gap_violation", n=int(open_v[emp])))
        readiness = READY_NOW if not gaps else (
            READY_SOON if soon and len(gaps) <= cfg.ready_soon.max_gaps else NOT_YET)
        out.append((emp, name_of[emp], team_of[emp], track, level, readiness,
                    " ".join(gaps), "; ".join(d[0] for d in detail) or t("gap_none", "en"),
                    "；".join(d[1] for d in detail) or t("gap_none", "zh")))
    return pd.DataFrame(out, columns=ELIGIBILITY_COLUMNS)


# --- the promotion pipeline ----------------------------------------------------------------------


def fold_cases(events: pd.DataFrame) -> pd.DataFrame:
    """Every promotion case as its events make it now."""
    ev = events[events["domain"] == PROMOTION] if len(events) else events
    if ev is None or ev.empty:
        return pd.DataFrame(columns=CASE_COLUMNS)
    cases: dict[str, dict] = {}
    for e in ev.sort_values("id").itertuples(index=False):
        d = _data(e.data)
        c = cases.setdefault(e.subject, {
            "case_id": e.subject, "employee_id": e.employee_id, "track": d.get("track"),
            "level": d.get("level"), "outcome": None, "eligible_by": None, "nominated_by": None,
            "reviewed_by": None, "decided_by": None})
        c.update(step=e.action, last_at=e.at, reason=e.reason)
        c[f"{e.action}_by"] = e.by
        if e.action in (REVIEWED, DECIDED):
            c["outcome"] = d.get("outcome")
    out = pd.DataFrame(list(cases.values()))
    out["open"] = out["step"] != DECIDED
    return out[CASE_COLUMNS].sort_values("case_id", key=lambda s: s.str[2:].astype(int)) \
        .reset_index(drop=True)


def held_levels(cases: pd.DataFrame) -> pd.DataFrame:
    """Levels people hold by a decided promotion: DataFrame[employee_id, track, level]."""
    if cases.empty:
        return pd.DataFrame(columns=["employee_id", "track", "level"])
    c = cases[(cases["step"] == DECIDED) & (cases["outcome"] == PROMOTED)]
    return c[["employee_id", "track", "level"]].reset_index(drop=True)


def check_case_step(case: dict | None, action: str, outcome: str | None = None) -> None:
    """Refuse a pipeline step out of order (each step needs the one before it)."""
    if action not in STEPS:
        raise AcademyError(f"unknown pipeline step {action!r} (steps: {' -> '.join(STEPS)})")
    if action == ELIGIBLE:
        if case is not None and case["open"]:
            raise AcademyError(f"{case['employee_id']} already has an open case {case['case_id']} "
                               f"for {case['track']}/{case['level']} (at step {case['step']})")
        return
    if case is None:
        raise AcademyError("no such promotion case")
    cid, step = case["case_id"], case["step"]
    if step == DECIDED:
        raise AcademyError(f"case {cid} is decided already ({case['outcome']}); open a new case")
    need = STEPS[STEPS.index(action) - 1]
    if step != need:
        raise AcademyError(f"case {cid} is at step {step!r}: {action!r} needs {need!r} first "
                           f"(order: {' -> '.join(STEPS)})")
    allowed = {REVIEWED: (SUPPORTED, NOT_SUPPORTED), DECIDED: (PROMOTED, DECLINED)}.get(action)
    if allowed and outcome not in allowed:
        raise AcademyError(f"the outcome of {action!r} is {' or '.join(allowed)}, not {outcome!r}")


def check_actor(rule: StepRule, action: str, actor: str, actor_role: str | None, person: str,
                line_managers: set[str], case: dict | None) -> None:
    """Refuse a step by someone without the role (or not in the person's line, when required),
    by the person themself, or a review or decision by the one who took the step before."""
    if actor == person:
        raise AcademyError(f"{actor} cannot take a step in their own promotion case")
    if actor not in rule.identities and actor_role not in rule.roles:
        who = f"{actor} (role {actor_role})" if actor_role else actor
        allowed = ", ".join(rule.roles + rule.identities) or "nobody"
        raise AcademyError(f"{who} may not take the step {action!r} (allowed: {allowed}; "
                           "see careers.yaml pipeline)")
    if rule.line_only and actor not in rule.identities and actor not in line_managers:
        raise AcademyError(f"{actor} is not above {person} in the roster: only their line may "
                           f"take the step {action!r}")
    before = {REVIEWED: "nominated_by", DECIDED: "reviewed_by"}.get(action)
    if case is not None and before and case.get(before) == actor:
        raise AcademyError(f"{actor} took the step before ({before.removesuffix('_by')}); "
                           f"{action!r} needs a second person")


# --- the talent pipeline (梯队) ------------------------------------------------------------------


BENCH_COLUMNS = ["track", "level", "ready_now", "ready_soon", "not_yet", "in_pipeline",
                 "ready_now_names", "ready_soon_names", "common_gaps"]


def bench(elig: pd.DataFrame, cases: pd.DataFrame, cfg: CareersConfig) -> pd.DataFrame:
    """Per track and level (in the configuration's order): how many are ready now, ready soon,
    not yet, how many open cases, who is ready, and the most common gaps."""
    rows = []
    open_cases = cases[cases["open"]] if len(cases) else cases
    for t in cfg.tracks:
        for lv in t.levels:
            e = elig[(elig["track"] == t.code) & (elig["level"] == lv.code)] if len(elig) else elig
            n = e["readiness"].value_counts() if len(e) else pd.Series(dtype=int)
            gaps = (e["gaps"].str.split().explode().dropna().value_counts().head(3)
                    if len(e) else pd.Series(dtype=int))
            inp = open_cases[(open_cases["track"] == t.code) & (open_cases["level"] == lv.code)] \
                if len(open_cases) else open_cases
            rows.append((t.code, lv.code, int(n.get(READY_NOW, 0)), int(n.get(READY_SOON, 0)),
                         int(n.get(NOT_YET, 0)), len(inp),
                         ", ".join(e.loc[e["readiness"] == READY_NOW, "name"]) if len(e) else "",
                         ", ".join(e.loc[e["readiness"] == READY_SOON, "name"]) if len(e) else "",
                         "; ".join(f"{g} ({c})" for g, c in gaps.items())))
    return pd.DataFrame(rows, columns=BENCH_COLUMNS)


# --- mentoring pairs (传帮带) --------------------------------------------------------------------


def fold_pairs(events: pd.DataFrame) -> pd.DataFrame:
    ev = events[events["domain"] == MENTORING] if len(events) else events
    if ev is None or ev.empty:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    pairs: dict[str, dict] = {}
    for e in ev.sort_values("id").itertuples(index=False):
        d = _data(e.data)
        if e.action == STARTED:
            pairs[e.subject] = {"pair_id": e.subject, "mentor_id": d["mentor_id"],
                                "mentee_id": e.employee_id, "goal": d.get("goal"),
                                "starts_on": date.fromisoformat(d["starts_on"]),
                                "ends_on": date.fromisoformat(d["ends_on"]) if d.get("ends_on")
                                else None, "ended_on": None, "active": True, "outcome": None,
                                "by": e.by}
        elif e.action == ENDED and e.subject in pairs:
            pairs[e.subject].update(active=False, ended_on=date.fromisoformat(d["ended_on"]),
                                    outcome=e.reason)
    out = pd.DataFrame(list(pairs.values()))
    return out[PAIR_COLUMNS].reset_index(drop=True)


def check_pair(pairs: pd.DataFrame, mentor: str, mentee: str, starts_on: date,
               ends_on: date | None) -> None:
    if mentor == mentee:
        raise AcademyError("a mentor cannot mentor themself")
    if ends_on is not None and ends_on <= starts_on:
        raise AcademyError(f"the pair's planned end {ends_on} must be after its start {starts_on}")
    if len(pairs):
        same = pairs[(pairs["mentor_id"] == mentor) & (pairs["mentee_id"] == mentee)
                     & pairs["active"]]
        if len(same):
            pair = same.iloc[0]["pair_id"]
            raise AcademyError(f"{mentor} already mentors {mentee} (pair {pair})")


def check_end(pair: dict | None, ended_on: date) -> None:
    if pair is None:
        raise AcademyError("no such mentoring pair")
    if not pair["active"]:
        raise AcademyError(f"pair {pair['pair_id']} ended already on {pair['ended_on']}")
    if ended_on < pair["starts_on"]:
        raise AcademyError(f"the pair cannot end ({ended_on}) before it started "
                           f"({pair['starts_on']})")


def readiness_counts(elig: pd.DataFrame) -> dict[str, int]:
    """Numbers of people ready now / soon / not yet over every track (for summaries)."""
    if elig.empty:
        return {READY_NOW: 0, READY_SOON: 0, NOT_YET: 0}
    c = elig["readiness"].value_counts()
    return {k: int(c.get(k, 0)) for k in (READY_NOW, READY_SOON, NOT_YET)}

