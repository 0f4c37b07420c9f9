"""The command line and the workbook as a manager meets them: sensible defaults for the cycle and
the exam, Chinese headers, the demo's progress per step, suggested commands never cut, and an
.xlsx export with filters, number formats, no machine paths and role names (read back with
openpyxl), the same names in the dashboard's download."""

from __future__ import annotations

import base64
import re
from datetime import datetime
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from academy.cli_defaults import only_exam, results_cycle
from core.cycles import close_cycle, get_cycle, open_cycle
from core.errors import AcademyError
from core.home import init_home, open_home
from tests.conftest import run_academy

ROOT = Path(__file__).resolve().parent.parent


def test_does_the_results_cycle_default_to_the_open_or_latest_published_one(sqlite_home):
    """With no grades, is the error a list of cycles? Then: is the graded open cycle chosen, and
    when the open cycle has no grades, the latest published one?"""
    from academy.synthetic.company import make_company, write_roster_csv
    from graders.engine.schemes import home_schemes
    from graders.results.publishing import publish
    from graders.results.store import grade_cycle
    from roster.store import import_roster_file

    h = sqlite_home
    write_roster_csv(make_company(24, 7), h.imports_dir / "roster.csv")
    import_roster_file(h, h.imports_dir / "roster.csv")
    with h.transaction() as s:
        open_cycle(s, "2026-Q2")
        open_cycle(s, "2026-Q3")
    with h.transaction() as s, pytest.raises(AcademyError, match="2026-Q2, 2026-Q3"):
        results_cycle(s)
    schemes = home_schemes(h)
    with h.transaction() as s:
        grade_cycle(s, "2026-Q2", schemes, by="test")
        grade_cycle(s, "2026-Q3", schemes, by="test")
        publish(s, get_cycle(s, "2026-Q2").id, by="test")
        close_cycle(s, "2026-Q2")
    with h.transaction() as s:
        assert results_cycle(s) == "2026-Q3"  # the open cycle, graded
        open_cycle(s, "2026-Q4")
    with h.transaction() as s:
        assert results_cycle(s) == "2026-Q2"  # open one not graded: the latest published
    shown = run_academy("results", home=h.root, check=True)
    assert "Cycle 2026-Q2 (published)" in shown.stdout


def test_does_exam_stats_default_to_the_only_exam(tmp_path):
    """Does `academy exam stats` without a name analyse the only exam, and with two exams ask
    for one by name, listing them, without a traceback?"""
    from graders.exam import lifecycle

    h = init_home(tmp_path / "home")
    lifecycle.build(h, ROOT / "tests" / "data" / "exam_small.yaml")
    assert only_exam(h) == "small-exam"
    one = run_academy("exam", "stats", home=h.root, check=True)
    assert "Exam small-exam:" in one.stdout and "facility" in one.stdout
    lifecycle.build(h, ROOT / "assessments" / "banks" / "aquapure-fuwu-guifan.yaml")
    two = run_academy("exam", "stats", home=h.root)
    assert two.returncode != 0 and "Traceback" not in two.stderr
    assert "aquapure-fuwu-guifan, small-exam" in two.stderr and "name one" in two.stderr
    h.close()


def test_does_course_list_zh_speak_chinese():
    """Are the headers, competencies and languages of `course list --zh` Chinese?"""
    out = run_academy("course", "list", "--zh", check=True).stdout
    assert "课程 / 单元" in out and "标题" in out and "能力项" in out and "分钟" in out
    assert "英文、中文" in out
    header = next(line for line in out.splitlines() if "课程" in line)
    assert not re.search(r"[A-Za-z]", header)


def test_does_the_demo_print_each_step_and_never_cut_a_command(demo_home):
    """Does the demo log one numbered line per step with its time and results (the session's
    demo of conftest, run in an 80-column terminal)?"""
    _home, proc = demo_home
    steps = re.findall(r"^\[(\d+)/(\d+)\] (.+) \.\.\.$", proc.stdout, re.M)
    assert [int(n) for n, _, _ in steps] == list(range(1, len(steps) + 1)) and len(steps) >= 6
    assert proc.stdout.count("done in ") == len(steps)


def test_are_suggested_commands_whole_at_80_columns(demo_home):
    """In an 80-column terminal, is each suggested command of the demo on one line? (The
    session's demo runs at 80 columns in a deep folder: every command is longer than that.)"""
    deep, proc = demo_home
    assert proc.returncode == 0, proc.stderr
    assert len(f"Start the servers with: academy --home {deep} serve") > 80
    lines = proc.stdout.splitlines()
    tries = [ln for ln in lines if ln.startswith("Try: academy --home")]
    assert tries and tries[0].endswith("roster list --team 'Hotline Shanghai'")
    start = [ln for ln in lines if ln.startswith("Start the servers with:")]
    assert start and start[0].endswith(f"{deep} serve")
    trainee = [ln for ln in lines if ln.startswith("A trainee's JupyterLab:")]
    assert trainee and re.search(r"serve --trainee \d+$", trainee[0])


def _table(ws) -> tuple[list, list[list]]:
    rows = list(ws.iter_rows(values_only=False))
    return [c.value for c in rows[0]], rows[1:]


