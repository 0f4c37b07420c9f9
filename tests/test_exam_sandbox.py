"""The grading sandbox, attacked: submissions whose own code runs in the grading kernel (as it
would if it ever got past `sanitize`) try to read the key, the databases and other submissions,
write the gradebook, reach the network, fork, allocate, write and spin without bound. Real
nbgrader, real bubblewrap, real kernels, real processes; the listener is on 127.0.0.1 only.

The worker's test hook `run-submitted-code` puts one cell first in the attacker's notebook,
running the `attack.py` that the trainee submitted; the attacker's findings are that cell's output.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from test_exam_e2e import BANKS, _home_with_roster
from test_exam_parallel import forget_grading, gradebook_contents, stock_autograde

from core.errors import AcademyError
from graders.exam import lifecycle, sandbox, simulate, trainee
from graders.exam.worker import FAULTS_ENV

pytestmark = pytest.mark.slow

#: tighter than the defaults, so that spinning is stopped by the CPU limit within the test
LIMITS = {"cpu_seconds": 20, "memory_mb": 2048, "processes": 64, "file_mb": 16, "tmp_mb": 16}
TOKEN = "academy-sandbox-test-spinner-7f3a"

COMMON = '''
import json, os, sys

def report(**kw):
    print("RESULT " + json.dumps(kw), flush=True)

def attempt(fn):
    try:
        fn()
        return "done"
    except BaseException as exc:  # what the sandbox answered
        return type(exc).__name__
'''

ATTACKS = {
    "key": '''
import graders.exam.widgets as w
reads = {"bank": attempt(lambda: open(T["bank"], "rb").read()),
         "banks": attempt(lambda: os.listdir(T["banks"])),
         "course": attempt(lambda: os.listdir(T["course"]))}
report(reads=reads, bank_cache=len(w._bank_cache),
       env=sorted(k for k in os.environ if k.startswith(("ACADEMY", "NBGRADER_DB"))))
''',
    "databases": '''
reads = {"academy_db": attempt(lambda: open(T["academy_db"], "rb").read(16)),
         "gradebook": attempt(lambda: open(T["gradebook"], "rb").read(16)),
         "home": attempt(lambda: os.listdir(T["home"])),
         "shadow": attempt(lambda: open("/etc/shadow", "rb").read(16))}
report(reads=reads, root=sorted(os.listdir("/root")) if os.path.isdir("/root") else [])
''',
    "write_gradebook": '''
import sqlite3

def via_sqlite():
    con = sqlite3.connect(T["gradebook"])
    con.execute("update grade set auto_score = 0")
    con.commit()

writes = {"sqlite": attempt(via_sqlite),
          "append": attempt(lambda: open(T["gradebook"], "ab").write(b"x")),
          "replace": attempt(lambda: os.replace("exam.json", T["gradebook"])),
          "new_file": attempt(lambda: open(T["course"] + "/planted.txt", "w").write("x")),
          "usr": attempt(lambda: open("/usr/planted.txt", "w").write("x")),
          "code": attempt(lambda: open(os.path.dirname(w.__file__) + "/planted.py", "w").write("x"))}
report(writes=writes)
''',
    "other_submission": '''
reads = {"submitted": attempt(lambda: open(T["other_submitted"], "rb").read()),
         "autograded": attempt(lambda: open(T["other_autograded"], "rb").read()),
         "autograded_dir": attempt(lambda: os.listdir(T["autograded"])),
         "exchange": attempt(lambda: os.listdir(T["exchange"]))}
report(reads=reads, here=sorted(os.listdir(".")), owner=json.load(open("answers.json"))["trainee"])
''',
    "network": '''
import socket

def connect():
    s = socket.create_connection(("127.0.0.1", T["port"]), timeout=3)
    s.sendall(b"leaked")
    s.close()

report(net={"loopback": attempt(connect)})
''',
    "fork": '''
import time
n, err = 0, None
try:
    for _ in range(400):
        pid = os.fork()
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        n += 1
except OSError as exc:
    err = type(exc).__name__
report(forked=n, error=err)
''',
    "memory": '''
import mmap
maps, err = [], None
try:
    for _ in range(64):  # up to 16 GiB of address space (never touched: no real memory used)
        maps.append(mmap.mmap(-1, 256 << 20))
except (OSError, MemoryError) as exc:
    err = type(exc).__name__
mb = 256 * len(maps)
for m in maps:
    m.close()
report(allocated_mb=mb, error=err)
''',
    "huge_file": '''
chunk = b"\\0" * (1 << 20)

def fill(path):
    n = 0
    try:
        with open(path, "wb", buffering=0) as f:
            for _ in range(256):
                f.write(chunk)
                n += 1
    except OSError as exc:
        return [n, type(exc).__name__]
    return [n, None]

report(work=fill("big.bin"), tmp=fill("/tmp/big.bin"))
''',
    "spin": '''
import signal
signal.signal(signal.SIGINT, signal.SIG_IGN)
print("spinning", flush=True)
while True:
    pass
''',
    "stash": '''
from ipykernel.connect import get_connection_file
conn = get_connection_file()
folder = os.path.dirname(conn)
writes = {"tmp": attempt(lambda: open("/tmp/stash.txt", "w").write("secret")),
          "tmp_dir": attempt(lambda: os.makedirs("/tmp/.stash/deep")),
          "work": attempt(lambda: open("stash.txt", "w").write("secret")),
          "conn_dir": attempt(lambda: open(os.path.join(folder, "stash.txt"), "w").write("secret")),
          "conn_file": attempt(lambda: open(conn, "a").write(" "))}
report(writes=writes, kernel=open("/proc/self/stat").read().rsplit(")", 1)[1].split()[19])
''',
    "look": '''
from ipykernel.connect import get_connection_file
folder = os.path.dirname(get_connection_file())
report(tmp=sorted(os.listdir("/tmp")), here=sorted(os.listdir(".")), conn_dir=sorted(os.listdir(folder)),
       kernel=open("/proc/self/stat").read().rsplit(")", 1)[1].split()[19])
''',
    "linger": '''
pid = os.fork()
if pid == 0:
    os.setsid()
    os.execv("/bin/sh", ["sh", "-c", "trap '' INT TERM HUP; while :; do :; done # " + T["token"]])
report(child=pid)
''',
}


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection it gets."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.got: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conn.settimeout(2)
            try:
                self.got.append(conn.recv(100) or b"(connected)")
            except OSError:
                self.got.append(b"(connected)")
            conn.close()

    def close(self):
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


def _spinners() -> list[int]:
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if TOKEN.encode() in Path(f"/proc/{name}/cmdline").read_bytes():
                    out.append(int(name))
            except OSError:
                pass
    return out


def _findings(h, exam: str, sid: str) -> dict | None:
    """The RESULT line the attacker's first cell printed (None: it printed none)."""
    import nbformat

    path = h.course_dir / "autograded" / sid / exam / f"{exam}.ipynb"
    if not path.exists():
        return None
    cell = nbformat.read(path, as_version=4).cells[0]
    assert cell.get("id") == "attack"
    for out in cell.outputs:
        for line in out.get("text", "").splitlines():
            if line.startswith("RESULT "):
                return json.loads(line[len("RESULT "):])
    return None


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    """One demo exam taken by three ordinary trainees and one attacker per attack (each also
    answering the questions in full), graded by stock nbgrader (no attack runs there), then
    again by `academy exam autograde` in the sandbox with every attacker's code running."""
    base = tmp_path_factory.mktemp("sandbox")
    h, ids = _home_with_roster(base / "home")
    bank = lifecycle.build(h, BANKS / "aquapure-service-basics.yaml")
    exam = bank.name
    lifecycle.release(h, exam)
    normal = ids[2:5]
    attackers = dict(zip(ATTACKS, ids[5:5 + len(ATTACKS)]))
    assert len(attackers) == len(ATTACKS)
    listener = Listener()
    targets = {
        "bank": str(lifecycle.course.bank_path(h, exam)), "banks": str(h.course_dir / "banks"),
        "course": str(h.course_dir), "home": str(h.root), "academy_db": str(h.root / "academy.db"),
        "gradebook": str(h.course_dir / "gradebook.db"), "exchange": str(h.exchange_dir),
        "other_submitted": str(h.course_dir / "submitted" / normal[0] / exam / "answers.json"),
        "other_autograded": str(h.course_dir / "autograded" / normal[0] / exam / "answers.json"),
        "autograded": str(h.course_dir / "autograded"), "port": listener.port, "token": TOKEN}
    assert h.gradebook_url.endswith(targets["gradebook"])
    for sid, ability in [*((s, a) for s, a in zip(normal, (1.0, 0.5, 0.0))), *((s, 1.0) for s in attackers.values())]:
        folder = trainee.fetch(h, exam, sid, base / "trainees" / sid)
        answers, texts = simulate.answer_sheet(bank, sid, ability, seed=5)
        trainee.write_sheet(folder, exam, sid, answers, texts)
        kind = next((k for k, s in attackers.items() if s == sid), None)
        if kind:
            code = f"T = {json.dumps(targets)}\n" + COMMON + ("import graders.exam.widgets as w\n"
                                                              if kind == "write_gradebook" else "")
            (folder / "attack.py").write_text(code + ATTACKS[kind])
        trainee.submit(h, exam, sid, base / "trainees" / sid)
    known, unknown = lifecycle.collect(h, exam)
    assert not unknown and set(known) == {*normal, *attackers.values()}
    stock_statuses = stock_autograde(h, exam, known)
    stock = gradebook_contents(h, exam)
    forget_grading(h, exam, known)
    old_env = {k: os.environ.get(k) for k in (FAULTS_ENV, sandbox.LIMITS_ENV)}
    os.environ[FAULTS_ENV] = json.dumps({s: "run-submitted-code" for s in attackers.values()})
    os.environ[sandbox.LIMITS_ENV] = json.dumps(LIMITS)
    try:
        outcomes = {o.employee_id: o for o in lifecycle.autograde(h, exam, workers=2, timeout=240)}
    finally:
        for k, v in old_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        listener.close()
    yield {"home": h, "exam": exam, "normal": normal, "attackers": attackers, "outcomes": outcomes,
           "stock": stock, "stock_statuses": stock_statuses, "listener": listener, "base": base,
           "spinners_after": _spinners(), "graded": gradebook_contents(h, exam)}
    h.close()


