"""Survey and review exports as survey tools write them; company items kept off a person's score;
the practice's plain satisfaction beside the shrunk one, chosen per scheme."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from conftest import DATA
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.cycles import open_cycle
from core.errors import ProblemsError
from graders import company_feedback
from graders.engine.grading import score
from graders.engine.schemes import load_scheme, parse_scheme
from graders.evidence import Evidence, EvidenceBatch
from graders.forms_config import SurveyForm, load_evidence_config
from graders.results.store import load_inputs
from graders.sources import reviews, surveys
from graders.sources.load import collect, evidence_frame
from graders.sources.survey_exports import AnswerWords, header_candidates, is_meta, unfold
from roster.store import import_roster_file

EXPORTS = DATA / "survey_exports"

# Hand-computed: person items attitude 0.4, response speed 0.3, problem solving 0.3 on a 1-5 scale,
# (v - 1) / 4 x 100 each; e.g. SurveyMonkey row 1: Very satisfied 5, Satisfied 4, Very satisfied 5
# -> 0.4 x 100 + 0.3 x 75 + 0.3 x 100 = 92.5. Seven-point words (金数据, Qualtrics) land on
# 1 + (p - 1) x 4/6: 比较满意 = 3.667 -> 66.7, 满意 = 4.333 -> 83.3.
EXPECTED = {
    # file: (responses, {staff id: mean satisfaction over their responses})
    "wjx_customer_survey.csv": (3, {"000102": (92.5 + 27.5) / 2, "000104": 67.5}),
    "wjx_coded.csv": (2, {"000103": 92.5, "000104": 67.5}),
    "tencent_wj.csv": (2, {"000105": 92.5, "000106": 67.5}),
    "jinshuju.csv": (2, {"000103": 40 + 0.3 * 200 / 3 + 0.3 * 250 / 3,
                         "000105": 0.4 * 250 / 3 + 0.3 * 250 / 3 + 30}),
    "surveymonkey.csv": (2, {"000102": 92.5, "000104": 17.5}),
    "google_forms.csv": (2, {"000103": 92.5, "000106": 42.5}),
    "ms_forms.xlsx": (2, {"000104": 92.5, "000106": 42.5}),
    "qualtrics.csv": (2, {"000105": 95.0, "000103": 0.4 * 100 / 3 + 0.3 * 50 / 3 + 15}),
}


def _setup(h):
    import_roster_file(h, DATA / "roster_small.csv")
    with h.transaction() as s:
        open_cycle(s, "2026-Q4")
    return h


@pytest.fixture
def sv_home(sqlite_home):
    return _setup(sqlite_home)


@pytest.fixture
def sv_home_any(home):
    """The same on SQLite and on a real PostgreSQL."""
    return _setup(home)


def run(h, importer, path, **kw):
    cfg = load_evidence_config(h.assessments_dir)
    with Session(h.engine) as s, s.begin():
        return importer(s, path, cfg, "tester", **kw)


def counts(h) -> tuple[int, int]:
    with h.transaction() as s:
        return (s.scalar(select(func.count()).select_from(Evidence)),
                s.scalar(select(func.count()).select_from(EvidenceBatch)))


def person_means(h) -> dict[str, float]:
    with h.transaction() as s:
        resp = surveys.responses(evidence_frame(s, 1, "customer"))
    return resp.groupby("employee_id")["satisfaction"].mean().round(4).to_dict()


def rows_of(path: Path) -> list[list]:
    text = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return list(csv.reader(io.StringIO(text.decode(enc))))
        except UnicodeDecodeError:
            continue
    raise AssertionError(path)


def write_rows(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


# --- each tool's layout ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_is_each_survey_tools_export_imported_as_it_comes(sv_home_any, name):
    """Is each survey tool's own export (问卷星, 腾讯问卷, 金数据, SurveyMonkey, Google Forms,
    Microsoft Forms, Qualtrics) read with the right people and hand-computed satisfaction?"""
    n, expected = EXPECTED[name]
    result = run(sv_home_any, surveys.import_file, EXPORTS / name)
    assert result.extra["responses"] == n
    got = person_means(sv_home_any)
    assert got == pytest.approx({k: round(v, 4) for k, v in expected.items()}, abs=1e-3)
    with sv_home_any.transaction() as s:
        ev = evidence_frame(s, 1, "customer")
    # every item (person and company) of every response is stored; 7 items per response
    assert len(ev) == 7 * n


def test_is_a_wjx_export_in_xlsx_the_same_as_in_csv(sv_home, tmp_path):
    """Does the 问卷星 export saved as an Excel workbook give the same scores as its CSV?"""
    wb = Workbook()
    for r in rows_of(EXPORTS / "wjx_customer_survey.csv"):
        wb.active.append(r)
    wb.save(tmp_path / "wjx.xlsx")
    run(sv_home, surveys.import_file, tmp_path / "wjx.xlsx")
    assert person_means(sv_home) == pytest.approx({"000102": 60.0, "000104": 67.5})


def test_does_a_360_review_from_a_survey_tool_find_rater_ratee_and_agreement_words(sv_home):
    """Does a 问卷星 review export, with the rater and the person reviewed asked as questions and
    answers as agreement words, become peer, supervisor and self reviews on the scale?"""
    result = run(sv_home, reviews.import_file, EXPORTS / "wjx_review_360.csv")
    assert result.extra == {"peer": 6, "supervisor": 6, "self": 6, "upward": 0}
    with sv_home.transaction() as s:
        ev = evidence_frame(s, 1).set_index(["source", "rater_id", "employee_id", "item"])["raw"]
    assert ev[("peer", "000103", "000104", "review/courtesy")] == 5.0     # 非常同意
    assert ev[("peer", "000103", "000104", "review/solving")] == 3.0      # 一般
    assert ev[("supervisor", "000101", "000103", "review/knowledge")] == 5.0
    assert ev[("self", "000104", "000104", "review/knowledge")] == 5.0


# --- refusals -------------------------------------------------------------------------------------

BAD = {
    # file to spoil: (row index in the file to change, column index, new value) -> (row, column, letter, text)
    "surveymonkey.csv": ((3, 11, "Fantastic"),
                         (4, "How satisfied were you with our engineer? - Response speed", "L",
                          "'Fantastic' is not an answer on the scale")),
    "wjx_customer_survey.csv": ((2, 7, "009999"),
                                (3, "2、为您上门服务的工程师工号是:", "H", "unknown staff id '009999'")),
    "qualtrics.csv": ((4, 18, "Pretty good"),
                      (5, "How satisfied are you with the engineer's service? - Service attitude",
                       "S", "'Pretty good' is not an answer on the scale")),
    "tencent_wj.csv": ((1, 12, "7"),
                       (2, "2.请您对本次服务做出评价—响应速度", "M", "answer 7 is outside the scale 1-5")),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_is_a_bad_answer_in_a_tools_export_refused_with_row_and_column(sv_home_any, tmp_path, name):
    """Is a spoilt cell of a tool's export refused naming the file, the spreadsheet row, the
    header as the tool wrote it and its letter, with nothing written?"""
    (r, c, value), (row, column, letter, text) = BAD[name]
    rows = rows_of(EXPORTS / name)
    rows[r][c] = value
    path = write_rows(tmp_path / name, rows)
    before = counts(sv_home_any)
    with pytest.raises(ProblemsError) as err:
        run(sv_home_any, surveys.import_file, path)
    hits = [p for p in err.value.problems if text in p.message]
    assert hits, err.value.summary()
    assert (hits[0].file, hits[0].row, hits[0].column, hits[0].letter) == (name, row, column, letter)
    assert counts(sv_home_any) == before


def test_is_an_export_without_the_persons_questions_refused(sv_home, tmp_path):
    """Is a file whose questions match none of the person's items refused before anything is
    stored, naming the missing items?"""
    rows = [["序号", "提交答卷时间", "1、工程师工号", "2、您对产品质量是否满意"],
            ["1", "2026/11/3 10:21:05", "000102", "满意"]]
    with pytest.raises(ProblemsError) as err:
        run(sv_home, surveys.import_file, write_rows(tmp_path / "wjx.csv", rows))
    assert any("required item 'attitude'" in p.message for p in err.value.problems)
    assert counts(sv_home) == (0, 0)


# --- word answers ---------------------------------------------------------------------------------


def _table(rows):
    from core.tabular import Table
    return Table("t.csv", "utf-8", rows[0], [(i + 2, r) for i, r in enumerate(rows[1:])], "x")


@pytest.mark.parametrize("words, expected", [
    (["非常不满意", "不满意", "一般", "满意", "非常满意"], [1, 2, 3, 4, 5]),
    (["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"], [1, 2, 3, 4, 5]),
    (["非常不满意", "比较不满意", "一般", "比较满意", "非常满意"], [1, 2, 3, 4, 5]),
    (["非常不满意", "不满意", "比较不满意", "一般", "比较满意", "满意", "非常满意"],
     [1, 1 + 4 / 6, 1 + 8 / 6, 3, 1 + 16 / 6, 1 + 20 / 6, 5]),
    (["Extremely dissatisfied", "Moderately dissatisfied", "Slightly dissatisfied",
      "Neither satisfied nor dissatisfied", "Slightly satisfied", "Moderately satisfied",
      "Extremely satisfied"], [1, 1 + 4 / 6, 1 + 8 / 6, 3, 1 + 16 / 6, 1 + 20 / 6, 5]),
    (["5分", "4 - Satisfied", "VERY SATISFIED", "  satisfied "], [5, 4, 5, 4]),
])
def test_are_word_answers_mapped_onto_the_scale(words, expected):
    """Are 5- and 7-point satisfaction words, in Chinese and English, mapped onto a 1-5 scale?"""
    table = _table([["q"], *[[w] for w in words]])
    aw = AnswerWords.for_table(table, {"q": 0}, 1, 5)
    assert [aw.value("q", w) for w in words] == pytest.approx(expected)


def test_is_a_seven_point_file_read_on_seven_points_in_every_column():
    """When one column of a 7-point survey holds only 满意 and 非常满意, is it still read on the
    file's 7-point scale rather than as 4 of 5?"""
    table = _table([["a", "b"], ["满意", "比较满意"], ["非常满意", "一般"]])
    aw = AnswerWords.for_table(table, {"a": 0, "b": 1}, 1, 5)
    assert aw.value("a", "满意") == pytest.approx(1 + 20 / 6)


