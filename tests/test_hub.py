"""The platform for a department, for real: `academy hub` starts JupyterHub, its proxy, the
services and everybody's servers as their own OS accounts on loopback; people sign in through the
hub in Chromium; an exam goes round (fetch, answer by clicking, submit, collect, autograde,
feedback); dashboards come from the hub's login; and every escape a trainee could try is refused.

The tests of this module run in order on one hub (module fixture). They need root (accounts are
created with a unique prefix and removed afterwards) and a venv on an interpreter every account
may run (`make venv`)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.conftest import ACADEMY, DATA

# one hub at a time under xdist: OS accounts and a department of servers (tests/conftest.py)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("os-accounts")]

TRAINER = "trainer-li"
EXAM = "small-exam"
#: a written answer trainee 1 types into the exam
WRITTEN = "Filters are consumables, so the warranty does not cover them."
#: filled by the fixture from the demo company: three trainees under one manager
TRAINEES: list[str] = []
MANAGER = ""
STRANGER = ""  # a colleague in another manager's teams
NAMES: dict[str, str] = {}


def _reachable_by_others(path: Path) -> bool:
    path = path.resolve()
    for parent in [path, *path.parents]:
        if not parent.stat().st_mode & 0o001:
            return False
    return True


def _run(*args, env=None, check=True, input=None) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in ("ACADEMY_HOME", "ACADEMY_DB_URL")}
    full.update({"COLUMNS": "200", "NO_COLOR": "1"}, **(env or {}))
    proc = subprocess.run([str(ACADEMY), *args], capture_output=True, text=True, env=full,
                          timeout=900, input=input)
    if check and proc.returncode:
        raise AssertionError(f"academy {' '.join(args)}: {proc.stdout}\n{proc.stderr}")
    return proc

def _start_hub(home: Path, base: Path, settings: str, pw: dict[str, str]):
    """Write the hub's settings, build and release the small exam, give each person a password,
    start `academy hub` and wait for its address: (process, address or None)."""
    (home / "hub").mkdir(mode=0o700)
    (home / "hub" / "settings.yaml").write_text(settings, encoding="utf-8")
    _run("--home", str(home), "exam", "build", str(DATA / "exam_small.yaml"))
    _run("--home", str(home), "exam", "release", EXAM)
    for name, value in pw.items():
        _run("--home", str(home), "hub", "password", name, "--value", value)
    out = open(base / "hub.out", "w")
    proc = subprocess.Popen([str(ACADEMY), "--home", str(home), "hub"], stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True,
                            env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"})
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        m = re.search(r"JupyterHub: (http://\S+/)", (base / "hub.out").read_text())
        if m:
            return proc, m.group(1)
        time.sleep(1)
    return proc, None



def _as(account: str, code: str) -> subprocess.CompletedProcess:
    """Run Python code as an OS account (what their terminal or kernel could do)."""
    return subprocess.run(["runuser", "-u", account, "--", sys.executable, "-c", code],
                          capture_output=True, text=True, timeout=300, cwd="/")


@pytest.fixture(scope="module")
def hub():
    if os.geteuid() != 0:
        raise RuntimeError("the hub tests create OS accounts: run them as root (make test)")
    if not _reachable_by_others(Path(sys.executable)):
        raise RuntimeError(f"{sys.executable} cannot be run by other accounts: rebuild the venv "
                           f"on Debian's Python (make clean venv)")
    from academy.hub.accounts import remove_accounts

    base = Path(tempfile.mkdtemp(prefix="academy-hub-"))
    base.chmod(0o711)
    home = base / "home"
    prefix = f"t{uuid.uuid4().hex[:5]}-"
    proc = None
    try:
        _demo_company(home)
        pw = {n: f"pw-{uuid.uuid4().hex[:10]}" for n in [*TRAINEES, MANAGER, TRAINER, STRANGER]}
        proc, url = _start_hub(home, base, (
            f"account_prefix: {prefix}\ntrainers: [{TRAINER}]\nport: 0\nsync_seconds: 2\n"
            "auth_refresh_seconds: 2\nlockout_attempts: 3\nmem_limit: 3G\n"), pw)
        assert url, (base / "hub.out").read_text() + _log_tail(home)
        yield {"url": url, "home": home, "prefix": prefix, "pw": pw, "proc": proc,
               "out": base / "hub.out", "base": base}
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(180)
            except subprocess.TimeoutExpired:
                proc.kill()
        remove_accounts(prefix)
        shutil.rmtree(base, ignore_errors=True)


def _demo_company(home: Path) -> None:
    """A 20-person demo company (the smallest demo: every person is an OS account the hub makes
    and removes) with published grades (no demo exams), as the dashboards' tests build it; picks
    a manager, three trainees under them and a stranger."""
    from datetime import date

    from rich.console import Console

    from academy import demo as d
    from core.home import init_home
    from dashboards import data
    from dashboards.access import Viewer, managed_teams, visible_ids

    global MANAGER, STRANGER
    for var in ("ACADEMY_HOME", "ACADEMY_DB_URL"):
        os.environ.pop(var, None)
    h = init_home(home)
    ctx = d.DemoContext(h, 20, 2026, date(2026, 11, 20), Console(quiet=True), [])
    for _label, step in d.DEMO_STEPS:
        if step is not d.step_exams:
            step(ctx)
    company = data.load_company(h, refresh=True)
    hier = company.hierarchy
    managers = sorted(m for m in hier["team_manager_id"].dropna().unique()
                      if managed_teams(hier, Viewer(m)))
    graded = set(data.cycle_data(company, data.graded_cycles(company)[-1]).result
                 .results["employee_id"])
    MANAGER = managers[0]
    mine = set(visible_ids(hier, Viewer(MANAGER)))
    staff = set(hier.loc[hier["level"] == "staff", "employee_id"])
    planned = set(data.cycle_data(company, data.graded_cycles(company)[-1]).result
                  .training["employee_id"])
    # people with a training plan first: their report has module links to follow
    TRAINEES[:] = sorted(graded & mine & staff - {MANAGER}, key=lambda e: (e not in planned, e))[:3]
    assert TRAINEES[0] in planned
    STRANGER = sorted(graded & staff - mine)[0]
    NAMES.update(dict(zip(hier["employee_id"], hier["name"])))
    assert len(TRAINEES) == 3
    h.close()


def _log_tail(home: Path, n: int = 60) -> str:
    log = home / "hub" / "jupyterhub.log"
    return "\n".join(log.read_text(errors="replace").splitlines()[-n:]) if log.exists() else ""


def _session(hub, name: str, password: str | None = None) -> requests.Session:
    s = requests.Session()
    s.get(hub["url"] + "hub/login", timeout=60)
    r = s.post(hub["url"] + "hub/login", timeout=120, allow_redirects=False,
               data={"username": name, "password": password or hub["pw"][name],
                     "_xsrf": s.cookies.get("_xsrf")})
    s.login_status = r.status_code
    return s


def _signed_in(hub, s: requests.Session) -> bool:
    return s.login_status == 302


# --- (a) start, address, admin login -------------------------------------------------------------


def test_does_academy_hub_print_a_loopback_address_and_an_admin_login(hub):
    """Does `academy hub` print the hub's address on 127.0.0.1 and an admin login that works?"""
    out = hub["out"].read_text()
    assert hub["url"].startswith("http://127.0.0.1:")
    m = re.search(r"Admin login: (\S+) / (\S+)", out)
    assert m, out
    s = _session(hub, m.group(1), m.group(2))
    assert _signed_in(hub, s)
    r = s.get(hub["url"] + "hub/admin", timeout=60)
    assert r.status_code == 200
    login = requests.get(hub["url"] + "hub/login", timeout=60).content.decode("utf-8")
    assert "Employee ID" in login and "工号" in login and "被暂时锁定" in login


