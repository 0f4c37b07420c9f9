"""One workbook of penalties, career paths and recognition: violations, corrective plans due,
promotion cases, eligibility, the talent pipeline, mentoring pairs, awards with their amounts and
the honour board (without anyone who opted out). Headers in the home's language; text from users
stays text (never a formula)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy.orm import Session

from core.errors import AcademyError
from core.labels import t
from core.spreadsheet_text import keep_text
from graders.ladder import careers as car
from graders.ladder import careers_store, recognition_store, views, violations_store
from graders.ladder import violations as vio
from graders.ladder.recognition import load_recognition_config
from graders.results.workbook_format import format_workbook


def _write(ws, frame) -> None:
    ws.append([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False):
        ws.append([None if v is None or (isinstance(v, float) and v != v) else v for v in row])


def export_ladder(session: Session, assessments_dir: Path, path: Path | str, loc: str,
                  as_of: date) -> Path:
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise AcademyError(f"{path.name}: the export is an Excel workbook (.xlsx)")
    ccfg = car.load_careers_config(assessments_dir)
    rcfg = load_recognition_config(assessments_dir)
    vcfg = violations_store.ladder_config(session)
    people = careers_store.people_frame(session)
    names = dict(zip(people["employee_id"], people["name"]))
    v = violations_store.all_violations(session)
    c = careers_store.load(session, ccfg, as_of)
    recog, board = recognition_store.load(session, rcfg, as_of)
    sheets = [
        ("violations", views.violations_table(v, vcfg, names, loc)),
        ("plans_due", views.due_table(vio.due_plans(v, vcfg, as_of), names, loc)),
        ("promotion_cases", views.cases_table(c.cases, ccfg, names, loc)),
        ("talent_pipeline", views.bench_table(c.bench, ccfg, loc)),
        ("eligibility", views.eligibility_table(c.eligibility, ccfg, loc)),
        ("mentoring", views.pairs_table(c.pairs, names, loc)),
        ("recognitions", views.recognitions_table(recog, rcfg, names, loc)),
        ("honour_board", views.board_table(board, rcfg, names, loc)),
    ]
    wb = Workbook()
    wb.remove(wb.active)
    for key, frame in sheets:
        _write(wb.create_sheet(t(key, loc)[:31]), frame)
    keep_text(wb)
    format_workbook(wb, loc)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