def _found(attacked, kind: str) -> dict:
    found = _findings(attacked["home"], attacked["exam"], attacked["attackers"][kind])
    assert found is not None, f"the {kind} attack printed nothing"
    return found


def test_are_ordinary_submissions_graded_exactly_as_by_stock_nbgrader(attacked):
    """Graded in the sandbox next to ten attackers, do the ordinary trainees get the gradebook
    entries (every cell's score and comment, the totals) and statuses of stock nbgrader?"""
    for sid in attacked["normal"]:
        assert attacked["outcomes"][sid].status == attacked["stock_statuses"][sid] == "graded", attacked["outcomes"][sid]
        assert attacked["graded"][sid] == attacked["stock"][sid]


def test_is_the_answer_key_out_of_reach_of_a_submission(attacked):
    """Does a submission's code fail to read the bank file (the key) and to list the banks and
    the course, and does its kernel hold no bank in memory and, of the academy's settings, only
    the trainee's id in its environment (no bank path, no database URL, no home)?"""
    found = _found(attacked, "key")
    assert found["reads"] == {"bank": "FileNotFoundError", "banks": "FileNotFoundError",
                              "course": "FileNotFoundError"}
    assert found["bank_cache"] == 0
    assert found["env"] == ["ACADEMY_EXAM_STUDENT"]  # whose submission it is, set by the worker