# --- (b) sign-in ---------------------------------------------------------------------------------


def test_is_sign_in_refused_to_strangers_and_locked_after_repeated_failures(hub):
    """Are a name not in the roster and a roster member with no password refused, and is an
    account locked after three wrong passwords so that even the right one then fails?"""
    assert not _signed_in(hub, _session(hub, "999999", "whatever-pass"))
    nobody = next(n for n in NAMES if n not in hub["pw"])
    assert not _signed_in(hub, _session(hub, nobody, "whatever-pass"))  # none issued
    for _ in range(3):
        assert not _signed_in(hub, _session(hub, STRANGER, "wrong-password"))
    assert not _signed_in(hub, _session(hub, STRANGER))
    # an admin re-issuing the password ends the lock-out
    _run("--home", str(hub["home"]), "hub", "password", STRANGER, "--value", hub["pw"][STRANGER])
    assert _signed_in(hub, _session(hub, STRANGER))


SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "hub"  # gitignored


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))


def _login_page(browser, hub, name: str):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.set_default_timeout(180_000)
    bodies: list[str] = []

    def keep(resp):
        if "spawn-pending" in resp.url and resp.request.resource_type == "document":
            try:
                bodies.append(resp.text())
            except Exception:  # noqa: BLE001 - a redirect has no body
                pass

    page.on("response", keep)
    page.goto(hub["url"] + "hub/login")
    page.fill("#username_input", name)
    page.fill("#password_input", hub["pw"][name])
    page.click("#login_submit")
    return ctx, page, bodies


@pytest.fixture(scope="module")
def people(hub, browser):
    """Three trainees, the trainer and the manager, each signed in through the hub in Chromium."""
    out = {}
    for name in [*TRAINEES, MANAGER, TRAINER]:
        ctx, page, bodies = _login_page(browser, hub, name)
        out[name] = {"ctx": ctx, "page": page, "pending": bodies}
    for name in TRAINEES:
        out[name]["page"].wait_for_url(re.compile(rf"/user/{name}/lab"), timeout=240_000)
        out[name]["page"].wait_for_selector("#jp-main-dock-panel", timeout=240_000)
    yield out
    for p in out.values():
        p["ctx"].close()


def _server_pid(account: str) -> int:
    found = subprocess.run(["pgrep", "-u", account, "-f", "jupyterhub-singleuser"],
                           capture_output=True, text=True).stdout.split()
    assert found, f"no single-user server runs as {account}"
    return int(found[0])


