"""A department's hub on PostgreSQL, for real: `academy hub` with JupyterHub's own database and the
platform database on the PostgreSQL server the tests start (password-only access to both), people
signing in through the hub in Chromium, formgrader's Release and Collect buttons pressed inside
JupyterLab's Formgrader panel, a submission attacked by another trainee while it is being made,
and course progress recorded from a trainee's own kernel through the hub's progress service.

One hub for the whole module (module fixture), started once; tests run in order. Needs root (OS
accounts with a unique prefix, removed afterwards), like tests/test_hub.py whose helpers it uses.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests.test_hub import _api, _as, _reachable_by_others, _run, _start_hub

# one hub at a time under xdist: OS accounts and a department of servers (tests/conftest.py)
pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.xdist_group("os-accounts")]

TRAINER = "trainer-wu"
EXAM = "small-exam"
PEOPLE: dict[str, str] = {}  # role -> employee id: a, b (trainees of one manager), manager
NAMES: dict[str, str] = {}


# --- PostgreSQL with passwords -------------------------------------------------------------------


def _private_databases(admin_url: str) -> tuple[str, str]:
    """A role with a password owning two new databases (platform, hub) that the server reaches
    only with that password (scram-sha-256 lines first in pg_hba.conf): a trainee who finds
    the port gets nothing without the password in the home's settings."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    tag = uuid.uuid4().hex[:8]
    role, pw = f"r_{tag}", uuid.uuid4().hex
    dbs = (f"academy_{tag}", f"hub_{tag}")
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD '{pw}'"))
        for db in dbs:
            conn.execute(text(f'CREATE DATABASE "{db}" OWNER {role} ENCODING \'UTF8\' '
                              "TEMPLATE template0"))
        hba = Path(conn.execute(text("SHOW hba_file")).scalar())
        if "academy-pg-" not in str(hba):  # never another server's access rules
            raise RuntimeError("tests/test_hub_department.py adds password-only lines to the "
                               "pg_hba.conf of the PostgreSQL server the tests start; it does "
                               f"not touch {hba} (unset ACADEMY_TEST_PG_URL)")
        lines = "".join(f"host {db} all 127.0.0.1/32 scram-sha-256\n"
                        f"host {db} all ::1/128 scram-sha-256\n" for db in dbs)
        hba.write_text(lines + hba.read_text())  # root may; an external server must allow it
        conn.execute(text("SELECT pg_reload_conf()"))
    engine.dispose()
    base = make_url(admin_url).set(username=role, password=pw)
    return tuple(base.set(database=db).render_as_string(hide_password=False) for db in dbs)


def _company(home: Path, db_url: str) -> None:
    """A 20-person demo company on PostgreSQL (the smallest demo: every person is an OS account
    the hub makes and removes; no demo exams, no demo course progress: what the dashboards show
    of courses is what the tests record): two trainees under one manager."""
    from datetime import date

    from rich.console import Console

    from academy import demo as d
    from core.home import init_home
    from dashboards import data
    from dashboards.access import Viewer, managed_teams, visible_ids

    for var in ("ACADEMY_HOME", "ACADEMY_DB_URL"):
        os.environ.pop(var, None)
    h = init_home(home, db_url=db_url)
    ctx = d.DemoContext(h, 20, 2026, date(2026, 11, 20), Console(quiet=True), [])
    for _label, step in d.DEMO_STEPS:
        if step not in (d.step_exams, d.step_courses):
            step(ctx)
    company = data.load_company(h, refresh=True)
    hier = company.hierarchy
    managers = sorted(m for m in hier["team_manager_id"].dropna().unique()
                      if managed_teams(hier, Viewer(m)))
    graded = set(data.cycle_data(company, data.graded_cycles(company)[-1]).result
                 .results["employee_id"])
    manager = managers[0]
    staff = set(hier.loc[hier["level"] == "staff", "employee_id"])
    a, b = sorted(graded & set(visible_ids(hier, Viewer(manager))) & staff - {manager})[:2]
    PEOPLE.update(a=a, b=b, manager=manager)
    NAMES.update(dict(zip(hier["employee_id"], hier["name"])))
    h.close()


