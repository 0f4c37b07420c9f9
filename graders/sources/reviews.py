"""360-degree reviews: peer, supervisor and self ratings on the competency model.

Rules (configurable in the review form): self ratings are their own component, never mixed into
the peer average; a peer score needs `min_peer_raters` distinct raters, else it is "insufficient"
and not shown at all; individual peer answers never leave this module's private helpers — the
public queries return aggregates over at least the minimum group only. Flags: straight-lining,
mutual praise, raters far from the consensus, peer ratings across teams when the form forbids them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from core.errors import ProblemsError
from core.tabular import Table, read_table
from graders.forms_config import EvidenceConfig, ReviewForm, ReviewRules
from graders.importing import (
    ImportResult,
    Located,
    item_columns,
    latest_config,
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
)
from graders.sources.load import evidence_frame
from graders.sources.survey_exports import AnswerWords, map_fields, unfold
from roster.models import Staff

__all__ = ["RELATIONS", "import_file", "peer_summary", "review_records", "aggregate_peer",
           "aggregate_supervisor", "aggregate_self", "aggregate_upward", "review_flags"]

RELATIONS = ("peer", "supervisor", "self", "upward")
_RELATION_NAMES = {
    "peer": "peer", "colleague": "peer", "同事": "peer", "同级": "peer", "互评": "peer",
    "supervisor": "supervisor", "manager": "supervisor", "上级": "supervisor", "主管": "supervisor",
    "self": "self", "自评": "self", "本人": "self", "自我": "self",
    "upward": "upward", "subordinate": "upward", "staff": "upward", "下级": "upward",
    "下属": "upward", "向上评价": "upward", "下评上": "upward",
}
SYNONYMS = {
    "rater": ["rater_id", "respondent", "reviewer", "评价人", "评分人", "填写人", "评估人"],
    "ratee": ["ratee_id", "reviewee", "subject", "被评价人", "被评人", "被评估人", "员工工号"],
    "relation": ["relationship", "type", "关系", "评价类型", "评估类型"],
}
REQUIRED = ("rater", "ratee")
#: questions asking for the people (staff ids asked as questions in a survey tool's form); the
#: person reviewed is looked for first, so "被评价人工号" is never taken for the rater's own id
KEYWORDS = {
    "ratee": ["被评价人", "被评人", "被评估人", "评价对象", "person you are reviewing",
              "person reviewed", "colleague's staff id", "reviewee"],
    "rater": ["您的工号", "你的工号", "本人工号", "评价人工号", "your staff id", "your employee id",
              "your own staff id"],
}


def _chain_above(staff: dict, emp: str) -> set[str]:
    out, cur = set(), staff[emp].supervisor_id if emp in staff else None
    while cur and cur not in out:
        out.add(cur)
        cur = staff[cur].supervisor_id if cur in staff else None
    return out


def review_records(form: ReviewForm, relation: str, rater: str, ratee: str,
                   answers: dict[str, float]) -> list[dict]:
    """Evidence rows for one review (one rater about one person)."""
    return [dict(source=relation, employee_id=ratee, rater_id=rater, item=f"{form.id}/{it.id}",
                 competency=it.competency, raw=answers[it.id], max_raw=None,
                 score=form.scale.normalise(answers[it.id]), details={"relation": relation})
            for it in form.items if it.id in answers]


def parse_sheet(table: Table, form: ReviewForm, staff: dict) -> list[dict]:
    """Check a review sheet: long, wide, or a survey tool's export (graders.sources.survey_exports)."""
    table = unfold(table)
    cols, problems = map_fields(table, SYNONYMS, REQUIRED, KEYWORDS)
    items, item_problems = item_columns(
        table, [(it.id, [it.text_en, it.text_zh or ""]) for it in form.items], cols)
    loc = Located(table, cols, items, [*table.problems, *problems, *item_problems],
                  words=AnswerWords.for_table(table, items, form.scale.min, form.scale.max))
    missing_cols = [it.id for it in form.items if it.required and it.id not in items]
    for it_id in missing_cols:
        loc.at(1, None, f"no column for required item {it_id!r}")
    if loc.problems:
        raise ProblemsError(loc.problems, what=table.file)
    records: list[dict] = []
    seen: dict[tuple[str, str], int] = {}
    for row, cells in table.rows:
        rater, ratee = loc.text(cells, "rater"), loc.text(cells, "ratee")
        ok = True
        for f, v in (("rater", rater), ("ratee", ratee)):
            if not v:
                loc.at(row, f, f"{f} is empty")
                ok = False
            elif v not in staff:
                loc.at(row, f, f"unknown staff id {v!r}")
                ok = False
        rel_text = loc.text(cells, "relation").lower()
        relation = None
        if rel_text:
            relation = _RELATION_NAMES.get(rel_text)
            if relation is None:
                loc.at(row, "relation", f"unknown relation {rel_text!r} (use peer, supervisor, "
                                        "self or upward)")
                ok = False
        if ok:
            if relation is None:  # infer from the roster
                relation = ("self" if rater == ratee else
                            "supervisor" if rater in _chain_above(staff, ratee) else
                            "upward" if ratee in _chain_above(staff, rater) else "peer")
            if relation == "peer" and rater == ratee:
                loc.at(row, "rater", f"rater {rater!r} is the person reviewed in a peer review")
                ok = False
            if relation == "self" and rater != ratee:
                loc.at(row, "rater", f"a self review by {rater!r} about {ratee!r}")
                ok = False
            if relation == "supervisor" and rater not in _chain_above(staff, ratee):
                loc.at(row, "rater", f"{rater!r} is not a supervisor of {ratee!r} in the roster")
                ok = False
            if relation == "upward" and ratee not in _chain_above(staff, rater):
                loc.at(row, "rater", f"{rater!r} is not below {ratee!r} in the roster: an upward "
                                     "review comes from the person's own staff")
                ok = False
        if rater and ratee:
            if (rater, ratee) in seen:
                loc.at(row, "rater", f"duplicate submission: {rater} already reviewed {ratee} "
                                     f"(row {seen[(rater, ratee)]})")
                ok = False
            else:
                seen[(rater, ratee)] = row
        answers, answered = loc.answers(row, cells, form.items, form.scale)
        ok = ok and answered
        if ok:
            records += review_records(form, relation, rater, ratee, answers)
    if loc.problems:
        raise ProblemsError(loc.problems, what=table.file)
    return records


