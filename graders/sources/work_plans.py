"""Technical support's monthly work plan (月度工作计划), agreed at the start of a month and scored
by the direct supervisor the next month; it feeds the supervisor component of technical-support
staff. Field service keeps the key-behaviour deductions (graders.sources.behaviour).

Definitions live in the home's `assessments/plans/work_plan.yaml` (WorkPlanRules).

* **Agreeing** (import of a plan file, or the supervisor's notebook form): per person and month,
  plan items with a weight and an optional target. Stored as supervisor evidence without a score.
* **Scoring** (the next month: a scoring file or the form): each agreed item is done / partly /
  not done, with a quality level on the rules' scale. An item scores, on 0-100,

      item = 100 x completion x ((1 - quality_weight) + quality_weight x q)

  with completion done = 1, partly = 0.5, not done = 0 (configurable) and q the quality level
  normalised to 0-1 (no quality given: q = 1). A month scores the weighted mean of its scored
  items; the work-plan score is the mean over the cycle's scored months.
* **Supervisor component** of the rules' families: `plan_share x work plan + (1 - plan_share) x
  supervisor review` when both exist, else whichever exists (graders.sources SOURCES).

Refused, with file, row and column: unknown staff; people outside the rules' families; a month
outside the cycle; a scorer who is not above the person in the roster; a plan item agreed twice;
scoring an item that was never agreed, or a month that is not over yet; an unknown status; a
quality outside the scale. Imports are all-or-nothing; re-importing a file replaces its batch.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.cycles import Cycle
from core.errors import ProblemsError
from core.tabular import Table, map_columns, normalize_header, normalize_text, read_table
from core.yamlio import load_model
from graders.evidence import Evidence, EvidenceBatch
from graders.forms_config import Scale
from graders.importing import (
    ImportResult,
    Located,
    latest_config,
    parse_number,
    staff_index,
    store,
    target_cycle,
)
from graders.sources import (
    COMPETENCY_COLUMNS,
    COMPONENT_COLUMNS,
    FLAG_COLUMNS,
    SourceFrames,
    SourceResult,
    details_frame,
)
from graders.sources.behaviour import _month, cycle_months, family_index
from graders.sources.load import evidence_frame
from graders.sources.reviews import aggregate_supervisor as review_supervisor

__all__ = ["WorkPlanRules", "load_rules", "import_plan", "import_scores", "plan_records",
           "score_records", "agreed_items", "item_score", "month_scores", "combine_supervisor",
           "STATUSES"]

PLAN_PREFIX = "plan/"
STATUSES = ("done", "partly", "not_done")
_STATUS_WORDS = {
    "done": "done", "完成": "done", "已完成": "done", "全部完成": "done", "yes": "done", "✓": "done",
    "completed": "done", "complete": "done",
    "partly": "partly", "partial": "partly", "partially": "partly", "部分完成": "partly",
    "部分": "partly", "基本完成": "partly", "in part": "partly",
    "not": "not_done", "not done": "not_done", "not_done": "not_done", "未完成": "not_done",
    "没完成": "not_done", "no": "not_done", "✗": "not_done", "none": "not_done",
}
_QUALITY_WORDS = {"优": 5, "优秀": 5, "良": 4, "良好": 4, "中": 3, "合格": 3, "一般": 3, "较差": 2,
                  "差": 1, "excellent": 5, "good": 4, "fair": 3, "poor": 2, "very poor": 1}

SYNONYMS = {
    "employee_id": ["staff_id", "工号", "员工编号", "employee"],
    "month": ["月份", "计划月份", "period"],
    "item": ["plan_item", "task", "计划项", "计划内容", "工作内容", "工作计划", "目标任务"],
    "weight": ["权重", "比重"],
    "target": ["标准", "目标", "衡量标准", "完成标准", "measure"],
    "supervisor": ["上级", "直属上级", "评分人", "scored_by", "agreed_with"],
    "status": ["完成情况", "完成状态", "completion"],
    "quality": ["质量", "完成质量", "quality_level"],
    "comment": ["备注", "评语", "说明", "note"],
}


class WorkPlanRules(BaseModel):
    """assessments/plans/work_plan.yaml"""

    model_config = ConfigDict(extra="forbid")
    #: role families whose supervisor component the work plan feeds
    families: list[str] = Field(default_factory=lambda: ["technical_support"])
    #: completion value of each status
    completion: dict[str, float] = Field(
        default_factory=lambda: {"done": 1.0, "partly": 0.5, "not_done": 0.0})
    quality_scale: Scale = Field(default_factory=Scale)
    #: how much of an item's score depends on its quality (0: completion only)
    quality_weight: float = Field(default=0.4, ge=0, le=1)
    #: share of the supervisor component carried by the work plan when a review exists too
    plan_share: float = Field(default=0.7, ge=0, le=1)
    #: at most this many items in one person's month
    max_items: int = Field(default=12, ge=1)

    @model_validator(mode="after")
    def _statuses(self):
        if set(self.completion) != set(STATUSES):
            raise ValueError(f"completion must give a value for each of {', '.join(STATUSES)}")
        if any(not 0 <= v <= 1 for v in self.completion.values()):
            raise ValueError("completion values must be between 0 and 1")
        return self


def load_rules(assessments: Path | str) -> WorkPlanRules:
    path = Path(assessments) / "plans" / "work_plan.yaml"
    return load_model(path, WorkPlanRules) if path.is_file() else WorkPlanRules()


def parse_status(value: object) -> str:
    text = normalize_text(value).lower()
    if text in _STATUS_WORDS:
        return _STATUS_WORDS[text]
    raise ValueError(f"{normalize_text(value)!r} is not a status (use done / partly / not done, "
                     "完成 / 部分完成 / 未完成)")


def parse_quality(value: object, scale: Scale) -> float | None:
    text = normalize_text(value).lower()
    if not text:
        return None
    q = _QUALITY_WORDS.get(text)
    if q is None:
        q = parse_number(value)
    if not scale.contains(q):
        raise ValueError(f"quality {q:g} is outside the scale {scale.min:g}-{scale.max:g}")
    return q


def item_score(status: str, quality: float | None, rules: WorkPlanRules) -> float:
    """One scored plan item on 0-100 (see the module's formula)."""
    c = rules.completion[status]
    q = 1.0 if quality is None else (quality - rules.quality_scale.min) / (
        rules.quality_scale.max - rules.quality_scale.min)
    return 100.0 * c * ((1 - rules.quality_weight) + rules.quality_weight * q)


def _slug(title: str) -> str:
    return normalize_header(title)[:200]


def _month_over(month: str, today: date) -> bool:
    y, m = int(month[:4]), int(month[5:7])
    first_next = date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)
    return today >= first_next


