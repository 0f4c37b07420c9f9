"""Exam integrity under attack (issue 19, cases 1, 2 and 7): links planted in the exchange and in
course/submitted, trainee code under stock `nbgrader autograde`, and a copied home."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from core.home import open_home
from graders.exam import lifecycle, simulate, trainee

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "data" / "exam_small.yaml"
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.slow


def _home(path: Path):
    from academy.synthetic.company import make_company, write_roster_csv
    from core.cycles import open_cycle
    from core.home import init_home
    from roster.store import import_roster_file

    h = init_home(path)
    people = make_company(12, 3)
    write_roster_csv(people, h.imports_dir / "roster.csv")
    import_roster_file(h, h.imports_dir / "roster.csv")
    with h.transaction() as s:
        open_cycle(s, "2026-Q4")
    return h, sorted(p.employee_id for p in people)


def _released(tmp_path: Path):
    h, ids = _home(tmp_path / "home")
    bank = lifecycle.build(h, SMALL)
    lifecycle.release(h, bank.name)
    return h, ids, bank


def _take(h, bank, sid: str, work: Path) -> Path:
    folder = trainee.fetch(h, bank.name, sid, work / sid)
    answers, texts = simulate.answer_sheet(bank, sid, 1.0)
    trainee.write_sheet(folder, bank.name, sid, answers, texts)
    return folder


def _secret_files(h) -> dict[str, bytes]:
    """What an attacker wants: the trainer-side bank (the key) and the dashboard token file."""
    tokens = h.root / "serve" / "dashboard_tokens.json"
    tokens.parent.mkdir(exist_ok=True)
    tokens.write_text('{"secret-token-value": "admin:boss"}')
    bank = lifecycle.course.bank_path(h, "small-exam")
    return {"bank": bank.read_bytes(), "tokens": tokens.read_bytes(), "paths": [bank, tokens]}


def _everything_under(folder: Path) -> bytes:
    out = b""
    for p in folder.rglob("*"):
        if p.is_file() and not p.is_symlink():
            out += p.read_bytes()
    return out


def test_is_a_link_in_the_exchange_inbound_never_followed_into_submission_grades_or_feedback(tmp_path):
    """Does a link named leak.html to the answer bank (and one to the token file), planted in a
    submission in the exchange's inbound folder, stay out of the collected submission, the graded
    copy and the released feedback, and is the trainer told about it?"""
    h, ids, bank = _released(tmp_path)
    sid = ids[2]
    folder = _take(h, bank, sid, tmp_path / "work")
    trainee.submit(h, bank.name, sid, tmp_path / "work" / sid)
    secrets = _secret_files(h)
    inbound = h.exchange_dir / h.settings.course_id / "inbound"
    (sub,) = [p for p in inbound.iterdir() if p.name.startswith(f"{sid}+{bank.name}+")]
    (sub / "leak.html").symlink_to(secrets["paths"][0])
    (sub / "tokens.json").symlink_to(secrets["paths"][1])
    (sub / "sub").mkdir()
    (sub / "sub" / "deep.yaml").symlink_to(secrets["paths"][0])
    (sub / "hard.yaml").hardlink_to(secrets["paths"][0])
    os.mkfifo(sub / "pipe")
    assert folder.exists()

    collected = lifecycle.collect(h, bank.name)
    known, unknown = collected
    assert known == [sid] and unknown == []
    skipped = "\n".join(collected.skipped)
    for name in ("leak.html", "tokens.json", "sub/deep.yaml", "hard.yaml", "pipe"):
        assert f"{sid}/{bank.name}/{name}" in skipped, skipped
    submitted = h.course_dir / "submitted" / sid / bank.name
    assert not any(p.is_symlink() for p in submitted.rglob("*"))
    for name in ("leak.html", "tokens.json", "hard.yaml", "pipe"):
        assert not (submitted / name).exists()
    assert not (submitted / "sub" / "deep.yaml").exists()
    # nothing trainer-side is writable by others after the collect
    for p in (h.course_dir / "submitted", submitted.parent, submitted):
        assert p.stat().st_mode & 0o022 == 0, oct(p.stat().st_mode)

    (outcome,) = lifecycle.autograde(h, bank.name, workers=1)
    assert outcome.status == "graded", outcome.reasons
    assert lifecycle.feedback(h, bank.name) == [sid]
    for where in ("submitted", "autograded", "feedback"):
        blob = _everything_under(h.course_dir / where / sid)
        assert secrets["bank"] not in blob and b"secret-token-value" not in blob, where
    released_feedback = h.exchange_dir / h.settings.course_id / "feedback"
    blob = _everything_under(released_feedback)
    assert blob and secrets["bank"] not in blob and b"secret-token-value" not in blob
    h.close()


def test_does_autograde_refuse_to_write_through_a_link_planted_in_course_submitted(tmp_path):
    """If someone replaces a collected notebook (and plants answers.json) in course/submitted by
    links to files the grader can write, does autograde remove the links, write nothing through
    them and report it, leaving the targets byte-identical?"""
    h, ids, bank = _released(tmp_path)
    sid = ids[3]
    _take(h, bank, sid, tmp_path / "work")
    trainee.submit(h, bank.name, sid, tmp_path / "work" / sid)
    lifecycle.collect(h, bank.name)
    submitted = h.course_dir / "submitted" / sid / bank.name
    victim = tmp_path / "victim.ipynb"
    victim.write_text("precious, not a notebook")
    key_copy = tmp_path / "bank-target.yaml"
    shutil.copy(lifecycle.course.bank_path(h, bank.name), key_copy)
    before = key_copy.read_bytes()
    nb = submitted / f"{bank.name}.ipynb"
    nb.unlink()
    nb.symlink_to(victim)
    (submitted / "answers.json").unlink()
    (submitted / "answers.json").symlink_to(key_copy)

    (outcome,) = lifecycle.autograde(h, bank.name, workers=1)
    assert victim.read_text() == "precious, not a notebook"
    assert key_copy.read_bytes() == before
    assert outcome.status == "repaired"
    text = " | ".join(outcome.reasons)
    assert f"{bank.name}.ipynb: symbolic link" in text and "answers.json: symbolic link" in text
    assert not nb.is_symlink() and outcome.score == 0
    graded = h.course_dir / "autograded" / sid / bank.name
    assert not any(p.is_symlink() for p in graded.rglob("*"))
    assert b"precious" not in _everything_under(graded)
    h.close()


def test_is_a_submission_folder_that_is_itself_a_link_not_graded(tmp_path):
    """Is a submission whose folder in course/submitted is a link to somewhere else refused
    (reported as an error), and is nothing written where it points?"""
    h, ids, bank = _released(tmp_path)
    sid = ids[4]
    _take(h, bank, sid, tmp_path / "work")
    trainee.submit(h, bank.name, sid, tmp_path / "work" / sid)
    lifecycle.collect(h, bank.name)
    submitted = h.course_dir / "submitted" / sid / bank.name
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(submitted, elsewhere)
    snapshot = {p.name: p.read_bytes() for p in elsewhere.iterdir()}
    shutil.rmtree(submitted)
    submitted.symlink_to(elsewhere, target_is_directory=True)
    (outcome,) = lifecycle.autograde(h, bank.name, workers=1)
    assert outcome.status == "error" and "symbolic link" in " ".join(outcome.reasons)
    assert {p.name: p.read_bytes() for p in elsewhere.iterdir()} == snapshot
    h.close()


def _stock_env(h) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACADEMY_")}
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    env["HOME"] = str(h.root.parent / "trainer-home")
    return env


def _planted_cells(nb_path: Path, marker: Path, bank_file: Path) -> None:
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    steal = (f"import pathlib\npathlib.Path({str(marker)!r}).write_text("
             f"pathlib.Path({str(bank_file)!r}).read_text())")
    nb.cells.insert(1, nbformat.v4.new_code_cell(steal))
    # and a cell that pretends to be an answer cell (a code cell under a solution grade id)
    nb.cells.append(nbformat.v4.new_code_cell(steal, metadata={"nbgrader": {
        "grade_id": "intruder", "solution": True, "grade": True, "points": 50, "locked": False,
        "schema_version": 3}}))
    nbformat.write(nb, nb_path)


def test_does_stock_nbgrader_autograde_from_the_course_folder_run_no_trainee_code(tmp_path):
    """A trainer runs stock `nbgrader collect` and `nbgrader autograde EXAM` from the course folder
    (what the course's nbgrader_config.py invites, and what formgrader's Autograde button runs): do
    a trainee's added cells that would copy the answer bank never run, is the submission rebuilt
    from the release (the added cells gone from the graded notebook) and scored as ours scores it?"""
    h, ids, bank = _released(tmp_path)
    sid = ids[5]
    folder = _take(h, bank, sid, tmp_path / "work")
    marker = tmp_path / "stolen.txt"
    bank_file = lifecycle.course.bank_path(h, bank.name)
    _planted_cells(folder / f"{bank.name}.ipynb", marker, bank_file)
    trainee.submit(h, bank.name, sid, tmp_path / "work" / sid)
    env = _stock_env(h)
    inbound = h.exchange_dir / h.settings.course_id / "inbound"
    (sub,) = list(inbound.iterdir())
    (sub / "leak.html").symlink_to(bank_file)
    proc = subprocess.run([str(BIN / "nbgrader"), "collect", bank.name], cwd=h.course_dir, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "leak.html: symbolic link (not followed)" in proc.stderr
    assert not (h.course_dir / "submitted" / sid / bank.name / "leak.html").exists()
    proc = subprocess.run([str(BIN / "nbgrader"), "autograde", bank.name, "--force", "--create"],
                          cwd=h.course_dir, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not marker.exists(), "trainee code ran with the trainer's rights"
    assert "added cell(s) removed (never run)" in proc.stderr
    import nbformat

    graded = nbformat.read(h.course_dir / "autograded" / sid / bank.name / f"{bank.name}.ipynb", 4)
    assert str(bank_file) not in "".join(c.source for c in graded.cells)
    with lifecycle.course.gradebook(h) as gb:
        sub_row = gb.find_submission(bank.name, sid)
        stock_score, max_score = sub_row.score, sub_row.max_score
    free = sum(q.points for q in bank.questions if q.manual)
    assert stock_score == max_score - free  # every clickable answer right: full marks
    h.close()


def test_does_stock_nbgrader_refuse_a_submission_holding_a_link(tmp_path):
    """If a link reaches course/submitted anyway (planted there, not collected), does stock
    `nbgrader autograde` refuse that submission and leave no graded copy of the link's target?"""
    h, ids, bank = _released(tmp_path)
    sid = ids[6]
    _take(h, bank, sid, tmp_path / "work")
    trainee.submit(h, bank.name, sid, tmp_path / "work" / sid)
    lifecycle.collect(h, bank.name)
    bank_file = lifecycle.course.bank_path(h, bank.name)
    (h.course_dir / "submitted" / sid / bank.name / "leak.html").symlink_to(bank_file)
    proc = subprocess.run([str(BIN / "nbgrader"), "autograde", bank.name, "--force", "--create"],
                          cwd=h.course_dir, env=_stock_env(h), capture_output=True, text=True,
                          timeout=600)
    assert "leak.html: symbolic link (not followed)" in proc.stderr
    assert "not graded" in proc.stderr
    graded = h.course_dir / "autograded" / sid / bank.name
    assert not graded.exists() or bank_file.read_bytes() not in _everything_under(graded)
    h.close()