def test_does_each_trainee_get_jupyterlab_as_their_own_account(hub, people):
    """Does each trainee's JupyterLab run as their own OS account, with $ACADEMY_USER set by the
    hub to their employee id, a memory limit, nothing of the home's database in its env, and the
    hub's trainee-mode configuration instead of any in their home?"""
    from academy.hub.accounts import os_name
    from academy.hub.settings import load_hub_settings

    s = load_hub_settings(hub["home"])
    for name in TRAINEES:
        account = os_name(s, name)
        pid = _server_pid(account)
        env = dict(line.split("=", 1) for line in
                   Path(f"/proc/{pid}/environ").read_text().split("\0") if "=" in line)
        assert env["ACADEMY_USER"] == name and env["USER"] == account
        assert "ACADEMY_DB_URL" not in env and "ACADEMY_HOME" not in env
        # trainee mode: the hub's root-owned configuration, nothing of their home's
        assert env["JUPYTER_CONFIG_DIR"] == str(hub["home"] / "hub-trainee-config")
        assert env["JUPYTERHUB_DISABLE_USER_CONFIG"] == "1"
        limits = Path(f"/proc/{pid}/limits").read_text()
        assert re.search(r"Max data size\s+3221225472", limits)


def test_does_the_start_page_say_what_is_happening(hub, people):
    """While a server starts, does the page say so in English and Chinese?"""
    pages = [b for name in TRAINEES for b in people[name]["pending"]]
    assert pages, "no start page was shown"
    assert "workspace is starting" in pages[0] and "正在启动" in pages[0]


# --- (b2) trainee mode on the hub ----------------------------------------------------------------


def _page_config(page) -> dict:
    return page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent)")


def _menus(page) -> list[str]:
    page.locator(".lm-MenuBar-itemLabel").first.wait_for(timeout=240_000)
    return page.locator(".lm-MenuBar-itemLabel").all_inner_texts()


INSTRUCTOR = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
              "@jupyter/nbgrader:course-list", "@jupyterlab/console-extension",
              "@jupyterlab/terminal-extension", "@jupyterlab/apputils-extension:announcements")


def _assert_trainee_mode(page) -> None:
    """Only the exams' menu; instructor tools, consoles, terminals and news off in the page."""
    assert _menus(page) == ["Exams"]
    disabled = _page_config(page).get("disabledExtensions", [])
    assert set(INSTRUCTOR) <= set(disabled), disabled
    text = page.inner_text("body")
    assert "Formgrader" not in text and "Create Assignment" not in text
    assert page.locator(".jp-Notification-Toast, .Toastify__toast").count() == 0  # no news
    assert page.locator(".jp-Launcher, .jp-CodeConsole, .jp-Terminal").count() == 0


def test_is_a_trainee_on_the_hub_in_trainee_mode_and_unable_to_leave_it(hub, people):
    """Signed in through the hub, does a trainee's JupyterLab open a course module as a document
    (no code cells or prompts, only the Exams menu, no Formgrader, Create Assignment or news,
    the person named), and
    does trainee mode stay on whatever they try from the browser: /lab?reset, Notebook's /tree,
    formgrader, terminals, the plugin manager or the settings API turning things back on, a
    configuration file put into their home through the contents API, or written there by their
    own account (as their kernel could)?"""
    from academy.hub.accounts import os_name
    from academy.hub.settings import load_hub_settings

    name = TRAINEES[1]
    account = os_name(load_hub_settings(hub["home"]), name)
    page = people[name]["page"]
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    base = f"/user/{name}"
    module = "courses/communication/01_listening.ipynb"
    page.goto(hub["url"] + f"user/{name}/lab/tree/{module}")
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    panel.locator(".academy-reaction").wait_for(state="attached", timeout=240_000)
    assert panel.locator(".jp-InputPrompt:visible, .jp-OutputPrompt:visible").count() == 0
    assert panel.locator(".jp-CodeCell .jp-Cell-inputWrapper:visible").count() == 0
    assert "open_module" not in panel.inner_text()
    # the module names the person (from the roster, through the hub), not their id
    assert f"Progress is recorded for {NAMES[name]}" in panel.inner_text()
    listing = page.locator(".jp-DirListing-itemText").all_inner_texts()
    assert listing and all(n.endswith(".ipynb") for n in listing), listing
    _assert_trainee_mode(page)
    _shot(page, "hub-trainee-course-en.png")

    # what the browser could send: other pages, the instructor's server parts, terminals
    for path in ("/tree", f"/notebooks/{module}", "/edit/.bashrc", "/terminals/1",
                 "/formgrader", "/formgrader/api/submissions", "/api/terminals",
                 f"/nbconvert/script/{module}", "/voila/render/" + module):
        status, body = _api(page, "GET", base + path)
        assert status in (403, 404), (path, status)
        assert "open_module" not in body
    # turning plugins on: the plugin manager, the settings API, a page_config in their home
    for plugin in ("@jupyterlab/console-extension", "@jupyter/nbgrader:formgrader"):
        status, _ = _api(page, "POST", base + "/lab/api/plugins",
                         {"cmd": "enable", "plugin_name": plugin})
        assert status >= 400, plugin
    status, _ = _api(page, "PUT", base + "/lab/api/settings/@jupyterlab/mainmenu-extension:plugin",
                     {"raw": json.dumps({"menus": [{"id": "jp-mainmenu-run",
                                                    "disabled": False}]})})
    assert status >= 400
    unlocked = json.dumps({"disabledExtensions": {p: False for p in INSTRUCTOR}})
    for path in (".jupyter/labconfig/page_config.json", ".jupyter/jupyter_server_config.json",
                 "courses/page_config.json"):
        status, _ = _api(page, "PUT", f"{base}/api/contents/{path}",
                         {"type": "file", "format": "text", "content": unlocked})
        assert status in (400, 403, 404), path
    # their own account (a kernel of theirs) writes the same into their home: not read
    wrote = _as(account, "import os, pathlib\n"
                "for d in ('~/.jupyter/labconfig', '~/.local/etc/jupyter/labconfig'):\n"
                "    p = pathlib.Path(os.path.expanduser(d)); p.mkdir(parents=True, exist_ok=True)\n"
                f"    (p / 'page_config.json').write_text({unlocked!r})\n"
                "p = pathlib.Path(os.path.expanduser('~/.jupyter/lab/user-settings/"
                "@jupyterlab/mainmenu-extension')); p.mkdir(parents=True, exist_ok=True)\n"
                "(p / 'plugin.jupyterlab-settings').write_text('{\"menus\": []}')\n")
    assert wrote.returncode == 0, wrote.stderr
    settings_dir = hub["home"] / "hub-trainee-config" / "lab-user-settings"
    assert _as(account, f"open({str(settings_dir / 'x.json')!r}, 'w')").returncode != 0
    for url in (f"user/{name}/lab?reset", f"user/{name}/lab", f"user/{name}/lab/tree/{module}"):
        page.goto(hub["url"] + url)
        page.wait_for_selector("#jp-main-dock-panel", timeout=240_000)
        page.wait_for_timeout(1500)
        _assert_trainee_mode(page)
    panel.locator(".academy-reaction").wait_for(state="attached", timeout=240_000)
    assert panel.locator(".jp-InputPrompt:visible").count() == 0
    assert page.locator(".jp-Dialog").count() == 0  # nothing failed to save in the way
    assert not errors, errors


