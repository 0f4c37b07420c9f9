"""Ticket exports with timestamps: every encoding and layout, every refusal, replacement with
history, and storage on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest
from conftest import run_academy
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from core.errors import ProblemsError
from core.tabular import read_table
from graders.sources.operations import load_operations_kpis
from graders.ticket_models import Ticket, TicketBatch
from graders.tickets import current_tickets, import_tickets, parse_tickets
from roster.store import import_roster_file

ROSTER = """employee_id,name,team,role
E1,Li Lei,Field Shanghai,field_service
E2,Han Mei,Field Shanghai,field_service
H1,Wang Fang,Hotline Shanghai,hotline_support
"""
EN_HEADER = ["ticket_no", "staff_id", "channel", "customer", "repair_call", "first_response",
             "arrival", "start_of_work", "fault_cleared", "closed", "first_contact_resolution",
             "reopened", "complaint", "complaint_resolved", "survey_sent"]
ZH_HEADER = ["工单号", "工号", "服务方式", "客户", "报修时间", "首次响应时间", "到达时间",
             "开始维修时间", "故障排除时间", "关闭时间", "是否一次解决", "是否重开", "是否投诉",
             "投诉是否解决", "回访"]
ROWS = [
    ["T1", "E1", "on site", "C1", "2026-11-02 09:00", "2026-11-02 09:30", "2026-11-03 09:00",
     "2026-11-03 09:10", "2026-11-03 11:00", "2026-11-03 12:00", "", "no", "no", "", "yes"],
    ["T2", "H1", "hotline", "C2", "2026/11/2 10:00", "2026/11/2 10:31:00", "", "", "", "2026/11/2 11:00",
     "yes", "", "yes", "yes", "no"],
    ["T3", "E2", "上门", "客户甲", "2026年11月5日 9:00", "2026年11月5日 9:05", "2026-11-06 10:00",
     "2026-11-06 10:00", "2026-11-07 11:00", "", "", "", "", "", ""],
]
ZH_ROWS = [[{"on site": "上门", "hotline": "热线"}.get(c, {"yes": "是", "no": "否"}.get(c, c))
            for c in r] for r in ROWS]


def _write_csv(path, header, rows, encoding):
    text = "\n".join(",".join(r) for r in [header, *rows]) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


def _write_xlsx(path, header, rows, as_dates=True):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        cells = []
        for c in r:
            try:
                cells.append(datetime.strptime(c, "%Y-%m-%d %H:%M") if as_dates else c)
            except ValueError:
                cells.append(c)
        ws.append(cells)
    wb.save(path)
    return path


def _check_parsed(df):
    assert list(df["ticket_id"]) == ["T1", "T2", "T3"]
    assert list(df["channel"]) == ["on_site", "hotline", "on_site"]
    assert df.loc[0, "reported_at"] == datetime(2026, 11, 2, 9, 0)
    assert df.loc[1, "responded_at"] == datetime(2026, 11, 2, 10, 31)
    assert df.loc[2, "reported_at"] == datetime(2026, 11, 5, 9, 0)
    assert df.loc[0, "arrived_at"] == datetime(2026, 11, 3, 9, 0)
    assert df["closed_at"].isna().tolist() == [False, False, True]
    assert df["fcr_given"].tolist()[1] is True and df["fcr_given"].isna().tolist()[0]
    assert df["complaint"].tolist() == [False, True, False]
    assert df["complaint_resolved"].tolist()[1] is True
    assert df["surveyed"].tolist() == [True, False, False]
    assert list(df["month"]) == ["2026-11"] * 3


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "gb18030"])
@pytest.mark.parametrize("headers", ["en", "zh"])
def test_every_encoding_and_header_language(tmp_path, encoding, headers):
    """Is a ticket export read the same in UTF-8 (with or without BOM), UTF-16 and GB18030, with
    English or Chinese headers and values?"""
    header, rows = (EN_HEADER, ROWS) if headers == "en" else (ZH_HEADER, ZH_ROWS)
    path = _write_csv(tmp_path / "tickets.csv", header, rows, encoding)
    _check_parsed(parse_tickets(read_table(path), {"E1", "E2", "H1"}))


@pytest.mark.parametrize("as_dates", [True, False])
def test_excel_workbook_with_date_cells_or_text(tmp_path, as_dates):
    """Is an .xlsx export read alike whether its times are Excel date cells or text?"""
    path = _write_xlsx(tmp_path / "tickets.xlsx", ZH_HEADER, ZH_ROWS, as_dates)
    _check_parsed(parse_tickets(read_table(path), {"E1", "E2", "H1"}))


def test_columns_in_any_order_and_semicolons(tmp_path):
    """Are columns matched by name in any order, with a semicolon-separated file?"""
    order = [4, 0, 2, 1, 9, 5, 6, 7, 8, 3, 10, 11, 12, 13, 14]
    header = [EN_HEADER[i] for i in order]
    rows = [[r[i] for i in order] for r in ROWS]
    path = tmp_path / "t.csv"
    path.write_text("\n".join(";".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    _check_parsed(parse_tickets(read_table(path), {"E1", "E2", "H1"}))


BAD = [
    # ticket, staff, channel, customer, call, response, arrival, start, cleared, closed, fcr...
    ["B1", "E1", "on site", "C1", "2026-11-02 09:00", "", "", "", "", "2026-11-01 09:00", "", "", "", "", ""],
    ["B2", "X9", "hotline", "C2", "2026-11-02 10:00", "2026-11-02 10:10", "", "", "", "", "", "", "", "", ""],
    ["B2", "E1", "hotline", "C3", "2026-11-02 11:00", "", "", "", "", "", "", "", "", "", ""],
    ["B4", "E1", "hotline", "C4", "2026-02-30 10:00", "", "", "", "", "", "", "", "", "", ""],
    ["B5", "", "on site", "C5", "", "", "", "", "", "", "", "", "", "", ""],
    ["B6", "E2", "carrier pigeon", "C6", "2026-11-03 10:00", "2026-11-03 09:00", "", "", "", "", "maybe", "", "", "", ""],
    ["B7", "E2", "on site", "C7", "2026-11-03 10:00", "", "2026-11-03 12:00", "2026-11-03 11:00", "2026-11-03 10:30", "", "", "", "", "", ""],
    ["B8", "E2", "on site", "C8", "2026-11-03", "", "", "", "", "", "", "", "no", "yes", ""],
    ["B9", "E2", "on site", "C9", "2099-01-01 10:00", "", "", "", "", "", "", "", "", "", ""],
]


def test_every_bad_row_is_named_and_nothing_is_written(sqlite_home, tmp_path):
    """Is a file with times out of order, an unknown staff id, a duplicate ticket, an impossible
    date, missing required fields, an unknown channel and a date in the future refused whole, each
    problem named by row and column?"""
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    import_roster_file(sqlite_home, roster)
    path = _write_csv(tmp_path / "bad.csv", EN_HEADER, BAD, "utf-8")
    with sqlite_home.transaction() as s, pytest.raises(ProblemsError) as exc:
        import_tickets(s, path, "tester")
    text = str(exc.value)
    where = {(p.row, p.column) for p in exc.value.problems}
    assert "closed before it was reported" in text and (2, "closed") in where
    assert "unknown staff id 'X9'" in text and (3, "staff_id") in where
    assert "duplicate ticket B2 (first on row 3)" in text and (4, "ticket_no") in where
    assert (5, "repair_call") in where and "impossible" in text
    assert (6, "staff_id") in where and (6, "repair_call") in where
    assert "unknown channel 'carrier pigeon'" in text and (7, "channel") in where
    assert "first response before the customer's repair call" in text and (7, "first_response") in where
    assert (7, "first_contact_resolution") in where
    assert "start of work on site before the arrival" in text and (8, "start_of_work") in where
    assert "fault cleared before work started" in text and (8, "fault_cleared") in where
    assert "no time of day" in text and (9, "repair_call") in where
    assert "marked resolved but the ticket has no complaint" in text and (9, "complaint_resolved") in where
    assert "in the future" in text and (10, "repair_call") in where
    assert all(p.file == "bad.csv" for p in exc.value.problems)
    assert all(p.letter for p in exc.value.problems if p.column)
    with sqlite_home.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 0
        assert s.scalar(select(func.count()).select_from(TicketBatch)) == 0


def test_missing_required_column_is_refused(tmp_path):
    """Is a file without a repair-call column refused before any row is read?"""
    header = [h for h in EN_HEADER if h != "repair_call"]
    rows = [[c for h, c in zip(EN_HEADER, r) if h != "repair_call"] for r in ROWS]
    path = _write_csv(tmp_path / "t.csv", header, rows, "utf-8")
    with pytest.raises(ProblemsError, match="missing required column 'reported_at'"):
        parse_tickets(read_table(path), {"E1", "E2", "H1"})


def test_unreadable_encoding_is_refused(tmp_path):
    """Is a file in neither UTF-8, UTF-16 nor GB18030 refused with a clear message?"""
    path = tmp_path / "t.csv"
    path.write_bytes(b"\xff\xff\x00\x81\x30\xfe\x00")
    with pytest.raises(ProblemsError, match="unreadable encoding"):
        read_table(path)


@pytest.fixture
def ops_home(home, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    import_roster_file(home, roster)
    return home


def test_store_read_back_and_replace_with_history(ops_home, tmp_path):
    """Are tickets stored and read back exactly on SQLite and PostgreSQL, and does re-importing
    the same file replace its batch while the replaced tickets stay in the history?"""
    path = _write_csv(tmp_path / "tickets.csv", EN_HEADER, ROWS, "utf-8")
    with ops_home.transaction() as s:
        first = import_tickets(s, path, "tester")
    assert first.rows == 3 and first.months == ["2026-11"] and first.extra["open"] == 1
    with ops_home.transaction() as s:
        tk = current_tickets(s)
    _check_parsed(tk.sort_values("ticket_id").reset_index(drop=True))
    # the corrected export: T3 is closed now, T2 dropped
    fixed = [ROWS[0], ROWS[2][:9] + ["2026-11-07 12:00"] + ROWS[2][10:]]
    _write_csv(path, EN_HEADER, fixed, "utf-8")
    with ops_home.transaction() as s:
        second = import_tickets(s, path, "tester")
    assert second.replaced == [first.batch_id]
    with ops_home.transaction() as s:
        tk = current_tickets(s)
        assert sorted(tk["ticket_id"]) == ["T1", "T3"]
        assert tk.set_index("ticket_id").loc["T3", "closed_at"] == datetime(2026, 11, 7, 12)
        old = s.get(TicketBatch, first.batch_id)
        assert old.superseded_by == second.batch_id
        assert s.scalar(select(func.count()).select_from(Ticket)
                        .where(Ticket.batch_id == first.batch_id)) == 3
        ops = load_operations_kpis(s, ["2026-11"])
    e2 = ops.people.set_index("employee_id").loc["E2"]
    assert e2["tickets"] == 1 and e2["arrival_rate"] == 0.0 and e2["fix_rate"] == 0.0


def test_a_ticket_is_imported_from_one_file_only(ops_home, tmp_path):
    """Is a ticket already imported from another file refused, naming that file?"""
    a = _write_csv(tmp_path / "october.csv", EN_HEADER, ROWS[:1], "utf-8")
    b = _write_csv(tmp_path / "november.csv", EN_HEADER, ROWS, "utf-8")
    with ops_home.transaction() as s:
        import_tickets(s, a, "tester")
    with ops_home.transaction() as s, pytest.raises(ProblemsError,
                                                    match="T1 was already imported from october.csv"):
        import_tickets(s, b, "tester")


def test_command_lists_problems_without_traceback(tmp_path):
    """Does `academy tickets import` print every problem with row and column, no traceback, and
    a dry run write nothing?"""
    h = tmp_path / "h"
    run_academy("init", home=h, check=True)
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    run_academy("roster", "import", str(roster), home=h, check=True)
    bad = _write_csv(tmp_path / "bad.csv", EN_HEADER, BAD[:2], "gb18030")
    proc = run_academy("tickets", "import", str(bad), home=h)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out
    assert 'bad.csv, row 2, column "closed"' in out and "unknown staff id 'X9'" in out
    good = _write_csv(tmp_path / "good.csv", ZH_HEADER, ZH_ROWS, "gb18030")
    proc = run_academy("tickets", "import", str(good), "--dry-run", home=h, check=True)
    assert "3 tickets" in proc.stdout and "Dry run" in proc.stdout
    proc = run_academy("tickets", "batches", home=h, check=True)
    assert "good.csv" not in proc.stdout
    run_academy("tickets", "import", str(good), home=h, check=True)
    proc = run_academy("tickets", "breaches", "--month", "2026-11", home=h, check=True)
    assert "T2" in proc.stdout and "T3" in proc.stdout  # late response; arrival 25 h


def test_cycle_pay_workbook_and_operations_component(ops_home, tmp_path):
    """Does a cycle's monthly pay come from the imported tickets (SQLite and PostgreSQL), is the
    pay sheet written in Chinese for a Chinese home, and are operational KPIs a grade component?"""
    from core.cycles import open_cycle
    from graders.engine.schemes import home_schemes
    from graders.service_kpis.export import write_pay_workbook
    from graders.sources.load import collect
    from graders.sources.operations import cycle_pay

    path = _write_csv(tmp_path / "tickets.csv", EN_HEADER, ROWS, "utf-8")
    with ops_home.transaction() as s:
        import_tickets(s, path, "tester")
        cycle = open_cycle(s, "2026-Q4")
        ops = load_operations_kpis(s, ["2026-10", "2026-11", "2026-12"])
        pay, items, checks = cycle_pay(s, cycle, home_schemes(ops_home), None, ops)
        comp = collect(s, cycle.id, ["E1", "E2", "H1"]).components
    p = pay.set_index(["month", "employee_id"])
    assert set(pay["month"]) == {"2026-10", "2026-11", "2026-12"}
    assert p.loc[("2026-10", "E1"), "status"] == "no_data"
    # E1 in November: response 1/0.95, arrival 1/0.9, fix 1/0.9, FCR 1/0.75 each; no complaints
    # (complaint rate 0: capped at 2); repeat rate 0 (capped at 2); complaint resolution: no data
    e1 = (0.15 / 0.95 + 0.2 / 0.9 + 0.2 / 0.9 + 0.2 / 0.75 + 0.05 * 2 + 0.1 * 2) / 0.9
    assert p.loc[("2026-11", "E1"), "kpi"] == pytest.approx(round(e1, 4))
    assert p.loc[("2026-11", "E1"), "total_pay"] == pytest.approx(
        9000 * 0.6 + round(9000 * 0.4 * round(e1, 4), 2))
    ops_c = comp[comp["component"] == "operations"].set_index("employee_id")
    assert ops_c.loc["E1", "score"] == pytest.approx(100.0)
    # E2: response met, arrival 25 h and fix 25 h late, ticket still open (FCR undecided)
    assert ops_c.loc["E2", "score"] == pytest.approx(100 / 3)
    assert ops_c.loc["E2", "n"] == 1
    out = write_pay_workbook(tmp_path / "pay.xlsx", pay, items, checks, ops.people, ops.teams,
                             ops.breaches, "zh")
    wb = load_workbook(out, read_only=True)
    assert wb.sheetnames == ["月度绩效工资", "KPI指标", "方案合理性检查", "服务运营", "团队",
                             "未达成的服务承诺"]
    header = [c.value for c in next(wb["月度绩效工资"].iter_rows(max_row=1))]
    assert header[:3] == ["月份", "工号", "姓名"] and "实际工资" in header
    assert not any(h and h.isascii() and h.isalpha() for h in header)
    breaches = list(wb["未达成的服务承诺"].iter_rows(values_only=True))
    assert {r[6] for r in breaches[1:]} == {"按时响应", "按时到场", "按时排障"}
    wb.close()


def test_scheme_may_weight_operations_as_a_component():
    """Is `operations` accepted as a weighted grade component of a role scheme?"""
    from pathlib import Path

    from graders.engine.schemes import parse_scheme

    text = (Path(__file__).parent.parent / "assessments" / "schemes" / "field_service.yaml").read_text()
    text = text.replace("key_behaviour: {weight: 0.30", "key_behaviour: {weight: 0.10")
    text = text.replace("  customer:      {weight: 0.25, kind: result}",
                        "  customer:      {weight: 0.25, kind: result}\n"
                        "  operations:    {weight: 0.20, kind: result}")
    s = parse_scheme(text, "fs.yaml")
    assert s.weights["operations"] == 0.2 and s.result_share == 0.65


def test_pay_command_writes_the_sheet_and_checks_the_scheme(tmp_path):
    """Does `academy pay CYCLE --to F.xlsx` print each month's pay and health check and write the
    workbook, and refuse a file that is not .xlsx without a traceback?"""
    h = tmp_path / "h"
    run_academy("init", home=h, check=True)
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    run_academy("roster", "import", str(roster), home=h, check=True)
    run_academy("cycle", "open", "2026-Q4", home=h, check=True)
    good = _write_csv(tmp_path / "tickets.csv", EN_HEADER, ROWS, "utf-8")
    run_academy("tickets", "import", str(good), home=h, check=True)
    proc = run_academy("pay", "2026-Q4", "--to", str(tmp_path / "pay.xlsx"), home=h, check=True)
    assert "2026-11: 3 of 3 staff with a KPI value" in proc.stdout
    assert "check kpi_health: 2026-11 field_service" in proc.stdout
    wb = load_workbook(tmp_path / "pay.xlsx", read_only=True)
    assert wb.sheetnames[0] == "Monthly performance pay"
    rows = list(wb["Monthly performance pay"].iter_rows(values_only=True))
    assert len(rows) == 1 + 3 * 3  # three people, three months
    wb.close()
    proc = run_academy("pay", "2026-Q4", "--to", str(tmp_path / "pay.csv"), home=h)
    assert proc.returncode != 0 and "Traceback" not in proc.stdout + proc.stderr
    assert ".xlsx" in proc.stdout + proc.stderr