def test_is_an_unknown_word_refused_with_what_is_accepted():
    """Is a word on no scale refused with a message naming the accepted words?"""
    table = _table([["q"], ["满意"], ["还行吧"]])
    aw = AnswerWords.for_table(table, {"q": 0}, 1, 5)
    with pytest.raises(ValueError, match="'还行吧' is not an answer on the scale .*非常满意"):
        aw.value("q", "还行吧")


# --- headers and meta columns ---------------------------------------------------------------------


@pytest.mark.parametrize("header, wanted", [
    ("1、服务态度", "服务态度"), ("1. 服务态度", "服务态度"), ("Q1 服务态度", "服务态度"),
    ("Q1. Service attitude", "Service attitude"), ("第1题 服务态度", "服务态度"),
    ("第3题(服务态度)", "服务态度"), ("3、(服务态度)", "服务态度"), ("Q2_1 服务态度", "服务态度"),
    ("Q2_1. Service attitude", "Service attitude"),
    ("Please rate our service [Service attitude]", "Service attitude"),
    ("How satisfied are you? - Service attitude", "Service attitude"),
    ("2.请您对本次服务做出评价—服务态度", "服务态度"),
    ("1.请您评价：服务态度", "服务态度"), ("3(服务态度)", "服务态度"), ("Q3：服务态度", "服务态度"),
])
def test_are_question_numbers_and_matrix_stems_taken_off(header, wanted):
    """Is each tool's question numbering (1、 1. Q1 Q1_1 第1题) and matrix stem taken off a header?"""
    assert wanted in header_candidates(header)


