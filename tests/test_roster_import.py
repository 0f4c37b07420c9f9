"""Roster import: encodings, normalisation, re-import, and every kind of bad input."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from conftest import DATA
from openpyxl import Workbook
from sqlalchemy import select

from core.errors import ProblemsError
from roster.models import RosterChange, RosterImport, Staff, Team
from roster.store import import_roster_file, list_staff

SMALL = DATA / "roster_small.csv"


def small_rows() -> list[list[str]]:
    with open(SMALL, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def snapshot(home) -> dict:
    """Everything the roster tables hold, to prove a rejected import changed nothing."""
    with home.transaction() as s:
        return {
            model.__tablename__: sorted(
                tuple(getattr(o, c.key) for c in model.__table__.columns)
                for o in s.scalars(select(model))
            )
            for model in (Staff, Team, RosterImport, RosterChange)
        }


def roster_view(home) -> list[tuple]:
    with home.transaction() as s:
        return [(r.employee_id, r.name, r.team, r.role_code, r.supervisor_id, r.hire_date, r.active,
                 r.region) for r in list_staff(s, include_inactive=True)]


EXPECTED = [
    ("000105", "赵敏", "Field Team West", "field_service", "000100", date(2020, 1, 20), True, "West"),
    ("000106", "Tom O'Brien", "Field Team West", "field_service", "000105", date(2023, 11, 1), True,
     "West"),
    ("000100", "王建国", "售后一部", "manager", None, date(2012, 3, 1), True, "华东"),
    ("000101", "李娜", "售后一部", "supervisor", "000100", date(2016, 7, 15), True, "华东"),
    ("000102", "张伟", "售后一部", "field_service", "000101", date(2019, 5, 6), True, "华东"),
    ("000103", "Emily Chen", "售后一部", "hotline_support", "000101", date(2021, 3, 1), True, "华东"),
    ("000104", "刘 洋", "售后一部", "technical_support", "000101", date(2022, 9, 12), True, "华东"),
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "xlsx"])
def test_does_every_encoding_and_xlsx_give_the_same_roster(home, tmp_path, encoding):
    """Does the same roster give identical data from UTF-8, UTF-8 with BOM, GB18030, GBK, UTF-16 and .xlsx?"""
    rows = small_rows()
    if encoding == "xlsx":
        path = write_xlsx(tmp_path / "roster.xlsx", rows)
    else:
        path = write_csv(tmp_path / f"roster-{encoding}.csv", rows, encoding)
    report = import_roster_file(home, path)
    assert sorted(report.added) == sorted(e[0] for e in EXPECTED)
    assert roster_view(home) == EXPECTED


def test_are_excel_number_and_date_cells_read_as_a_person_typed_them(sqlite_home, tmp_path):
    """Does a numeric id cell lose no digits and gain no '.0', and does a date cell stay that date?"""
    from datetime import datetime

    rows = [["employee_id", "name", "team", "role", "hire_date"],
            [12345, "Ann Lee", "T1", "technical_support", datetime(2024, 2, 29)],
            ["007", "Bo Wu", "T1", "technical_support", "2024-03-01"]]
    import_roster_file(sqlite_home, write_xlsx(tmp_path / "r.xlsx", rows))
    got = {r[0]: r for r in roster_view(sqlite_home)}
    assert set(got) == {"12345", "007"}
    assert got["12345"][5] == date(2024, 2, 29)


def test_are_english_headers_and_synonyms_accepted(sqlite_home, tmp_path):
    """Do English headers in another order, with odd case and spacing, map to the same fields?"""
    rows = [["Name", " Employee ID ", "TEAM", "Position", "Reports To", "Start Date", "Status"],
            ["Ann Lee", "A1", "Hotline", "hotline", "", "2020-01-01", "active"],
            ["Bo Wu", "A2", "Hotline", "热线专家", "A1", "2021-01-01", "inactive"]]
    import_roster_file(sqlite_home, write_csv(tmp_path / "r.csv", rows))
    view = roster_view(sqlite_home)
    assert [(v[0], v[3], v[4], v[6]) for v in view] == [
        ("A1", "hotline_support", None, True), ("A2", "hotline_support", "A1", False)]


BAD_CASES = {
    # name: (edit of the rows, expected row, expected column header, fragment of the message)
    "duplicate id": (lambda r: r[3].__setitem__(0, "000101"), 4, "工号", "duplicate employee id '000101' (first on row 3)"),
    "unknown supervisor": (lambda r: r[4].__setitem__(4, "999999"), 5, "上级", "supervisor '999999' is not in the roster"),
    "supervisor loop": (lambda r: r[1].__setitem__(4, "000102"), 2, "上级", "supervisor loop"),
    "self supervision": (lambda r: r[5].__setitem__(4, "000104"), 6, "上级", "supervisor loop: 000104 -> 000104"),
    "unknown role": (lambda r: r[6].__setitem__(3, "astronaut"), 7, "岗位", "unknown role 'astronaut'"),
    "empty name": (lambda r: r[2].__setitem__(1, "   "), 3, "姓名", "name is empty"),
    "empty team": (lambda r: r[7].__setitem__(2, ""), 8, "团队", "team is empty"),
    "bad date": (lambda r: r[2].__setitem__(5, "yesterday"), 3, "入职日期", "is not a date"),
    "bad active flag": (lambda r: r[2].__setitem__(6, "maybe"), 3, "在职", "is not yes/no"),
    "duplicated column": (lambda r: [row.append(row[0]) for row in r] and r[0].__setitem__(-1, "员工编号"), 1, "员工编号", "duplicated column"),
    "missing required column": (lambda r: [row.pop(1) for row in r], 1, None, "missing required column 'name'"),
    "conflicting team region": (lambda r: r[3].__setitem__(7, "华北"), 4, "区域", "team '售后一部' has region '华东' on row 2"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_is_bad_input_rejected_with_its_row_and_column_and_nothing_written(home, tmp_path, case):
    """Is each kind of bad roster rejected, naming file, row and column, with the database unchanged?"""
    import_roster_file(home, SMALL)
    before = snapshot(home)
    edit, row, column, fragment = BAD_CASES[case]
    rows = small_rows()
    edit(rows)
    bad = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(ProblemsError) as err:
        import_roster_file(home, bad)
    hits = [p for p in err.value.problems if fragment in p.message]
    assert hits, err.value.summary()
    assert hits[0].file == "bad.csv"
    assert hits[0].row == row
    assert hits[0].column == column
    assert snapshot(home) == before


def test_is_an_unreadable_encoding_rejected_and_nothing_written(home, tmp_path):
    """Is a file that is neither UTF-8 nor GB18030 rejected as unreadable, the roster untouched?"""
    import_roster_file(home, SMALL)
    before = snapshot(home)
    bad = tmp_path / "garbage.csv"
    bad.write_bytes(b"\x80\x81 employee_id,name\n\xff\x80\x80,\x80\n")
    with pytest.raises(ProblemsError) as err:
        import_roster_file(home, bad)
    assert "unreadable encoding" in err.value.summary()
    assert err.value.problems[0].file == "garbage.csv"
    assert snapshot(home) == before


def test_are_all_problems_reported_at_once(sqlite_home, tmp_path):
    """Does one import report every problem, not just the first?"""
    rows = small_rows()
    rows[2][1] = ""           # empty name, row 3
    rows[4][3] = "pilot"      # unknown role, row 5
    rows[6][4] = "X"          # unknown supervisor, row 7
    with pytest.raises(ProblemsError) as err:
        import_roster_file(sqlite_home, write_csv(tmp_path / "bad.csv", rows))
    assert [(p.row, p.column) for p in err.value.problems] == [(3, "姓名"), (5, "岗位"), (7, "上级")]
    assert "3 problems" in err.value.summary()


def test_does_a_reimport_update_people_and_deactivate_the_missing(home, tmp_path):
    """Does a second full import update changed people, deactivate the missing, and keep history?"""
    import_roster_file(home, SMALL)
    rows = small_rows()
    rows[3][2] = "Field Team West"   # 000102 moves team
    rows[3][4] = "000105"
    rows[3][7] = "West"
    del rows[7]                      # 000106 leaves the company
    report = import_roster_file(home, write_csv(tmp_path / "v2.csv", rows))
    assert report.added == []
    assert report.deactivated == ["000106"]
    assert report.updated["000102"]["team"] == ("售后一部", "Field Team West")
    assert report.updated["000102"]["supervisor_id"] == ("000101", "000105")
    view = {v[0]: v for v in roster_view(home)}
    assert view["000106"][6] is False and view["000106"][1] == "Tom O'Brien"  # kept, inactive
    assert view["000102"][2] == "Field Team West"
    with home.transaction() as s:
        fields = s.scalars(select(RosterChange.field).where(RosterChange.employee_id == "000102")).all()
        assert {"created", "team", "supervisor_id"} <= set(fields)
        assert s.scalar(select(RosterImport).order_by(RosterImport.id.desc())).deactivated == 1
    # Coming back: the same person is reactivated, not duplicated.
    report3 = import_roster_file(home, SMALL)
    assert report3.reactivated == ["000106"] and report3.added == []


def test_does_a_partial_import_leave_others_alone(home, tmp_path):
    """Does --partial update the listed people only and let them name existing supervisors?"""
    import_roster_file(home, SMALL)
    rows = [small_rows()[0], ["000200", "新人", "售后一部", "技术支持", "000101", "2026-11-01", "", "", ""]]
    report = import_roster_file(home, write_csv(tmp_path / "new.csv", rows), full=False)
    assert report.added == ["000200"] and report.deactivated == []
    assert len([v for v in roster_view(home) if v[6]]) == 8


def test_does_a_dry_run_report_changes_but_write_nothing(home, tmp_path):
    """Does --dry-run show what would change while the database stays as it was?"""
    import_roster_file(home, SMALL)
    before = snapshot(home)
    rows = small_rows()[:-1]
    report = import_roster_file(home, write_csv(tmp_path / "v2.csv", rows), dry_run=True)
    assert report.deactivated == ["000106"]
    assert report.import_id is None
    assert snapshot(home) == before