# --- (c) exams across accounts --------------------------------------------------------------------


def _api(page, method: str, path: str, body: dict | None = None):
    """A request from the person's browser to their own server (cookies and XSRF as Lab does)."""
    return page.evaluate(
        """async ([method, path, body]) => {
            const xsrf = (document.cookie.match(/_xsrf=([^;]+)/) || [])[1] || '';
            const r = await fetch(path, {method, headers: {'X-XSRFToken': decodeURIComponent(xsrf),
                'Content-Type': 'application/json'}, body: body ? JSON.stringify(body) : undefined});
            return [r.status, await r.text()];
        }""", [method, path, body])


def test_does_a_trainee_fetch_answer_by_clicking_and_submit(hub, people):
    """Does trainee 1, in trainee mode, fetch the exam by its title from the Exams menu, see its
    questions on opening it (nothing run by hand, no code), answer by clicking, press Submit,
    confirm and see it submitted, all through the hub; and trainees 2 and 3 fetch and submit
    through their own servers?"""
    from academy.hub.accounts import os_name
    from academy.hub.settings import load_hub_settings
    from core.home import open_home
    from graders.exam.bank import load_bank
    from graders.exam.public import public_exam, variant
    from graders.exam.simulate import correct_answer

    first = TRAINEES[0]
    page = people[first]["page"]
    h = open_home(hub["home"], upgrade=False)
    course_id = h.settings.course_id
    bank = load_bank(h.course_dir / "banks" / f"{EXAM}.yaml")
    h.close()
    # trainee mode: the exams' menu, the list in the trainee's words, the exam by its title
    page.locator(".lm-MenuBar-itemLabel", has_text="Exams").click()
    page.locator('li[data-command="nbgrader:open-assignment-list"]').click()
    released = page.locator("#released_assignments_list > .list_item", has_text=bank.title)
    released.locator(".item_status button").click(timeout=120_000)
    page.locator("#fetched_assignments_list > .list_item",
                 has_text=bank.title).wait_for(timeout=120_000)
    assert EXAM not in page.locator("#assignments").inner_text()  # titles, not ids
    pub = public_exam(bank)
    page.goto(hub["url"] + f"user/{first}/lab/tree/{course_id}/{EXAM}/{EXAM}.ipynb")
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    sheet = variant(pub, first)
    auto = [v for v in sheet.values() if not bank.by_id[v.question].manual]
    # the widgets show on open: nothing run by hand, no code, no prompts
    panel.locator(".academy-question").nth(len(auto) - 1).wait_for(state="attached",
                                                                    timeout=240_000)
    assert panel.locator(".jp-InputPrompt:visible, .jp-OutputPrompt:visible").count() == 0
    assert "ask(" not in panel.inner_text()
    for view in auto:
        q = bank.by_id[view.question]
        box = panel.locator(".academy-question").filter(has_text=q.stem[:40])
        box.scroll_into_view_if_needed()
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
        box.get_by_text("✓ Saved").wait_for(timeout=60_000)
    # a written answer: one click into its box, type, click outside: shown and saved
    written = panel.locator(".academy-written").first
    written.scroll_into_view_if_needed()
    written.click()
    panel.locator(".academy-written .cm-editor").first.wait_for(timeout=60_000)
    page.keyboard.type(WRITTEN)
    panel.locator(".jp-MarkdownCell").first.click()
    written.locator(".academy-written-state.academy-saved").wait_for(timeout=120_000)
    assert WRITTEN in written.inner_text()
    # Submit, with a confirmation, and a visible submitted state
    panel.locator("button.academy-submit").click()
    dialog = page.locator(".academy-confirm")
    dialog.wait_for(timeout=60_000)
    assert "Submit your exam?" in dialog.inner_text()
    dialog.locator(".jp-mod-accept").click()
    state = panel.locator(".academy-submitted")
    state.wait_for(timeout=180_000)
    assert "Submitted" in state.inner_text()
    _shot(page, "hub-trainee-exam-submitted-en.png")
    for name in TRAINEES[1:]:
        p = people[name]["page"]
        base = f"/user/{name}/assignments"
        status, text = _api(p, "POST", f"{base}/fetch", {"course_id": course_id,
                                                         "assignment_id": EXAM})
        assert status == 200 and EXAM in text, text
        answers = {bank.by_id[v.question].id: correct_answer(bank, bank.by_id[v.question])
                   for v in variant(pub, name).values() if not bank.by_id[v.question].manual}
        sheet_json = json.dumps({"format": 1, "exam": EXAM, "trainee": name, "answers": answers,
                                 "saved_at": {q: "2026-01-01T00:00:00+00:00" for q in answers}})
        # trainee mode's server writes no file but a notebook: the answer sheet is written as
        # the exam's widgets write it, by the person's own account (their kernel)
        status, _ = _api(p, "PUT", f"/user/{name}/api/contents/{course_id}/{EXAM}/answers.json",
                         {"type": "file", "format": "text", "content": sheet_json})
        assert status == 403
        wrote = _as(os_name(load_hub_settings(hub["home"]), name),
                    f"import os; open(os.path.expanduser('~/{course_id}/{EXAM}/answers.json'), "
                    f"'w').write({sheet_json!r})")
        assert wrote.returncode == 0, wrote.stderr
        status, text = _api(p, "POST", f"{base}/submit", {"course_id": course_id,
                                                          "assignment_id": EXAM})
        assert status == 200 and "submitted" in text, text
    inbound = hub["home"] / "exchange" / course_id / "inbound"
    owners = {e.name.split("+")[0]: e.stat().st_uid for e in inbound.iterdir()}
    assert set(owners) == set(TRAINEES)
    # the written answer went with trainee 1's submission
    sent = next(e for e in inbound.iterdir() if e.name.startswith(f"{first}+"))
    cells = json.loads(next(sent.rglob(f"{EXAM}.ipynb")).read_text(encoding="utf-8"))["cells"]
    assert any("".join(c["source"]).strip() == WRITTEN for c in cells
               if c["cell_type"] == "markdown"), "the written answer is not in the submission"