@pytest.fixture(scope="module")
def hub(pg_admin_url):
    if os.geteuid() != 0:
        raise RuntimeError("the hub tests create OS accounts: run them as root (make test)")
    if not _reachable_by_others(Path(sys.executable)):
        raise RuntimeError(f"{sys.executable} cannot be run by other accounts: make clean venv")
    from academy.hub.accounts import remove_accounts

    academy_url, hub_url = _private_databases(pg_admin_url)
    base = Path(tempfile.mkdtemp(prefix="academy-hubpg-"))
    base.chmod(0o711)
    home = base / "home"
    prefix = f"p{uuid.uuid4().hex[:5]}-"
    proc = None
    try:
        _company(home, academy_url)
        pw = {n: f"pw-{uuid.uuid4().hex[:10]}" for n in [*PEOPLE.values(), TRAINER]}
        proc, url = _start_hub(home, base, (
            f"account_prefix: {prefix}\ntrainers: [{TRAINER}]\nport: 0\nsync_seconds: 2\n"
            f"auth_refresh_seconds: 2\nmem_limit: 3G\ndb_url: '{hub_url}'\n"), pw)
        log = home / "hub" / "jupyterhub.log"
        assert url, (base / "hub.out").read_text() + (log.read_text() if log.exists() else "")
        yield {"url": url, "home": home, "prefix": prefix, "pw": pw, "proc": proc,
               "academy_url": academy_url, "hub_url": hub_url, "base": base}
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(180)
            except subprocess.TimeoutExpired:
                proc.kill()
        remove_accounts(prefix)
        shutil.rmtree(base, ignore_errors=True)


def _account(hub, name: str) -> str:
    from academy.hub.accounts import os_name
    from academy.hub.settings import load_hub_settings

    return os_name(load_hub_settings(hub["home"]), name)


def _sign_in(browser, hub, name: str):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.set_default_timeout(180_000)
    page.goto(hub["url"] + "hub/login")
    page.fill("#username_input", name)
    page.fill("#password_input", hub["pw"][name])
    page.click("#login_submit")
    return ctx, page


@pytest.fixture(scope="module")
def people(hub, browser):
    """Two trainees, their manager and the trainer, signed in through the hub in Chromium."""
    out = {}
    for name in [PEOPLE["a"], PEOPLE["b"], PEOPLE["manager"], TRAINER]:
        out[name] = _sign_in(browser, hub, name)[1]
    for name in (PEOPLE["a"], PEOPLE["b"]):
        out[name].wait_for_url(re.compile(rf"/user/{name}/lab"), timeout=300_000)
        out[name].wait_for_selector("#jp-main-dock-panel", timeout=300_000)
    yield out
    for page in out.values():
        page.context.close()


def _course_id(hub) -> str:
    from core.home import open_home

    h = open_home(hub["home"], upgrade=False)
    try:
        return h.settings.course_id
    finally:
        h.close()


# --- PostgreSQL for both databases ---------------------------------------------------------------


def test_does_the_hub_keep_its_users_and_servers_in_postgresql(hub, people):
    """With both database URLs on PostgreSQL, do people sign in and get their servers, with the
    hub's users and servers stored in its PostgreSQL database and no SQLite file made?"""
    from sqlalchemy import create_engine, text

    engine = create_engine(hub["hub_url"])
    with engine.connect() as conn:
        users = set(conn.execute(text("SELECT name FROM users")).scalars())
        servers = conn.execute(text("SELECT count(*) FROM servers")).scalar()
    engine.dispose()
    assert {PEOPLE["a"], PEOPLE["b"], PEOPLE["manager"], TRAINER} <= users
    assert servers >= 2
    assert not (hub["home"] / "hub" / "jupyterhub.sqlite").exists()
    assert not (hub["home"] / "academy.db").exists()


def test_is_postgresql_closed_to_a_trainee_without_the_password(hub, people):
    """Does a trainee's account who connects to the platform's PostgreSQL database without the
    password (which only the dashboards' account can read) get refused, and is the home's
    settings file holding it closed to them?"""
    from sqlalchemy.engine import make_url

    url = make_url(hub["academy_url"])
    code = ("import psycopg\n"
            f"psycopg.connect(host='127.0.0.1', port={url.port}, dbname={url.database!r}, "
            f"user={url.username!r}, connect_timeout=20)\n")
    proc = _as(_account(hub, PEOPLE["b"]), code)
    assert proc.returncode != 0 and "password" in proc.stderr, proc.stderr
    proc = _as(_account(hub, PEOPLE["b"]), f"open({str(hub['home'] / 'academy.yaml')!r}).read()")
    assert proc.returncode != 0 and "Permission" in proc.stderr


