"""Text from users stays text wherever a spreadsheet opens it (CSV and .xlsx exports).

A name like `=HYPERLINK("http://...")`, `+cmd|' /C calc'!A0` or `@SUM(A1)` typed into a roster
becomes a live formula when Excel or LibreOffice opens a CSV file holding it, and openpyxl writes
any string starting with "=" into an .xlsx as a formula. So:

- `csv_cell` / `csv_frame`: a text value that a spreadsheet would read as a formula (starting,
  after any spaces, with = + - @, a tab or a line break, or their full-width forms) gets a leading
  apostrophe, the convention spreadsheets themselves use for "this is text" (OWASP's advice).
  Numbers are left as numbers.
- `keep_text(workbook, own_formulas)`: every cell openpyxl marked as a formula that is not one of
  the workbook's own formulas (`own_formulas`: (sheet title, column number) pairs) is written as a
  plain string instead, with Excel's quote-prefix flag (so it stays text even when edited), and
  the value itself unchanged: it reads back with openpyxl as the exact text typed.
"""

from __future__ import annotations

from collections.abc import Iterable

_TRIGGERS = "=+-@\t\r\n\uff1d\uff0b\uff0d\uff20"


def looks_like_formula(value) -> bool:
    if not isinstance(value, str) or not value:
        return False
    stripped = value.lstrip(" \u3000")
    return bool(stripped) and stripped[0] in _TRIGGERS or value[0] in "\t\r\n"


def csv_cell(value):
    """The value as it must be written into a CSV file."""
    return "'" + value if looks_like_formula(value) else value


def csv_frame(frame):
    """A copy of a DataFrame with every text cell made safe for CSV (numbers untouched)."""
    from pandas.api.types import is_numeric_dtype

    out = frame.copy()
    for col in out.columns:
        if not is_numeric_dtype(out[col]):  # object or pandas' string dtypes
            out[col] = out[col].map(csv_cell)
    return out


def keep_text(workbook, own_formulas: Iterable[tuple[str, int]] = ()) -> int:
    """Turn every formula cell that is not the workbook's own back into text; returns how many."""
    own = set(own_formulas)
    changed = 0
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" and (ws.title, cell.column) not in own:
                    cell.data_type = "s"
                    cell.quotePrefix = True
                    changed += 1
                elif cell.data_type == "s" and looks_like_formula(cell.value):
                    cell.quotePrefix = True
    return changed