def review_config(cfg: EvidenceConfig) -> dict:
    return {"review": cfg.review.model_dump(mode="json"),
            "rules": cfg.review.rules.model_dump(mode="json")}


def import_file(session: Session, path: Path | str, cfg: EvidenceConfig, entered_by: str,
                cycle_name: str | None = None, key: str | None = None, sheet: str | None = None,
                dry_run: bool = False) -> ImportResult:
    """Import review answers (long or the wide sheets survey tools export) as one batch."""
    cycle = target_cycle(session, cycle_name)
    table = read_table(path, sheet=sheet)
    records = parse_sheet(table, cfg.review, staff_index(session))
    # One batch holds all three relations; each row carries its own source.
    result = store(session, cycle, "peer", key or Path(path).name, table, records, entered_by,
                   review_config(cfg), dry_run)
    result.extra = {r: sum(1 for x in records if x["source"] == r) for r in RELATIONS}
    return result


# --- aggregation (private rows stay here) -----------------------------------------------------


def _per_rater(ev: pd.DataFrame) -> pd.DataFrame:
    """Private: each rater's mean (0-100 and on the scale) per ratee."""
    return (ev.groupby(["employee_id", "rater_id"])
            .agg(score=("score", "mean"), raw=("raw", "mean")).reset_index())


def _rules(session, ev) -> ReviewRules:
    got = latest_config(session, ev, "rules", ReviewRules) if session is not None else None
    return got or ReviewRules()


def _team_of(session) -> dict[str, int]:
    from sqlalchemy import select

    return dict(session.execute(select(Staff.employee_id, Staff.team_id)).all())


def _valid_peer(session, ev: pd.DataFrame, rules: ReviewRules) -> pd.DataFrame:
    return _same_team(ev, rules, _team_of(session) if session is not None else None)


def _same_team(ev: pd.DataFrame, rules: ReviewRules, team: dict | None) -> pd.DataFrame:
    if rules.peer_same_team_only and len(ev) and team is not None:
        same = ev["employee_id"].map(team) == ev["rater_id"].map(team)
        return ev[same]
    return ev


