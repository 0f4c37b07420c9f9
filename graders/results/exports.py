"""Exports of a cycle's stored grades: an Excel workbook (results, one sheet per team, awards,
actions, performance pay with its formulas, training plans, the schemes used and provenance) or a
CSV of the results in UTF-8 with BOM (so that Excel shows Chinese text correctly).

Headers, band names, competency names and award names follow the home's locale (en or zh).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.competencies import competency_name
from core.cycles import get_cycle
from core.errors import AcademyError
from core.labels import t
from core.spreadsheet_text import csv_frame, keep_text
from graders.engine import grading as g
from graders.engine.schemes import Scheme
from graders.ladder.violations import PENALTY_COMPONENT
from graders.managers.export import management_sheets
from graders.results.publishing import publication_state
from graders.results.store import current_run, run_schemes, stored_result
from graders.results.workbook_format import component_label as _component_label
from graders.results.workbook_format import format_workbook
from graders.sources import COMPONENTS
from roster.models import Role

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _band_names(schemes: dict[str, Scheme], loc: str) -> dict[tuple[str, str], str]:
    return {(fam, b.code): b.name(loc) for fam, s in schemes.items() for b in s.bands}


def results_table(result: g.GradeResult, schemes: dict[str, Scheme], loc: str,
                  role_names: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per person with every component score, localised headers and values."""
    r = result.results
    comp = result.components.pivot_table(index="employee_id", columns="component", values="score",
                                         aggfunc="first")
    comp = comp.reindex(columns=[c for c in (*COMPONENTS, PENALTY_COMPONENT) if c in comp.columns])
    bands = _band_names(schemes, loc)
    yes, no = t("yes", loc), t("no", loc)
    out = pd.DataFrame({
        t("employee_id", loc): r["employee_id"],
        t("name", loc): r["name"],
        t("team", loc): r["team"],
        t("role", loc): r["role_code"].map(role_names or {}).fillna(r["role_code"]),
        t("final_score", loc): r["final_score"],
        t("band", loc): [bands.get((f, b), b) for f, b in zip(r["family"], r["band"])],
        t("rank_team", loc): r["rank_team"],
        t("rank_company", loc): r["rank_company"],
        t("grade_status", loc): r["status"].map(lambda s: t(s, loc)),
    })
    for c in comp.columns:
        out[_component_label(c, loc)] = r["employee_id"].map(comp[c]).round(2).to_numpy()
    out[t("missing", loc)] = r["missing"]
    out[t("insufficient", loc)] = r["insufficient"]
    out[t("overridden", loc)] = r["overridden"].map({True: yes, False: no})
    out[t("individual_award", loc)] = r["individual_award"].map({True: yes, False: no})
    out[t("team_award", loc)] = r["team_award"].map({True: yes, False: no})
    out[t("promotion", loc)] = r["promotion"].map({True: yes, False: no})
    out[t("corrective", loc)] = r["corrective"].map({True: yes, False: no})
    out[t("kpi", loc)] = r["kpi"]
    out[t("total_pay", loc)] = pd.to_numeric(r["total_pay"]).round(2)  # no 9564.119999999999
    out[t("scheme_version", loc)] = r["scheme"] + " " + r["scheme_version"]
    return out


def _write_frame(ws, frame: pd.DataFrame, start_row: int = 1) -> None:
    for j, col in enumerate(frame.columns, start=1):
        cell = ws.cell(row=start_row, column=j, value=str(col))
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    values = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
    for row in values:
        ws.append(row)
    for j, col in enumerate(frame.columns, start=1):
        first = frame.iloc[:, j - 1].dropna()
        if len(first) and isinstance(first.iloc[0], date):
            for (cell,) in ws.iter_rows(min_row=start_row + 1, min_col=j, max_col=j):
                cell.number_format = "yyyy-mm-dd"
        width = max([len(str(col))] + [len(str(v)) for v in frame.iloc[:200, j - 1] if v is not None])
        ws.column_dimensions[get_column_letter(j)].width = min(60, max(8, width * 1.3 + 2))
    ws.freeze_panes = ws.cell(row=start_row + 1, column=1)