@pytest.mark.parametrize("header", ["提交答卷时间", "所用时间", "来源", "来源详情", "来自IP",
                                    "开始答题时间", "答题时长", "填写设备", "Start Date", "End Date",
                                    "IP Address", "Collector ID", "Timestamp", "Completion time",
                                    "IPAddress", "Duration (in seconds)", "RecordedDate"])
def test_are_the_tools_meta_columns_known(header):
    """Is each survey tool's own column (time, duration, source, IP ...) recognised as meta?"""
    assert is_meta(header)


def test_are_meta_columns_ignored_whatever_they_hold(sv_home, tmp_path):
    """Does filling the meta columns with anything (even numbers on the scale) change nothing?"""
    rows = rows_of(EXPORTS / "wjx_customer_survey.csv")
    for r in rows[1:]:
        r[1], r[2], r[3], r[4], r[5] = "3", "5", "非常满意", "??", "not an ip"
    run(sv_home, surveys.import_file, write_rows(tmp_path / "wjx_customer_survey.csv", rows,
                                                  "gb18030"))
    assert person_means(sv_home) == pytest.approx({"000102": 60.0, "000104": 67.5})
    with sv_home.transaction() as s:
        assert len(evidence_frame(s, 1, "customer")) == 3 * 7


def test_does_surveymonkeys_second_header_row_become_matrix_headers():
    """Are SurveyMonkey's two header rows unfolded into "question - row" headers, the data rows
    keeping their spreadsheet numbers?"""
    from core.tabular import read_table

    t = unfold(read_table(EXPORTS / "surveymonkey.csv"))
    assert t.headers[10:13] == ["How satisfied were you with our engineer? - Service attitude",
                                "How satisfied were you with our engineer? - Response speed",
                                "How satisfied were you with our engineer? - Problem solving"]
    assert t.headers[9] == "What is the staff ID of the engineer who served you?"
    assert [r for r, _ in t.rows] == [3, 4]