def test_is_the_workbook_filtered_formatted_and_free_of_machine_paths(demo_home, tmp_path):
    """Read back with openpyxl: does every table sheet have a filter on its header, pay two
    decimals, scores one, team figures two, dates real dates, role names (not codes), and the
    scheme sheet no absolute path of the machine?"""
    home, _ = demo_home
    out = tmp_path / "grades.xlsx"
    run_academy("export", "--to", str(out), home=home, check=True)  # default cycle
    wb = load_workbook(out)
    scheme_sheet = wb.worksheets[-1]
    for ws in wb.worksheets[:-1]:
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
    head, rows = _table(wb.worksheets[0])
    col = {h: i for i, h in enumerate(head)}
    pay = [r[col["Actual pay"]] for r in rows
           if isinstance(r[col["Actual pay"]].value, (int, float))]
    assert pay and all(c.number_format == "#,##0.00" for c in pay)
    assert all(round(c.value, 2) == c.value for c in pay)
    scores = [r[col["Final score"]] for r in rows if r[col["Final score"]].value is not None]
    assert scores and all(c.number_format == "0.0" for c in scores)
    roles = {r[col["Role"]].value for r in rows}
    assert "Field service engineer" in roles and not roles & {"field_service", "hotline_support"}
    pay_ws = next(ws for ws in wb.worksheets if ws.title == "Performance pay")
    phead, prows = _table(pay_ws)
    total = prows[0][phead.index("Actual pay")]
    assert str(total.value).startswith("=") and total.number_format == "#,##0.00"
    assert prows[0][phead.index("Last-month average pay")].number_format == "#,##0.00"
    plans = next(ws for ws in wb.worksheets if ws.title == "Training plans")
    thead, trows = _table(plans)
    due = [r[thead.index("Due")] for r in trows]
    assert due and all(isinstance(c.value, datetime) and c.number_format == "yyyy-mm-dd"
                       for c in due)
    # a head's team figures: value, target and weight used as numbers with two decimals
    figs = next(ws for ws in wb.worksheets if ws.title == "Team figures")
    fhead, frows = _table(figs)
    for name in ("Value", "Target", "Weight used"):
        cells = [r[fhead.index(name)] for r in frows
                 if isinstance(r[fhead.index(name)].value, (int, float))]
        assert cells and all(c.number_format == "0.00" for c in cells), name
    texts = [str(c.value) for row in scheme_sheet.iter_rows() for c in row if c.value is not None]
    assert not any(str(home) in v or re.match(r"^(/|[A-Z]:\\)", v) for v in texts)
    assert any(v.endswith(".yaml") for v in texts)  # the scheme's file name is kept


def test_does_the_dashboard_download_show_role_names_like_the_export(demo_home):
    """Does the manager dashboard's workbook download name roles (and format the sheets) as
    `academy export` does?"""
    from dashboards import data
    from dashboards.access import Viewer
    from dashboards.ui import ManagerDashboard

    home, _ = demo_home
    h = open_home(home)
    company = data.load_company(h, refresh=True)
    dash = ManagerDashboard(company, Viewer("admin:test"), "zh")
    link = dash._workbook_link()
    payload = re.search(r"base64,([A-Za-z0-9+/=]+)'", link).group(1)
    wb = load_workbook(BytesIO(base64.b64decode(payload)))
    head, rows = _table(wb.worksheets[0])
    roles = {r[head.index("岗位")].value for r in rows}
    assert roles and not roles & {"field_service", "hotline_support", "technical_support"}
    assert "现场服务工程师" in roles or any("工程师" in str(r) for r in roles)
    assert wb.worksheets[0].auto_filter.ref.startswith("A1:")
    h.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_does_the_scheme_sheet_name_every_setting_in_the_readers_language(demo_home, lang):
    """Does the workbook's last sheet (the schemes used, the checks and the run's provenance)
    name every setting, band, flag, state and kind in the workbook's language, with no
    configuration key, raw code, Python value or word of the other language?"""
    from page_language import problems

    from dashboards import data
    from dashboards.access import Viewer
    from dashboards.ui import ManagerDashboard

    home, _ = demo_home
    h = open_home(home)
    try:
        company = data.load_company(h, refresh=True)
        link = ManagerDashboard(company, Viewer("admin:test"), lang)._workbook_link()
    finally:
        h.close()
    payload = re.search(r"base64,([A-Za-z0-9+/=]+)'", link).group(1)
    sheet = load_workbook(BytesIO(base64.b64decode(payload))).worksheets[-1]
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    # what the company typed or a file keeps its own spelling: scheme files, hashes, cycle names
    kept = [v for v in texts if v.endswith(".yaml") or re.fullmatch(r"[0-9a-f]{16,}", v)
            or re.fullmatch(r"\d{4}-Q\d", v)]
    sentences = [v for v in texts if v not in kept and not re.fullmatch(r"[-\d.:#, ]+(UTC)?", v)]
    assert len(sentences) > 40  # the settings are there, named
    text = "\n".join(sentences)
    teams = sorted(company.hierarchy["team"].dropna().unique())  # the company's own names
    found = problems(text, lang, allowed=["UTC", "SHA-256", "KPI", "test", *teams])
    assert found == [], found
    assert not {"reweight", "critical", "good", "excellent", "needs_improvement"} & set(texts)