def test_is_a_submission_in_another_trainees_name_set_aside(hub, people):
    """When trainee 3's account submits under trainee 1's id (their own nbgrader settings
    changed), does `academy exam collect` set it aside and keep trainee 1's own?"""
    from academy.hub.accounts import os_name
    from academy.hub.settings import load_hub_settings

    s = load_hub_settings(hub["home"])
    home = hub["home"]
    code = (
        "import os, sys\n"
        "os.environ['JUPYTER_CONFIG_PATH'] = %r\n"
        "os.environ['ACADEMY_USER'] = %r\n"
        "os.chdir(os.path.expanduser('~'))\n"
        "import json; p = 'service-academy/%s/answers.json'; d = json.load(open(p))\n"
        "d['forged'] = True; json.dump(d, open(p, 'w'))\n"
        "from nbgrader.apps import NbGraderAPI\n"
        "from traitlets.config import Config\n"
        "from nbgrader.exchange.default import ExchangeSubmit\n"
        "from nbgrader.coursedir import CourseDirectory\n"
        "from nbgrader.auth import Authenticator\n"
        "c = Config(); c.CourseDirectory.course_id = 'service-academy'\n"
        "c.Exchange.root = %r; c.Exchange.path_includes_course = True\n"
        "cd = CourseDirectory(config=c); cd.assignment_id = %r; cd.student_id = %r\n"
        "ExchangeSubmit(coursedir=cd, authenticator=Authenticator(config=c), config=c).start()\n"
    ) % (str(home / "hub-user-config"), TRAINEES[0], EXAM, str(home / "exchange"), EXAM,
         TRAINEES[0])
    forged = _as(os_name(s, TRAINEES[2]), code)
    assert forged.returncode == 0, forged.stderr
    # set aside by the hub's sync as it arrives, or by collect if that comes first
    proc = _run("--home", str(home), "exam", "collect", EXAM)
    assert f"Collected {len(TRAINEES)} submission" in proc.stdout
    quarantine = home / "course" / "quarantine"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (quarantine.exists() and any(quarantine.iterdir())):
        time.sleep(1)
    (aside,) = list(quarantine.iterdir())
    assert aside.name.startswith(TRAINEES[0] + "+")
    assert aside.stat().st_uid == __import__("pwd").getpwnam(os_name(s, TRAINEES[2])).pw_uid
    said = proc.stderr + (home / "hub" / "jupyterhub.log").read_text(errors="replace")
    assert f"claims to be {TRAINEES[0]} but was made by {os_name(s, TRAINEES[2])}" in said
    # what was collected for trainee 1 is their own submission
    sheet = home / "course" / "submitted" / TRAINEES[0] / EXAM / "answers.json"
    assert "forged" not in json.loads(sheet.read_text())