def _chain_above(staff: dict, emp: str) -> set[str]:
    out, cur = set(), staff[emp].supervisor_id if emp in staff else None
    while cur and cur not in out:
        out.add(cur)
        cur = staff[cur].supervisor_id if cur in staff else None
    return out


def plan_records(emp: str, supervisor: str, month: str,
                 items: list[tuple[str, float, str | None]]) -> list[dict]:
    """Evidence rows of one person's agreed month: (title, weight, target) per item."""
    return [dict(source="supervisor", employee_id=emp, rater_id=supervisor,
                 item=f"{PLAN_PREFIX}{month}/{_slug(t)}", competency=None, raw=None, max_raw=None,
                 score=None, details={"kind": "work_plan", "month": month, "title": t,
                                      "weight": w, "target": target, "status": None})
            for t, w, target in items]


def score_records(emp: str, supervisor: str, month: str, agreed: dict[str, dict],
                  scores: dict[str, tuple[str, float | None, str | None]],
                  rules: WorkPlanRules) -> list[dict]:
    """Evidence rows of one person's scored month: slug -> (status, quality, comment)."""
    out = []
    for slug, (status, quality, comment) in scores.items():
        a = agreed[slug]
        out.append(dict(
            source="supervisor", employee_id=emp, rater_id=supervisor,
            item=f"{PLAN_PREFIX}{month}/{slug}", competency=None,
            raw=rules.completion[status], max_raw=None, score=item_score(status, quality, rules),
            details={"kind": "work_plan", "month": month, "title": a["title"],
                     "weight": a["weight"], "target": a.get("target"), "status": status,
                     "quality": quality, "comment": comment}))
    return out


