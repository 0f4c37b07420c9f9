"""Training courses: the course format, the practice logic and widgets, progress and ratings."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from core.competencies import CODES
from core.errors import ProblemsError
from training import modules_for_competency, widgets
from training.catalog import ModuleContent, courses_dir, load_courses
from training.check import check_courses
from training.conversation import Conversation, Scenario
from training.diagnosis import DiagnosisTree, DiagnosisWalk
from training.kpi import (
    Commitments,
    Ticket,
    first_contact_resolution,
    parse_tickets,
    response_compliance,
    weighted_satisfaction,
)
from training.progress import ModuleProgress, ReactionRating, module_summary, progress_report
from training.recorder import Recorder
from training.selfcheck import Question, check_answer, score
from training.session import ModuleSession

QUESTION = Question(id="q1", question="Allowed inlet pressure?",
                    options=["0.05-0.2 MPa", "0.1-0.4 MPa", "any"], answer=1,
                    explanation="0.1-0.4 MPa on every model.")

TREE = DiagnosisTree.model_validate({
    "title": "No water", "intro": "The faucet gives nothing.", "start": "a",
    "nodes": {
        "a": {"situation": "Where do you start?", "choices": [
            {"text": "Open the feed valve", "next": "ok", "result": "Water flows.", "good": True,
             "minutes": 2},
            {"text": "Replace the membrane", "next": "a2", "result": "Still no water.",
             "minutes": 40}]},
        "a2": {"situation": "Still nothing.", "choices": [
            {"text": "Open the feed valve", "next": "ok", "result": "Water flows.", "good": True,
             "minutes": 2}]},
        "ok": {"situation": "Fixed.", "outcome": "Valve was closed.", "solved": True},
    }})

SCENARIO = Scenario.model_validate({
    "title": "Leak", "intro": "Angry caller.", "customer_name": "Ms Li", "anger": 80,
    "start": "t1",
    "turns": {
        "t1": {"customer": {"en": "My kitchen is flooded!", "zh": "我家厨房被淹了！"}, "replies": [
            {"text": "I'm sorry, that sounds awful. Is the water still running?", "next": "calm",
             "feedback": "Empathy first, then safety.", "anger": -30,
             "scores": {"listening": 2, "empathy": 2, "emotion_control": 1}},
            {"text": "We will refund you in full today.", "next": "calm",
             "feedback": "You cannot promise a refund.", "anger": -20, "breach": True,
             "scores": {"empathy": 1, "emotion_control": 0}},
            {"text": "That's not our fault, the installer did it.", "next": "lost",
             "feedback": "Blaming others escalates.", "anger": 30,
             "scores": {"listening": -1, "empathy": -2, "emotion_control": -1}}]},
        "calm": {"customer": "OK. When can someone come?", "outcome": "Visit booked.",
                 "resolved": True},
        "lost": {"customer": "I want your manager!", "outcome": "Escalated as a complaint."},
    }})


# --- course format --------------------------------------------------------------------------------


def test_are_the_demo_courses_well_formed():
    """Does every demo course, practice file and notebook pass `check_courses` without a problem?"""
    courses = check_courses()
    assert len(courses) >= 4
    assert all(len(c.modules) >= 3 for c in courses)


def test_is_every_competency_covered_by_a_course():
    """Is each competency of the domain brief trained by at least one course's modules?"""
    for code in CODES:
        assert modules_for_competency(code), code
        assert any(code in c.spec.competencies for c in load_courses()), code


def test_does_modules_for_competency_return_the_tagged_modules_in_order():
    """Does `modules_for_competency` give exactly the modules tagged with the code, course by course?"""
    mods = modules_for_competency("communication")
    assert mods and all("communication" in m.competencies for m in mods)
    ids = [(m.course_id, m.id) for m in mods]
    assert ids == sorted(ids)
    assert all(m.notebook().exists() for m in mods)
    with pytest.raises(ValueError, match="unknown competency"):
        modules_for_competency("charisma")