def test_are_the_databases_out_of_reach(attacked):
    """Does a submission's code fail to read academy.db, the gradebook, the home and /etc/shadow,
    and does /root hold nothing but the way to the Python installation the kernel runs on?"""
    found = _found(attacked, "databases")
    reads = found["reads"]
    assert set(reads.values()) == {"FileNotFoundError"}, reads
    needed = {d.relative_to("/root").parts[0] for d in [*sandbox.python_dirs(), *sandbox.code_dirs()]
              if d.is_relative_to("/root")}
    assert set(found["root"]) <= needed


def test_is_writing_the_gradebook_or_anything_outside_refused(attacked):
    """Does a submission's code fail to change the gradebook (through SQLite, by appending, by
    replacing it), to plant a file in the course, in /usr or in the grading code, and is the
    gradebook afterwards what stock nbgrader gave for everyone not stopped?"""
    writes = _found(attacked, "write_gradebook")["writes"]
    assert all(v != "done" for v in writes.values()), writes
    assert not (attacked["home"].course_dir / "planted.txt").exists()
    assert not list(Path(sandbox.__file__).parent.glob("planted.py"))
    for sid in [*attacked["normal"], attacked["attackers"]["write_gradebook"]]:
        assert attacked["graded"][sid] == attacked["stock"][sid]


