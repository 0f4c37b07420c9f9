"""The finishing pass over an exported grades workbook, as Excel users expect it: a filter on every
table's header row, pay as money with two decimals, scores with one decimal, KPI values and
coefficients and a head's team figures with two, ranks and counts as whole numbers, dates as dates.

Columns are recognised by their (localised) header, so the pass works on the command line's
export and on the dashboard's download alike, whatever the sheet order. Formulas stay formulas;
only how values are shown changes (the numbers themselves are kept exact).
"""

from __future__ import annotations

from datetime import date, datetime

from openpyxl.utils import get_column_letter

from core.labels import t
from graders.sources import COMPONENTS

MONEY = "#,##0.00"
SCORE = "0.0"
RATIO = "0.00"
WHOLE = "0"
DATE = "yyyy-mm-dd"

MONEY_KEYS = ("reference_pay", "base_pay", "performance_pay", "total_pay")
SCORE_KEYS = ("final_score", "computed_score", "score", "team_mean")
RATIO_KEYS = ("kpi", "base_coefficient", "performance_coefficient",
              "value", "target", "weight_used")  # a head's team figures
WHOLE_KEYS = ("rank_team", "rank_company", "rank")
DATE_KEYS = ("due_on", "follow_up", "hire_date")


def component_label(c: str, loc: str) -> str:
    """A component's column header in `loc` (the supervisor's review has its own label)."""
    return t("supervisor_review" if c == "supervisor" else c, loc)


def column_formats(loc: str) -> dict[str, str]:
    """Header text (in `loc`) -> number format."""
    formats = {}
    for keys, fmt in ((MONEY_KEYS, MONEY), (SCORE_KEYS, SCORE), (RATIO_KEYS, RATIO),
                      (WHOLE_KEYS, WHOLE), (DATE_KEYS, DATE)):
        formats.update({t(k, loc): fmt for k in keys})
    formats.update({component_label(c, loc): SCORE for c in COMPONENTS})
    return formats


def _as_date(value):
    if isinstance(value, datetime) or not isinstance(value, str):
        return value
    try:
        return date.fromisoformat(value.strip()[:10]) if len(value.strip()) >= 10 else value
    except ValueError:
        return value


def format_table_sheet(ws, formats: dict[str, str], header_row: int = 1) -> None:
    """Number formats by header, dates stored as dates, and an autofilter over the table."""
    if ws.max_row < header_row or ws.max_column < 1:
        return
    headers = [c.value for c in ws[header_row]]
    for j, head in enumerate(headers, start=1):
        fmt = formats.get(str(head)) if head is not None else None
        if fmt is None:
            continue
        for (cell,) in ws.iter_rows(min_row=header_row + 1, min_col=j, max_col=j):
            if cell.value is None:
                continue
            if fmt == DATE:
                cell.value = _as_date(cell.value)
                if not isinstance(cell.value, (date, datetime)):
                    continue
            elif isinstance(cell.value, str) and not cell.value.startswith("="):
                continue  # text in a numeric column (e.g. "-") keeps the General format
            cell.number_format = fmt
    last = get_column_letter(len(headers))
    ws.auto_filter.ref = f"A{header_row}:{last}{max(ws.max_row, header_row)}"


def format_workbook(wb, loc: str, skip: tuple[str, ...] = ()) -> None:
    """Format every table sheet of `wb` (all but the sheets named in `skip`)."""
    formats = column_formats(loc)
    for ws in wb.worksheets:
        if ws.title not in skip:
            format_table_sheet(ws, formats)