def test_is_the_communication_course_in_english_and_chinese():
    """Does the communication course have a Chinese notebook and Chinese practice text per module?"""
    course = next(c for c in load_courses() if "communication" in c.spec.competencies
                  and "zh" in c.spec.languages)
    for m in course.modules:
        assert m.notebook("zh").exists()
        text = m.notebook("zh").read_text(encoding="utf-8")
        assert "学习目标" in text and "自测" in text


def _copy_courses(tmp_path: Path) -> Path:
    root = tmp_path / "courses"
    shutil.copytree(courses_dir(), root)
    return root


def test_does_check_report_every_problem_with_its_file(tmp_path):
    """Are a bad competency tag, a prerequisite loop, a missing notebook, code in a notebook and a
    wrong answer index all reported, each naming its file?"""
    root = _copy_courses(tmp_path)
    course = min(p for p in root.iterdir() if p.is_dir())
    yml = course / "course.yaml"
    yml.write_text(yml.read_text(encoding="utf-8").replace("competencies: [", "competencies: [charisma, ", 1),
                   encoding="utf-8")
    with pytest.raises(ProblemsError) as info:
        check_courses(root)
    assert "unknown competency 'charisma'" in str(info.value)
    assert str(yml) in str(info.value)

    root2 = _copy_courses(tmp_path / "b")
    course = min(p for p in root2.iterdir() if p.is_dir())
    for name, needs in (("teamwork", "communication"), ("communication", "teamwork")):
        yml = root2 / name / "course.yaml"
        yml.write_text(re.sub(r"prerequisites: \[.*\]", f"prerequisites: [{needs}]",
                              yml.read_text(encoding="utf-8")), encoding="utf-8")
    nbs = sorted(course.glob("0*.ipynb"))
    nbs[0].unlink()
    nb = json.loads(nbs[1].read_text(encoding="utf-8"))
    nb["cells"].append({"cell_type": "code", "id": "x", "metadata": {}, "outputs": [],
                        "execution_count": None, "source": "def helper():\n    pass\n"})
    nbs[1].write_text(json.dumps(nb), encoding="utf-8")
    practice = sorted(course.glob("0*.yaml"))[2]
    text = practice.read_text(encoding="utf-8")
    practice.write_text(re.sub(r"answer: \d", "answer: 9", text, count=1), encoding="utf-8")
    with pytest.raises(ProblemsError) as info:
        check_courses(root2)
    msg = str(info.value)
    assert "prerequisites form a loop" in msg
    assert f"{nbs[0]}: notebook is missing" in msg
    assert f"{nbs[1]}" in msg and "defines a function or class" in msg
    assert str(practice) in msg and "answer 9 is not an option index" in msg


def test_is_a_practice_tree_that_cannot_be_solved_rejected():
    """Is a diagnosis tree whose choices lead nowhere, or never to a solved end, refused?"""
    with pytest.raises(ValueError, match="undefined node"):
        DiagnosisTree.model_validate({"title": "x", "intro": "x", "start": "a", "nodes": {
            "a": {"situation": "s", "choices": [{"text": "t", "next": "zz", "result": "r"}]}}})
    with pytest.raises(ValueError, match="never be cleared"):
        DiagnosisTree.model_validate({"title": "x", "intro": "x", "start": "a", "nodes": {
            "a": {"situation": "s", "outcome": "stuck"}}})
    with pytest.raises(ValueError, match="at least 3"):
        ModuleContent.model_validate({"practice": {"t": TREE.model_dump()},
                                      "self_check": [QUESTION.model_dump()]})


# --- pure logic -----------------------------------------------------------------------------------


def test_does_a_self_check_answer_get_the_right_feedback():
    """Is a right answer confirmed with its explanation, and a wrong one told the right option?"""
    right = check_answer(QUESTION, 1)
    assert right.correct and "Correct" in right.message and "0.1-0.4 MPa on every" in right.message
    wrong = check_answer(QUESTION, 0)
    assert not wrong.correct and "The right answer: 0.1-0.4 MPa" in wrong.message
    assert not check_answer(QUESTION, None).correct
    assert score([QUESTION], {"q1": 1}) == 100.0
    assert score([QUESTION, QUESTION.model_copy(update={"id": "q2"})], {"q1": 1}) == 50.0


