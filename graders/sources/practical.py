"""Practical exams: trainers' rubric scores imported or entered in a form, aggregated per trainee,
and checked for agreement between trainers (Krippendorff's alpha) and for lenient or harsh trainers.

Scoring: a criterion level becomes 0-100 on the rubric's scale ((level - min) / (max - min));
a rating's scenario score is the weighted mean of its criteria, or the rubric's
`critical_fail_score` when a critical criterion is below `pass_level`. A trainee's score on a
scenario is the mean over trainers; the practical component is the mean over scenarios.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from core.errors import ProblemsError
from core.tabular import Table, map_columns, parse_date, read_table
from graders.forms_config import EvidenceConfig, PracticalRules, Rubric
from graders.importing import (
    ImportResult,
    Located,
    item_columns,
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
    SourceResult,
    derived,
    details_frame,
)

SYNONYMS = {
    "employee_id": ["trainee", "trainee_id", "工号", "学员工号", "学员", "员工编号", "staff_id"],
    "rubric": ["scenario", "rubric_id", "场景", "考核场景", "评分表", "情景"],
    "rater": ["trainer", "rater_id", "examiner", "考官", "评分人", "评委", "培训师"],
    "date": ["日期", "考核日期", "exam_date"],
    "comment": ["备注", "评语", "comments", "note"],
}
REQUIRED = ("employee_id", "rubric", "rater")


def rating_records(rubric: Rubric, employee_id: str, rater: str, levels: dict[str, float],
                   extra: dict | None = None) -> list[dict]:
    """Evidence rows for one trainer's rating of one trainee on one scenario."""
    out = []
    for c in rubric.criteria:
        level = levels[c.id]
        out.append(dict(
            source="practical", employee_id=employee_id, rater_id=rater,
            item=f"{rubric.id}/{c.id}", competency=c.competency, raw=level,
            max_raw=rubric.scale.max, score=rubric.scale.normalise(level),
            details={"rubric": rubric.id, "criterion": c.id, "weight": c.weight,
                     "critical": c.critical, "pass_level": rubric.pass_level,
                     "fail_score": rubric.critical_fail_score, **(extra or {})}))
    return out


def parse_sheet(table: Table, rubrics: dict[str, Rubric], known_staff: set[str]) -> list[dict]:
    """Check a practical score sheet; returns evidence rows or raises ProblemsError with all problems."""
    cols, problems = map_columns(table, SYNONYMS, REQUIRED)
    all_criteria: dict[str, list[str]] = {}
    for r in rubrics.values():
        for c in r.criteria:
            all_criteria.setdefault(c.id, [])
            all_criteria[c.id] += [c.text_en, c.text_zh or ""]
    items, item_problems = item_columns(table, all_criteria.items(), cols)
    loc = Located(table, cols, items, [*table.problems, *problems, *item_problems])
    if loc.problems:
        raise ProblemsError(loc.problems, what=table.file)
    records: list[dict] = []
    seen: dict[tuple[str, str, str], int] = {}
    for row, cells in table.rows:
        emp, rid, rater = (loc.text(cells, f) for f in ("employee_id", "rubric", "rater"))
        ok = True
        for f, v in (("employee_id", emp), ("rubric", rid), ("rater", rater)):
            if not v:
                loc.at(row, f, f"{f.replace('_', ' ')} is empty")
                ok = False
        if emp and emp not in known_staff:
            loc.at(row, "employee_id", f"unknown staff id {emp!r}")
            ok = False
        rubric = rubrics.get(rid) if rid else None
        if rid and rubric is None:
            loc.at(row, "rubric", f"unknown rubric {rid!r} (rubrics: {', '.join(sorted(rubrics))})")
            ok = False
        if emp and rater and emp == rater:
            loc.at(row, "rater", f"trainee {emp!r} cannot score their own practical exam")
            ok = False
        key = (emp, rid, rater)
        if all(key):
            if key in seen:
                loc.at(row, "rater", f"duplicate submission: {rater} already scored {emp} on {rid} "
                                     f"(row {seen[key]})")
                ok = False
            else:
                seen[key] = row
        extra = {}
        if loc.text(cells, "date"):
            try:
                extra["date"] = parse_date(loc.cell(cells, "date")).isoformat()
            except ValueError as exc:
                loc.at(row, "date", str(exc))
                ok = False
        if loc.text(cells, "comment"):
            extra["comment"] = loc.text(cells, "comment")
        if rubric is None:
            continue
        levels: dict[str, float] = {}
        wanted = {c.id for c in rubric.criteria}
        for c in rubric.criteria:
            if c.id not in items:
                loc.at(row, None, f"no column for criterion {c.id!r} of rubric {rubric.id}")
                ok = False
                continue
            try:
                value = parse_number(loc.item(cells, c.id))
            except ValueError as exc:
                loc.at_item(row, c.id, str(exc))
                ok = False
                continue
            if value is None:
                loc.at_item(row, c.id, f"missing score for criterion {c.id!r}")
                ok = False
            elif not rubric.scale.contains(value):
                loc.at_item(row, c.id, f"score {value:g} is outside the scale "
                                       f"{rubric.scale.min:g}-{rubric.scale.max:g}")
                ok = False
            else:
                levels[c.id] = value
        for cid, i in items.items():
            if cid not in wanted and parse_number_or_none(cells[i]) is not None:
                loc.at_item(row, cid, f"criterion {cid!r} is not part of rubric {rubric.id}")
                ok = False
        if ok:
            records += rating_records(rubric, emp, rater, levels, extra)
    if loc.problems:
        raise ProblemsError(loc.problems, what=table.file)
    return records


