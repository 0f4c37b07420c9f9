"""Parallel autograding: the same gradebook as nbgrader's own one-kernel-per-notebook grading, and
one crashed or hung submission confined to itself. Real nbgrader, real kernels, real processes."""

from __future__ import annotations

import contextlib
import json
import shutil

import pytest
from sqlalchemy import select
from test_exam_e2e import BANKS, _home_with_roster

from graders.exam import course, lifecycle, simulate, trainee
from graders.exam.bank import load_bank
from graders.exam.sanitize import sanitize_in_home
from graders.exam.widgets import BANK_ENV
from graders.exam.worker import FAULTS_ENV

UNKNOWN = "990099"
ABILITIES = (0.0, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9, 1.0)

pytestmark = pytest.mark.slow


def stock_autograde(h, exam: str, sids: list[str]) -> dict[str, str]:
    """nbgrader unchanged: NbGraderAPI.autograde per trainee in this process, a fresh kernel for
    every notebook (what `academy exam autograde` did before workers); returns the statuses."""
    import os

    bank = load_bank(course.bank_path(h, exam))
    release_nb = h.course_dir / "release" / exam / f"{exam}.ipynb"
    api = course.api(h, exam, bank.language)
    statuses = {}
    for sid in sids:
        try:
            reasons = sanitize_in_home(h, exam, sid, release_nb)
        except Exception:  # noqa: BLE001
            statuses[sid] = "error"
            continue
        os.environ[BANK_ENV] = str(course.bank_path(h, exam))
        try:
            result = api.autograde(exam, sid, force=True, create=True)
        finally:
            os.environ.pop(BANK_ENV)
        statuses[sid] = "error" if not result["success"] else "repaired" if reasons else "graded"
    return statuses


def gradebook_contents(h, exam: str) -> dict:
    """Everything nbgrader keeps about the exam's submissions, without ids and timestamps."""
    with course.gradebook(h) as gb:
        out = {}
        for sub in gb.assignment_submissions(exam):
            notebooks = {}
            for nb in sub.notebooks:
                grades = sorted((g.name, g.auto_score, g.manual_score, g.extra_credit, g.max_score,
                                 g.needs_manual_grade, g.failed_tests) for g in nb.grades)
                comments = sorted((c.name, c.auto_comment, c.manual_comment) for c in nb.comments)
                notebooks[nb.name] = (grades, comments, nb.score, nb.max_score, nb.needs_manual_grade,
                                      nb.late_submission_penalty, nb.flagged)
            out[sub.student.id] = (sub.score, sub.max_score, sub.needs_manual_grade,
                                   sub.late_submission_penalty, notebooks)
        return out


def _joined_streams(outputs: list) -> list:
    """Outputs with consecutive stream chunks joined: how ipykernel splits one print() into
    messages depends on its flush timing, in a fresh kernel as in a warm one."""
    out = []
    for o in outputs:
        if out and o.output_type == "stream" and out[-1].get("output_type") == "stream" \
                and out[-1]["name"] == o.name:
            out[-1] = {**out[-1], "text": out[-1]["text"] + o.text}
        else:
            out.append(dict(o))
    return out


def autograded_outputs(h, exam: str) -> dict:
    """Each autograded notebook's code cells: execution count and outputs (what a kernel produced)."""
    import nbformat

    out = {}
    for path in sorted((h.course_dir / "autograded").glob(f"*/{exam}/{exam}.ipynb")):
        nb = nbformat.read(path, as_version=4)
        out[path.parent.parent.name] = [(c.execution_count, _joined_streams(c.outputs))
                                        for c in nb.cells if c.cell_type == "code"]
    return out


def forget_grading(h, exam: str, sids: list[str]) -> None:
    """Remove every trace of a previous grading, so the next run must produce it all again."""
    from nbgrader.api import MissingEntry

    with course.gradebook(h) as gb:
        for sid in sids:
            with contextlib.suppress(MissingEntry):  # never graded
                gb.remove_submission(exam, sid)
    for sid in sids:
        shutil.rmtree(h.course_dir / "autograded" / sid, ignore_errors=True)


@pytest.fixture(scope="module")
def stocked(tmp_path_factory):
    """One demo exam taken by eight trainees of abilities from none to full (one also submitting a
    `graders` package of their own), one with a junk answers file, one whose notebook cannot be
    prepared and one id not in the roster; collected and graded by stock nbgrader; returns the
    home, the ids, the stock gradebook, outputs and statuses."""
    base = tmp_path_factory.mktemp("parallel")
    h, ids = _home_with_roster(base / "home")
    bank = lifecycle.build(h, BANKS / "aquapure-service-basics.yaml")
    exam = bank.name
    lifecycle.release(h, exam)
    who = dict(zip(ABILITIES, ids[2:]))
    junk, broken = ids[10], ids[11]
    for sid, ability in [*((s, a) for a, s in who.items()), (junk, 1.0), (broken, 1.0), (UNKNOWN, 1.0)]:
        folder = trainee.fetch(h, exam, sid, base / "trainees" / sid)
        answers, texts = simulate.answer_sheet(bank, sid, ability, seed=3)
        trainee.write_sheet(folder, exam, sid, answers, texts)
        if sid == junk:
            (folder / "answers.json").write_text("{" + "x" * 2_000_000)
        if sid == who[0.45]:  # ships its own `graders` package next to the notebook
            (folder / "graders" / "exam").mkdir(parents=True)
            (folder / "graders" / "__init__.py").write_text(f"open({str(base / 'RAN')!r}, 'w')\n")
            (folder / "graders" / "exam" / "__init__.py").write_text("def ask(slot):\n    return 100.0\n")
        trainee.submit(h, exam, sid, base / "trainees" / sid)
    known, unknown = lifecycle.collect(h, exam)
    assert unknown == [UNKNOWN]
    nb = h.course_dir / "submitted" / broken / exam / f"{exam}.ipynb"
    nb.unlink()
    nb.mkdir()  # a notebook path that is a folder: the submission cannot be prepared
    assert (h.course_dir / "submitted" / who[0.45] / exam / "graders" / "exam" / "__init__.py").exists()
    statuses = stock_autograde(h, exam, known)
    assert not (base / "RAN").exists()
    yield {"base": base, "home": h, "exam": exam, "known": known, "who": who, "junk": junk, "broken": broken,
           "gradebook": gradebook_contents(h, exam), "outputs": autograded_outputs(h, exam),
           "statuses": statuses}
    h.close()


