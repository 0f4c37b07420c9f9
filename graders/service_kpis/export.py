"""The monthly pay workbook: pay per person and month, the KPI items behind each KPI value, the
scheme health check per month and role, the operational KPIs per person and team and the missed
commitments. Headers and values in the home's locale (en or zh)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from core.errors import AcademyError
from core.labels import t
from graders.service_kpis.kpis import KPI_COLUMNS

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
#: how KPI columns are headed (some keys differ from the column names)
_KPI_LABEL = {"closed": "closed_tickets", "fcr": "fcr_rate"}
_TRANSLATED_VALUES = {"status", "level", "group", "commitment", "channel", "unit"}


def _label(col: str, loc: str) -> str:
    if col == "customer":
        return t("customer_name", loc)
    if col == "name":
        return t("name", loc)
    return t(_KPI_LABEL.get(col, col), loc)


def localise(frame: pd.DataFrame, loc: str) -> pd.DataFrame:
    """Headers and coded values (status, group, channel ...) in the locale."""
    out = frame.copy()
    for c in out.columns:
        if c in _TRANSLATED_VALUES:
            out[c] = out[c].map(lambda v: t(str(v), loc) if isinstance(v, str) else v)
        if c == "metric":
            out[c] = out[c].map(lambda v: t(str(v), loc))
        if c == "role_code":
            out[c] = out[c].astype(object)
    out.columns = [t("role", loc) if c == "role_code" else _label(c, loc) for c in out.columns]
    return out


def _sheet(wb: Workbook, title: str, frame: pd.DataFrame) -> None:
    ws = wb.create_sheet(title[:31])
    ws.append(list(frame.columns))
    for cell in ws[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for row in frame.itertuples(index=False):
        ws.append([None if (isinstance(v, float) and pd.isna(v)) or v is pd.NaT
                   else (v.to_pydatetime() if isinstance(v, pd.Timestamp) else v) for v in row])
    for i, col in enumerate(frame.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(str(col)) + 4))
    ws.freeze_panes = "A2"


def write_pay_workbook(path: Path | str, pay: pd.DataFrame, items: pd.DataFrame,
                       checks: pd.DataFrame, people: pd.DataFrame, teams: pd.DataFrame,
                       breaches: pd.DataFrame, loc: str = "en") -> Path:
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise AcademyError(f"{path.name}: the pay sheet is written as an Excel .xlsx workbook")
    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, t("monthly_pay", loc), localise(pay.drop(columns=["family"]), loc))
    _sheet(wb, t("kpi_items", loc), localise(items, loc))
    _sheet(wb, t("pay_checks", loc), localise(checks.drop(columns=["family"]), loc))
    _sheet(wb, t("operations", loc), localise(people[["employee_id", "month", *KPI_COLUMNS]], loc))
    _sheet(wb, t("team", loc), localise(teams[["team", "month", *KPI_COLUMNS]], loc))
    _sheet(wb, t("breaches", loc), localise(breaches, loc))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
