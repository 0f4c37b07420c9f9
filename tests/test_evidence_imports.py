"""Evidence imports: encodings, every bad-row kind, replacement with history, closed cycles,
anonymity of peer reviews, and the planted cases of the demo."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from conftest import run_academy
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.synthetic.company import make_company, write_roster_csv
from core.cycles import close_cycle, open_cycle
from core.errors import AcademyError, ProblemsError
from graders.evidence import Evidence, EvidenceBatch, ServiceTicket
from graders.forms_config import load_evidence_config
from graders.sources import behaviour, practical, reviews, surveys
from graders.sources.load import collect, evidence_frame
from roster.store import import_roster_file

ITEMS = ["knowledge", "courtesy", "clarity", "solving", "sharing", "responsibility"]


@pytest.fixture
def company(tmp_path):
    people = make_company(30, seed=5)
    path = tmp_path / "roster.csv"
    write_roster_csv(people, path)
    return people, path


def _setup(h, roster_path):
    import_roster_file(h, roster_path)
    with h.transaction() as s:
        open_cycle(s, "2026-Q4")
    return h


@pytest.fixture
def ev_home(sqlite_home, company):
    return _setup(sqlite_home, company[1])


@pytest.fixture
def ev_home_any(home, company):
    """The same on SQLite and on a real PostgreSQL."""
    return _setup(home, company[1])


def team_of(people):
    """The staff of the first technical-support team (supervisors and managers left out)."""
    team = next(p.team for p in people if p.role in ("technical_support", "hotline_support"))
    return [p for p in people if p.team == team and p.role not in ("manager", "supervisor")]


def write(path: Path, rows: list[list], encoding="utf-8") -> Path:
    if path.suffix == ".xlsx":
        wb = Workbook()
        for r in rows:
            wb.active.append(r)
        wb.save(path)
    else:
        buf = io.StringIO()
        csv.writer(buf).writerows(rows)
        path.write_bytes(buf.getvalue().encode(encoding))
    return path


def counts(h) -> tuple[int, int, int]:
    with h.transaction() as s:
        return (s.scalar(select(func.count()).select_from(Evidence)),
                s.scalar(select(func.count()).select_from(EvidenceBatch)),
                s.scalar(select(func.count()).select_from(ServiceTicket)))


def run(h, importer, path, **kw):
    cfg = load_evidence_config(h.assessments_dir)
    with Session(h.engine) as s, s.begin():
        return importer(s, path, cfg, "tester", **kw)


def review_sheet(people):
    t = team_of(people)
    header = ["评价人", "被评价人", "关系", *[f"{i}. {x}" for i, x in enumerate(ITEMS, 1)]]
    rows = [header]
    for ratee in t[:3]:
        for rater in [p for p in t if p is not ratee][:3]:
            rows.append([rater.employee_id, ratee.employee_id, "同事", 4, 3, 4, 5, 4, 3])
        rows.append([ratee.employee_id, ratee.employee_id, "自评", 5, 5, 5, 5, 5, 5])
    return rows


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "xlsx"])
def test_does_a_review_export_give_the_same_evidence_in_every_encoding(ev_home, company, tmp_path,
                                                                     encoding):
    """Does the same wide review sheet give identical evidence from UTF-8, BOM, GB18030, GBK and .xlsx?"""
    rows = review_sheet(company[0])
    suffix = ".xlsx" if encoding == "xlsx" else ".csv"
    path = write(tmp_path / f"reviews{suffix}", rows, encoding if encoding != "xlsx" else "utf-8")
    result = run(ev_home, reviews.import_file, path)
    assert result.extra == {"peer": 9 * 6, "supervisor": 0, "self": 3 * 6, "upward": 0}
    with ev_home.transaction() as s:
        ev = evidence_frame(s, 1).sort_values(["employee_id", "rater_id", "item"])
    assert len(ev) == 12 * 6
    first = ev[(ev["source"] == "peer")].groupby("item")["raw"].mean().to_dict()
    assert first == {"review/clarity": 4.0, "review/courtesy": 3.0, "review/knowledge": 4.0,
                     "review/responsibility": 3.0, "review/sharing": 4.0, "review/solving": 5.0}


def _practical_rows(people):
    t = team_of(people)  # a technical-support team: the hotline rubric
    head = ["学员工号", "考核场景", "考官", "listen", "safety", "diagnose", "commitment", "record"]
    return [head] + [[p.employee_id, "angry_customer_call", tr, 4, 4, 3, 4, 5]
                     for p in t[:3] for tr in ("TR01", "TR02")]


BAD = {
    # importer, rows builder(people) -> rows, (row, column, message fragment)
    "practical: unknown staff id": (practical.import_file,
        lambda p: [*_practical_rows(p)[:2], ["999999", "angry_customer_call", "TR01", 4, 4, 3, 4, 5]],
        (3, "学员工号", "unknown staff id '999999'")),
    "practical: score outside the scale": (practical.import_file,
        lambda p: [*_practical_rows(p)[:2], [_practical_rows(p)[3][0], "angry_customer_call", "TR03", 4, 7, 3, 4, 5]],
        (3, "safety", "outside the scale 1-5")),
    "practical: missing criterion score": (practical.import_file,
        lambda p: [*_practical_rows(p)[:2], [_practical_rows(p)[3][0], "angry_customer_call", "TR03", 4, "", 3, 4, 5]],
        (3, "safety", "missing score for criterion 'safety'")),
    "practical: duplicate submission": (practical.import_file,
        lambda p: [*_practical_rows(p), _practical_rows(p)[1]],
        (8, "考官", "duplicate submission")),
    "reviews: rater is the ratee in a peer form": (reviews.import_file,
        lambda p: [*review_sheet(p)[:2], [team_of(p)[0].employee_id, team_of(p)[0].employee_id, "同事", 3, 3, 3, 3, 3, 3]],
        (3, "评价人", "is the person reviewed in a peer review")),
    "reviews: missing required answer": (reviews.import_file,
        lambda p: [*review_sheet(p)[:2], [team_of(p)[4].employee_id, team_of(p)[0].employee_id, "同事", 3, "", 3, 3, 3, 3]],
        (3, "2. courtesy", "missing required answer to 'courtesy'")),
    "reviews: unknown staff id": (reviews.import_file,
        lambda p: [*review_sheet(p)[:2], ["X1", team_of(p)[0].employee_id, "同事", 3, 3, 3, 3, 3, 3]],
        (3, "评价人", "unknown staff id 'X1'")),
    "reviews: duplicate submission": (reviews.import_file,
        lambda p: [*review_sheet(p)[:3], review_sheet(p)[2]],
        (4, "评价人", "duplicate submission")),
    "behaviour: month outside the cycle": (behaviour.import_file,
        lambda p: [["工号", "月份", "扣分项"], [[x for x in p if x.role == "field_service"][0].employee_id, "2026-03", "late_arrival"]],
        (2, "月份", "outside cycle 2026-Q4")),
    "behaviour: not a field engineer": (behaviour.import_file,
        lambda p: [["工号", "月份", "扣分项"], [team_of(p)[0].employee_id, "2026-11", "late_arrival"]],
        (2, "工号", "key behaviours apply to field_service staff")),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_is_every_bad_row_rejected_with_file_row_and_column_and_nothing_written(ev_home_any, company,
                                                                                tmp_path, case):
    """Is each bad-row kind rejected naming file, row and column, leaving the store untouched?"""
    importer, build, (row, column, fragment) = BAD[case]
    before = counts(ev_home_any)
    path = write(tmp_path / "bad.csv", build(company[0]))
    with pytest.raises(ProblemsError) as err:
        run(ev_home_any, importer, path)
    hits = [p for p in err.value.problems if fragment in p.message]
    assert hits, err.value.summary()
    assert (hits[0].file, hits[0].row, hits[0].column) == ("bad.csv", row, column)
    assert counts(ev_home_any) == before


def test_is_an_unreadable_survey_file_rejected(ev_home, tmp_path):
    """Is a survey file in no readable encoding rejected with nothing written?"""
    bad = tmp_path / "survey.csv"
    bad.write_bytes(b"\x81\x30\xff\xfe\x80\x80,\x80\n")
    with pytest.raises(ProblemsError, match="unreadable encoding"):
        run(ev_home, surveys.import_file, bad)
    assert counts(ev_home) == (0, 0, 0)


def test_are_survey_answers_linked_through_tickets(ev_home, company, tmp_path):
    """Does a response that names only its ticket land on the engineer who served it, and an unknown ticket fail?"""
    eng = team_of(company[0])[0].employee_id
    tickets = write(tmp_path / "tickets.csv", [["工单号", "服务人员工号", "已发送问卷"],
                                               ["T1", eng, "是"], ["T2", eng, "否"]], "gb18030")
    with Session(ev_home.engine) as s, s.begin():
        surveys.import_tickets(s, tickets, "tester")
    head = ["工单号", "产品质量", "价格", "交货期", "包装", "服务态度", "响应速度", "问题解决"]
    bad = write(tmp_path / "resp.csv", [head, ["T1", 5, 4, 5, 5, 5, 5, 5],
                                        ["T9", 3, 3, 3, 3, 3, 3, 3]])
    with pytest.raises(ProblemsError) as err:
        run(ev_home, surveys.import_file, bad)
    assert err.value.problems[0].row == 3 and "T9" in err.value.problems[0].message
    good = write(tmp_path / "resp.csv", [head, ["T1", 5, 4, 5, 5, 5, 5, 5]])
    run(ev_home, surveys.import_file, good)
    with ev_home.transaction() as s:
        comp = collect(s, 1, [eng]).components.set_index("component")
    assert comp.loc["customer", "n"] == 1 and comp.loc["customer", "status"] == "ok"


def test_does_a_corrected_reimport_replace_the_old_one_and_keep_it_in_history(ev_home, company, tmp_path):
    """Does re-importing a corrected file of the same name replace its scores, the old batch kept as superseded?"""
    rows = _practical_rows(company[0])
    path = write(tmp_path / "practical.csv", rows)
    first = run(ev_home, practical.import_file, path)
    rows[1][4] = 1  # the trainer corrects a safety score
    second = run(ev_home, practical.import_file, write(path, rows))
    assert second.replaced == [first.batch_id]
    with ev_home.transaction() as s:
        old = s.get(EvidenceBatch, first.batch_id)
        assert old.superseded_by == second.batch_id
        assert s.scalar(select(func.count()).select_from(Evidence)
                        .where(Evidence.batch_id == first.batch_id)) == 30  # history kept
        current = evidence_frame(s, 1, "practical")
        assert set(current["batch_id"]) == {second.batch_id} and len(current) == 30
        comp = collect(s, 1).components.set_index(["employee_id", "component"])
    assert "critical" in comp.loc[(rows[1][0], "practical"), "note"]


def test_is_evidence_refused_for_a_closed_cycle(ev_home, company, tmp_path):
    """Once a cycle is closed, is a new import refused with a clear message and nothing written?"""
    with ev_home.transaction() as s:
        close_cycle(s, "2026-Q4")
    with pytest.raises(AcademyError, match="evidence can only be added to an open cycle"):
        run(ev_home, practical.import_file, write(tmp_path / "p.csv", _practical_rows(company[0])),
            cycle_name="2026-Q4")
    assert counts(ev_home) == (0, 0, 0)


def test_does_no_dashboard_query_reveal_individual_peer_answers(ev_home_any, company, tmp_path):
    """Do the peer queries give only aggregates over at least the minimum group, never a rater?"""
    t = team_of(company[0])
    head = ["评价人", "被评价人", *ITEMS]
    rows = [head]
    rows += [[r.employee_id, t[0].employee_id, 5, 5, 5, 5, 5, 5] for r in t[1:4]]  # 3 raters
    rows += [[r.employee_id, t[1].employee_id, 1, 1, 1, 1, 1, 1] for r in t[2:4]]  # 2 raters
    run(ev_home_any, reviews.import_file, write(tmp_path / "r.csv", rows))
    with ev_home_any.transaction() as s:
        summary = reviews.peer_summary(s, 1)
        loose = reviews.peer_summary(s, 1, min_raters=1)  # a caller cannot lower the floor
        comp = collect(s, 1, [t[0].employee_id, t[1].employee_id])
    for frame in (summary, loose, comp.components, comp.competencies):
        assert "rater_id" not in frame.columns
    assert set(summary["employee_id"]) == {t[0].employee_id} and (summary["raters"] >= 3).all()
    assert loose.equals(summary)
    peer = comp.components[comp.components["component"] == "peer"].set_index("employee_id")
    assert peer.loc[t[1].employee_id, "status"] == "insufficient"
    assert peer["score"].isna().tolist() == [False, True]
    assert t[1].employee_id not in set(comp.competencies["employee_id"])


def test_do_the_fairness_checks_find_the_cases_planted_in_the_demo(demo_home):
    """Does the demo's evidence step flag exactly its lenient trainer, straight-liner, mutual pair and low-coverage team?"""
    from core.cycles import current_cycle
    from core.home import open_home

    h = open_home(demo_home[0])
    with h.transaction() as s:
        flags = collect(s, current_cycle(s).id, []).flags
    by_kind = flags.groupby("kind")["subject"].apply(list).to_dict()
    assert by_kind["lenient_rater"] == ["TR03"]
    assert "harsh_rater" not in by_kind
    assert len(by_kind["straight_lining"]) == 1
    assert len(by_kind["mutual_praise"]) == 1
    assert len(by_kind["low_survey_coverage"]) == 1
    h.close()