def test_does_the_diagnosis_walk_count_steps_time_and_the_shortest_path():
    """Does walking the tree track good steps and minutes, and know the shortest solved path?"""
    assert TREE.best_path_length() == 1
    walk = DiagnosisWalk(TREE)
    walk.choose(1)
    assert not walk.finished and walk.minutes == 40 and walk.good_steps == 0
    walk.choose(0)
    assert walk.solved and walk.minutes == 42 and walk.good_steps == 1
    with pytest.raises(ValueError, match="finished"):
        walk.choose(0)
    walk.restart()
    assert walk.current == "a" and walk.history == []


def test_does_the_conversation_judge_listening_empathy_and_emotion_control():
    """Do empathetic replies calm the customer and score well, while blame and unauthorised
    promises are flagged?"""
    good = Conversation(SCENARIO)
    good.reply(0)
    assert good.finished and good.anger == 50 and good.breaches == 0
    assert good.verdicts() == {"listening": "strong", "empathy": "strong", "emotion_control": "strong"}
    promise = Conversation(SCENARIO)
    promise.reply(1)
    assert promise.breaches == 1
    bad = Conversation(SCENARIO)
    bad.reply(2)
    assert bad.anger == 100 and not bad.turn.resolved
    assert bad.verdicts()["empathy"] == "needs_work"


def test_do_the_kpi_formulas_match_the_domain_brief():
    """Are FCR, weighted satisfaction and commitment compliance computed as the brief defines?"""
    assert first_contact_resolution(45, 60) == 75.0
    with pytest.raises(ValueError):
        first_contact_resolution(5, 0)
    with pytest.raises(ValueError):
        first_contact_resolution(7, 5)
    assert weighted_satisfaction({"attitude": 4, "speed": 5}, {"attitude": 0.6, "speed": 0.4}) == 88.0
    with pytest.raises(ValueError, match="no score for: speed"):
        weighted_satisfaction({"attitude": 4}, {"attitude": 1, "speed": 1})
    tickets = [Ticket(20, 10, 5), Ticket(45, 20, 30), Ticket(10)]
    r = response_compliance(tickets)
    assert (r.response_rate, r.onsite_rate, r.fix_rate, r.all_met_rate) == (66.7, 100.0, 50.0, 66.7)
    strict = response_compliance(tickets, Commitments(response_minutes=15))
    assert strict.response_rate == 33.3
    assert parse_tickets("# resp, onsite, fix\n20, 10, 5\n10，-，-\n") == [Ticket(20, 10, 5), Ticket(10)]
    with pytest.raises(ValueError, match="line 2"):
        parse_tickets("20\nabc")


# --- widgets --------------------------------------------------------------------------------------


def test_does_the_self_check_widget_give_feedback_and_a_score():
    """Does clicking Check show the right feedback for right and wrong answers, and report the
    score once every question is checked?"""
    scores = []
    q2 = QUESTION.model_copy(update={"id": "q2"})
    w = widgets.SelfCheck([QUESTION, q2], on_done=scores.append)
    first, second = w.items
    first.check.click()
    assert "Choose an answer first" in first.feedback.value
    first.options.value = 1
    first.check.click()
    assert "Correct." in first.feedback.value and scores == []
    assert "1/2" in w.result.value
    second.options.value = 2
    second.check.click()
    assert "Not quite." in second.feedback.value and "0.1-0.4 MPa" in second.feedback.value
    assert scores == [50.0] and "50 / 100" in w.result.value
    second.options.value = 1
    second.check.click()
    assert scores == [50.0, 100.0]


def test_does_the_chinese_self_check_speak_chinese():
    """Does a self-check opened with locale zh show Chinese options and Chinese feedback?"""
    q = Question(id="q", question={"en": "Listen first?", "zh": "先倾听吗？"},
                 options=[{"en": "Yes", "zh": "是"}, {"en": "No", "zh": "否"}], answer=0,
                 explanation={"en": "Always.", "zh": "总是先倾听。"})
    w = widgets.SelfCheck([q], locale="zh")
    item = w.items[0]
    assert item.options.options == (("是", 0), ("否", 1))
    item.options.value = 1
    item.check.click()
    assert "不太对" in item.feedback.value and "正确答案：是" in item.feedback.value


