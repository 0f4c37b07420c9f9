"""Technical support's monthly work plan: agreed, scored the next month, feeding the supervisor
component; refusals with file, row and column; the supervisor's notebook form."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from conftest import DATA
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.cycles import open_cycle
from core.errors import ProblemsError
from graders.evidence import Evidence, EvidenceBatch
from graders.forms_config import load_evidence_config
from graders.notebook_forms.plan_form import WorkPlanForm
from graders.sources import reviews, work_plans
from graders.sources.load import collect
from graders.sources.work_plans import WorkPlanRules, item_score
from roster.store import import_roster_file

FORMS = Path(__file__).resolve().parent.parent / "assessments" / "forms"
AFTER_OCTOBER = date(2026, 11, 2)


def _setup(h):
    import_roster_file(h, DATA / "roster_small.csv")  # 000101 supervises 000102-000104
    with h.transaction() as s:
        open_cycle(s, "2026-Q4")
    return h


@pytest.fixture
def wp_home(sqlite_home):
    return _setup(sqlite_home)


@pytest.fixture
def wp_home_any(home):
    """The same on SQLite and on a real PostgreSQL."""
    return _setup(home)


def write(path: Path, rows: list[list], encoding="utf-8") -> Path:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def rules(h) -> WorkPlanRules:
    return work_plans.load_rules(h.assessments_dir)


def plan(h, path, **kw):
    with Session(h.engine) as s, s.begin():
        return work_plans.import_plan(s, path, rules(h), "000101", **kw)


def scores(h, path, today=AFTER_OCTOBER, **kw):
    with Session(h.engine) as s, s.begin():
        return work_plans.import_scores(s, path, rules(h), "000101", today=today, **kw)


def counts(h) -> tuple[int, int]:
    with h.transaction() as s:
        return (s.scalar(select(func.count()).select_from(Evidence)),
                s.scalar(select(func.count()).select_from(EvidenceBatch)))


PLAN = [["工号", "月份", "计划项", "权重", "完成标准"],
        ["000104", "2026-10", "Clear the spare-parts backlog", 2, "no order older than 5 days"],
        ["000104", "2026-10", "Update the hotline FAQ", 1, "20 answers reviewed"],
        ["000103", "2026-10", "回访十位投诉客户", 1, "10 次回访记录"]]
SCORES = [["工号", "月份", "计划项", "完成情况", "质量", "备注"],
          ["000104", "2026-10", "Clear the spare-parts backlog", "完成", 5, ""],
          ["000104", "2026-10", "Update the hotline FAQ", "partly", 3, "12 of 20"],
          ["000103", "2026-10", "回访十位投诉客户", "未完成", "", ""]]


def test_are_item_scores_as_documented():
    """Is an item 100 x completion x ((1 - 0.4) + 0.4 x quality 0-1), quality absent counting full?"""
    r = WorkPlanRules()
    assert item_score("done", 5, r) == 100.0
    assert item_score("done", 1, r) == pytest.approx(60.0)
    assert item_score("partly", 3, r) == pytest.approx(100 * 0.5 * (0.6 + 0.4 * 0.5))  # 40
    assert item_score("not_done", 5, r) == 0.0
    assert item_score("partly", None, r) == 50.0


def test_does_a_scored_work_plan_make_the_supervisor_component(wp_home_any, tmp_path):
    """Agreed in October and scored in November, does the plan give the hand-computed supervisor
    component (weighted month score), and is it combined 70/30 with a supervisor review?"""
    plan(wp_home_any, write(tmp_path / "plan-2026-10.csv", PLAN))
    with wp_home_any.transaction() as s:
        before = collect(s, 1, ["000104"]).components.set_index("component")
    assert before.loc["supervisor", "status"] == "missing"  # agreed, not yet scored
    scores(wp_home_any, write(tmp_path / "scores-2026-10.csv", SCORES))
    with wp_home_any.transaction() as s:
        comp = collect(s, 1, ["000103", "000104"]).components.set_index(["employee_id", "component"])
    # 000104: (2 x 100 + 1 x 40) / 3 = 80; 000103: not done = 0
    assert comp.loc[("000104", "supervisor"), "score"] == pytest.approx(80.0)
    assert comp.loc[("000103", "supervisor"), "score"] == pytest.approx(0.0)
    assert "work plan 80.0" in comp.loc[("000104", "supervisor"), "note"]
    # the supervisor's review of 000104 (every item 4 of 5 -> 75) joins at 30%
    items = ["knowledge", "courtesy", "clarity", "solving", "sharing", "responsibility"]
    review = write(tmp_path / "review.csv", [["评价人", "被评价人", "关系", *items],
                                             ["000101", "000104", "上级", 4, 4, 4, 4, 4, 4]])
    with Session(wp_home_any.engine) as s, s.begin():
        reviews.import_file(s, review, load_evidence_config(wp_home_any.assessments_dir), "000101")
    with wp_home_any.transaction() as s:
        comp = collect(s, 1, ["000104"]).components.set_index("component")
    assert comp.loc["supervisor", "score"] == pytest.approx(0.7 * 80 + 0.3 * 75)


def test_does_a_reimported_plan_replace_the_old_one(wp_home, tmp_path):
    """Does importing a corrected plan file of the same name replace its batch, kept in history?"""
    first = plan(wp_home, write(tmp_path / "plan.csv", PLAN))
    second = plan(wp_home, write(tmp_path / "plan.csv", PLAN[:3]))
    assert second.replaced == [first.batch_id]
    with wp_home.transaction() as s:
        agreed = work_plans.agreed_items(s, 1)
    assert set(agreed) == {("000104", "2026-10")}


BAD_PLAN = {
    "field service staff": (["000102", "2026-10", "x", 1, ""], (2, "工号", "work plans apply to")),
    "month outside the cycle": (["000104", "2026-03", "x", 1, ""], (2, "月份", "outside the cycle")),
    "not a month": (["000104", "soon", "x", 1, ""], (2, "月份", "is not a month")),
    "unknown staff": (["999999", "2026-10", "x", 1, ""], (2, "工号", "unknown staff id")),
    "weight zero": (["000104", "2026-10", "x", 0, ""], (2, "权重", "must be above 0")),
    "empty item": (["000104", "2026-10", "", 1, ""], (2, "计划项", "plan item is empty")),
}


@pytest.mark.parametrize("case", sorted(BAD_PLAN))
def test_is_a_bad_plan_row_refused_with_row_and_column(wp_home_any, tmp_path, case):
    """Is each kind of bad plan row refused naming file, row and column, with nothing written?"""
    row, (r, column, text) = BAD_PLAN[case]
    before = counts(wp_home_any)
    with pytest.raises(ProblemsError) as err:
        plan(wp_home_any, write(tmp_path / "plan.csv", [PLAN[0], row]))
    hits = [p for p in err.value.problems if text in p.message]
    assert hits, err.value.summary()
    assert (hits[0].file, hits[0].row, hits[0].column) == ("plan.csv", r, column)
    assert counts(wp_home_any) == before


def test_is_a_duplicate_plan_item_refused(wp_home, tmp_path):
    """Is the same item agreed twice for one person and month refused on its second row?"""
    with pytest.raises(ProblemsError) as err:
        plan(wp_home, write(tmp_path / "plan.csv", [*PLAN, PLAN[1]]))
    assert [(p.row, p.column) for p in err.value.problems] == [(5, "计划项")]


BAD_SCORE = {
    "month not over": (None, date(2026, 10, 20), (2, "月份", "is not over yet")),
    "item never agreed": (["000104", "2026-10", "Paint the office", "完成", 4, ""], AFTER_OCTOBER,
                          (2, "计划项", "is not an agreed plan item")),
    "unknown status": (["000104", "2026-10", "Update the hotline FAQ", "maybe", 4, ""],
                       AFTER_OCTOBER, (2, "完成情况", "is not a status")),
    "quality outside the scale": (["000104", "2026-10", "Update the hotline FAQ", "完成", 9, ""],
                                  AFTER_OCTOBER, (2, "质量", "outside the scale 1-5")),
}


@pytest.mark.parametrize("case", sorted(BAD_SCORE))
def test_is_a_bad_score_row_refused_with_row_and_column(wp_home_any, tmp_path, case):
    """Is scoring too early, an item never agreed, an unknown status or a quality outside the
    scale refused with file, row and column, the agreed plan untouched?"""
    plan(wp_home_any, write(tmp_path / "plan.csv", PLAN))
    row, today, (r, column, text) = BAD_SCORE[case]
    before = counts(wp_home_any)
    with pytest.raises(ProblemsError) as err:
        scores(wp_home_any, write(tmp_path / "scores.csv", [SCORES[0], row or SCORES[1]]), today=today)
    hits = [p for p in err.value.problems if text in p.message]
    assert hits, err.value.summary()
    assert (hits[0].file, hits[0].row, hits[0].column) == ("scores.csv", r, column)
    assert counts(wp_home_any) == before


def test_may_only_someone_above_the_person_score_their_plan(wp_home, tmp_path):
    """Is a colleague named as the scorer (000103 for 000104) refused, and a file entered by a
    colleague with no scorer column refused too?"""
    plan(wp_home, write(tmp_path / "plan.csv", PLAN))
    rows = [[*SCORES[0], "评分人"], [*SCORES[1], "000103"]]
    with pytest.raises(ProblemsError, match="'000103' is not above 000104"):
        scores(wp_home, write(tmp_path / "scores.csv", rows))
    with Session(wp_home.engine) as s, s.begin(), pytest.raises(ProblemsError, match="not above"):
        work_plans.import_scores(s, write(tmp_path / "s2.csv", SCORES[:2]), rules(wp_home),
                                 "000103", today=AFTER_OCTOBER)


# --- the supervisor's notebook form ---------------------------------------------------------------


def test_does_the_form_agree_and_then_score_a_plan(wp_home):
    """Does a supervisor agree two items for a direct report, is scoring refused before the month
    is over, and does the next month's scoring give the hand-computed component?"""
    f = WorkPlanForm(wp_home, supervisor="000101", today=date(2026, 10, 3))
    assert [v for _, v in f.person.options] == ["000103", "000104"]  # technical support only
    f.person.value, f.month.value, f.mode.value = "000104", "2026-10", "agree"
    f.plan_rows[0][0].value, f.plan_rows[0][1].value = "Clear the backlog", 3
    f._add_row("Update the FAQ", 1, "20 answers")
    assert "Saved (2)" in f.save()
    f.mode.value = "score"
    assert len(f.score_rows) == 2
    for st, q in f.score_rows.values():
        st.value, q.value = "done", 5.0
    assert f.save() is None and "not over" in f.status.value
    g = WorkPlanForm(wp_home, supervisor="000101", today=date(2026, 11, 1))
    g.person.value, g.month.value, g.mode.value = "000104", "2026-10", "score"
    (st1, q1), (st2, q2) = g.score_rows.values()
    st1.value = "done"
    assert g.save() is None and "status" in g.status.value  # the second item is unscored
    q1.value, st2.value, q2.value = 5.0, "not_done", 1.0
    assert "Saved (2)" in g.save()
    with wp_home.transaction() as s:
        comp = collect(s, 1, ["000104"]).components.set_index("component")
    assert comp.loc["supervisor", "score"] == pytest.approx(3 * 100 / 4)