def test_does_the_trainer_autograde_and_the_trainee_get_feedback(hub, people):
    """Do `academy exam autograde` and `feedback` work unchanged on the hub's home, every
    trainee scoring full marks on the automatic questions, and does a trainee fetch their
    feedback through their own server?"""
    home = hub["home"]
    _run("--home", str(home), "exam", "autograde", EXAM, "--workers", "1")
    _run("--home", str(home), "exam", "feedback", EXAM)
    from core.home import open_home
    from graders.exam import course

    h = open_home(home, upgrade=False)
    with course.gradebook(h) as gb:
        scores = {s.student.id: (s.score, s.max_score) for s in gb.assignment_submissions(EXAM)}
    course_id = h.settings.course_id
    h.close()
    assert set(scores) == set(TRAINEES)
    auto = {sid: score for sid, (score, _max) in scores.items()}
    assert len(set(auto.values())) == 1 and list(auto.values())[0] > 0
    name = TRAINEES[1]
    p = people[name]["page"]
    status, text = _api(p, "POST", f"/user/{name}/assignments/fetch_feedback",
                        {"course_id": course_id, "assignment_id": EXAM})
    assert status == 200, text
    status, text = _api(p, "GET", f"/user/{name}/api/contents/{course_id}/{EXAM}/feedback")
    assert status == 200, text
    stamp = json.loads(text)["content"][0]["name"]
    status, text = _api(p, "GET", f"/user/{name}/api/contents/{course_id}/{EXAM}/feedback/"
                        f"{stamp}/{EXAM}.html?type=file&format=text")
    assert status == 200 and "Score" in json.loads(text)["content"]


def test_are_the_banks_gradebook_database_and_other_homes_closed_to_a_trainee(hub, people):
    """As a trainee's own account (their terminal or kernel), is reading the question banks, the
    gradebook, academy.db, the settings, hub passwords, another trainee's home, the exchange's
    inbound listing or another's submission, and writing into the released exam, all refused?"""
    from academy.hub.accounts import os_name
    from academy.hub.settings import load_hub_settings

    s = load_hub_settings(hub["home"])
    home = hub["home"]
    other = Path(f"/home/{os_name(s, TRAINEES[1])}")
    inbound = home / "exchange" / "service-academy" / "inbound"
    theirs = next(e for e in inbound.iterdir() if e.name.startswith(TRAINEES[1]))
    targets = {
        "bank": f"open({str(home / 'course' / 'banks' / (EXAM + '.yaml'))!r}).read()",
        "gradebook": f"open({str(home / 'course' / 'gradebook.db')!r}, 'rb').read()",
        "gradebook-sqlite": "import sqlite3; sqlite3.connect("
                            f"{str(home / 'course' / 'gradebook.db')!r}).execute('select 1')",
        "academy.db": f"open({str(home / 'academy.db')!r}, 'rb').read()",
        "settings": f"open({str(home / 'academy.yaml')!r}).read()",
        "passwords": f"open({str(home / 'hub' / 'passwords.json')!r}).read()",
        "other home": f"import os; os.listdir({str(other)!r})",
        "inbound list": f"import os; os.listdir({str(inbound)!r})",
        "other submission": f"import os; os.listdir({str(theirs)!r}); "
                            f"open({str(theirs / (EXAM + '.ipynb'))!r}).read()",
        "write release": f"open({str(home / 'exchange' / 'service-academy' / 'outbound' / EXAM / 'x.py')!r}, 'w')",
        "submitted": f"import os; os.listdir({str(home / 'course' / 'submitted')!r})",
        "dashboards keys": "import os; os.listdir('/var/lib/service-academy/"
                           f"{s.account_prefix}dash')",
    }
    account = os_name(s, TRAINEES[2])
    for what, code in targets.items():
        proc = _as(account, code)
        assert proc.returncode != 0 and ("Permission" in proc.stderr or
                                         "unable to open" in proc.stderr), (what, proc.stderr)
    # their own home stays theirs
    assert _as(account, "import os; os.listdir(os.path.expanduser('~'))").returncode == 0


def test_do_trainers_get_formgrader_and_trainees_are_refused(hub, people):
    """Does the trainer open formgrader through the hub (a page JupyterLab may frame), is the
    trainer's own JupyterLab the full one (not trainee mode), while a trainee is refused? (The
    Formgrader panel of the service's JupyterLab: tests/test_hub_department.py.)"""
    page = people[TRAINER]["page"]
    resp = page.goto(hub["url"] + "services/formgrader/formgrader")
    page.wait_for_selector("text=Manage Assignments", timeout=120_000)
    assert "frame-ancestors 'self'" in (resp.headers.get("content-security-policy") or "")
    page.locator("td", has_text=EXAM).first.wait_for(timeout=120_000)  # listed by the page's JS
    # the trainer's own server is the full JupyterLab, not trainee mode
    page.goto(hub["url"] + f"user/{TRAINER}/lab")
    menus = _menus(page)
    assert "File" in menus and "Run" in menus and "Exams" not in menus
    trainee = people[TRAINEES[0]]["page"]
    # no trainee reaches formgrader: the service's page, its JupyterLab and its API, nor a
    # formgrader of their own server
    for path in ("services/formgrader/formgrader", "services/formgrader/lab",
                 "services/formgrader/formgrader/api/assignments",
                 "services/formgrader/api/contents"):
        resp = trainee.goto(hub["url"] + path)
        assert resp.status == 403, (path, resp.status)
        assert "Manage Assignments" not in trainee.content()
    resp = trainee.goto(hub["url"] + f"user/{TRAINEES[0]}/formgrader")
    assert resp.status == 404


# --- (d) dashboards behind the hub's login ------------------------------------------------------


def _dashboard(page, hub, notebook: str):
    page.goto(hub["url"] + f"services/dashboards/voila/render/{notebook}")
    page.wait_for_selector(".academy-viewer", timeout=240_000)
    kernel = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data')"
                           ".textContent).kernelId")
    viewer = page.locator(".academy-viewer")
    assert viewer.get_attribute("data-user") in NAMES  # the id the hub signed them in as
    assert NAMES[viewer.get_attribute("data-user")] in viewer.inner_text()  # shown by name
    return viewer.get_attribute("data-user"), kernel