def test_does_parallel_grading_give_the_gradebook_of_stock_nbgrader(stocked):
    """Graded again on two workers with warm kernels (the stock results wiped first), are the
    gradebook's per-cell scores, comments and totals, the autograded notebooks' outputs and the
    statuses exactly those of stock nbgrader with a fresh kernel per notebook?"""
    from graders.exam.models import ExamResult

    h, exam, known = stocked["home"], stocked["exam"], stocked["known"]
    forget_grading(h, exam, known)
    seen = []
    outcomes = lifecycle.autograde(h, exam, workers=2, progress=lambda d, t, o: seen.append((d, t)))
    assert gradebook_contents(h, exam) == stocked["gradebook"]
    assert autograded_outputs(h, exam) == stocked["outputs"]
    by_id = {o.employee_id: o for o in outcomes}
    assert {sid: by_id[sid].status for sid in known} == stocked["statuses"]
    assert by_id[UNKNOWN].status == "unknown_trainee"
    assert stocked["statuses"][stocked["broken"]] == "error"
    assert by_id[stocked["broken"]].reasons[0].startswith("could not prepare")
    assert by_id[stocked["junk"]].score == 0 and any("larger than" in r for r in by_id[stocked["junk"]].reasons)
    best, worst = by_id[stocked["who"][1.0]], by_id[stocked["who"][0.0]]
    assert worst.score == 0 and best.score == best.max_score - _free_points(h, exam)
    for sid in known:
        if by_id[sid].status in ("graded", "repaired"):
            assert by_id[sid].score == stocked["gradebook"][sid][0]
    assert len({by_id[stocked["who"][a]].score for a in stocked["who"]}) >= 5  # varied abilities
    assert not (stocked["base"] / "RAN").exists()  # a submitted package never runs, warm or fresh
    assert (h.course_dir / "autograded" / stocked["who"][0.45] / exam / "graders").is_dir()
    assert seen == [(i, len(known) + 1) for i in range(1, len(known) + 2)]
    with h.transaction() as s:
        rows = {r.employee_id: r.status for r in s.scalars(select(ExamResult).where(ExamResult.exam == exam))}
    assert rows == {**stocked["statuses"], UNKNOWN: "unknown_trainee"}


def _free_points(h, exam: str) -> float:
    bank = load_bank(course.bank_path(h, exam))
    return sum(q.points for q in bank.questions if q.manual)


def test_is_a_crashed_or_hung_submission_confined_to_itself(stocked, monkeypatch):
    """When one submission's kernel is killed mid-grading and another's kernel hangs ignoring
    interrupts, are just those two reported as errors (a dead kernel, a time-out) while the others
    on the same workers get their stock scores, and does the gradebook take a regrade of the two
    afterwards?"""
    h, exam, who = stocked["home"], stocked["exam"], stocked["who"]
    killed, hung = who[0.75], who[0.9]
    others = [who[a] for a in (0.15, 0.3, 0.45, 0.6, 1.0)]
    sids = [killed, *others[:2], hung, *others[2:]]
    forget_grading(h, exam, sids)
    monkeypatch.setenv(FAULTS_ENV, json.dumps({killed: "kill-kernel", hung: "hang-kernel"}))
    outcomes = {o.employee_id: o for o in lifecycle.autograde(h, exam, sids, workers=2, timeout=15)}
    assert outcomes[killed].status == "error" and "Kernel died" in " ".join(outcomes[killed].reasons)
    assert outcomes[hung].status == "error" and outcomes[hung].reasons[0].startswith("timed out")
    assert not (h.course_dir / "autograded" / hung / exam).exists()
    for sid in others:
        assert outcomes[sid].status == stocked["statuses"][sid]
        assert outcomes[sid].score == stocked["gradebook"][sid][0]
    monkeypatch.delenv(FAULTS_ENV)
    again = {o.employee_id: o for o in lifecycle.autograde(h, exam, [killed, hung], workers=1)}
    for sid in (killed, hung):
        assert again[sid].status == stocked["statuses"][sid]
        assert gradebook_contents(h, exam)[sid] == stocked["gradebook"][sid]
    assert autograded_outputs(h, exam)[hung] == stocked["outputs"][hung]


def test_does_the_autograde_command_take_a_number_of_workers(stocked):
    """Does `academy exam autograde EXAM --workers 1` grade a named trainee with the stock score?"""
    from conftest import run_academy

    h, exam = stocked["home"], stocked["exam"]
    sid = stocked["who"][0.6]
    proc = run_academy("exam", "autograde", exam, "--workers", "1", "--student", sid, home=h.root, check=True)
    expected = stocked["gradebook"][sid][0]
    assert sid in proc.stdout and f"{expected:g} /" in proc.stdout
    assert "1 graded or reported, 0 error(s)" in proc.stdout