def test_does_the_form_offer_nobody_outside_the_supervisors_people(wp_home):
    """Does a colleague, or a field-service supervisor, get nobody to plan for, and is a save
    with someone else's id forced into the form refused?"""
    assert WorkPlanForm(wp_home, supervisor="000103").people == {}
    assert WorkPlanForm(wp_home, supervisor="000105").people == {}  # field service: behaviours
    f = WorkPlanForm(wp_home, supervisor="000103", today=date(2026, 11, 2))
    f.person.options = [("000104", "000104")]  # a tampered widget
    f.person.value = "000104"
    assert f.save() is None and "only plan and score" in f.status.value
    assert counts(wp_home) == (0, 0)


@pytest.mark.slow
def test_does_the_work_plan_notebook_run_headless(wp_home, monkeypatch):
    """Does the work-plan form notebook execute on a real home, showing its widgets?"""
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("ACADEMY_HOME", str(wp_home.root))
    monkeypatch.setenv("ACADEMY_USER", "000101")
    nb = nbformat.read(FORMS / "work_plan_form.ipynb", as_version=4)
    NotebookClient(nb, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(wp_home.root)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)


def test_do_the_plan_and_survey_commands_work_through_the_real_entry_point(tmp_path):
    """Can a supervisor import and score a plan, see it, and a manager import a 问卷星 export and
    read and export the company items, all with `academy`, a bad file giving its row and column?"""
    from conftest import run_academy

    home = tmp_path / "home"
    run_academy("init", "--home", str(home), check=True)
    run_academy("roster", "import", str(DATA / "roster_small.csv"), home=home, check=True)
    run_academy("cycle", "open", "2026-Q4", home=home, check=True)
    env = {"ACADEMY_USER": "000101"}
    out = run_academy("plans", "import", str(write(tmp_path / "plan.csv", PLAN)), home=home,
                      env=env, check=True)
    assert "3 plan items" in out.stdout
    bad = run_academy("plans", "score", str(write(tmp_path / "s.csv", SCORES)), "--today",
                      "2026-10-30", home=home, env=env)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert 's.csv, row 2, column "月份" (B): 2026-10 is not over yet' in bad.stderr
    run_academy("plans", "score", str(tmp_path / "s.csv"), "--today", "2026-11-02", home=home,
                env=env, check=True)
    shown = run_academy("plans", "show", "--employee", "000104", home=home, check=True).stdout
    assert "Update the hotline FAQ" in shown and "40.0" in shown and "100.0" in shown
    run_academy("surveys", "import", str(DATA / "survey_exports" / "wjx_customer_survey.csv"),
                home=home, check=True)
    company = run_academy("surveys", "company", "--to", str(tmp_path / "company.xlsx"), home=home,
                          check=True).stdout
    assert "Product quality" in company and (tmp_path / "company.xlsx").is_file()


def test_does_field_service_keep_key_behaviours_with_installation(wp_home, tmp_path):
    """Is the installation behaviour (组装) recorded for a field engineer by its Chinese name and
    deducted from the monthly standard?"""
    from graders.sources import behaviour
    from graders.sources.load import collect

    rows = [["工号", "月份", "扣分项", "次数"], ["000102", "2026-11", "安装（组装）不符合规范", 1]]
    with Session(wp_home.engine) as s, s.begin():
        behaviour.import_file(s, write(tmp_path / "kb.csv", rows),
                              load_evidence_config(wp_home.assessments_dir), "000101")
    with wp_home.transaction() as s:
        comp = collect(s, 1, ["000102"]).components.set_index("component")
    # October and December at 100, November 100 - 10: mean 96.67
    assert comp.loc["key_behaviour", "score"] == pytest.approx((100 + 90 + 100) / 3)