def agreed_items(session: Session, cycle_id: int) -> dict[tuple[str, str], dict[str, dict]]:
    """(employee, month) -> {item slug: details} of the current agreed plans of a cycle."""
    rows = session.execute(
        select(Evidence.employee_id, Evidence.item, Evidence.details, Evidence.rater_id)
        .join(EvidenceBatch, Evidence.batch_id == EvidenceBatch.id)
        .where(Evidence.cycle_id == cycle_id, Evidence.source == "supervisor",
               Evidence.score.is_(None), Evidence.item.like(f"{PLAN_PREFIX}%"),
               EvidenceBatch.superseded_by.is_(None))).all()
    out: dict[tuple[str, str], dict[str, dict]] = {}
    for emp, item, details, rater in rows:
        _p, month, slug = item.split("/", 2)
        out.setdefault((emp, month), {})[slug] = {**(details or {}), "agreed_with": rater}
    return out


# --- files ----------------------------------------------------------------------------------------


class _Checker:
    """What both plan files share: people, months, the scorer."""

    def __init__(self, session: Session, cycle: Cycle, rules: WorkPlanRules, table: Table,
                 required: tuple[str, ...], entered_by: str):
        self.staff = staff_index(session)
        self.family = family_index(session)
        self.rules = rules
        self.months = set(cycle_months(cycle))
        self.entered_by = entered_by
        cols, problems = map_columns(table, SYNONYMS, required)
        self.loc = Located(table, cols, {}, [*table.problems, *problems])
        if self.loc.problems:
            raise ProblemsError(self.loc.problems, what=table.file)

    def person(self, row: int, cells) -> str | None:
        emp = self.loc.text(cells, "employee_id")
        if not emp:
            self.loc.at(row, "employee_id", "staff id is empty")
        elif emp not in self.staff:
            self.loc.at(row, "employee_id", f"unknown staff id {emp!r}")
        elif self.family.get(emp) not in self.rules.families:
            self.loc.at(row, "employee_id", f"work plans apply to {', '.join(self.rules.families)} "
                                            f"staff; {emp} is {self.family.get(emp)}")
        else:
            return emp
        return None

    def month(self, row: int, cells) -> str | None:
        text = self.loc.text(cells, "month")
        try:
            month = _month(self.loc.cell(cells, "month"))
        except ValueError:
            self.loc.at(row, "month", f"{text!r} is not a month (write 2026-11)")
            return None
        if month not in self.months:
            self.loc.at(row, "month", f"month {month} is outside the cycle")
            return None
        return month

    def supervisor(self, row: int, cells, emp: str) -> str | None:
        """Who agreed or scored: the file's supervisor column, else the person entering the file
        when they are in the roster, else the person's direct supervisor. Must be above them."""
        sup = self.loc.text(cells, "supervisor")
        if not sup:
            sup = (self.entered_by if self.entered_by in self.staff
                   else self.staff[emp].supervisor_id or "")
        if sup not in _chain_above(self.staff, emp):
            field = "supervisor" if "supervisor" in self.loc.cols.index else "employee_id"
            self.loc.at(row, field, f"{sup or 'nobody'!r} is not above {emp} in the roster: only "
                                    "the person's supervisors agree and score the work plan")
            return None
        return sup


