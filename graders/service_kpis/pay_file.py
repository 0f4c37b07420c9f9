"""Last-month average pay per person (the reference of performance pay), read from CSV or .xlsx.

All-or-nothing like every import: a file with any problem is rejected with every problem listed
(file, row, column).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from core.errors import Problem, ProblemsError
from core.tabular import map_columns, normalize_text, read_table

SYNONYMS = {
    "employee_id": ["工号", "员工编号", "staff_id", "employee id", "id"],
    "pay": ["last_month_pay", "average_pay", "reference_pay", "last-month average pay",
            "上月平均工资", "平均工资", "上月工资", "工资"],
}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def read_reference_pay(path: Path | str, sheet: str | None = None) -> pd.Series:
    """pd.Series of pay (float) by employee id."""
    table = read_table(path, sheet=sheet)
    cols, problems = map_columns(table, SYNONYMS, required=("employee_id", "pay"))
    problems = list(table.problems) + problems
    if problems:
        raise ProblemsError(problems, what="pay file")
    ie, ip = cols.index["employee_id"], cols.index["pay"]
    pay_header, pay_letter = cols.locate("pay")
    id_header, id_letter = cols.locate("employee_id")
    seen: dict[str, int] = {}
    values: dict[str, float] = {}
    for rownum, row in table.rows:
        emp = normalize_text(row[ie] if ie < len(row) else "")
        raw = normalize_text(row[ip] if ip < len(row) else "")
        text = raw.replace(",", "").replace("¥", "").replace("￥", "").replace("元", "").strip()
        if not emp:
            problems.append(Problem(table.file, rownum, id_header, "empty employee id", id_letter))
            continue
        if emp in seen:
            problems.append(Problem(table.file, rownum, id_header,
                                    f"{emp} appears again (first on row {seen[emp]})", id_letter))
            continue
        seen[emp] = rownum
        if not _NUMBER.match(text) or float(text) <= 0:
            problems.append(Problem(table.file, rownum, pay_header,
                                    f"pay must be a positive number, not {raw!r}", pay_letter))
            continue
        values[emp] = float(text)
    if problems:
        raise ProblemsError(problems, what="pay file")
    return pd.Series(values, dtype=float, name="reference_pay")