def test_does_the_diagnosis_widget_show_consequences_of_each_step():
    """Does clicking a step show its result and verdict, and report practice done only when solved?"""
    done = []
    w = widgets.Diagnosis(TREE, on_done=done.append)
    assert len(w.choice_buttons) == 2
    w.choice_buttons[1].click()
    assert "Still no water." in w.steps_log.value and "Not the best next step" in w.steps_log.value
    assert done == []
    w.choice_buttons[0].click()
    assert "Solved" in w.summary.value and "42 min" in w.summary.value and len(done) == 1
    w.restart_button.click()
    assert w.steps_log.value == "" and len(w.choices.children) == 2
    assert [b.description for b in w.choice_buttons] == ["A", "B"]


def test_does_the_conversation_widget_react_to_replies():
    """Does a reply move the anger meter, show its feedback and end with a per-dimension summary?"""
    done = []
    w = widgets.ConversationSim(SCENARIO, on_done=done.append)
    assert w.anger.value == 80 and "My kitchen is flooded!" in w.transcript.value
    w.reply_buttons[1].click()
    assert "You cannot promise a refund." in w.feedback.value
    assert "no authority" in w.feedback.value and "no authority" in w.summary.value
    assert w.anger.value == 60 and len(done) == 1
    w.restart_button.click()
    w.reply_buttons[0].click()
    assert w.anger.value == 50 and "Listening" in w.summary.value and "strong" in w.summary.value


def test_do_the_kpi_calculators_check_the_exercise():
    """Do the calculators compute the KPI, say when it matches the exercise, explain bad input,
    and speak Chinese in a Chinese module?"""
    from training.kpi import KpiTask

    done = []
    task = KpiTask(kind="kpi_fcr", title="FCR", intro="45 of 60", expected=75.0)
    w = widgets.FcrCalculator(task, on_done=done.append)
    w.resolved.value, w.total.value = 40, 60
    w.button.click()
    assert "66.7 %" in w.result.value and "not the exercise" in w.result.value and done == []
    w.resolved.value = 45
    w.button.click()
    assert "75 %" in w.result.value and "matches the exercise" in w.result.value and done == [75.0]
    w.total.value = 0
    w.button.click()
    assert "must be positive" in w.result.value
    c = widgets.ComplianceCalculator(KpiTask(kind="kpi_compliance", title="t", intro="i",
                                             tickets="20, 10, 5\n45, 20, 30", expected=50))
    c.button.click()
    assert "Every commitment met" in c.result.value and "matches the exercise" in c.result.value
    s = widgets.SatisfactionCalculator(KpiTask(kind="kpi_satisfaction", title="t", intro="i",
                                               weights={"attitude": 0.5, "speed": 0.5}))
    s.scores["attitude"].value = 4
    s.button.click()
    assert "90 / 100" in s.result.value and "satisfied" in s.result.value
    zh = widgets.FcrCalculator(locale="zh")
    zh.resolved.value, zh.total.value = 3, 4
    zh.button.click()
    assert zh.resolved.description == "首次联系即解决的问题数" and "首次解决率: 75 %" in zh.result.value


# --- progress and reaction ratings ----------------------------------------------------------------


def _session(home, trainee: str, module: str = "01_product_line") -> ModuleSession:
    return ModuleSession.open("product_knowledge", module, recorder=Recorder(trainee, home),
                              show=False)