def import_plan(session: Session, path: Path | str, rules: WorkPlanRules, entered_by: str,
                cycle_name: str | None = None, key: str | None = None, sheet: str | None = None,
                dry_run: bool = False) -> ImportResult:
    """Import agreed plan items: staff id, month, item, weight (default 1), target."""
    cycle = target_cycle(session, cycle_name)
    table = read_table(path, sheet=sheet)
    ck = _Checker(session, cycle, rules, table, ("employee_id", "month", "item"), entered_by)
    loc = ck.loc
    seen: dict[tuple[str, str, str], int] = {}
    per: dict[tuple[str, str], int] = {}
    records: list[dict] = []
    for row, cells in table.rows:
        emp, month = ck.person(row, cells), ck.month(row, cells)
        title = loc.text(cells, "item")
        ok = emp is not None and month is not None
        if not title:
            loc.at(row, "item", "plan item is empty")
            ok = False
        try:
            w = parse_number(loc.cell(cells, "weight"))
            w = 1.0 if w is None else w
            if w <= 0:
                raise ValueError(f"weight {w:g} must be above 0")
        except ValueError as exc:
            loc.at(row, "weight", str(exc))
            ok = False
        if not ok:
            continue
        sup = ck.supervisor(row, cells, emp)
        k = (emp, month, _slug(title))
        if k in seen:
            loc.at(row, "item", f"plan item {title!r} of {emp} for {month} is already on row {seen[k]}")
            continue
        seen[k] = row
        per[(emp, month)] = per.get((emp, month), 0) + 1
        if per[(emp, month)] == rules.max_items + 1:
            loc.at(row, "item", f"more than {rules.max_items} plan items for {emp} in {month}")
        if sup is not None:
            records += plan_records(emp, sup, month, [(title, w, loc.text(cells, "target") or None)])
    if loc.problems:
        raise ProblemsError(loc.problems, what=table.file)
    result = store(session, cycle, "supervisor", f"plan:{key or Path(path).name}", table, records,
                   entered_by, {"work_plan": rules.model_dump(mode="json")}, dry_run)
    result.source = "work_plan"
    result.extra = {"people": len({r["employee_id"] for r in records}),
                    "months": len({r["details"]["month"] for r in records})}
    return result


def import_scores(session: Session, path: Path | str, rules: WorkPlanRules, entered_by: str,
                  cycle_name: str | None = None, key: str | None = None, sheet: str | None = None,
                  dry_run: bool = False, today: date | None = None) -> ImportResult:
    """Import next month's scoring: staff id, month, item (as agreed), status, quality, comment."""
    today = today or date.today()
    cycle = target_cycle(session, cycle_name)
    table = read_table(path, sheet=sheet)
    ck = _Checker(session, cycle, rules, table, ("employee_id", "month", "item", "status"),
                  entered_by)
    loc = ck.loc
    agreed = agreed_items(session, cycle.id)
    seen: dict[tuple[str, str, str], int] = {}
    records: list[dict] = []
    for row, cells in table.rows:
        emp, month = ck.person(row, cells), ck.month(row, cells)
        title = loc.text(cells, "item")
        ok = emp is not None and month is not None
        status = quality = None
        try:
            status = parse_status(loc.cell(cells, "status"))
        except ValueError as exc:
            loc.at(row, "status", str(exc))
            ok = False
        try:
            quality = parse_quality(loc.cell(cells, "quality"), rules.quality_scale)
        except ValueError as exc:
            loc.at(row, "quality", str(exc))
            ok = False
        if not ok:
            continue
        if not _month_over(month, today):
            loc.at(row, "month", f"{month} is not over yet: its plan is scored the next month")
            continue
        plan = agreed.get((emp, month), {})
        slug = _slug(title)
        if slug not in plan:
            loc.at(row, "item", f"{title!r} is not an agreed plan item of {emp} for {month}"
                   + (f" (agreed: {', '.join(p['title'] for p in plan.values())})" if plan else
                      " (no plan was agreed for that month)"))
            continue
        if (emp, month, slug) in seen:
            loc.at(row, "item", f"{title!r} of {emp} for {month} is already scored on row "
                                f"{seen[(emp, month, slug)]}")
            continue
        seen[(emp, month, slug)] = row
        sup = ck.supervisor(row, cells, emp)
        if sup is not None:
            records += score_records(emp, sup, month, plan,
                                     {slug: (status, quality, loc.text(cells, "comment") or None)},
                                     rules)
    if loc.problems:
        raise ProblemsError(loc.problems, what=table.file)
    result = store(session, cycle, "supervisor", f"plan-score:{key or Path(path).name}", table,
                   records, entered_by, {"work_plan": rules.model_dump(mode="json")}, dry_run)
    result.source = "work_plan"
    result.extra = {"scored items": len(records)}
    return result