# --- formgrader inside JupyterLab, its buttons working -------------------------------------------


def _formgrader(page, hub):
    """The trainer's formgrader service's JupyterLab with the Formgrader panel open: its frame."""
    page.goto(hub["url"] + "services/formgrader/lab")
    page.wait_for_selector("#jp-main-dock-panel", timeout=240_000)
    page.locator('#jp-menu-panel div.lm-MenuBar-itemLabel:text("Nbgrader")').click()
    page.locator('li[data-command="nbgrader:open-formgrader"]').click()
    frame = page.frame_locator("iframe[src*='formgrader']")
    frame.locator("#main-table td", has_text=EXAM).first.wait_for(timeout=180_000)
    return frame


def _press(frame, column: str, expect: str) -> str:
    """Press the button in `column` of the exam's row; the text of the modal that answers."""
    row = frame.locator("#main-table tr", has_text=EXAM)
    row.locator(f"td.{column} a").click()
    modal = frame.locator(".modal.in .modal-content, .modal.show .modal-content, "
                          ".modal-dialog").first
    modal.wait_for(timeout=180_000)
    text = modal.inner_text()
    assert expect in text, text
    modal.locator("button", has_text=re.compile("Close|OK", re.I)).first.click()
    frame.locator(".modal-dialog").first.wait_for(state="detached", timeout=60_000)
    return text


def test_does_formgrader_show_in_its_panel_and_release_through_its_button(hub, people):
    """In JupyterLab's Formgrader panel (an iframe), does the trainer see formgrader's table,
    and do its Unrelease and Release buttons work on an exam that `academy exam release` (as
    root) released first (nbgrader issue 1225)?"""
    page = people[TRAINER]
    frame = _formgrader(page, hub)
    assert frame.locator("text=Manage Assignments").first.is_visible()
    course = hub["home"] / "exchange" / _course_id(hub) / "outbound" / EXAM
    _press(frame, "release", f"Successfully unreleased '{EXAM}'")
    assert not course.exists()
    _press(frame, "release", f"Successfully released '{EXAM}'")
    grader = pwd.getpwnam(_account(hub, "grader")).pw_uid
    assert course.is_dir() and course.stat().st_uid == grader