def test_evidence_commands_through_the_real_entry_point(tmp_path, company):
    """Can a trainer import, see a rejected file's problems, and list flags and batches with `academy`?"""
    home = tmp_path / "home"
    run_academy("init", "--home", str(home), check=True)
    run_academy("roster", "import", str(company[1]), home=home, check=True)
    run_academy("cycle", "open", "2026-Q4", home=home, check=True)
    good = write(tmp_path / "practical.xlsx", _practical_rows(company[0]))
    out = run_academy("practical", "import", str(good), home=home, check=True)
    assert "30 scores" in out.stdout and "2026-Q4" in out.stdout
    bad_rows = _practical_rows(company[0])
    bad_rows[2][5] = 9
    bad = run_academy("practical", "import", str(write(tmp_path / "bad.csv", bad_rows)), home=home)
    assert bad.returncode == 2 and 'bad.csv, row 3, column "diagnose" (F): score 9 is outside the scale 1-5' in bad.stderr
    assert "Traceback" not in bad.stderr
    assert "TR01" in run_academy("practical", "agreement", home=home, check=True).stdout
    assert "practical.xlsx" in run_academy("evidence", "batches", home=home, check=True).stdout
    summary = run_academy("evidence", "summary", home=home, check=True).stdout
    assert "practical" in summary and "missing" in summary