# --- aggregation ----------------------------------------------------------------------------------


def month_scores(ev: pd.DataFrame) -> pd.DataFrame:
    """Per person and month: the weighted mean of the scored plan items (0-100) and their count.
    `ev`: supervisor evidence of plan items (scored rows; the newest batch wins per item)."""
    cols = ["employee_id", "month", "score", "items"]
    ev = ev[ev["item"].str.startswith(PLAN_PREFIX) & ev["score"].notna()]
    if ev.empty:
        return pd.DataFrame(columns=cols)
    ev = ev.sort_values("batch_id").drop_duplicates(["employee_id", "item"], keep="last")
    d = details_frame(ev)
    f = pd.DataFrame({"employee_id": ev["employee_id"].to_numpy(), "month": d["month"].to_numpy(),
                      "w": d["weight"].astype(float).to_numpy(),
                      "s": ev["score"].astype(float).to_numpy()})
    f["ws"] = f["w"] * f["s"]
    g = f.groupby(["employee_id", "month"]).agg(ws=("ws", "sum"), w=("w", "sum"),
                                                items=("s", "size")).reset_index()
    g["score"] = g["ws"] / g["w"]
    return g[cols]


def combine_supervisor(review: pd.DataFrame, plan: pd.DataFrame, share: float) -> pd.DataFrame:
    """The supervisor component from a review component frame and a work-plan frame
    [employee_id, score, n, note]: share x plan + (1 - share) x review where both exist."""
    r = review.set_index("employee_id")
    p = plan.set_index("employee_id")
    ids = sorted(set(r.index) | set(p.index))
    rs = r["score"].reindex(ids).astype(float)
    ps = p["score"].reindex(ids).astype(float)
    both = rs.notna() & ps.notna()
    score = np.where(both, share * ps + (1 - share) * rs, np.where(ps.notna(), ps, rs))
    notes = []
    for e in ids:
        parts = []
        if e in p.index:
            parts.append(str(p.at[e, "note"]))
        if e in r.index and pd.notna(r.at[e, "score"]):
            parts.append(f"supervisor review {r.at[e, 'score']:.1f}")
        if e in p.index and e in r.index and pd.notna(r.at[e, "score"]):
            parts.append(f"combined {share:.0%} plan / {1 - share:.0%} review")
        notes.append("; ".join(x for x in parts if x))
    n = (r["n"].reindex(ids).fillna(0).astype(int) + p["n"].reindex(ids).fillna(0).astype(int))
    status = r["status"].reindex(ids).where(~ps.notna(), "ok").fillna("ok")
    return pd.DataFrame({"employee_id": ids, "component": "supervisor", "score": score,
                         "n": n.to_numpy(), "status": status.to_numpy(), "note": notes})


def _rules_of(session: Session | None, ev: pd.DataFrame) -> WorkPlanRules:

    plan_ev = ev[ev["item"].str.startswith(PLAN_PREFIX)] if len(ev) else ev
    got = latest_config(session, plan_ev, "work_plan", WorkPlanRules) if session is not None else None
    return got or WorkPlanRules()


def aggregate_supervisor(session: Session | None, cycle_id: int | None,
                         ev: pd.DataFrame) -> SourceResult:
    """The supervisor component: supervisor reviews (graders.sources.reviews) and, for the work plan's
    families, the scored monthly work plan."""
    return supervisor_rows(ev, lambda: _rules_of(session, ev))