def test_does_a_submission_stay_closed_to_another_trainee_while_it_is_made(hub, people):
    """While trainee A submits through their server, does trainee B, told every path the moment
    it appears in the exchange's inbound (by a watcher running as root), fail to list or read any
    of it, where nbgrader's own submit (the control) would have let B read A's answers?"""
    a, b = PEOPLE["a"], PEOPLE["b"]
    course_id = _course_id(hub)
    inbound = hub["home"] / "exchange" / course_id / "inbound"
    page = people[a]
    status, text = _api(page, "POST", f"/user/{a}/assignments/fetch",
                        {"course_id": course_id, "assignment_id": EXAM})
    assert status == 200 and EXAM in text, text

    def attack(submit) -> list[str]:
        seen_before = {p.name for p in inbound.iterdir()}
        attacker = subprocess.Popen(
            ["runuser", "-u", _account(hub, b), "--", sys.executable, "-c", ATTACKER],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd="/")
        assert attacker.stdout.readline().strip() == "ready"
        told: set[str] = set()
        exposed: set[str] = set()
        done = threading.Event()

        def watch():
            while not done.is_set():
                for entry in list(inbound.iterdir()):
                    if entry.name in seen_before:
                        continue
                    for root, dirs, files in os.walk(entry):
                        for p in [root, *(os.path.join(root, x) for x in dirs + files)]:
                            if p not in told:
                                told.add(p)
                                try:  # open to others when first seen (root's view)
                                    if os.stat(p).st_mode & 0o004:
                                        exposed.add(p)
                                except OSError:
                                    pass
                                attacker.stdin.write(p + "\n")
                                attacker.stdin.flush()
                time.sleep(0.001)

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            submit()
            time.sleep(1.0)  # the attacker keeps trying every path it was told
        finally:
            done.set()
            watcher.join()
            attacker.stdin.write("STOP\n")
            attacker.stdin.close()
        read = json.loads(attacker.stdout.read() or "[]")
        attacker.wait(60)
        assert told, "the watcher saw nothing submitted"
        return read, exposed

    def stock_submit():  # the control: nbgrader's own submit, as trainee A's account
        proc = _as(_account(hub, a), STOCK_SUBMIT % (str(hub["home"] / "hub-user-config"), a,
                                                     str(hub["home"] / "exchange"), EXAM))
        assert proc.returncode == 0, proc.stderr

    # the control: B reads A's answers, or (when the hub's sync closed them before B got there)
    # they were at least open to everyone the moment they appeared
    read, exposed = attack(stock_submit)
    answers = [p for p in set(read) | exposed if p.endswith((".ipynb", "answers.json"))]
    assert answers, (read, exposed)

    def hub_submit():
        status, text = _api(page, "POST", f"/user/{a}/assignments/submit",
                            {"course_id": course_id, "assignment_id": EXAM})
        assert status == 200 and "submitted" in text, text

    read, exposed = attack(hub_submit)
    assert read == [] and not exposed, (read, exposed)
    grader = pwd.getpwnam(_account(hub, "grader"))
    mine = sorted((e for e in inbound.iterdir() if e.name.startswith(a + "+")),
                  key=lambda e: e.name.split("+")[2])[-1]
    for p in [mine, *mine.rglob("*")]:
        st = p.lstat()
        assert st.st_gid == grader.pw_gid and not st.st_mode & 0o007, (p, oct(st.st_mode))


#: runs as trainee B: reads paths from stdin and keeps trying to list or read each one until
#: STOP; prints the ones it managed to read
ATTACKER = r"""
import json, os, select, sys
print("ready", flush=True)  # the submit starts only once the attacker runs (a loaded machine)
paths, read, stop = [], set(), False
while not stop:
    ready, _, _ = select.select([sys.stdin], [], [], 0)
    if ready:
        line = sys.stdin.readline()
        if not line or line.strip() == "STOP":
            stop = True
        else:
            paths.append(line.strip())
    for p in paths:
        if p in read:
            continue
        try:
            if os.path.isdir(p):
                os.listdir(p)
            else:
                with open(p, "rb") as fh:
                    fh.read(64)
            read.add(p)
        except OSError:
            pass
print(json.dumps(sorted(read)))
"""

STOCK_SUBMIT = (
    "import os\n"
    "os.environ['JUPYTER_CONFIG_PATH'] = %r\n"
    "os.chdir(os.path.expanduser('~'))\n"
    "from traitlets.config import Config\n"
    "from nbgrader.exchange.default import ExchangeSubmit\n"
    "from nbgrader.coursedir import CourseDirectory\n"
    "from nbgrader.auth import Authenticator\n"
    "c = Config(); c.CourseDirectory.course_id = 'service-academy'\n"
    "c.CourseDirectory.student_id = %r\n"
    "c.Exchange.root = %r; c.Exchange.path_includes_course = True\n"
    "cd = CourseDirectory(config=c); cd.assignment_id = %r\n"
    "ExchangeSubmit(coursedir=cd, authenticator=Authenticator(config=c), config=c).start()\n")


def test_does_formgraders_collect_button_collect_the_trainees_own_submission(hub, people):
    """Does formgrader's Collect button (running as the grader account) collect trainee A's
    latest submission, made through their server, into the course?"""
    frame = _formgrader(people[TRAINER], hub)
    _press(frame, "collect", f"Successfully collected submissions of '{EXAM}'")
    submitted = hub["home"] / "course" / "submitted" / PEOPLE["a"] / EXAM
    assert (submitted / f"{EXAM}.ipynb").is_file()
    grader = pwd.getpwnam(_account(hub, "grader")).pw_uid
    assert submitted.stat().st_uid == grader
    stamp = (submitted / "timestamp.txt").read_text()
    inbound = hub["home"] / "exchange" / _course_id(hub) / "inbound"
    latest = max(e.name.split("+")[2] for e in inbound.iterdir()
                 if e.name.startswith(PEOPLE["a"] + "+"))
    assert stamp.strip() == latest.strip()