def _load_nbgrader_config(course_dir: Path):
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py", path=str(course_dir)).load_config()


def test_does_a_copied_home_point_nbgrader_at_itself(tmp_path):
    """After a home is copied (or moved) elsewhere, does nbgrader run from the copy's course folder
    read, fetch, submit and grade in the copy, with no path of the original in its config?"""
    h, ids, bank = _released(tmp_path)
    original = h.root
    h.close()
    copy = tmp_path / "moved" / "home-copy"
    shutil.copytree(original, copy, symlinks=True)
    text = (copy / "course" / "nbgrader_config.py").read_text()
    assert str(original) not in text and str(tmp_path) not in text
    cfg = _load_nbgrader_config(copy / "course")
    assert cfg.CourseDirectory.root == str(copy / "course")
    assert cfg.CourseDirectory.db_url == f"sqlite:///{copy / 'course' / 'gradebook.db'}"
    assert cfg.Exchange.root == str(copy / "exchange")
    # a trainee of the copy submits; stock nbgrader in the copy collects it, nothing lands in the original
    hc = open_home(copy)
    sid = ids[1]
    _take(hc, bank, sid, tmp_path / "work")
    trainee.submit(hc, bank.name, sid, tmp_path / "work" / sid)
    proc = subprocess.run([str(BIN / "nbgrader"), "collect", bank.name], cwd=copy / "course",
                          env=_stock_env(hc), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (copy / "course" / "submitted" / sid / bank.name).is_dir()
    assert not (original / "course" / "submitted").exists()
    assert not list((original / "exchange" / hc.settings.course_id / "inbound").iterdir())
    hc.close()


def test_is_an_old_homes_config_with_absolute_paths_rewritten_by_the_next_command(tmp_path):
    """Is a course config written by an older version (absolute paths of where the home was made)
    rewritten by the next `academy` command in the moved home, so nbgrader follows the move?"""
    h, _ = _home(tmp_path / "old")
    cfg_file = h.course_dir / "nbgrader_config.py"
    cfg_file.write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(h.course_dir)!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{h.course_dir / 'gradebook.db'}'\n"
        f"c.Exchange.root = {str(h.exchange_dir)!r}\n")
    h.close()
    moved = tmp_path / "new-place"
    shutil.move(tmp_path / "old", moved)
    from conftest import run_academy

    run_academy("info", home=moved, check=True)
    cfg = _load_nbgrader_config(moved / "course")
    assert cfg.CourseDirectory.root == str(moved / "course")
    assert cfg.Exchange.root == str(moved / "exchange")
    assert str(tmp_path / "old") not in (moved / "course" / "nbgrader_config.py").read_text()
    assert yaml.safe_load((moved / "academy.yaml").read_text()) is not None