def parse_number_or_none(value: object) -> float | None:
    try:
        return parse_number(value)
    except ValueError:
        return 0.0  # present but not a number: still "a value" for the misplaced-cell check


def practical_config(cfg: EvidenceConfig, used: set[str]) -> dict:
    """What a practical batch records of the definitions in force: its rubrics and the limits."""
    return {"rubrics": {rid: cfg.rubrics[rid].model_dump(mode="json") for rid in sorted(used)},
            "rules": cfg.practical.model_dump(mode="json")}


def import_file(session: Session, path: Path | str, cfg: EvidenceConfig, entered_by: str,
                cycle_name: str | None = None, key: str | None = None, sheet: str | None = None,
                dry_run: bool = False) -> ImportResult:
    """Import a practical score sheet into a cycle as one batch (replacing the same file's last one)."""
    cycle = target_cycle(session, cycle_name)
    table = read_table(path, sheet=sheet)
    records = parse_sheet(table, cfg.rubrics, set(staff_index(session)))
    config = practical_config(cfg, {r["details"]["rubric"] for r in records})
    return store(session, cycle, "practical", key or Path(path).name, table, records, entered_by,
                 config, dry_run)


# --- aggregation ------------------------------------------------------------------------------


def ratings(ev: pd.DataFrame) -> pd.DataFrame:
    """One row per (trainee, rubric, rater): weighted scenario score and critical miss
    (computed once per evidence frame)."""
    return derived(ev, "ratings", _ratings)


def _ratings(ev: pd.DataFrame) -> pd.DataFrame:
    if ev.empty:
        return pd.DataFrame(columns=["employee_id", "rubric", "rater_id", "score", "critical_miss"])
    d = details_frame(ev)
    df = pd.DataFrame({
        "employee_id": ev["employee_id"].to_numpy(), "rater_id": ev["rater_id"].to_numpy(),
        "rubric": d["rubric"].to_numpy(), "weight": d["weight"].astype(float).to_numpy(),
        "raw": ev["raw"].astype(float).to_numpy(), "score": ev["score"].astype(float).to_numpy(),
        "critical": d["critical"].astype(bool).to_numpy(),
        "pass_level": d["pass_level"].astype(float).to_numpy(),
        "fail_score": d["fail_score"].astype(float).to_numpy(),
    })
    df["ws"] = df["weight"] * df["score"]
    df["miss"] = df["critical"] & (df["raw"] < df["pass_level"])
    g = df.groupby(["employee_id", "rubric", "rater_id"], sort=True)
    out = g.agg(ws=("ws", "sum"), w=("weight", "sum"), critical_miss=("miss", "any"),
                fail_score=("fail_score", "first")).reset_index()
    out["score"] = np.where(out["critical_miss"], out["fail_score"], out["ws"] / out["w"])
    return out[["employee_id", "rubric", "rater_id", "score", "critical_miss"]]