def test_is_evidence_refused_once_the_cycles_grades_are_published(tmp_path, company):
    """After `academy publish`, is a practical import refused with a clear message and nothing stored?"""
    home = tmp_path / "home"
    run_academy("init", "--home", str(home), check=True)
    run_academy("roster", "import", str(company[1]), home=home, check=True)
    run_academy("cycle", "open", "2026-Q4", home=home, check=True)
    sheet = write(tmp_path / "practical.csv", _practical_rows(company[0]))
    run_academy("practical", "import", str(sheet), home=home, check=True)
    run_academy("grade", "2026-Q4", home=home, check=True)
    run_academy("publish", "2026-Q4", home=home, check=True)
    again = run_academy("practical", "import", str(sheet), home=home)
    assert again.returncode == 1 and "is published" in again.stderr
    assert "Traceback" not in again.stderr
    batches = run_academy("evidence", "batches", "--cycle", "2026-Q4", home=home, check=True).stdout
    assert len([line for line in batches.splitlines() if "practical.csv" in line]) == 1


@pytest.mark.parametrize("forbid", [True, False])
def test_are_cross_team_peer_ratings_flagged_and_dropped_only_when_forbidden(ev_home, company,
                                                                            tmp_path, forbid):
    """With same-team-only peers, is a rating of another team flagged and left out; without, counted?"""
    form = ev_home.assessments_dir / "reviews" / "review_form.yaml"
    form.write_text(form.read_text(encoding="utf-8").replace(
        "peer_same_team_only: false", f"peer_same_team_only: {str(forbid).lower()}"), encoding="utf-8")
    people = company[0]
    t = team_of(people)
    outsider = next(p for p in people if p.team != t[0].team and p.role == "field_service")
    rows = [["rater", "ratee", *ITEMS]]
    rows += [[r.employee_id, t[0].employee_id, 3, 3, 3, 3, 3, 3] for r in t[1:4]]
    rows.append([outsider.employee_id, t[0].employee_id, 5, 5, 5, 5, 5, 5])
    run(ev_home, reviews.import_file, write(tmp_path / "r.csv", rows))
    with ev_home.transaction() as s:
        res = collect(s, 1, [t[0].employee_id])
    peer = res.components.set_index("component").loc["peer"]
    cross = res.flags[res.flags["kind"] == "cross_team_rating"]
    if forbid:
        assert cross["subject"].tolist() == [outsider.employee_id]
        assert (peer["n"], peer["score"]) == (3, 50.0)
    else:
        assert cross.empty
        assert peer["n"] == 4 and peer["score"] == pytest.approx(62.5)