def _sheet_name(name: str, used: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub("_", name).strip("'")[:31] or "team"
    candidate, i = base, 2
    while candidate.lower() in used:
        suffix = f" ({i})"
        candidate, i = base[: 31 - len(suffix)] + suffix, i + 1
    used.add(candidate.lower())
    return candidate


def _names(result: g.GradeResult) -> pd.Series:
    return result.results.set_index("employee_id")["name"]


def _scheme_settings(s: Scheme, loc: str) -> list[list]:
    """A scheme's settings as rows a reader understands: each named in `loc`, bands by their
    names, flags by what they mean (never a configuration key or code)."""
    bands = {b.code: b.name(loc) for b in s.bands}
    yes_no = {True: t("yes", loc), False: t("no", loc)}

    def value(v):
        if isinstance(v, bool):
            return yes_no[v]
        if isinstance(v, list):
            return ", ".join(t(f"flag_{x}", loc) for x in v) or "-"
        return bands.get(v, v) if isinstance(v, str) else v

    rows: list[list] = [
        [t("result_share", loc, "sheet"), s.result_share],
        [t("missing", loc, "sheet"), t(f"missing_{s.missing}", loc, "sheet")],
        [t("min_weight_present", loc, "sheet"), s.min_weight_present],
        [t("use_insufficient", loc, "sheet"), yes_no[bool(s.use_insufficient)]],
        [t("band", loc), t("band_min", loc, "sheet"), t("band_max", loc, "sheet")],
    ]
    rows += [[b.name(loc), b.min, b.max] for b in s.bands]
    for key in ("individual_award", "team_award", "pay", "promotion", "corrective", "training"):
        rows.append([t(key, loc)])
        rows += [[t(k, loc, "sheet"), value(v)] for k, v in getattr(s, key).model_dump().items()]
    return rows


def write_workbook(result: g.GradeResult, schemes: dict[str, Scheme], path: Path, loc: str,
                   cycle: str, provenance: dict[str, str],
                   role_names: dict[str, str] | None = None,
                   extra_sheets: dict[str, pd.DataFrame] | None = None) -> Path:
    """Write the whole workbook for one cycle's results (`extra_sheets`: more sheets by title,
    e.g. the team figures, goals and one-to-ones of graders.managers.export)."""
    wb = Workbook()
    used: set[str] = set()
    names = _names(result)
    table = results_table(result, schemes, loc, role_names)

    ws = wb.active
    ws.title = _sheet_name(f"{t('results', loc)} {cycle}", used)
    _write_frame(ws, table)

    # one sheet per team, best first
    team_col, rank_col = t("team", loc), t("rank_team", loc)
    fixed = {k: _sheet_name(t(k, loc), used) for k in ("awards", "actions", "pay", "training",
                                                       "scheme")}
    for team, part in table.groupby(team_col, sort=True):
        sheet = wb.create_sheet(_sheet_name(str(team), used))
        _write_frame(sheet, part.sort_values(rank_col, na_position="last", kind="stable"))

    # awards
    aw = result.awards
    awards = pd.DataFrame({
        t("award", loc): aw["kind"].map(lambda k: t(k, loc)),
        t("employee_id", loc): aw["employee_id"],
        t("name", loc): aw["employee_id"].map(names),
        t("team", loc): aw["team"],
        t("score", loc): aw["score"],
        t("rank", loc): aw["rank"],
        t("reason", loc): aw["reason"],
    })
    _write_frame(wb.create_sheet(fixed["awards"]), awards)

    # promotion signals and corrective actions
    ac = result.actions
    actions = pd.DataFrame({
        t("kind", loc): ac["kind"].map(lambda k: t(k, loc)),
        t("employee_id", loc): ac["employee_id"],
        t("name", loc): ac["employee_id"].map(names),
        t("team", loc): ac["team"],
        t("follow_up", loc): ac["due_on"],
        t("reason", loc): ac["reason"],
    })
    _write_frame(wb.create_sheet(fixed["actions"]), actions)

    # performance pay: base and performance pay as formulas a user can follow and change
    r = result.results[result.results["kpi"].notna()]
    coef = {fam: (s.pay.base_coefficient, s.pay.performance_coefficient)
            for fam, s in schemes.items()}
    pay = pd.DataFrame({
        t("employee_id", loc): r["employee_id"],
        t("name", loc): r["name"],
        t("team", loc): r["team"],
        t("final_score", loc): r["final_score"],
        t("kpi", loc): r["kpi"],
        t("reference_pay", loc): r["reference_pay"],
        t("base_coefficient", loc): r["family"].map(lambda f: coef[f][0]),
        t("performance_coefficient", loc): r["family"].map(lambda f: coef[f][1]),
    })
    rows = range(2, len(pay) + 2)
    pay[t("base_pay", loc)] = [f"=ROUND(F{i}*G{i},2)" for i in rows]
    pay[t("performance_pay", loc)] = [f"=ROUND(F{i}*H{i}*E{i},2)" for i in rows]
    pay[t("total_pay", loc)] = [f"=I{i}+J{i}" for i in rows]
    ws_pay = wb.create_sheet(fixed["pay"])
    _write_frame(ws_pay, pay)
    own_formulas = {(ws_pay.title, j) for j in range(len(pay.columns) - 2, len(pay.columns) + 1)}
    for row in ws_pay.iter_rows(min_row=2, min_col=9, max_col=11):
        for cell in row:
            cell.number_format = "#,##0.00"

    # training plans
    tr = result.training
    plans = pd.DataFrame({
        t("employee_id", loc): tr["employee_id"],
        t("name", loc): tr["employee_id"].map(names),
        t("team", loc): tr["team"],
        t("competency", loc): tr["competency"].map(lambda c: competency_name(c, loc)),
        t("score", loc): tr["score"],
        t("team_mean", loc): tr["team_mean"],
        t("modules", loc): tr["modules"],
        t("due_on", loc): tr["due_on"],
        t("reason", loc): tr["reason"],
    })
    _write_frame(wb.create_sheet(fixed["training"]), plans)

    for title, frame in (extra_sheets or {}).items():  # before the scheme sheet, which is last
        _write_frame(wb.create_sheet(_sheet_name(title, used)), frame)

    # the schemes used, the checks run and where the figures come from
    ws = wb.create_sheet(fixed["scheme"])
    ws.append([t("scheme", loc), cycle])
    ws["A1"].font = HEADER_FONT
    for k, v in provenance.items():
        ws.append([t(k, loc, "sheet"), t(v, loc) if k == "state" else v])
    for c in result.checks.to_dict("records"):  # the engine's sentence is English: en only
        fam = schemes.get(c["family"])
        family = (fam.name_zh if loc == "zh" else fam.name_en) if fam else c["family"]
        ws.append([f"{t('checks', loc)}: {family}", t(c["level"], loc, "dashboard"),
                   c["message"] if loc == "en" else ""])
    for s in schemes.values():
        ws.append([])
        ws.append([s.name_zh if loc == "zh" else s.name_en, s.version,
                   s.sha256, Path(s.source).name])  # the file, never a machine path
        ws.cell(row=ws.max_row, column=1).font = HEADER_FONT
        ws.append([t("component", loc), t("weight", loc), t("kind", loc, "sheet")])
        for comp, rule in s.components.items():
            ws.append([_component_label(comp, loc), rule.weight, t(f"kind_{rule.kind}", loc, "sheet")])
        for row in _scheme_settings(s, loc):
            ws.append(row)
    ws.column_dimensions["A"].width = 40
    for col in "BCDEF":
        ws.column_dimensions[col].width = 22
    # text from users (names, teams, reasons ...) never becomes a formula; the pay formulas stay
    keep_text(wb, own_formulas)
    format_workbook(wb, loc, skip=(fixed["scheme"],))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def export_cycle(session: Session, cycle_name: str, path: Path | str, locale: str = "en") -> Path:
    """Export a cycle's stored results to `path` (.xlsx: every sheet; .csv: the results)."""

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise AcademyError(f"--to must end in .xlsx or .csv, not {path.name!r}")
    cycle = get_cycle(session, cycle_name)
    result = stored_result(session, cycle.id)
    if result is None:
        raise AcademyError(f"cycle {cycle_name} has no grades yet: run `academy grade {cycle_name}`")
    run = current_run(session, cycle.id)
    schemes = run_schemes(run)
    names = role_names(session, locale)
    if suffix == ".csv":
        path.parent.mkdir(parents=True, exist_ok=True)
        csv_frame(results_table(result, schemes, locale, names)).to_csv(
            path, index=False, encoding="utf-8-sig")
        return path
    provenance = {
        "state": publication_state(session, cycle.id),
        "run": f"#{run.id}",
        "computed_at": run.computed_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "computed_by": run.computed_by,
        "inputs_sha256": run.inputs_sha256,
        "results_sha256": run.results_sha256,
        "evidence_batches": ", ".join(map(str, run.evidence_batches)) or "-",
    }

    return write_workbook(result, schemes, path, locale, cycle.name, provenance, names,
                          management_sheets(session, cycle, result, schemes, locale))


def role_names(session: Session, locale: str) -> dict[str, str]:
    """Role code -> the role's name in `locale` (what both exports show, never the code)."""
    return {code: (zh if locale == "zh" else en) for code, en, zh in
            session.execute(select(Role.code, Role.name_en, Role.name_zh))}