def test_do_trainee_and_manager_see_their_own_dashboards(hub, people):
    """Does a trainee's dashboard name the trainee as the hub signed them in, a manager's show
    their team, and a trainee opening the manager dashboard see no one else?"""
    viewer, _ = _dashboard(people[TRAINEES[0]]["page"], hub, "trainee.ipynb")
    assert viewer == TRAINEES[0]
    page = people[MANAGER]["page"]
    viewer, _ = _dashboard(page, hub, "manager.ipynb")
    assert viewer == MANAGER
    page.wait_for_selector("svg.academy-chart", timeout=240_000)
    teams = [t.replace("\xa0", " ") for t in page.locator("select[multiple] option").all_inner_texts()]
    from core.home import open_home
    from dashboards.access import Viewer, managed_teams
    from dashboards.data import load_company

    h = open_home(hub["home"], upgrade=False)
    hier = load_company(h).hierarchy
    h.close()
    assert set(teams) == set(managed_teams(hier, Viewer(MANAGER)))
    trainee = people[TRAINEES[1]]["page"]
    trainee.goto(hub["url"] + "services/dashboards/voila/render/manager.ipynb")
    trainee.wait_for_load_state("networkidle", timeout=240_000)
    trainee.wait_for_timeout(3000)
    text = trainee.inner_text("body")
    for other in (TRAINEES[0], TRAINEES[2], STRANGER):
        assert other not in text and NAMES[other] not in text


def test_does_a_plan_link_open_the_module_in_the_trainees_own_server(hub, people):
    """Does a module of a trainee's training plan show as a link and, clicked, open that module
    in the trainee's own JupyterLab on the hub (/user/<name>/lab/tree/courses/...), a copy their
    own account owns, with no token or login page on the way; and does the lab speak the
    report's language (one hub, one home language): from the Chinese report a Chinese lab
    (menu, the module's tab, their courses and exams by title), from the English report an
    English one, with the hub's trainee configuration still root's and unchanged?"""
    import pwd

    from lab_pages import assert_titled

    from academy.hub.accounts import hub_name
    from graders.exam.bank import load_bank

    config = hub["home"] / "hub-trainee-config"
    before = {p: p.read_bytes() for p in config.rglob("*") if p.is_file()}
    page = people[TRAINEES[0]]["page"]
    name = hub_name(TRAINEES[0])
    for lang in ("zh", "en"):  # English last: the later tests read the English lab
        page.goto(hub["url"] + f"services/dashboards/voila/render/trainee.ipynb?lang={lang}")
        page.wait_for_selector(".academy-viewer", timeout=240_000)
        link = page.locator("a.academy-link").first
        link.wait_for(timeout=240_000)
        href, title = link.get_attribute("href"), link.inner_text().strip()
        assert href.startswith("/hub/user-redirect/lab/tree/courses/") and "token" not in href
        assert href.endswith(f"?lang={lang}")
        module = href.split("/lab/tree/", 1)[1].split("?")[0]
        with page.context.expect_page() as opened:
            link.click()
        lab = opened.value
        try:
            lab.wait_for_url(re.compile(rf"/user/{name}/lab/tree/{re.escape(module)}"),
                             timeout=300_000)
            # the tabs of the last visit (the exam) are restored first; the module opens once
            # the lab is ready, named by its title, and comes to the front
            lab.wait_for_function(
                "name => [...document.querySelectorAll('#jp-main-dock-panel .lm-TabBar-tab')]"
                ".some(t => t.innerText.trim() === name)", arg=title, timeout=300_000)
            lab.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").first.wait_for(
                timeout=300_000)
            lab.wait_for_timeout(3000)  # a restored tab that would push in front has done so
            tab = lab.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current").inner_text()
            tabs = lab.locator("#jp-main-dock-panel .lm-TabBar-tab").all_inner_texts()
            assert tab.strip() == title, (tabs, lab.url)
            assert _menus(lab) == ["考试" if lang == "zh" else "Exams"]
            assert_titled(lab, lang, [EXAM], {load_bank(DATA / "exam_small.yaml").title})
            _shot(lab, f"hub-plan-link-{lang}.png")
            assert "token" not in lab.inner_text("body").lower()
        finally:
            lab.close()
    account = pwd.getpwnam(hub["prefix"] + name)
    copy = Path(account.pw_dir) / module
    assert copy.is_file() and copy.stat().st_uid == account.pw_uid
    # the language came from the address (a cookie of the browser): no configuration was written
    assert {p: p.read_bytes() for p in config.rglob("*") if p.is_file()} == before
    assert all(p.stat().st_uid == 0 for p in config.rglob("*"))


def _ws_try(page, hub, kernel: str, msg_type: str, content: dict, wait_ms: int = 8000):
    """Open the kernel's websocket from this page and send one message; what came back."""
    return page.evaluate(
        """async ([url, msgType, content, waitMs]) => {
            return await new Promise((resolve) => {
                const got = [];
                let ws;
                try { ws = new WebSocket(url); } catch (e) { resolve(['error', String(e)]); return; }
                ws.onerror = () => resolve(['refused', got]);
                ws.onclose = (e) => resolve(['closed:' + e.code, got]);
                ws.onmessage = (e) => { got.push(JSON.parse(e.data)); };
                ws.onopen = () => {
                    const id = 'probe-' + Math.random();
                    ws.send(JSON.stringify({channel: 'shell', header: {msg_id: id, msg_type: msgType,
                        username: 'x', session: 'probe', version: '5.3', date: new Date().toISOString()},
                        parent_header: {}, metadata: {}, content, buffers: []}));
                    setTimeout(() => { resolve(['open', got]); ws.close(); }, waitMs);
                };
            });
        }""", [hub["url"].replace("http", "ws") +
               f"services/dashboards/api/kernels/{kernel}/channels", msg_type, content, wait_ms])


