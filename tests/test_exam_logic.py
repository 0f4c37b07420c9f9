"""Theory exams, the fast part: banks, scoring rules, variants, released content, item analysis."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest

from core.errors import ProblemsError
from graders.exam.bank import load_bank, parse_question
from graders.exam.build import build_notebook, write_source
from graders.exam.public import dump_public, key_ids, public_exam, variant
from graders.exam.scoring import score_answer
from graders.exam.simulate import correct_answer
from graders.exam.stats import item_analysis

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
BANKS = ROOT / "assessments" / "banks"
SOURCES = ROOT / "assessments" / "source"


def _q(**kw):
    raw = {"id": "q1", "stem": "s", "competency": "knowledge", **kw}
    q, problems = parse_question(raw, lambda f, m: m)
    assert not problems, problems
    return q


def test_does_a_bad_bank_report_every_problem_with_file_line_and_field(tmp_path):
    """Does a bank with several mistakes name each one by file, line and field, and build nothing?"""
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: Bad Name\nquestions:\n"
        "  - id: q1\n    type: single\n    stem: x\n    options: [a, b]\n    key: C\n"
        "    competency: knowledge\n"
        "  - id: q2\n    type: essay\n    stem: y\n    competency: kindness\n", encoding="utf-8")
    with pytest.raises(ProblemsError) as info:
        load_bank(bad)
    text = str(info.value)
    assert 'bad.yaml, line 1, field "name"' in text
    assert 'bad.yaml, line 7, field "questions[1].key"' in text and "names no option" in text
    assert 'line 12, field "questions[2].competency"' in text and "kindness" in text
    assert "mark_scheme is empty" in text


def test_does_an_excel_bank_give_the_same_exam_as_its_yaml_twin(tmp_path):
    """Does a bank authored as an Excel sheet (Chinese headers) build the same exam, and does a bad
    cell name its sheet, row and column letter?"""
    import openpyxl

    yaml_bank = load_bank(DATA / "exam_small.yaml")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "questions"
    ws.append(["题号", "题型", "题干", "选项", "答案", "分值", "能力", "误差", "单位", "可接受答案",
               "评分标准", "题组", "部分得分"])
    letters = "ABCDEFGHIJ"
    for q in yaml_bank.questions:
        key = None
        if q.type == "single":
            key = letters[min(q.key_options)]
        elif q.type == "multiple":
            key = ",".join(letters[i] for i in sorted(q.key_options))
        elif q.type == "true_false":
            key = "正确" if q.key_bool else "错误"
        elif q.type == "numeric":
            key = q.key_number
        ws.append([q.id, q.type, q.stem, "\n".join(q.options) or None, key, q.points, q.competency,
                   q.tolerance or None, q.unit or None, "|".join(q.accepted) or None,
                   q.mark_scheme or None, q.pool, q.partial])
    ex = wb.create_sheet("exam")
    for row in (["field", "value"], ["name", "small-exam"], ["title", yaml_bank.title], ["language", "en"],
                ["pool.codes", 1], ["late_penalty.percent_per_day", 10],
                ["late_penalty.max_percent", 50]):
        ex.append(row)
    path = tmp_path / "bank.xlsx"
    wb.save(path)
    xlsx_bank = load_bank(path)
    assert dump_public(public_exam(xlsx_bank)) == dump_public(public_exam(yaml_bank))
    assert [q.key_options for q in xlsx_bank.questions] == [q.key_options for q in yaml_bank.questions]
    ws["G3"] = "charm"
    wb.save(path)
    with pytest.raises(ProblemsError) as info:
        load_bank(path)
    assert 'bank.xlsx [questions], row 3, column "能力" (G)' in str(info.value)


def test_do_the_partial_credit_rules_of_multiple_choice_score_as_documented():
    """Do all-or-nothing, per-option and right-minus-wrong give the expected points, and does an
    empty answer always score zero?"""
    base = {"type": "multiple", "options": ["a", "b", "c", "d"], "key": "A, B", "points": 4}
    keys = sorted(key_ids("e", _q(**base)))
    other = sorted({"o1", "o2", "o3", "o4"} - set(keys))
    half = [keys[0]]
    for rule, full, one_right, one_each in (("all_or_nothing", 4, 0, 0), ("per_option", 4, 3, 2),
                                           ("right_minus_wrong", 4, 2, 0)):
        q = _q(**base, partial=rule)
        assert score_answer("e", q, keys).points == full
        assert score_answer("e", q, half).points == one_right
        assert score_answer("e", q, [keys[0], other[0]]).points == one_each
        assert score_answer("e", q, []).verdict == "unanswered"


def test_are_numeric_short_text_and_true_false_answers_read_like_a_person_writes_them():
    """Is '75%' or full-width '７５' accepted within tolerance, 'e2 ' matched to 'E2', and are
    answers of the wrong kind marked invalid instead of crashing?"""
    num = _q(type="numeric", key=75, tolerance=0.5)
    assert score_answer("e", num, "75%").verdict == "correct"
    assert score_answer("e", num, "７５.４").verdict == "correct"
    assert score_answer("e", num, "76").verdict == "incorrect"
    assert score_answer("e", num, "seventy").verdict == "invalid"
    rel = _q(type="numeric", key=200, tolerance="2%")
    assert score_answer("e", rel, 203.9).verdict == "correct"
    assert score_answer("e", rel, 204.1).verdict == "incorrect"
    short = _q(type="short_text", accepted=["E2"])
    assert score_answer("e", short, " e2 ").verdict == "correct"
    assert score_answer("e", short, {"x": 1}).verdict == "invalid"
    tf = _q(type="true_false", key="错误")
    assert score_answer("e", tf, False).verdict == "correct"
    assert score_answer("e", tf, "false").verdict == "invalid"
    single = _q(type="single", options=["a", "b"], key="B")
    assert score_answer("e", single, ["o1"]).verdict == "invalid"


def _rekeyed(bank):
    """The same bank with a different answer key for every question."""
    other = copy.deepcopy(bank)
    for q in other.questions:
        if q.type == "single":
            q.key_options = frozenset({(min(q.key_options) + 1) % len(q.options)})
        elif q.type == "multiple":
            q.key_options = frozenset(set(range(len(q.options))) - set(q.key_options))
        elif q.type == "true_false":
            q.key_bool = not q.key_bool
        elif q.type == "numeric":
            q.key_number += 7
        elif q.type == "short_text":
            q.accepted = ["something else"]
        elif q.type == "free_text":
            q.mark_scheme = "another mark scheme entirely"
    return other


@pytest.mark.parametrize("bank_file", sorted(BANKS.glob("*.yaml")), ids=lambda p: p.stem)
def test_is_the_public_part_of_every_demo_exam_independent_of_its_key(bank_file, tmp_path):
    """Does building a demo exam with a different key give a byte-identical exam.json and the same
    notebook apart from the mark schemes (which nbgrader strips on release)?"""
    bank = load_bank(bank_file)
    other = _rekeyed(bank)
    assert dump_public(public_exam(bank)) == dump_public(public_exam(other))
    nb1, nb2 = build_notebook(bank), build_notebook(other)
    diff = [c1.id for c1, c2 in zip(nb1.cells, nb2.cells) if c1.source != c2.source]
    assert all(d.endswith("-stem") for d in diff)
    released = json.dumps(public_exam(bank), ensure_ascii=False)
    for q in bank.questions:
        for secret in ([q.explanation] if q.explanation else []) + ([q.mark_scheme] if q.mark_scheme else []):
            assert secret not in released
    assert '"key' not in released and "accepted" not in released


@pytest.mark.parametrize("bank_file", sorted(BANKS.glob("*.yaml")), ids=lambda p: p.stem)
def test_are_the_committed_exam_sources_what_their_banks_build(bank_file, tmp_path):
    """Is every exam under assessments/source/ exactly what `academy exam build` makes of its bank
    (set ACADEMY_REFRESH_GOLDEN=1 to rewrite them)?"""
    bank = load_bank(bank_file)
    target = SOURCES / bank.name
    if os.environ.get("ACADEMY_REFRESH_GOLDEN"):
        write_source(bank, target)
    fresh = write_source(bank, tmp_path / bank.name)
    for f in fresh:
        assert f.read_bytes() == (target / f.name).read_bytes(), f"{target / f.name} is stale"
    assert {p.name for p in SOURCES.iterdir()} == {load_bank(b).name for b in BANKS.glob("*.yaml")}


def test_do_two_trainees_get_different_answer_sheets_that_stay_the_same_for_each():
    """Do neighbours get different pool draws or option orders, the same trainee always the same
    sheet, and does every question type of the competency model appear in each demo exam?"""
    for bank_file in sorted(BANKS.glob("*.yaml")):
        bank = load_bank(bank_file)
        pub = public_exam(bank)
        a, b = variant(pub, "001011"), variant(pub, "001012")
        assert a == variant(pub, "001011")
        assert [(v.question, v.option_ids) for v in a.values()] != \
               [(v.question, v.option_ids) for v in b.values()]
        assert len(a) >= 20
        assert {q.type for q in bank.questions} == {"single", "multiple", "true_false", "numeric",
                                                    "short_text", "free_text"}
        assert {q.competency for q in bank.questions} == {"knowledge", "communication",
                                                          "problem_solving", "teamwork"}
        # the solution of one trainee's variant is graded right, whatever the option order
        for view in a.values():
            q = bank.by_id[view.question]
            if not q.manual:
                assert score_answer(bank.name, q, correct_answer(bank, q)).verdict == "correct"


def test_does_item_analysis_find_the_easy_the_hard_and_the_miskeyed_question():
    """Are facility, item-rest discrimination and option counts right on a small worked example?"""
    # six trainees; q1 everyone right, q2 right by the strong ones, q3 right by the weak ones (miskeyed)
    pattern = {"t1": (1, 1, 0, 1, 1), "t2": (1, 1, 0, 1, 1), "t3": (1, 1, 0, 1, 0),
               "t4": (1, 0, 0, 0, 1), "t5": (1, 0, 0, 0, 0), "t6": (1, 0, 1, 0, 0)}
    scores = {t: {f"q{i + 1}": (float(v), 1.0) for i, v in enumerate(vals)} for t, vals in pattern.items()}
    questions = {"q1": "knowledge", "q2": "knowledge", "q3": "communication", "q4": "teamwork",
                 "q5": "problem_solving"}
    choices = {t: {"q2": "o1" if vals[1] else "o2"} for t, vals in pattern.items()}
    options = {"q2": [("o1", "right", True), ("o2", "wrong", False)]}
    stats = {s.question: s for s in item_analysis(scores, questions, choices, options)}
    assert stats["q1"].facility == 1.0 and stats["q1"].discrimination is None
    assert "too easy" in stats["q1"].flag
    assert stats["q2"].facility == 0.5 and stats["q2"].discrimination == pytest.approx(0.728, abs=1e-3)
    assert stats["q3"].discrimination < 0 and "low discrimination" in stats["q3"].flag
    assert "too hard" in stats["q3"].flag
    assert stats["q2"].option_counts == [("right", 3, True), ("wrong", 3, False)]


def test_does_plain_nbgrader_autograde_fail_closed_without_the_trainer_side_bank(tmp_path, monkeypatch):
    """If someone autogrades with plain nbgrader (formgrader's button) instead of `academy exam
    autograde`, does a question cell raise (0 points) rather than draw widgets (full marks)?"""
    from graders.exam.widgets import BANK_ENV, ask

    monkeypatch.delenv(BANK_ENV, raising=False)
    folder = tmp_path / "autograded" / "001011" / "small-exam"
    write_source(load_bank(DATA / "exam_small.yaml"), folder)
    with pytest.raises(RuntimeError, match="academy exam autograde"):
        ask("q01", folder)


def test_does_feedback_drop_the_answer_text_only_where_it_scored():
    """Does the feedback preprocessor remove 'Your answer' from a question that scored points, keep
    it where the answer was wrong, and leave other cells alone?"""
    import nbformat

    from graders.exam.feedback import HideCorrectAnswers

    def cell(points: float, answer: str):
        c = nbformat.v4.new_code_cell('ask("q1")', metadata={"nbgrader": {"grade": True, "solution": False}})
        c.outputs = [nbformat.v4.new_output("stream", name="stdout",
                                            text=f"1. stem\nYour answer: {answer}\nverdict\n"),
                     nbformat.v4.new_output("execute_result", data={"text/plain": str(points)},
                                            execution_count=1)]
        return c

    nb = nbformat.v4.new_notebook()
    nb.cells = [cell(2.0, "the key"), cell(0.0, "a wrong option"), nbformat.v4.new_markdown_cell("x")]
    nb, _ = HideCorrectAnswers()(nb, {})
    assert nb.cells[0].outputs[0].text == "1. stem\nverdict\n"
    assert "Your answer: a wrong option" in nb.cells[1].outputs[0].text