# --- attribution ----------------------------------------------------------------------------------


def test_do_company_items_never_change_a_persons_score(sv_home_any, tmp_path):
    """When customers rate the product, price, delivery and packaging worst and then best, with the
    same answers about the engineer, is the engineer's customer score (shrunk and plain) the same,
    while the company report moves?"""
    rows = rows_of(EXPORTS / "wjx_customer_survey.csv")
    results = []
    for word in ("非常不满意", "非常满意"):
        for r in rows[1:]:
            r[11:15] = [word] * 4
        path = write_rows(tmp_path / "wjx_customer_survey.csv", rows, "gb18030")
        run(sv_home_any, surveys.import_file, path)  # the same name: replaces the batch
        with sv_home_any.transaction() as s:
            src = collect(s, 1, ["000102", "000104"])
            report = company_feedback.company_report(s, 1)
        results.append((src.components.set_index(["employee_id", "component"])["score"],
                         src.variants.set_index("employee_id")["score"], report))
    (comp0, var0, rep0), (comp1, var1, rep1) = results
    assert comp0[("000102", "customer")] == pytest.approx(comp1[("000102", "customer")])
    assert var0.to_dict() == pytest.approx(var1.to_dict())
    assert var1["000102"] == pytest.approx(60.0)
    overall0 = rep0[rep0["team"] == "*"].set_index("item")["mean"]
    overall1 = rep1[rep1["team"] == "*"].set_index("item")["mean"]
    assert list(overall1.index) == ["product_quality", "price", "delivery_time", "packaging"]
    assert (overall0 == 0.0).all() and (overall1 == 100.0).all()