def test_can_code_sent_to_ones_own_dashboard_kernel_not_run(hub, people):
    """Does a trainee who sends an execute request (code reading the database) or an inspect
    request to their own dashboard kernel get nothing back and leave no trace of it run?"""
    page = people[TRAINEES[0]]["page"]
    _, kernel = _dashboard(page, hub, "trainee.ipynb")
    marker = Path(tempfile.gettempdir()) / f"ran-{uuid.uuid4().hex}"  # writable by any account
    code = f"open({str(marker)!r}, 'w').write(open({str(hub['home'] / 'academy.db')!r}, 'rb').read(16).hex())"
    state, got = _ws_try(page, hub, kernel, "execute_request",
                         {"code": code, "silent": False, "store_history": False,
                          "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
    assert state == "open"
    assert not [m for m in got if m.get("msg_type") in ("execute_reply", "execute_result",
                                                          "stream", "error")]
    assert not marker.exists()
    state, got = _ws_try(page, hub, kernel, "inspect_request",
                         {"code": "import os; os.environ", "cursor_pos": 5, "detail_level": 1})
    assert not [m for m in got if m.get("msg_type") == "inspect_reply"]


def test_is_another_persons_dashboard_kernel_closed(hub, people):
    """Does a trainee who learnt the id of another person's dashboard kernel get refused, on the
    kernel API and on its websocket?"""
    _, kernel = _dashboard(people[MANAGER]["page"], hub, "manager.ipynb")
    page = people[TRAINEES[2]]["page"]
    page.goto(hub["url"] + "services/dashboards/voila/render/trainee.ipynb")
    page.wait_for_selector(".academy-viewer", timeout=240_000)
    status, _ = _api(page, "GET", f"/services/dashboards/api/kernels/{kernel}")
    assert status == 403
    state, got = _ws_try(page, hub, kernel, "comm_info_request", {}, wait_ms=3000)
    assert state != "open" or not got


# --- roster changes take effect at once; stopping ------------------------------------------------


def test_does_a_person_made_inactive_lose_access_at_once(hub, people, tmp_path):
    """After a roster import without trainee 3, is their server stopped, their session ended,
    their sign-in refused and their OS account locked, within a minute?"""
    from academy.hub.accounts import os_name
    from academy.hub.settings import load_hub_settings
    from core.home import open_home
    from dashboards.data import load_company

    gone = TRAINEES[2]
    h = open_home(hub["home"], upgrade=False)
    row = load_company(h).hierarchy.set_index("employee_id").loc[gone]
    h.close()
    (tmp_path / "leaver.csv").write_text(
        "employee_id,name,team,role,supervisor,active\n"
        f"{gone},{row['name']},{row['team']},{row['role_code']},{row['supervisor_id'] or ''},no\n",
        encoding="utf-8")
    _run("--home", str(hub["home"]), "roster", "import", "--partial", str(tmp_path / "leaver.csv"))
    account = os_name(load_hub_settings(hub["home"]), gone)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        running = subprocess.run(["pgrep", "-u", account], capture_output=True).stdout.strip()
        if not running:
            break
        time.sleep(1)
    assert not running, "the inactive person's processes still run"
    page = people[gone]["page"]
    page.goto(hub["url"] + f"user/{gone}/lab")
    page.wait_for_load_state("domcontentloaded")
    assert "/hub/login" in page.url or "/hub/" in page.url and "lab" not in page.url
    assert not _signed_in(hub, _session(hub, gone))
    status = subprocess.run(["passwd", "-S", account], capture_output=True, text=True).stdout
    assert status.split()[1] == "L"


def _running(pid: str) -> bool:
    """Is the process still running (not gone, not a zombie left for init to reap)?"""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_does_sigterm_stop_the_hub_proxy_services_and_servers(hub, people):
    """Does SIGTERM to `academy hub` stop the hub, the proxy, the services and every person's
    server, leaving no process of the hub's accounts and the address closed?"""
    for p in people.values():
        p["ctx"].close()
    people.clear()
    proc = hub["proc"]
    proc.send_signal(signal.SIGTERM)
    proc.wait(240)
    assert proc.returncode == 0
    left = subprocess.run(["pgrep", "-f", str(hub["home"])], capture_output=True, text=True)
    assert not left.stdout.strip(), left.stdout
    for name in [*TRAINEES, MANAGER, TRAINER]:
        from academy.hub.accounts import os_name
        from academy.hub.settings import load_hub_settings

        account = os_name(load_hub_settings(hub["home"]), name)
        running = [pid for pid in subprocess.run(["pgrep", "-u", account], capture_output=True,
                                                 text=True).stdout.split()
                   if _running(pid)]
        assert not running, f"{account}: {running}"
    with pytest.raises(requests.ConnectionError):
        requests.get(hub["url"], timeout=10)
    assert "stopped" in hub["out"].read_text()