def test_are_progress_and_ratings_stored_for_the_right_trainee(home):
    """Do opening, practice, self-check and rating land on the trainee who did them, on both
    database backends, leaving another trainee's record alone?"""
    a = _session(home, "001011")
    _session(home, "001012")
    a2 = _session(home, "001011")
    for pid in a.practice_ids:
        w = a.practice(pid)
        if isinstance(w, widgets.Diagnosis):
            while not w.walk.finished:
                good = [i for i, c in enumerate(w.walk.node.choices) if c.good]
                w.choose(good[0] if good else 0)
    sc = a2.self_check()
    for item in sc.items:
        item.options.value = item.question.answer
        item.check.click()
    r = a2.reaction()
    r.rating.value = 4
    r.comment.value = "  有用的例子 "
    r.submit.click()
    assert "saved" in r.feedback.value
    with home.transaction() as s:
        rows = {p.employee_id: p for p in s.scalars(select(ModuleProgress))}
        ratings = s.scalars(select(ReactionRating)).all()
    assert set(rows) == {"001011", "001012"}
    mine, other = rows["001011"], rows["001012"]
    assert mine.times_opened == 2 and mine.practice_done_at is not None
    assert mine.self_check_score == 100.0 and mine.self_check_attempts == 1
    assert other.times_opened == 1 and other.practice_done_at is None
    assert other.self_check_score is None
    assert [(x.employee_id, x.rating, x.comment) for x in ratings] == [("001011", 4, "有用的例子")]
    r.rating.value = 5
    r.submit.click()
    with home.transaction() as s:
        assert [(x.rating, x.comment) for x in s.scalars(select(ReactionRating))] == [(5, "有用的例子")]


def test_does_the_serving_identity_decide_who_is_recorded(sqlite_home, monkeypatch):
    """Is progress recorded for $ACADEMY_USER in the home named by $ACADEMY_HOME?"""
    monkeypatch.setenv("ACADEMY_HOME", str(sqlite_home.root))
    monkeypatch.setenv("ACADEMY_USER", "002345")
    rec = Recorder.from_environment()
    assert rec.active and rec.trainee == "002345"
    ModuleSession.open("product_knowledge", "01_product_line", recorder=rec, show=False)
    with sqlite_home.transaction() as s:
        assert s.scalars(select(ModuleProgress.employee_id)).all() == ["002345"]
    rec.home.close()


def test_does_a_modules_header_name_the_trainee_not_their_id(tmp_path, monkeypatch):
    """Does a module's header say whose progress it records by the roster's name (the id only
    for someone the roster does not know)?"""
    from academy.synthetic.company import make_company, write_roster_csv
    from core.home import init_home
    from roster.store import import_roster_file

    h = init_home(tmp_path / "home")
    people = make_company(12, 3)
    write_roster_csv(people, h.imports_dir / "roster.csv")
    import_roster_file(h, h.imports_dir / "roster.csv")
    monkeypatch.setenv("ACADEMY_HOME", str(h.root))
    me = people[0]
    monkeypatch.setenv("ACADEMY_USER", me.employee_id)
    m = ModuleSession.open("product_knowledge", "01_product_line", show=False)
    assert f"<b>{me.name}</b>" in m.header_html() and me.employee_id not in m.header_html()
    m.recorder.home.close()
    monkeypatch.setenv("ACADEMY_USER", "999999")
    m = ModuleSession.open("product_knowledge", "01_product_line", show=False)
    assert "<b>999999</b>" in m.header_html()
    m.recorder.home.close()
    h.close()