def aggregate_peer(session: Session | None, cycle_id: int | None, ev: pd.DataFrame) -> SourceResult:
    rules = _rules(session, ev)
    return peer_rows(ev, rules, _team_of(session) if session is not None else None)


def peer_frames(frames: SourceFrames) -> SourceResult:
    """graders.sources aggregation of peer reviews (pure)."""
    ev = frames.evidence
    return peer_rows(ev, frames.config("rules", ReviewRules) or ReviewRules(), frames.team_ids())


def peer_rows(ev: pd.DataFrame, rules: ReviewRules, team: dict | None) -> SourceResult:
    """Pure: the peer component of peer review rows; `team` maps staff to team (None: unknown,
    so the same-team rule is not applied)."""
    flags = _flags(ev, rules, team)  # on every rating, the cross-team ones included
    ev = _same_team(ev, rules, team)
    if ev.empty:
        return SourceResult(pd.DataFrame(columns=COMPONENT_COLUMNS),
                            pd.DataFrame(columns=COMPETENCY_COLUMNS), flags)
    pr = _per_rater(ev)
    comp = pr.groupby("employee_id").agg(score=("score", "mean"),
                                         n=("rater_id", "nunique")).reset_index()
    short = comp["n"] < rules.min_peer_raters
    comp.loc[short, "score"] = np.nan
    comp["status"] = np.where(short, "insufficient", "ok")
    comp["note"] = np.where(short, comp["n"].map(
        lambda n: f"{n} peer rater(s); {rules.min_peer_raters} needed"), "")
    comp["component"] = "peer"
    enough = set(comp.loc[~short, "employee_id"])
    by = (ev[ev["employee_id"].isin(enough)]
          .groupby(["employee_id", "rater_id", "competency"])["score"].mean().reset_index()
          .groupby(["employee_id", "competency"])
          .agg(score=("score", "mean"), n=("rater_id", "nunique")).reset_index())
    by["component"] = "peer"
    return SourceResult(comp[COMPONENT_COLUMNS], by[COMPETENCY_COLUMNS], flags)


def aggregate_upward(session: Session | None, cycle_id: int | None,
                     ev: pd.DataFrame) -> SourceResult:
    """The upward review of a supervisor or manager by their own staff: anonymous like peer
    reviews, and needing the same minimum number of distinct raters, else "insufficient" with no
    score at all (nothing of it is shown or stored); never split by competency, so no answer of a
    small group can be singled out."""
    return upward_rows(ev, _rules(session, ev))


def upward_frames(frames: SourceFrames) -> SourceResult:
    """graders.sources aggregation of upward reviews (pure)."""
    return upward_rows(frames.evidence, frames.config("rules", ReviewRules) or ReviewRules())


def upward_rows(ev: pd.DataFrame, rules: ReviewRules) -> SourceResult:
    if ev.empty:
        return SourceResult(pd.DataFrame(columns=COMPONENT_COLUMNS),
                            pd.DataFrame(columns=COMPETENCY_COLUMNS))
    comp = _per_rater(ev).groupby("employee_id").agg(score=("score", "mean"),
                                                      n=("rater_id", "nunique")).reset_index()
    short = comp["n"] < rules.min_peer_raters
    comp.loc[short, "score"] = np.nan
    comp["status"] = np.where(short, "insufficient", "ok")
    comp["note"] = np.where(short, f"fewer than {rules.min_peer_raters} raters: not shown",
                            comp["n"].map(lambda n: f"{n} raters"))
    comp["component"] = "upward"
    return SourceResult(comp[COMPONENT_COLUMNS], pd.DataFrame(columns=COMPETENCY_COLUMNS))


def _plain(source: str):
    def agg(session, cycle_id, ev: pd.DataFrame) -> SourceResult:
        if ev.empty:
            return SourceResult(pd.DataFrame(columns=COMPONENT_COLUMNS),
                                pd.DataFrame(columns=COMPETENCY_COLUMNS))
        pr = _per_rater(ev)
        comp = pr.groupby("employee_id").agg(score=("score", "mean"),
                                             n=("rater_id", "nunique")).reset_index()
        comp["component"], comp["status"], comp["note"] = source, "ok", ""
        by = (ev.groupby(["employee_id", "competency"])
              .agg(score=("score", "mean"), n=("rater_id", "nunique")).reset_index())
        by["component"] = source
        return SourceResult(comp[COMPONENT_COLUMNS], by[COMPETENCY_COLUMNS])
    return agg