def test_are_other_submissions_out_of_reach(attacked):
    """Does a submission's code fail to read another trainee's submitted or autograded answers,
    the autograded folder and the exchange, and does its working folder hold only its own files
    (nothing of the submission graded before it on the same warm kernel)?"""
    found = _found(attacked, "other_submission")
    assert set(found["reads"].values()) == {"FileNotFoundError"}, found["reads"]
    sid, exam = attacked["attackers"]["other_submission"], attacked["exam"]
    course = attacked["home"].course_dir
    own = {p.name for d in ("submitted", "autograded") for p in (course / d / sid / exam).iterdir()}
    assert {"answers.json", "attack.py"} <= set(found["here"]) <= own
    assert found["owner"] == sid


def test_is_the_network_unreachable(attacked):
    """Does a submission's code fail to connect to a listener on the grader's 127.0.0.1, and did
    the listener receive nothing at all?"""
    found = _found(attacked, "network")
    assert found["net"]["loopback"] in {"ConnectionRefusedError", "OSError", "TimeoutError"}, found
    assert attacked["listener"].got == []


def test_is_forking_without_bound_stopped(attacked):
    """Is a fork loop refused by the process limit long before 400 processes, and is the
    attacker's own exam still graded with its stock score?"""
    found = _found(attacked, "fork")
    assert found["error"] in {"BlockingIOError", "OSError"}
    assert found["forked"] < LIMITS["processes"]
    sid = attacked["attackers"]["fork"]
    assert attacked["graded"][sid] == attacked["stock"][sid]


def test_is_allocating_without_bound_stopped(attacked):
    """Is claiming memory without end refused below the memory limit?"""
    found = _found(attacked, "memory")
    assert found["error"] in {"OSError", "MemoryError"}
    assert found["allocated_mb"] < LIMITS["memory_mb"]


def test_is_writing_a_huge_file_stopped(attacked):
    """Is writing a file without end stopped at the file-size limit, in the working folder and in
    the private /tmp alike?"""
    found = _found(attacked, "huge_file")
    for where in ("work", "tmp"):
        written, error = found[where]
        assert error is not None and written <= LIMITS["file_mb"], found


def test_is_spinning_forever_stopped_and_confined(attacked):
    """Is a submission that spins forever ignoring interrupts stopped (by the CPU limit or the
    deadline) and reported as an error, while every other submission is graded?"""
    sid = attacked["attackers"]["spin"]
    outcome = attacked["outcomes"][sid]
    assert outcome.status == "error"
    assert any("Kernel died" in r or "timed out" in r for r in outcome.reasons), outcome.reasons
    others = [s for s in attacked["outcomes"] if s != sid]
    assert all(attacked["outcomes"][s].status == "graded" for s in others), \
        {s: (attacked["outcomes"][s].status, attacked["outcomes"][s].reasons) for s in others}


def test_is_a_process_left_behind_ended(attacked):
    """Is a detached process that ignores signals and spins, left behind by a submission, gone
    once grading is over, and the attacker graded with its stock score?"""
    found = _found(attacked, "linger")
    assert isinstance(found["child"], int)
    assert attacked["spinners_after"] == []
    sid = attacked["attackers"]["linger"]
    assert attacked["graded"][sid] == attacked["stock"][sid]


def test_does_every_attacker_not_stopped_keep_its_stock_score(attacked):
    """Do all attackers except the spinner get exactly the gradebook entries of stock nbgrader
    (their attack changes nothing of their own grade or anyone's)?"""
    for kind, sid in attacked["attackers"].items():
        if kind != "spin":
            assert attacked["graded"][sid] == attacked["stock"][sid], kind