def scenario_results(ev: pd.DataFrame) -> pd.DataFrame:
    """Per trainee and scenario: mean over trainers, raters, and whether the scenario was failed
    (at least half of the trainers recorded a missed critical criterion)."""
    r = ratings(ev)
    if r.empty:
        return pd.DataFrame(columns=["employee_id", "rubric", "score", "raters", "failed"])
    out = r.groupby(["employee_id", "rubric"]).agg(
        score=("score", "mean"), raters=("rater_id", "nunique"),
        miss_share=("critical_miss", "mean")).reset_index()
    out["failed"] = out["miss_share"] >= 0.5
    return out.drop(columns="miss_share")


def aggregate(session: Session | None, cycle_id: int | None, ev: pd.DataFrame) -> SourceResult:
    """The practical component of `ev` under the rules of its newest batch."""
    rules = latest_config(session, ev, "rules", PracticalRules) if session is not None else None
    return aggregate_rows(ev, rules)


def aggregate_rows(ev: pd.DataFrame, rules: PracticalRules | None = None) -> SourceResult:
    """Pure: the practical component, competencies and flags of practical evidence rows."""
    sc = scenario_results(ev)
    if sc.empty:
        return SourceResult(pd.DataFrame(columns=COMPONENT_COLUMNS),
                            pd.DataFrame(columns=COMPETENCY_COLUMNS))
    comp = sc.groupby("employee_id").agg(score=("score", "mean"), n=("raters", "sum")).reset_index()
    failed = sc[sc["failed"]].groupby("employee_id")["rubric"].apply(lambda s: ", ".join(sorted(s)))
    comp["note"] = comp["employee_id"].map(
        lambda e: f"critical criterion missed in: {failed[e]}" if e in failed.index else "")
    comp["component"], comp["status"] = "practical", "ok"
    d = details_frame(ev)
    cdf = pd.DataFrame({"employee_id": ev["employee_id"].to_numpy(),
                        "competency": ev["competency"].to_numpy(),
                        "w": d["weight"].astype(float).to_numpy(),
                        "score": ev["score"].astype(float).to_numpy()})
    cdf["ws"] = cdf["w"] * cdf["score"]
    by = cdf.groupby(["employee_id", "competency"]).agg(ws=("ws", "sum"), w=("w", "sum"),
                                                        n=("score", "size")).reset_index()
    by["score"] = by["ws"] / by["w"]
    by["component"] = "practical"
    flags = practical_flags(ev, rules)
    failed_rows = [("critical", "practical", r.employee_id,
                    f"critical criterion missed in scenario {r.rubric}")
                   for r in sc[sc["failed"]].itertuples()]
    if failed_rows:
        flags = pd.concat([flags, pd.DataFrame(failed_rows, columns=FLAG_COLUMNS)],
                          ignore_index=True)
    return SourceResult(comp[COMPONENT_COLUMNS], by[COMPETENCY_COLUMNS], flags)


def krippendorff_alpha(data: np.ndarray, level: str = "interval") -> float:
    """Krippendorff's alpha of a raters x units matrix (NaN = not rated); NaN when not computable."""
    import krippendorff

    pairable = (np.sum(~np.isnan(data), axis=0) >= 2).sum()
    if pairable == 0 or len(np.unique(data[~np.isnan(data)])) < 2:
        return math.nan
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))