def test_do_academy_exam_commands_as_root_still_work_on_the_graders_exchange(hub, people):
    """After formgrader's buttons, do `academy exam autograde` and `academy exam feedback`
    (as root) grade trainee A's submission into the platform database on PostgreSQL and release
    the feedback into the grader account's exchange folder (handed to that account), and does A
    fetch it through their own server?"""
    from sqlalchemy import create_engine, text

    a = PEOPLE["a"]
    _run("--home", str(hub["home"]), "exam", "autograde", EXAM, "--workers", "1")
    _run("--home", str(hub["home"]), "exam", "feedback", EXAM)
    engine = create_engine(hub["academy_url"])
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT employee_id, status, score FROM exam_results "
                                 "WHERE exam = :e"), {"e": EXAM}).all()
    engine.dispose()
    # A submitted the exam unanswered: graded (its answers sheet rebuilt, "repaired") with 0
    assert [r[0] for r in rows] == [a] and rows[0][1] in ("graded", "repaired"), rows
    assert rows[0][2] is not None, rows
    course_id = _course_id(hub)
    released = list((hub["home"] / "exchange" / course_id / "feedback").glob("*.html"))
    grader = pwd.getpwnam(_account(hub, "grader")).pw_uid
    assert released and all(p.stat().st_uid == grader for p in released)
    page = people[a]
    status, text = _api(page, "POST", f"/user/{a}/assignments/fetch_feedback",
                        {"course_id": course_id, "assignment_id": EXAM})
    assert status == 200, text
    status, text = _api(page, "GET", f"/user/{a}/api/contents/{course_id}/{EXAM}/feedback")
    assert status == 200 and json.loads(text)["content"], text


# --- course progress from a trainee's own kernel ----------------------------------------------


def _execute(page, user: str, code: str) -> str:
    """Run `code` in a new kernel of the person's own server (from their browser, as JupyterLab
    would); the text it printed."""
    status, text = _api(page, "POST", f"/user/{user}/api/kernels", {"name": "python3"})
    assert status in (200, 201), text
    kernel = json.loads(text)["id"]
    return page.evaluate(
        """async ([url, code]) => await new Promise((resolve) => {
            const ws = new WebSocket(url); let out = '';
            const id = 'run-' + Math.random();
            ws.onmessage = (e) => {
                const m = JSON.parse(e.data);
                if (m.parent_header.msg_id !== id) return;
                if (m.msg_type === 'stream') out += m.content.text;
                if (m.msg_type === 'error') out += 'ERROR ' + m.content.ename + ': ' + m.content.evalue;
                if (m.msg_type === 'execute_reply') { ws.close(); resolve(out); }
            };
            ws.onopen = () => ws.send(JSON.stringify({channel: 'shell',
                header: {msg_id: id, msg_type: 'execute_request', username: '', session: 's',
                         version: '5.3', date: new Date().toISOString()},
                parent_header: {}, metadata: {}, buffers: [],
                content: {code, silent: false, store_history: false, user_expressions: {},
                          allow_stdin: false, stop_on_error: true}}));
            setTimeout(() => resolve(out + ' TIMEOUT'), 240000);
        })""", [hub_ws(page) + f"user/{user}/api/kernels/{kernel}/channels", code])


def hub_ws(page) -> str:
    return re.match(r"(https?://[^/]+/)", page.url).group(1).replace("http", "ws", 1)


def _modules() -> tuple[str, str, str, list[str]]:
    from training.catalog import load_courses

    course = load_courses()[0]
    first, second = course.modules[0], course.modules[1]
    return course.id, first.id, second.id, list(first.content().practice)