def test_does_a_warm_kernel_keep_nothing_one_submission_wrote_for_the_next(attacked, monkeypatch):
    """Graded one after the other on the same warm kernel (one worker), does a submission that
    writes into /tmp, its working folder and the kernel's connection folder leave nothing there
    for the next submission to find, and is the connection folder not writable at all?"""
    h, exam, who = attacked["home"], attacked["exam"], attacked["attackers"]
    monkeypatch.setenv(FAULTS_ENV, json.dumps({who["stash"]: "run-submitted-code",
                                               who["look"]: "run-submitted-code"}))
    outcomes = {o.employee_id: o for o in lifecycle.autograde(h, exam, [who["stash"], who["look"]],
                                                              workers=1)}
    assert {o.status for o in outcomes.values()} == {"graded"}
    stash, look = _found(attacked, "stash"), _found(attacked, "look")
    assert stash["kernel"] == look["kernel"]  # the same kernel process graded both
    assert stash["writes"]["tmp"] == stash["writes"]["tmp_dir"] == stash["writes"]["work"] == "done"
    if os.geteuid() == 0:  # sealed after start when grading runs as root
        assert stash["writes"]["conn_dir"] == stash["writes"]["conn_file"] == "PermissionError"
    assert not {"stash.txt", ".stash"} & set(look["tmp"])
    assert "stash.txt" not in look["here"] and "stash.txt" not in look["conn_dir"]


def _rows(h, exam: str) -> dict:
    from graders.exam.models import ExamResult

    with h.transaction() as s:
        return {r.employee_id: (r.status, r.score, r.graded_at)
                for r in s.scalars(select(ExamResult).where(ExamResult.exam == exam))}


def test_is_nothing_graded_without_bubblewrap(attacked, monkeypatch):
    """With bubblewrap not on PATH, does autograde grade nothing, say that the sandbox is missing
    and how to install it, and leave the gradebook and the stored results as they were?"""
    h, exam = attacked["home"], attacked["exam"]
    sid = attacked["normal"][1]
    before, rows = gradebook_contents(h, exam), _rows(h, exam)
    forget_grading(h, exam, [sid])
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))
    with pytest.raises(AcademyError) as err:
        lifecycle.autograde(h, exam, [sid], workers=1)
    assert "nothing was graded" in str(err.value) and "bubblewrap" in str(err.value)
    assert "apt-get install bubblewrap" in str(err.value)
    after = gradebook_contents(h, exam)
    assert sid not in after
    assert {k: v for k, v in after.items()} == {k: v for k, v in before.items() if k != sid}
    assert _rows(h, exam) == rows


def test_does_the_canary_refuse_a_sandbox_that_does_not_isolate(attacked, monkeypatch, tmp_path):
    """When `bwrap` on PATH runs the kernel without isolating it (a stand-in that just runs the
    command), does the canary in the real kernel notice that it can read the banks, refuse to
    grade anything, and tell the trainer why?"""
    h, exam = attacked["home"], attacked["exam"]
    sids = attacked["normal"][:2]
    forget_grading(h, exam, sids)
    rows = _rows(h, exam)
    fake = tmp_path / "bin" / "bwrap"
    fake.parent.mkdir()
    fake.write_text(f"#!{sys.executable}\n"
                    "import os, sys\n"
                    "a = sys.argv[1:]\n"
                    "cmd = a[a.index('--', a.index('--chdir')) + 1:]\n"
                    "cmd = [x for x in cmd if not x.startswith(('--uid=', '--gid='))]\n"
                    "os.execv(cmd[0], cmd)\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    assert sandbox.find_bwrap() == str(fake)
    with pytest.raises(AcademyError) as err:
        lifecycle.autograde(h, exam, sids, workers=2)
    message = str(err.value)
    assert "nothing was graded" in message and "not effective" in message
    assert "could read" in message and "banks" in message
    after = gradebook_contents(h, exam)
    assert not set(sids) & set(after)
    assert not any((h.course_dir / "autograded" / s / exam / f"{exam}.ipynb").exists() for s in sids)
    assert _rows(h, exam) == rows
    assert not list((h.course_dir / "banks").glob(".sandbox-canary-*"))


def test_does_grading_work_again_once_the_sandbox_is_back(attacked):
    """After the refusals, does a plain autograde (real bubblewrap) grade the trainees the tests
    above left ungraded with their stock entries?"""
    h, exam = attacked["home"], attacked["exam"]
    sids = attacked["normal"][:2]
    outcomes = {o.employee_id: o for o in lifecycle.autograde(h, exam, sids, workers=1)}
    after = gradebook_contents(h, exam)
    for sid in sids:
        assert outcomes[sid].status == "graded"
        assert after[sid] == attacked["stock"][sid]