def agreement(ev: pd.DataFrame, rules: PracticalRules | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per scenario: Krippendorff's alpha over criterion levels; per trainer: leniency (the rater
    effect, + lenient, - harsh; see rater_effects) and mean absolute distance from co-raters."""
    rules = rules or PracticalRules()
    scen_rows, rater_rows = [], []
    if ev.empty:
        return (pd.DataFrame(columns=["rubric", "alpha", "raters", "performances", "status"]),
                pd.DataFrame(columns=["rater_id", "shared", "bias", "mean_abs_dev", "status"]))
    d = details_frame(ev)
    frame = ev.assign(rubric=d["rubric"].to_numpy(), unit=ev["employee_id"] + "|" + ev["item"])
    for rubric, g in frame.groupby("rubric"):
        pivot = g.pivot_table(index="rater_id", columns="unit", values="raw", aggfunc="mean")
        alpha = krippendorff_alpha(pivot.to_numpy(dtype=float))
        if math.isnan(alpha):
            status = "unknown"
        elif alpha < rules.agreement_floor:
            status = "low"
        elif alpha < 0.8:
            status = "acceptable"
        else:
            status = "good"
        scen_rows.append({"rubric": rubric, "alpha": alpha, "raters": g["rater_id"].nunique(),
                          "performances": g["employee_id"].nunique(), "status": status})
    r = ratings(ev)
    r = r.assign(perf=r["employee_id"] + "|" + r["rubric"])
    cnt = r.groupby("perf")["score"].transform("count")
    shared = r[cnt >= 2].copy()
    if len(shared):
        effects, level = rater_effects(shared)
        # What is left after the performance's level and the trainer's own leniency: inconsistency.
        shared["dev"] = (shared["score"] - shared["perf"].map(level)
                         - shared["rater_id"].map(effects))
        for rater, g in shared.groupby("rater_id"):
            bias, mad = float(effects[rater]), float(g["dev"].abs().mean())  # mad: inconsistency
            if len(g) < rules.min_shared:
                status = "too few shared"
            elif bias > rules.bias_limit:
                status = "lenient"
            elif bias < -rules.bias_limit:
                status = "harsh"
            elif mad > rules.disagreement_limit:
                status = "disagrees"
            else:
                status = "ok"
            rater_rows.append({"rater_id": rater, "shared": len(g), "bias": bias,
                               "mean_abs_dev": mad, "status": status})
    return (pd.DataFrame(scen_rows, columns=["rubric", "alpha", "raters", "performances", "status"]),
            pd.DataFrame(rater_rows, columns=["rater_id", "shared", "bias", "mean_abs_dev", "status"]))


def rater_effects(r: pd.DataFrame, iterations: int = 100) -> tuple[pd.Series, pd.Series]:
    """Each trainer's leniency in points: the rater effect of the additive model
    score = performance level + rater effect + noise, fitted by alternating means with the rater
    effects centred on their median (robust: one lenient trainer among several does not shift
    the others). Unlike a plain difference from co-raters, a lenient trainer does not
    make the trainers paired with them look harsh. Returns (rater effects, performance levels)."""
    rater_eff = pd.Series(0.0, index=sorted(r["rater_id"].unique()))
    perf = r.groupby("perf")["score"].mean()
    for _ in range(iterations):
        perf = (r["score"] - r["rater_id"].map(rater_eff)).groupby(r["perf"]).mean()
        new = (r["score"] - r["perf"].map(perf)).groupby(r["rater_id"]).mean()
        new -= new.median()
        if (new - rater_eff).abs().max() < 1e-9:
            rater_eff = new
            break
        rater_eff = new
    return rater_eff, perf


def practical_flags(ev: pd.DataFrame, rules: PracticalRules | None = None) -> pd.DataFrame:
    scen, raters = agreement(ev, rules)
    flags = []
    for s in scen.itertuples():
        if s.status == "low":
            flags.append(("low_agreement", "practical", s.rubric,
                          f"Krippendorff's alpha {s.alpha:.2f} is below the floor"))
        elif s.status == "unknown":
            flags.append(("agreement_unknown", "practical", s.rubric,
                          "no performance was scored by two trainers: agreement cannot be measured"))
    for r in raters.itertuples():
        if r.status in ("lenient", "harsh"):
            flags.append((f"{r.status}_rater", "practical", r.rater_id,
                          f"scores {r.bias:+.1f} points against other trainers over {r.shared} "
                          "shared performances"))
        elif r.status == "disagrees":
            flags.append(("rater_disagreement", "practical", r.rater_id,
                          f"{r.mean_abs_dev:.1f} points from other trainers on average"))
    return pd.DataFrame(flags, columns=FLAG_COLUMNS)
