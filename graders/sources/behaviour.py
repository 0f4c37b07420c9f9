"""Key-behaviour deductions for field service (the key-behaviour method of the domain brief).

Each listed bad behaviour deducts points from the monthly standard score; the monthly score is
`standard - deductions`, never above the standard and never below 0. The cycle's key-behaviour
component is the mean monthly score over the cycle's months, on 0-100. Once any deduction list
is imported for a cycle, every active member of the listed role families gets a score (the full
standard for a clean month); before that, the component is missing.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.cycles import Cycle
from core.errors import ProblemsError
from core.tabular import (
    Table,
    map_columns,
    normalize_header,
    normalize_text,
    parse_date,
    read_table,
)
from graders.evidence import EvidenceBatch
from graders.forms_config import BehaviourList, EvidenceConfig
from graders.importing import ImportResult, Located, parse_number, store, target_cycle
from graders.sources import (
    COMPETENCY_COLUMNS,
    COMPONENT_COLUMNS,
    FLAG_COLUMNS,
    SourceFrames,
    SourceResult,
    details_frame,
)
from roster.models import Role, Staff

SYNONYMS = {
    "employee_id": ["staff_id", "工号", "员工编号", "engineer"],
    "month": ["period", "月份", "日期", "date"],
    "behaviour": ["behavior", "code", "行为", "关键行为", "扣分项"],
    "count": ["times", "次数", "occurrences"],
    "note": ["备注", "说明", "comment"],
}
REQUIRED = ("employee_id", "month", "behaviour")
_MONTH = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")


def cycle_months(cycle: Cycle) -> list[str]:
    out, y, m = [], cycle.opens_on.year, cycle.opens_on.month
    while date(y, m, 1) <= cycle.closes_on:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _month(value: object) -> str:

    text = normalize_text(value)
    if m := _MONTH.match(text):
        return f"{int(m[1]):04d}-{int(m[2]):02d}"
    d = parse_date(value)
    return f"{d.year:04d}-{d.month:02d}"


def parse_sheet(table: Table, blist: BehaviourList, family_of: dict[str, str],
                cycle: Cycle) -> list[dict]:
    """Check a deduction list; `family_of` maps every roster id to its role family."""
    cols, problems = map_columns(table, SYNONYMS, REQUIRED)
    loc = Located(table, cols, {}, [*table.problems, *problems])
    if loc.problems:
        raise ProblemsError(loc.problems, what=table.file)
    lookup = {}
    for b in blist.behaviours:
        for name in (b.code, b.text_en, b.text_zh or ""):
            if name:
                lookup[normalize_header(name)] = b
    months = set(cycle_months(cycle))
    records = []
    for row, cells in table.rows:
        ok = True
        emp = loc.text(cells, "employee_id")
        if not emp:
            loc.at(row, "employee_id", "staff id is empty")
            ok = False
        elif emp not in family_of:
            loc.at(row, "employee_id", f"unknown staff id {emp!r}")
            ok = False
        elif family_of[emp] not in blist.families:
            loc.at(row, "employee_id", f"key behaviours apply to {', '.join(blist.families)} staff; "
                                       f"{emp} is {family_of[emp]}")
            ok = False
        month = None
        try:
            month = _month(loc.cell(cells, "month"))
            if month not in months:
                loc.at(row, "month", f"month {month} is outside cycle {cycle.name}")
                ok = False
        except ValueError:
            loc.at(row, "month", f"{loc.text(cells, 'month')!r} is not a month (write 2026-11)")
            ok = False
        b = lookup.get(normalize_header(loc.text(cells, "behaviour")))
        if b is None:
            loc.at(row, "behaviour", f"unknown behaviour {loc.text(cells, 'behaviour')!r} "
                                     f"(codes: {', '.join(x.code for x in blist.behaviours)})")
            ok = False
        try:
            count = parse_number(loc.cell(cells, "count"))
            count = 1 if count is None else count
            if count < 1 or count != int(count):
                raise ValueError(f"{count:g} is not a whole number of times (1 or more)")
        except ValueError as exc:
            loc.at(row, "count", str(exc))
            ok = False
        if ok:
            records.append(dict(
                source="key_behaviour", employee_id=emp, rater_id=None, item=f"{month}/{b.code}",
                competency=b.competency, raw=b.deduction * count, max_raw=None, score=None,
                details={"month": month, "code": b.code, "count": int(count),
                         "deduction": b.deduction, "critical": b.critical,
                         "note": loc.text(cells, "note") or None}))
    if loc.problems:
        raise ProblemsError(loc.problems, what=table.file)
    return records


def family_index(session: Session) -> dict[str, str]:

    return dict(session.execute(select(Staff.employee_id, Role.family)
                                .join(Role, Staff.role_code == Role.code)).all())


def import_file(session: Session, path: Path | str, cfg: EvidenceConfig, entered_by: str,
                cycle_name: str | None = None, key: str | None = None, sheet: str | None = None,
                dry_run: bool = False) -> ImportResult:
    cycle = target_cycle(session, cycle_name)
    table = read_table(path, sheet=sheet)
    records = parse_sheet(table, cfg.behaviours, family_index(session), cycle)
    return store(session, cycle, "key_behaviour", key or Path(path).name, table, records,
                 entered_by, {"behaviours": cfg.behaviours.model_dump(mode="json")}, dry_run)


def monthly_scores(deductions: pd.DataFrame, people: list[str], months: list[str],
                   standard: float) -> pd.DataFrame:
    """Every person x month: standard minus that month's deductions, clamped to [0, standard]."""
    grid = pd.MultiIndex.from_product([people, months], names=["employee_id", "month"])
    if deductions.empty:
        ded = pd.Series(0.0, index=grid)
    else:
        ded = deductions.groupby(["employee_id", "month"])["points"].sum().reindex(grid).fillna(0.0)
    out = ded.rename("deducted").reset_index()
    out["score"] = np.clip(standard - out["deducted"], 0, standard)
    return out