def test_is_the_company_report_exported_in_both_languages(sv_home, tmp_path):
    """Is the company report written to .xlsx and .csv with English or Chinese headers?"""
    from openpyxl import load_workbook

    run(sv_home, surveys.import_file, EXPORTS / "wjx_customer_survey.csv")
    with sv_home.transaction() as s:
        report = company_feedback.company_report(s, 1)
    # product quality over everyone: 满意 4, 不满意 2, 非常满意 5 -> 75, 25, 100 -> mean 66.7;
    # satisfied (at least 85): only the 100
    pq = report[(report["item"] == "product_quality") & (report["team"] == "*")].iloc[0]
    assert (pq["responses"], pq["mean"], pq["satisfied_share"]) == (3, 66.7, round(1 / 3, 3))
    company_feedback.export_company_report(report, tmp_path / "c.xlsx", "zh")
    ws = load_workbook(tmp_path / "c.xlsx").active
    assert [c.value for c in ws[1]][:4] == ["项目代码", "题目(英文)", "题目", "团队"]
    company_feedback.export_company_report(report, tmp_path / "c.csv", "en")
    assert (tmp_path / "c.csv").read_text("utf-8-sig").startswith("item,question,")


# --- plain vs shrunk ------------------------------------------------------------------------------


def test_are_plain_and_shrunk_satisfaction_computed_as_documented():
    """On a hand-computed team: one response of 100 and four of 60, is the plain figure the mean
    (100, satisfied; 60, not) and the shrunk one (n x mean + 5 x team mean) / (n + 5)?"""
    resp = pd.DataFrame({"employee_id": ["A", "B", "B", "B", "B"],
                         "rater_id": ["c1", "c2", "c3", "c4", "c5"],
                         "satisfaction": [100.0, 60.0, 60.0, 60.0, 60.0]})
    form = SurveyForm(items=[{"id": "x", "text_en": "x", "weight": 1}])
    per = surveys.summarise(resp, {"A": "T", "B": "T"}, form).set_index("employee_id")
    # team mean over responses: (100 + 4 x 60) / 5 = 68
    assert per.loc["A", "plain"] == 100.0 and bool(per.loc["A", "plain_satisfied"])
    assert per.loc["B", "plain"] == 60.0 and not bool(per.loc["B", "plain_satisfied"])
    assert per.loc["A", "shrunk"] == pytest.approx((100 + 5 * 68) / 6)   # 73.33
    assert per.loc["B", "shrunk"] == pytest.approx((4 * 60 + 5 * 68) / 9)  # 64.44


def test_does_a_scheme_choose_plain_or_shrunk_satisfaction(sv_home_any, tmp_path):
    """Does the technical-support scheme grade the customer component on the shrunk figure by
    default and on the plain one when it says `customer: {variant: plain}`?"""
    run(sv_home_any, surveys.import_file, EXPORTS / "wjx_coded.csv")  # 000103 92.5, 000104 67.5
    src = Path(__file__).resolve().parent.parent / "assessments" / "schemes" / "technical_support.yaml"
    text = src.read_text("utf-8")
    shrunk = parse_scheme(text, "technical_support.yaml")
    plain = parse_scheme(text.replace("customer:   {weight: 0.20, kind: result}",
                                      "customer:   {weight: 0.20, kind: result, variant: plain}"),
                         "technical_support.yaml")
    assert plain.components["customer"].variant == "plain"
    with sv_home_any.transaction() as s:
        from core.cycles import get_cycle
        inputs = load_inputs(s, get_cycle(s, "2026-Q4"))
    team_mean = (92.5 + 67.5) / 2
    for scheme, want in ((shrunk, (92.5 + 5 * team_mean) / 6), (plain, 92.5)):
        _scored, detail, _x = score(inputs, {"technical_support": scheme})
        d = detail.set_index(["employee_id", "component"])
        assert d.loc[("000103", "customer"), "score"] == pytest.approx(want)
    assert "satisfied" in d.loc[("000103", "customer"), "note"]


def test_is_an_unknown_variant_refused_with_its_line():
    """Is a scheme naming a variant the component does not offer refused, naming file and line?"""
    src = Path(__file__).resolve().parent.parent / "assessments" / "schemes" / "technical_support.yaml"
    text = src.read_text("utf-8").replace("customer:   {weight: 0.20, kind: result}",
                                          "customer:   {weight: 0.20, kind: result, variant: median}")
    from core.errors import AcademyError

    with pytest.raises(AcademyError, match="unknown variant 'median'"):
        parse_scheme(text, "technical_support.yaml")