def test_does_a_trainees_kernel_record_course_progress_for_them_alone(hub, people):
    """Does a module opened, practised and self-checked in trainee A's own kernel reach the
    platform database (PostgreSQL) as A's progress, through the hub's progress service, while
    A's kernel claiming to be B (changed environment, an event naming B, no token) records
    nothing for B?"""
    from sqlalchemy import create_engine, text

    a, b = PEOPLE["a"], PEOPLE["b"]
    course, first, second, practice = _modules()
    code = f"""
import json, os, urllib.request, urllib.error
from training.session import ModuleSession
from training.recorder import Recorder
s = ModuleSession.open({course!r}, {first!r}, show=False)
for pid in s.practice_ids:
    s._practice_done(pid)()
s._note(s.recorder.record({{"kind": "self_check", "course": {course!r}, "module": {first!r},
                            "score": 80}}))
print("OWN", json.dumps({{"active": s.recorder.active, "notices": s.notices}}))
os.environ["ACADEMY_USER"] = {b!r}
print("ENV", Recorder.from_environment().record({{"kind": "opened", "course": {course!r},
                                                  "module": {second!r}}}))
def post(body, token=os.environ["JUPYTERHUB_API_TOKEN"]):
    req = urllib.request.Request(os.environ["ACADEMY_PROGRESS_URL"] + "record",
        data=json.dumps(body).encode(), method="POST",
        headers={{"Authorization": "token " + token}} if token else {{}})
    try:
        return urllib.request.urlopen(req, timeout=30).status
    except urllib.error.HTTPError as exc:
        return exc.code
print("NAMED", post({{"kind": "opened", "course": {course!r}, "module": {second!r},
                     "employee_id": {b!r}}}))
print("NOTOKEN", post({{"kind": "opened", "course": {course!r}, "module": {second!r}}}, ""))
print("FAKETOKEN", post({{"kind": "opened", "course": {course!r}, "module": {second!r}}},
                        "0" * 32))
print("DB", "ACADEMY_DB_URL" in os.environ or "ACADEMY_HOME" in os.environ)
"""
    out = _execute(people[a], a, code)
    assert "ERROR" not in out and "TIMEOUT" not in out, out
    own = json.loads(re.search(r"OWN (\{.*\})", out).group(1))
    assert own == {"active": True, "notices": []}, out
    assert "ENV None" in out  # stored, but for A (checked below)
    assert "NAMED 400" in out and "NOTOKEN 403" in out and "FAKETOKEN 403" in out, out
    assert "DB False" in out
    engine = create_engine(hub["academy_url"])
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT employee_id, module, practice_done_at IS NOT NULL, self_check_best "
            "FROM module_progress WHERE course = :c AND employee_id IN (:a, :b) "
            "AND last_opened_at > now() - interval '1 hour'"), {"c": course, "a": a, "b": b}).all()
    engine.dispose()
    mine = {r[1]: r for r in rows if r[0] == a}
    assert not [r for r in rows if r[0] == b], rows
    assert mine[first][2] is True and mine[first][3] == 80.0
    assert second in mine


def test_does_the_recorded_progress_show_on_the_trainees_and_managers_dashboards(hub, people):
    """Does trainee A's own dashboard show the module they just completed as completed, and does
    their manager's dashboard show A's course progress?"""
    from training.catalog import load_course

    course, first, _second, _ = _modules()
    title = load_course(course).module(first).title("en")
    page = people[PEOPLE["a"]]
    page.goto(hub["url"] + "services/dashboards/voila/render/trainee.ipynb")
    page.wait_for_selector(".academy-viewer", timeout=240_000)
    row = page.locator("tr", has_text=title).first
    row.wait_for(timeout=240_000)
    assert "completed" in row.inner_text()
    page = people[PEOPLE["manager"]]
    page.goto(hub["url"] + "services/dashboards/voila/render/manager.ipynb")
    page.wait_for_selector(".academy-course-progress", timeout=240_000)
    table = page.locator(".academy-course-progress")
    cells = table.locator("tr", has_text=NAMES[PEOPLE["a"]]).locator("td").all_inner_texts()
    # A opened two modules (the second one while claiming to be B), completed the first, 80 %
    assert [c.strip() for c in cells] == [NAMES[PEOPLE["a"]], "2", "1", "80.00", ""], cells
    b_cells = table.locator("tr", has_text=NAMES[PEOPLE["b"]]).locator("td").all_inner_texts()
    assert [c.strip() for c in b_cells][1:3] == ["0", "0"], b_cells