def aggregate(session: Session | None, cycle_id: int | None, ev: pd.DataFrame) -> SourceResult:

    empty = SourceResult(pd.DataFrame(columns=COMPONENT_COLUMNS),
                         pd.DataFrame(columns=COMPETENCY_COLUMNS))
    if session is None or cycle_id is None:
        return empty
    batches = session.scalars(select(EvidenceBatch).where(
        EvidenceBatch.cycle_id == cycle_id, EvidenceBatch.source == "key_behaviour",
        EvidenceBatch.superseded_by.is_(None)).order_by(EvidenceBatch.id.desc())).all()
    if not batches:
        return empty
    blist = BehaviourList.model_validate(batches[0].config["behaviours"])

    people = sorted(session.scalars(
        select(Staff.employee_id).join(Role, Staff.role_code == Role.code)
        .where(Staff.active.is_(True), Role.family.in_(blist.families))))
    return aggregate_rows(ev, blist, people, cycle_months(session.get(Cycle, cycle_id)))


def aggregate_frames(frames: SourceFrames) -> SourceResult:
    """graders.sources aggregation of key-behaviour deductions (pure)."""
    own = frames.own_batches()
    if not own or frames.cycle is None:
        return SourceResult(pd.DataFrame(columns=COMPONENT_COLUMNS),
                            pd.DataFrame(columns=COMPETENCY_COLUMNS))
    blist = BehaviourList.model_validate(own[0][1]["behaviours"])
    r = frames.roster
    people = r.loc[r["active"].astype(bool) & r["family"].isin(blist.families), "employee_id"]
    return aggregate_rows(frames.evidence, blist, list(people), frames.cycle.months)


def aggregate_rows(ev: pd.DataFrame, blist: BehaviourList, people: list[str],
                   months: list[str]) -> SourceResult:
    """Pure: monthly key-behaviour scores of `people` (and everyone in `ev`) over `months`."""
    people = sorted(set(people) | set(ev["employee_id"]))
    d = details_frame(ev) if len(ev) else pd.DataFrame(columns=["month"])
    ded = pd.DataFrame({"employee_id": ev["employee_id"].to_numpy(),
                        "month": d["month"].to_numpy() if len(ev) else [],
                        "points": ev["raw"].astype(float).to_numpy(),
                        "competency": ev["competency"].to_numpy()})
    monthly = monthly_scores(ded, people, months, blist.standard_score)
    comp = monthly.groupby("employee_id").agg(score=("score", "mean"), n=("month", "size"),
                                              deducted=("deducted", "sum")).reset_index()
    comp["score"] = 100.0 * comp["score"] / blist.standard_score
    comp["component"], comp["status"] = "key_behaviour", "ok"
    comp["note"] = comp["deducted"].map(lambda x: f"{x:g} points deducted" if x else "")
    rows = []
    for code in sorted({c for c in ded["competency"] if c}):
        sub = ded[ded["competency"] == code]
        m = monthly_scores(sub, people, months, blist.standard_score)
        agg = m.groupby("employee_id")["score"].mean()
        rows.append(pd.DataFrame({"employee_id": agg.index, "component": "key_behaviour",
                                  "competency": code, "score": 100.0 * agg.to_numpy() / blist.standard_score,
                                  "n": len(months)}))
    by = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=COMPETENCY_COLUMNS)
    flags = []
    if len(ev):
        crit = d.get("critical", pd.Series(False, index=d.index)).fillna(False).astype(bool)
        for emp, code, month in zip(ev["employee_id"][crit.to_numpy()], d["code"][crit],
                                    d["month"][crit]):
            flags.append(("critical", "key_behaviour", emp, f"critical behaviour {code} in {month}"))
    return SourceResult(comp[COMPONENT_COLUMNS], by[COMPETENCY_COLUMNS],
                        pd.DataFrame(flags, columns=FLAG_COLUMNS))