def test_does_a_notebook_without_a_home_carry_on_with_a_gentle_notice(tmp_path, monkeypatch):
    """With no home configured, does a module still open, show why nothing is recorded, and
    accept a rating without an error?"""
    monkeypatch.delenv("ACADEMY_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "nothing"))
    m = ModuleSession.open("product_knowledge", "01_product_line", show=False)
    assert not m.recorder.active
    assert "not being recorded" in m.header_html() and "ACADEMY_HOME" in m.header_html()
    r = m.reaction()
    r.rating.value = 3
    r.submit.click()
    assert "Not saved" in r.feedback.value


def test_does_the_progress_report_count_completions_per_trainee(sqlite_home):
    """Does the report show each roster member's opened and completed modules, list an identity
    that is not on the roster, and sum up each module's completions and reaction ratings?"""
    from academy.synthetic.company import make_company, write_roster_csv
    from roster.store import import_roster_file

    people = make_company(20, 7)
    path = sqlite_home.imports_dir / "r.csv"
    write_roster_csv(people, path)
    import_roster_file(sqlite_home, path)
    emp = people[3].employee_id
    from training.progress import record_opened, record_practice, record_reaction, record_self_check

    keys = [("c", "01_a"), ("c", "02_b")]
    with sqlite_home.transaction() as s:
        record_opened(s, emp, "c", "01_a")
        record_practice(s, emp, "c", "01_a", "p", ["p"])
        record_self_check(s, emp, "c", "01_a", 80)
        record_opened(s, emp, "c", "02_b")
        record_reaction(s, emp, "c", "01_a", 5)
        record_opened(s, "trainer_wu", "c", "01_a")
        with pytest.raises(ValueError):
            record_reaction(s, emp, "c", "01_a", 6)
    with sqlite_home.transaction() as s:
        report = {r.employee_id: r for r in progress_report(s, keys)}
    assert (report[emp].opened, report[emp].completed, report[emp].completion) == (2, 1, 50.0)
    assert report[emp].self_check_avg == 80 and report[emp].rating_avg == 5
    assert report["trainer_wu"].name is None and report["trainer_wu"].opened == 1
    assert len(report) == 21
    with sqlite_home.transaction() as s:
        record_reaction(s, "trainer_wu", "c", "01_a", 2, "太长了")
        by_module = {m.module: m for m in module_summary(s, keys)}
    a, b = by_module["01_a"], by_module["02_b"]
    assert (a.opened, a.completed, a.self_check_avg, a.ratings, a.rating_avg) == (2, 1, 80, 2, 3.5)
    assert a.comments == ("太长了",)
    assert (b.opened, b.completed, b.ratings, b.rating_avg) == (1, 0, 0, None)


# --- the command line -----------------------------------------------------------------------------


def test_do_the_course_commands_list_check_and_report_progress(sqlite_home, tmp_path):
    """Do `academy course list`, `check` and `progress` work through the real entry point, with a
    broken course reported by file and exit code 2, never a traceback?"""
    from conftest import run_academy

    listed = run_academy("course", "list", check=True)
    assert "product_knowledge" in listed.stdout and "03_mentoring" in listed.stdout
    ok = run_academy("course", "check", check=True)
    assert "4 courses, 12 modules: all well formed." in ok.stdout
    root = _copy_courses(tmp_path)
    (root / "teamwork" / "02_knowledge_base.yaml").write_text("practice: {}\nself_check: []\n",
                                                              encoding="utf-8")
    bad = run_academy("course", "check", "--courses", str(root))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "02_knowledge_base.yaml" in bad.stderr and "self_check" in bad.stderr
    with sqlite_home.transaction() as s:
        from training.progress import record_opened, record_self_check

        record_opened(s, "003001", "teamwork", "01_handover")
        record_self_check(s, "003001", "teamwork", "01_handover", 75)
    prog = run_academy("course", "progress", "--course", "teamwork", home=sqlite_home.root,
                       check=True)
    assert "003001" in prog.stdout and "not on the roster" in prog.stdout
    assert "1/3" in prog.stdout and "75" in prog.stdout
    rated = run_academy("course", "ratings", "--course", "teamwork", "--comments",
                        home=sqlite_home.root, check=True)
    assert "01_handover" in rated.stdout and "03_mentoring" in rated.stdout
    unknown = run_academy("course", "progress", "--course", "cooking", home=sqlite_home.root)
    assert unknown.returncode == 1 and "no course 'cooking'" in unknown.stderr


def test_are_two_tabs_opening_the_same_module_at_once_both_counted(sqlite_home):
    """When another tab creates the progress row between this tab's read and its write, is the
    opening still recorded, and counted twice, instead of lost?"""
    from training import progress

    calls = []

    def write(session, who):
        if not calls:
            calls.append(1)
            assert session.scalar(select(ModuleProgress)) is None  # this tab looks first ...
            other = Recorder(who, sqlite_home)  # ... the other tab records in between
            assert other.run(lambda s2, w: progress.record_opened(s2, w, "c", "m")) is None
        progress.record_opened(session, who, "c", "m")

    assert Recorder("001042", sqlite_home).run(write) is None
    with sqlite_home.transaction() as s:
        rows = s.scalars(select(ModuleProgress)).all()
    assert [(r.employee_id, r.times_opened) for r in rows] == [("001042", 2)]