def supervisor_frames(frames: SourceFrames) -> SourceResult:
    """graders.sources aggregation of the supervisor source (pure)."""
    ev = frames.evidence

    def rules() -> WorkPlanRules:
        plan_ev = ev[ev["item"].str.startswith(PLAN_PREFIX)] if len(ev) else ev
        return frames.config("work_plan", WorkPlanRules, plan_ev) or WorkPlanRules()
    return supervisor_rows(ev, rules)


def supervisor_rows(ev: pd.DataFrame, rules_of) -> SourceResult:
    """Pure: the supervisor component of supervisor rows; `rules_of()` gives the work-plan rules
    (asked only when there is a scored plan)."""
    if ev.empty:
        return review_supervisor(None, None, ev)
    is_plan = ev["item"].str.startswith(PLAN_PREFIX).to_numpy()
    review = review_supervisor(None, None, ev[~is_plan].reset_index(drop=True))
    plan_ev = ev[is_plan].reset_index(drop=True)
    ms = month_scores(plan_ev)
    flags = [review.flags] if len(review.flags) else []
    unscored = plan_ev[plan_ev["score"].isna()]
    if len(unscored):  # agreed items of months already over, never scored: reported, not counted
        over = details_frame(unscored)["month"].map(lambda m: _month_over(m, date.today()))
        unscored = unscored[over.to_numpy(dtype=bool)]
    if len(unscored):
        scored = set(zip(plan_ev.loc[plan_ev["score"].notna(), "employee_id"],
                         plan_ev.loc[plan_ev["score"].notna(), "item"]))
        left = unscored[[(e, i) not in scored for e, i in zip(unscored["employee_id"],
                                                               unscored["item"])]]
        if len(left):
            per = left.groupby("employee_id").size()
            flags.append(pd.DataFrame(
                [("unscored_plan_items", "supervisor", e, f"{k} agreed plan item(s) not scored")
                 for e, k in per.items()], columns=FLAG_COLUMNS))
    flag_frame = pd.concat(flags, ignore_index=True) if flags else pd.DataFrame(columns=FLAG_COLUMNS)
    if ms.empty:
        return SourceResult(review.components, review.competencies, flag_frame)
    rules = rules_of()
    per = ms.groupby("employee_id").agg(score=("score", "mean"), months=("month", "nunique"),
                                        n=("items", "sum")).reset_index()
    per["note"] = [f"work plan {s:.1f} over {m} month(s), {n} item(s)"
                   for s, m, n in zip(per["score"], per["months"], per["n"])]
    comp = combine_supervisor(review.components, per[["employee_id", "score", "n", "note"]],
                              rules.plan_share)
    return SourceResult(comp[COMPONENT_COLUMNS], review.competencies
                        if len(review.competencies) else pd.DataFrame(columns=COMPETENCY_COLUMNS),
                        flag_frame)


def plan_overview(session: Session, cycle_id: int) -> pd.DataFrame:
    """Per person, month and item: agreed (title, weight, target) and, once scored, status,
    quality and score. For the supervisor's view and the CLI."""
    ev = evidence_frame(session, cycle_id, "supervisor")
    cols = ["employee_id", "month", "title", "weight", "target", "status", "quality", "score"]
    if ev.empty:
        return pd.DataFrame(columns=cols)
    ev = ev[ev["item"].str.startswith(PLAN_PREFIX)].reset_index(drop=True)
    if ev.empty:
        return pd.DataFrame(columns=cols)
    d = details_frame(ev)
    f = pd.DataFrame({"employee_id": ev["employee_id"], "item": ev["item"], "batch": ev["batch_id"],
                      "score": ev["score"], **{c: d.get(c) for c in
                                               ("month", "title", "weight", "target", "status",
                                                "quality")}})
    f = f.sort_values(["score", "batch"], na_position="first").drop_duplicates(
        ["employee_id", "item"], keep="last")
    return f.sort_values(["employee_id", "month", "item"])[cols].reset_index(drop=True)