def test_does_every_default_scheme_still_load():
    """Do the repository's role schemes load with the new component options?"""
    folder = Path(__file__).resolve().parent.parent / "assessments" / "schemes"
    for path in folder.glob("*.yaml"):
        assert load_scheme(path).components


# --- the manager's panel --------------------------------------------------------------------------


def test_does_the_company_panel_show_only_company_rows_and_the_viewers_teams(sv_home, tmp_path):
    """Does a supervisor see the company-wide rows and their own team's rows only, in Chinese
    with no English label, while a trainee, a trainer and an anonymous viewer see nothing?"""
    from dashboards import data
    from dashboards.access import Viewer
    from dashboards.company_panel import LABELS, company_feedback_frame, company_items_panel

    run(sv_home, surveys.import_file, EXPORTS / "tencent_wj.csv")        # 000105, 000106 (West)
    run(sv_home, surveys.import_file, EXPORTS / "wjx_customer_survey.csv")  # 000102, 000104 (一部)
    company = data.load_company(sv_home, refresh=True)
    west = company_feedback_frame(company, Viewer("000105"), "2026-Q4")
    assert set(west["team"]) == {"*", "Field Team West"}
    admin = company_feedback_frame(company, Viewer("admin:root"), "2026-Q4")
    assert set(admin["team"]) == {"*", "Field Team West", "售后一部"}
    panel = company_items_panel(company, "000105", "zh", open_now=True)
    html_text = " ".join(str(getattr(c, "value", "")) for c in _walk(panel))
    assert LABELS["title"][1] in html_text and "产品质量" in html_text and "售后一部" not in html_text
    assert "Product quality" not in html_text and "All teams" not in html_text
    for who in ("000104", "trainer:li"):
        denied = company_items_panel(company, who, "en", open_now=True)
        text = " ".join(str(getattr(c, "value", "")) for c in _walk(denied))
        assert "no access" in text and "Product quality" not in text


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_does_a_google_forms_review_find_people_and_grid_rows_in_english(sv_home):
    """Does a Google Forms review export, with both staff ids asked as questions and a grid of
    agreement words, give the right peer and supervisor reviews on the scale?"""
    result = run(sv_home, reviews.import_file, EXPORTS / "google_forms_review.csv")
    assert result.extra == {"peer": 6, "supervisor": 6, "self": 0, "upward": 0}
    with sv_home.transaction() as s:
        ev = evidence_frame(s, 1).set_index(["source", "rater_id", "employee_id", "item"])["raw"]
    assert ev[("peer", "000104", "000103", "review/courtesy")] == 5.0      # Strongly agree
    assert ev[("peer", "000104", "000103", "review/solving")] == 3.0       # Neither ...
    assert ev[("supervisor", "000101", "000104", "review/solving")] == 2.0  # Disagree


def test_is_a_question_that_starts_with_a_number_left_whole():
    """Is "24小时内到达" (a question starting with a figure, not a number) left as it is?"""
    assert header_candidates("24小时内到达") == ["24小时内到达"]
    assert header_candidates("30 minutes to respond") == ["30 minutes to respond"]


def test_does_a_what_if_keep_the_schemes_satisfaction_variant():
    """When a manager tries other weights, does the scheme still grade customers on the plain
    figure it chose?"""
    src = Path(__file__).resolve().parent.parent / "assessments" / "schemes" / "technical_support.yaml"
    text = src.read_text("utf-8").replace("customer:   {weight: 0.20, kind: result}",
                                          "customer:   {weight: 0.20, kind: result, variant: plain}")
    scheme = parse_scheme(text, "technical_support.yaml").with_weights({"customer": 0.5})
    assert scheme.components["customer"].variant == "plain"
    assert scheme.components["supervisor"].variant is None
