"""Theory exams end to end: real nbgrader apps on a real home, every demo exam under
assessments/source/, solution / untouched / tampered submissions, feedback, evidence, the command."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from core.cycles import open_cycle
from core.home import init_home
from graders.exam import lifecycle, simulate, trainee
from graders.exam.bank import load_bank
from graders.exam.public import public_exam, variant

ROOT = Path(__file__).resolve().parent.parent
BANKS = ROOT / "assessments" / "banks"
EXAMS = sorted(p.name for p in (ROOT / "assessments" / "source").iterdir() if p.is_dir())
UNKNOWN = "990099"

pytestmark = pytest.mark.slow


def _bank_file(exam: str) -> Path:
    for p in BANKS.glob("*.yaml"):
        if load_bank(p).name == exam:
            return p
    raise AssertionError(f"no bank for {exam}")


def _home_with_roster(path: Path):
    from academy.synthetic.company import make_company, write_roster_csv
    from roster.store import import_roster_file

    h = init_home(path)
    people = make_company(24, 7)
    write_roster_csv(people, h.imports_dir / "roster.csv")
    import_roster_file(h, h.imports_dir / "roster.csv")
    with h.transaction() as s:
        open_cycle(s, "2026-Q4")
    return h, sorted(p.employee_id for p in people)


def _pool_differs(bank, a: str, b: str) -> bool:
    pub = public_exam(bank)
    return [v.question for v in variant(pub, a).values()] != [v.question for v in variant(pub, b).values()]


def _tamper_locked(nb_path: Path) -> None:
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    asks = [c for c in nb.cells if c.cell_type == "code"]
    asks[0].source = "print('I am sure I got this one')\n1000"  # edited locked cell
    asks[1].metadata.nbgrader["points"] = 100                     # changed points
    nb.cells.remove(asks[2])                                       # deleted locked cell
    nbformat.write(nb, nb_path)


def _add_wild_cells(nb_path: Path) -> None:
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    for src in ("while True:\n    pass", "raise RuntimeError('boom')", "print('x' * 5_000_000)",
                "import os\nos._exit(1)"):
        nb.cells.insert(2, nbformat.v4.new_code_cell(src))
    nbformat.write(nb, nb_path)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Both demo exams released, taken by seven kinds of trainee (solution, untouched, tampered and
    late, neighbour's sheet without notebook, junk answers file, unpreparable, id not in the
    roster), collected,
    autograded, the free text marked by a trainer, feedback released and scores stored."""
    base = tmp_path_factory.mktemp("exams")
    h, ids = _home_with_roster(base / "home")
    result = {"home": h, "exams": {}}
    for exam in EXAMS:
        bank = lifecycle.build(h, _bank_file(exam))
        due = datetime.now(UTC) + timedelta(days=3)
        lifecycle.release(h, exam, due)
        who = {"sol": ids[3], "blank": ids[4], "tampered": ids[5], "junk": ids[6], "broken": ids[7]}
        who["swap"] = next(i for i in ids[8:] if _pool_differs(bank, i, who["sol"]))
        work = base / "trainees" / exam
        for role, sid in [*who.items(), ("unknown", UNKNOWN)]:
            folder = trainee.fetch(h, exam, sid, work / sid)
            if role != "blank":
                sheet_of = who["sol"] if role == "swap" else sid
                answers, texts = simulate.answer_sheet(bank, sheet_of, 1.0)
                trainee.write_sheet(folder, exam, sid, answers, texts if role in ("sol", "tampered") else {})
            if role == "tampered":
                _tamper_locked(folder / f"{exam}.ipynb")
                _add_wild_cells(folder / f"{exam}.ipynb")
            if role == "swap":  # a neighbour's sheet, and the notebook and exam.json deleted
                (folder / f"{exam}.ipynb").unlink()
                (folder / "exam.json").unlink()
            if role == "junk":
                (folder / "answers.json").write_text("{" + "x" * 2_000_000)
            trainee.submit(h, exam, sid, work / sid)
        known, unknown = lifecycle.collect(h, exam)
        # a submission that cannot even be prepared (its notebook path is a folder)
        broken = h.course_dir / "submitted" / who["broken"] / exam / f"{exam}.ipynb"
        broken.unlink()
        broken.mkdir()
        late = h.course_dir / "submitted" / who["tampered"] / exam / "timestamp.txt"
        late.write_text((due + timedelta(hours=30)).strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
        outcomes = {o.employee_id: o for o in lifecycle.autograde(h, exam)}
        free = [q for q in bank.questions if q.manual]
        for q in free:
            lifecycle.grade_free_text(h, exam, who["sol"], q.id, q.points, "Complete answer.")
        feedback = lifecycle.feedback(h, exam)
        report = lifecycle.store_scores(h, exam, "test trainer")
        result["exams"][exam] = {"bank": bank, "who": who, "known": known, "unknown": unknown,
                                 "outcomes": outcomes, "feedback": feedback, "report": report,
                                 "free_points": sum(q.points for q in free)}
    yield result
    h.close()


@pytest.mark.parametrize("exam", EXAMS)
def test_does_the_solution_get_full_marks_and_the_untouched_release_zero(graded, exam):
    """Does the full solution score every point (free text marked by the trainer) and the
    untouched release score nothing?"""
    e = graded["exams"][exam]
    sol, blank = e["outcomes"][e["who"]["sol"]], e["outcomes"][e["who"]["blank"]]
    assert sol.status == "graded" and sol.score == sol.max_score - e["free_points"]
    with lifecycle.course.gradebook(graded["home"]) as gb:
        assert gb.find_submission(exam, e["who"]["sol"]).score == sol.max_score
    assert blank.status == "repaired" and blank.score == 0 and "answers file missing" in blank.reasons


@pytest.mark.parametrize("exam", EXAMS)
def test_are_tampered_submissions_graded_on_their_answers_with_the_reasons_recorded(graded, exam):
    """Do edited, deleted or re-pointed locked cells, added infinite loops, crashes and megabytes
    of output, a missing notebook and a junk answers file each end graded correctly or at zero,
    with a reason, and does a submission that cannot be graded at all become an error with a
    reason without stopping the batch?"""
    from graders.exam.models import ExamResult

    e = graded["exams"][exam]
    auto_full = e["outcomes"][e["who"]["sol"]].score
    out = {role: e["outcomes"][sid] for role, sid in e["who"].items()}
    assert out["tampered"].score == auto_full
    text = " | ".join(out["tampered"].reasons)
    assert "edited (restored)" in text and "deleted (restored)" in text and "changed to 100" in text
    assert "4 added cell(s) removed (never run)" in out["tampered"].reasons
    assert out["swap"].status == "repaired" and out["swap"].reasons[0].startswith("notebook missing")
    assert out["junk"].score == 0 and any("larger than" in r for r in out["junk"].reasons)
    assert out["broken"].status == "error" and out["broken"].reasons[0].startswith("could not prepare")
    with graded["home"].transaction() as s:
        rows = {r.employee_id: r for r in s.scalars(select(ExamResult).where(ExamResult.exam == exam))}
    assert rows[e["who"]["tampered"]].status == "repaired" and rows[e["who"]["tampered"]].reasons
    assert (graded["home"].course_dir / "originals" / e["who"]["tampered"] / exam / f"{exam}.ipynb").exists()


@pytest.mark.parametrize("exam", EXAMS)
def test_is_each_trainee_graded_against_the_key_of_their_own_variant(graded, exam):
    """Does a trainee who copies a neighbour's perfect sheet (and deletes the notebook) lose exactly
    the pool questions the neighbour's variant drew differently?"""
    e = graded["exams"][exam]
    bank = e["bank"]
    pub = public_exam(bank)
    mine = variant(pub, e["who"]["swap"])
    theirs = variant(pub, e["who"]["sol"])
    lost = sum(bank.by_id[mine[s].question].points for s in mine
               if mine[s].question != theirs[s].question)
    assert lost > 0
    assert e["outcomes"][e["who"]["swap"]].score == e["outcomes"][e["who"]["sol"]].score - lost


@pytest.mark.parametrize("exam", EXAMS)
def test_is_an_id_not_in_the_roster_reported_and_not_graded(graded, exam):
    """Is a submission under an employee id missing from the roster reported, and kept out of the
    gradebook and the evidence?"""
    e = graded["exams"][exam]
    assert e["unknown"] == [UNKNOWN] and UNKNOWN not in e["known"]
    assert e["outcomes"][UNKNOWN].status == "unknown_trainee"
    assert not (graded["home"].course_dir / "autograded" / UNKNOWN).exists()


@pytest.mark.parametrize("exam", EXAMS)
def test_do_the_scores_land_as_theory_evidence_per_question_and_competency(graded, exam):
    """Are the graded trainees' scores stored per question with their competency for the current
    cycle, the late trainee's reduced by the bank's penalty, and ungraded free text left out?"""
    from graders.evidence import Evidence

    e = graded["exams"][exam]
    with graded["home"].transaction() as s:
        rows = list(s.scalars(select(Evidence).where(Evidence.item.like(f"{exam}/%"))))
    sol = [r for r in rows if r.employee_id == e["who"]["sol"]]
    assert len(sol) == len(public_exam(e["bank"])["slots"])
    assert all(r.score == 100 and r.source == "theory" for r in sol)
    assert {r.competency for r in sol} == {"knowledge", "communication", "problem_solving", "teamwork"}
    late = [r for r in rows if r.employee_id == e["who"]["tampered"] and r.raw]
    pct = e["bank"].late_penalty.percent_per_day * 2  # 30 hours late = 2 days started
    assert late and all(r.score == pytest.approx(100 - pct) for r in late)
    # free text left untouched scores zero at once; written but unmarked free text waits for a trainer
    free = [q.id for q in e["bank"].questions if q.manual]
    assert all((e["who"]["tampered"], q) in e["report"].pending_manual for q in free)
    assert not any(t == e["who"]["blank"] for t, _ in e["report"].pending_manual)
    assert {r.item for r in rows if r.employee_id == e["who"]["blank"] and r.score == 0} >= \
        {f"{exam}/{q}" for q in free}


@pytest.mark.parametrize("exam", EXAMS)
def test_does_feedback_give_each_result_without_handing_out_the_key(graded, exam):
    """Does the released feedback show each question's verdict and points but no mark scheme, no
    hidden test and no right option (a right answer's text is left out, a wrong one's kept)?"""
    e = graded["exams"][exam]
    h, bank = graded["home"], e["bank"]
    assert set(e["feedback"]) >= {e["who"]["sol"], e["who"]["blank"]}
    fb_dir = h.exchange_dir / h.settings.course_id / "feedback"
    html = {}
    for f in fb_dir.glob("*.html"):
        html.setdefault(f.read_text(encoding="utf-8"), f)
    texts = list(html)
    assert len(texts) >= 6
    blank_html = (h.course_dir / "feedback" / e["who"]["blank"] / exam / f"{exam}.html").read_text("utf-8")
    assert ("not answered" in blank_html) or ("未作答" in blank_html)
    stems = " ".join(q.stem for q in bank.questions)
    for t in texts:
        assert "MARK SCHEME" not in t and "HIDDEN TESTS" not in t
        for q in bank.questions:
            if q.mark_scheme:
                assert q.mark_scheme.strip()[:30] not in t
    sol_html = (h.course_dir / "feedback" / e["who"]["sol"] / exam / f"{exam}.html").read_text("utf-8")
    assert ("correct: " in sol_html) or ("正确: " in sol_html)
    assert "Your answer:" not in sol_html and "你的答案:" not in sol_html
    for q in bank.questions:
        if q.type == "single":
            key_text = q.options[min(q.key_options)]
            if key_text not in stems:
                assert key_text not in blank_html and key_text not in sol_html


def _rekeyed_yaml(src: Path, dst: Path) -> None:
    data = yaml.safe_load(src.read_text(encoding="utf-8"))
    other = copy.deepcopy(data)
    for q in other["questions"]:
        if q["type"] == "single":
            q["key"] = "B" if str(q["key"]).strip() == "A" else "A"
        elif q["type"] == "multiple":
            q["key"] = "D"
        elif q["type"] == "true_false":
            q["key"] = not (str(q["key"]).lower() in ("true", "正确"))
        elif q["type"] == "numeric":
            q["key"] = float(q["key"]) + 3
        elif q["type"] == "short_text":
            q["accepted"] = ["zzz"]
        elif q["type"] == "free_text":
            q["mark_scheme"] = "An entirely different mark scheme."
    dst.write_text(yaml.safe_dump(other, allow_unicode=True), encoding="utf-8")


def test_are_the_released_files_byte_identical_when_the_key_changes(graded, tmp_path):
    """Does releasing every demo exam built from a bank with a different answer key give exactly
    the same released files, none holding a mark scheme or explanation?"""
    h1 = graded["home"]
    h2, _ = _home_with_roster(tmp_path / "other")
    for exam in EXAMS:
        rekeyed = tmp_path / f"{exam}.yaml"
        _rekeyed_yaml(_bank_file(exam), rekeyed)
        assert load_bank(rekeyed).questions[0].key_options != load_bank(_bank_file(exam)).questions[0].key_options
        lifecycle.build(h2, rekeyed)
        lifecycle.release(h2, exam)
        out1 = h1.exchange_dir / h1.settings.course_id / "outbound" / exam
        out2 = h2.exchange_dir / h2.settings.course_id / "outbound" / exam
        files = sorted(p.name for p in out1.iterdir())
        assert files == sorted(p.name for p in out2.iterdir()) == sorted([f"{exam}.ipynb", "exam.json"])
        bank = load_bank(_bank_file(exam))
        for name in files:
            data = (out1 / name).read_bytes()
            assert data == (out2 / name).read_bytes(), name
            text = data.decode("utf-8")
            for q in bank.questions:
                for secret in (q.mark_scheme, q.explanation):
                    if secret:
                        assert secret[:30] not in text
    h2.close()


def test_does_the_exam_command_show_scores_per_competency_and_item_statistics(graded):
    """Do `academy exam scores --by competency` and `academy exam stats` run on the graded home and
    report the competencies, the facility and discrimination of each question and the option counts?"""
    from conftest import run_academy

    h = graded["home"]
    exam = EXAMS[0]
    proc = run_academy("exam", "scores", exam, "--by", "competency", home=h.root, check=True)
    for comp in ("knowledge", "communication", "problem_solving", "teamwork"):
        assert comp in proc.stdout
    assert "theory scores" in proc.stdout
    proc = run_academy("exam", "stats", exam, home=h.root, check=True)
    assert "facility" in proc.stdout and "discrimination" in proc.stdout and "(* marks the key)" in proc.stdout
    bad = run_academy("exam", "autograde", "no-such-exam", home=h.root)
    assert bad.returncode != 0 and "no question bank" in (bad.stdout + bad.stderr)
    assert "Traceback" not in bad.stderr
    bank = h.imports_dir / "bank.yaml"
    bank.write_text("name: ok\nquestions:\n  - id: q1\n    type: numeric\n    stem: s\n"
                    "    key: many\n    competency: knowledge\n", encoding="utf-8")
    bad = run_academy("exam", "build", str(bank), home=h.root)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert 'bank.yaml, line 6, field "questions[1].key": key \'many\' is not a number' in bad.stderr


def test_do_widget_answers_survive_a_kernel_restart(tmp_path):
    """When a trainee clicks answers, restarts the kernel and reopens the questions, are the
    answers still selected and in answers.json?"""
    from jupyter_client.manager import start_new_kernel

    from graders.exam.build import write_source

    bank = load_bank(ROOT / "tests" / "data" / "exam_small.yaml")
    folder = tmp_path / "exam"
    write_source(bank, folder)
    pub = public_exam(bank)
    view = variant(pub, "001011")
    single_pick = view["q01"].option_ids[2]
    multi_pick = [view["q02"].option_ids[0], view["q02"].option_ids[3]]
    setup = ("import os; os.environ['ACADEMY_TRAINEE'] = '001011'\n"
             "from graders.exam.widgets import question_widget as qw\n")
    click = (f"qw('q01').inputs.value = {single_pick!r}\n"
             f"b = qw('q02').inputs\n"
             f"for i in (0, 3): b[i].value = True\n"
             f"qw('q03').inputs.value = False\n"
             f"qw('q04').inputs.value = '75 '\n")
    read = ("import json\n"
            "print(json.dumps([qw('q01').inputs.value, [c.value for c in qw('q02').inputs],"
            " qw('q03').inputs.value, qw('q04').inputs.value]))\n")

    def run(kc, code: str) -> str:
        out = []
        kc.execute_interactive(code, output_hook=lambda m: out.append(m["content"].get("text", ""))
                               if m["msg_type"] == "stream" else None, timeout=60)
        return "".join(out)

    km, kc = start_new_kernel(cwd=str(folder))
    try:
        run(kc, setup + click)
        km.restart_kernel(now=True)
        kc.wait_for_ready(timeout=60)
        restored = json.loads(run(kc, setup + read))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert restored == [single_pick, [True, False, False, True], False, "75"]
    saved = json.loads((folder / "answers.json").read_text(encoding="utf-8"))
    assert saved["trainee"] == "001011"
    assert saved["answers"]["q02"] == multi_pick and saved["answers"]["q04"] == "75"


def test_can_a_trainee_fetch_answer_by_clicking_and_submit_in_jupyterlab(tmp_path, browser):
    """In headless Chromium, does a trainee fetch the exam from JupyterLab's Assignments panel,
    answer by clicking and typing (no code), submit, and get the autograded score that matches?"""
    from academy.servers import JupyterLab
    from graders.exam.simulate import correct_answer

    h, ids = _home_with_roster(tmp_path / "home")
    sid = ids[5]
    bank = lifecycle.build(h, ROOT / "tests" / "data" / "exam_small.yaml")
    exam = bank.name
    lifecycle.release(h, exam)
    root = tmp_path / "trainee"
    trainee.write_trainee_config(h, root, sid)
    env = {"USER": sid, "LOGNAME": sid, "HOME": str(tmp_path / "trainee-home"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "trainee-home" / ".jupyter")}
    pub = public_exam(bank)
    sheet = variant(pub, sid)
    lab = JupyterLab(root, env=env, log=tmp_path / "lab.log")
    with lab:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(lab.url)
            page.wait_for_selector("#jp-main-dock-panel", timeout=90_000)
            page.locator('#jp-menu-panel div.lm-MenuBar-itemLabel:text("Nbgrader")').click()
            page.locator('li[data-command="nbgrader:open-assignment-list"]').click()
            released = page.locator("#released_assignments_list > .list_item", has_text=exam)
            released.locator(".item_status button").click(timeout=60_000)
            fetched = page.locator("#fetched_assignments_list > .list_item", has_text=exam)
            fetched.wait_for(timeout=60_000)
            assert (root / h.settings.course_id / exam / f"{exam}.ipynb").exists()
            page.goto(lab.url.replace("/lab?", f"/lab/tree/{h.settings.course_id}/{exam}/{exam}.ipynb?"))
            page.wait_for_selector(".jp-Notebook", timeout=60_000)
            page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=60_000)
            questions = page.locator(".academy-question")
            for attempt in range(3):  # the kernel may still be connecting on the first click
                page.locator('#jp-menu-panel div.lm-MenuBar-itemLabel:text("Run")').click()
                page.locator('.lm-Menu-itemLabel:text-is("Run All Cells")').click()
                try:
                    questions.nth(len(sheet) - 2).wait_for(timeout=20_000)
                    break
                except Exception:
                    if attempt == 2:
                        raise
            expected = 0.0
            for view in sheet.values():
                q = bank.by_id[view.question]
                if q.manual:
                    continue
                box = page.locator(".academy-question").filter(has_text=q.stem[:40])
                texts = {o["id"]: o["text"] for o in pub["questions"][q.id].get("options", [])}
                answer = correct_answer(bank, q)
                if q.type == "single":
                    box.get_by_text(texts[answer], exact=True).click()
                elif q.type == "multiple":
                    for oid in answer:
                        box.get_by_text(texts[oid], exact=True).click()
                elif q.type == "true_false":
                    box.get_by_text("True" if answer else "False", exact=True).click()
                else:
                    box.locator("input[type=text]").fill(str(answer))
                    box.locator("input[type=text]").press("Tab")
                box.get_by_text("✓ Saved").wait_for(timeout=30_000)
                expected += q.points
            page.keyboard.press("Control+s")
            page.locator('#jp-menu-panel div.lm-MenuBar-itemLabel:text("Nbgrader")').click()
            page.locator('li[data-command="nbgrader:open-assignment-list"]').click()
            fetched = page.locator("#fetched_assignments_list > .list_item", has_text=exam)
            fetched.locator('.item_status button:text("Submit")').click()
            page.locator("#submitted_assignments_list > .list_item", has_text=exam).wait_for(timeout=60_000)
        except Exception:
            page.screenshot(path=str(tmp_path / "failure.png"))
            raise
        finally:
            page.close()
    known, unknown = lifecycle.collect(h, exam)
    assert known == [sid] and unknown == []
    (outcome,) = lifecycle.autograde(h, exam)
    assert outcome.status == "graded", outcome.reasons
    assert outcome.score == expected == outcome.max_score - sum(q.points for q in bank.questions if q.manual)
    h.close()