def test_does_formgraders_autograde_button_run_no_trainee_code(tmp_path):
    """A trainer presses Autograde in formgrader (JupyterLab started in the course folder, as the
    course's nbgrader_config.py invites): does the submission's added cell that would copy the
    answer bank never run, and is the submission still graded on its answers?"""
    import urllib.request
    from http.cookiejar import CookieJar

    from academy.servers import JupyterLab

    h, ids, bank = _released(tmp_path)
    sid = ids[7]
    folder = _take(h, bank, sid, tmp_path / "work")
    marker = tmp_path / "stolen-by-formgrader.txt"
    bank_file = lifecycle.course.bank_path(h, bank.name)
    _planted_cells(folder / f"{bank.name}.ipynb", marker, bank_file)
    trainee.submit(h, bank.name, sid, tmp_path / "work" / sid)
    lifecycle.collect(h, bank.name)
    env = _stock_env(h)
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "trainer-home" / ".jupyter")
    with JupyterLab(h.course_dir, env=env, log=tmp_path / "lab.log") as lab:
        base = f"http://127.0.0.1:{lab.port}"
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.open(f"{base}/formgrader?token={lab.token}", timeout=120).read()
        xsrf = next(c.value for c in jar if c.name == "_xsrf")
        req = urllib.request.Request(
            f"{base}/formgrader/api/submission/{bank.name}/{sid}/autograde", data=b"",
            method="POST", headers={"X-XSRFToken": xsrf, "Authorization": f"token {lab.token}"})
        with opener.open(req, timeout=600) as resp:
            result = json.loads(resp.read())
    assert result.get("success"), (result.get("error") or "")[-2000:]
    assert not marker.exists(), "formgrader ran trainee code with the trainer's rights"
    assert "added cell(s) removed (never run)" in result.get("log", "")
    with lifecycle.course.gradebook(h) as gb:
        sub_row = gb.find_submission(bank.name, sid)
        score, max_score = sub_row.score, sub_row.max_score
    assert score == max_score - sum(q.points for q in bank.questions if q.manual)
    h.close()