aggregate_supervisor = _plain("supervisor")
aggregate_self = _plain("self")


def self_frames(frames: SourceFrames) -> SourceResult:
    """graders.sources aggregation of self reviews (pure)."""
    return aggregate_self(None, None, frames.evidence)


def review_flags(session: Session | None, ev: pd.DataFrame,
                 rules: ReviewRules | None = None) -> pd.DataFrame:
    """Straight-lining, mutual praise, raters far from the consensus, cross-team peer ratings."""
    rules = rules or ReviewRules()
    team = _team_of(session) if rules.peer_same_team_only and session is not None else None
    return _flags(ev, rules, team)


def _flags(ev: pd.DataFrame, rules: ReviewRules, team: dict | None) -> pd.DataFrame:
    flags: list[tuple[str, str, str, str]] = []
    if ev.empty:
        return pd.DataFrame(flags, columns=FLAG_COLUMNS)
    # Straight-lining: the same answer to every item for every person rated (enough people).
    per = ev.groupby("rater_id").agg(distinct=("raw", "nunique"), ratees=("employee_id", "nunique"))
    for rater, r in per.iterrows():
        if r["distinct"] == 1 and r["ratees"] >= rules.straight_line_min_ratees:
            flags.append(("straight_lining", "peer", rater,
                          f"gave every one of {r['ratees']} people the same answer to every item"))
    pr = _per_rater(ev)
    # What others give each ratee (leave-one-out consensus).
    g = pr.groupby("employee_id")["raw"]
    pr = pr.assign(total=g.transform("sum"), count=g.transform("count"))
    pr["others"] = np.where(pr["count"] > 1, (pr["total"] - pr["raw"]) / (pr["count"] - 1).clip(lower=1),
                            np.nan)
    pr["excess"] = pr["raw"] - pr["others"]
    excess = {(r.rater_id, r.employee_id): r.excess for r in pr.itertuples()}
    done = set()
    for (a, b), x in excess.items():
        if (b, a) in excess and (b, a) not in done and a != b:
            y = excess[(b, a)]
            if x >= rules.mutual_excess and y >= rules.mutual_excess:
                pair = tuple(sorted((a, b)))
                flags.append(("mutual_praise", "peer", f"{pair[0]}<->{pair[1]}",
                              f"each rates the other {min(x, y):.1f}+ points above what others give"))
            done.add((a, b))
    out = pr.dropna(subset=["others"]).groupby("rater_id").agg(
        dev=("excess", lambda s: s.abs().mean()), n=("employee_id", "nunique"))
    for rater, r in out.iterrows():
        if r["n"] >= rules.outlier_min_ratees and r["dev"] >= rules.outlier_limit:
            flags.append(("rater_outlier", "peer", rater,
                          f"{r['dev']:.1f} points from the consensus on average over {r['n']} people"))
    if rules.peer_same_team_only and team is not None:
        cross = ev[ev["employee_id"].map(team) != ev["rater_id"].map(team)]
        for (rater, ratee), _ in cross.groupby(["rater_id", "employee_id"]):
            flags.append(("cross_team_rating", "peer", rater,
                          f"rated {ratee} outside their team; not counted"))
    return pd.DataFrame(flags, columns=FLAG_COLUMNS)


def peer_summary(session: Session, cycle_id: int, min_raters: int | None = None) -> pd.DataFrame:
    """What may be shown of peer reviews: per person and competency the mean and the number of
    raters, only where at least the minimum number of peers rated; never who said what."""
    ev = evidence_frame(session, cycle_id, "peer")
    rules = _rules(session, ev)
    need = min_raters if min_raters is not None else rules.min_peer_raters
    ev = _valid_peer(session, ev, rules)
    if ev.empty:
        return pd.DataFrame(columns=["employee_id", "competency", "score", "raters"])
    per = ev.groupby(["employee_id", "competency", "rater_id"])["score"].mean().reset_index()
    out = per.groupby(["employee_id", "competency"]).agg(
        score=("score", "mean"), raters=("rater_id", "nunique")).reset_index()
    return out[out["raters"] >= max(need, rules.min_peer_raters)].reset_index(drop=True)