def test_does_every_field_engineer_get_a_key_behaviour_score_once_deductions_are_recorded(
        ev_home, company, tmp_path):
    """Before any deduction list the component is missing; after one, clean engineers score 100?"""
    field = [p for p in company[0] if p.role == "field_service"]
    with ev_home.transaction() as s:
        before = collect(s, 1, [field[0].employee_id]).components.set_index("component")
    assert before.loc["key_behaviour", "status"] == "missing"
    rows = [["工号", "月份", "扣分项", "次数"], [field[0].employee_id, "2026-11", "late_arrival", 2],
            [field[0].employee_id, "2026-12", "超过30分钟未响应", 1]]
    run(ev_home, behaviour.import_file, write(tmp_path / "kb.csv", rows, "gb18030"))
    with ev_home.transaction() as s:
        comp = collect(s, 1, [p.employee_id for p in field]).components
    kb = comp[comp["component"] == "key_behaviour"].set_index("employee_id")["score"]
    assert kb[field[0].employee_id] == pytest.approx((100 + 80 + 95) / 3)
    assert (kb.drop(field[0].employee_id) == 100).all() and len(kb) == len(field)


def test_is_a_bad_rubric_rejected_with_its_file_line_and_field(tmp_path):
    """Does a rubric with an unknown competency name the file, the line and the field?"""
    from graders.forms_config import load_rubrics

    (tmp_path / "r.yaml").write_text(
        "id: r1\ntitle_en: T\nscenario_en: S\ncriteria:\n"
        "  - id: c1\n    text_en: X\n    weight: 1\n    competency: knowledge\n"
        "  - id: c2\n    text_en: Y\n    weight: 1\n    competency: juggling\n", encoding="utf-8")
    with pytest.raises(ProblemsError) as err:
        load_rubrics(tmp_path)
    p = err.value.problems[0]
    assert (p.file, p.row, p.column) == ("r.yaml", 12, "criteria.1.competency")
    assert "unknown competency 'juggling'" in p.message
    assert str(p).startswith('r.yaml, line 12, field "criteria.1.competency"')


def test_does_a_critical_key_behaviour_flag_the_engineer(ev_home, company, tmp_path):
    """Does a justified complaint (a critical behaviour) flag the engineer, and a late response not?"""
    field = [p for p in company[0] if p.role == "field_service"]
    rows = [["工号", "月份", "扣分项"], [field[0].employee_id, "2026-11", "customer_complaint"],
            [field[1].employee_id, "2026-11", "late_response"]]
    run(ev_home, behaviour.import_file, write(tmp_path / "kb.csv", rows))
    with ev_home.transaction() as s:
        flags = collect(s, 1, []).flags
    assert flags[flags["kind"] == "critical"]["subject"].tolist() == [field[0].employee_id]
