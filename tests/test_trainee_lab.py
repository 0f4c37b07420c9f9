"""Trainee mode of JupyterLab (academy.trainee_lab): courses and exams open as documents, the
instructor's tools are gone, the trainee's own workspace and submissions only; a real JupyterLab
with real nbgrader, walked in headless Chromium in English and Chinese (screenshots kept in
test-artifacts/lab/)."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import run_academy
from lab_pages import assert_titled as _assert_titled
from page_language import problems

from academy import trainee_lab
from core.cycles import open_cycle
from core.errors import AcademyError
from core.home import init_home
from graders.exam import lifecycle, trainee
from graders.exam.public import public_exam, variant
from graders.exam.simulate import correct_answer
from training.catalog import courses_dir

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "test-artifacts" / "lab"  # gitignored; kept for a person to look at
BANKS = {"en": ROOT / "tests" / "data" / "exam_small.yaml",
         "zh": ROOT / "assessments" / "banks" / "aquapure-fuwu-guifan.yaml"}
TIMEZONE = {"en": "Europe/London", "zh": "Asia/Shanghai"}
MODULE = {"en": ("product_knowledge", "01_product_line"), "zh": ("communication", "01_listening")}


def _masters() -> dict[str, str]:
    return {str(p.relative_to(courses_dir())): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(courses_dir().rglob("*")) if p.is_file()}


def _home(path: Path, locale: str = "en"):
    from academy.synthetic.company import make_company, write_roster_csv
    from roster.store import import_roster_file

    h = init_home(path)
    people = make_company(24, 7)
    write_roster_csv(people, h.imports_dir / "roster.csv")
    import_roster_file(h, h.imports_dir / "roster.csv")
    with h.transaction() as s:
        open_cycle(s, "2026-Q4")
    return h, sorted(p.employee_id for p in people)


def test_is_the_trainee_workspace_a_read_only_copy_in_their_language(tmp_path):
    """Does trainee mode copy each module in both languages (`<module>.ipynb` English,
    `<module>.zh.ipynb` Chinese, English where a module has no Chinese twin) with code hidden
    and cells read-only, the trainee's language as the module path, leave the masters untouched,
    keep a copy until its master changes, and write a configuration without the instructor's
    tools, with the trainee's own nbgrader identity?"""
    h, ids = _home(tmp_path / "home")
    before = _masters()
    mode = trainee_lab.prepare(h, ids[0], locale="zh")
    assert mode.module_path("communication", "01_listening") == \
        "courses/communication/01_listening.zh.ipynb"
    assert mode.module_path("communication", "01_listening", "en") == \
        "courses/communication/01_listening.ipynb"
    copy = mode.workspace / mode.module_path("communication", "01_listening")
    nb = json.loads(copy.read_text(encoding="utf-8"))
    assert nb["cells"][0]["source"] and "zh" in "".join(nb["cells"][0]["source"])  # the zh twin
    english = json.loads((copy.parent / "01_listening.ipynb").read_text(encoding="utf-8"))
    assert english["cells"][0]["source"] != nb["cells"][0]["source"]
    # no Chinese twin: the Chinese path holds the English module
    pk = mode.workspace / "courses" / "product_knowledge"
    assert (pk / "01_product_line.zh.ipynb").read_bytes() == \
        (pk / "01_product_line.ipynb").read_bytes()
    assert all(c["metadata"]["editable"] is False for c in nb["cells"])
    assert all(c["metadata"]["jupyter"]["source_hidden"] for c in nb["cells"]
               if c["cell_type"] == "code")
    assert not list(mode.workspace.rglob("*.yaml"))
    # a copy the trainee's server saved (outputs) stays until its master changes
    copy.write_text(copy.read_text(encoding="utf-8").replace("open_module", "open_module "),
                    encoding="utf-8")
    trainee_lab.prepare(h, ids[0], locale="zh")
    assert "open_module " in copy.read_text(encoding="utf-8")
    assert _masters() == before

    cfg = mode.config_dir
    page = json.loads((cfg / "labconfig" / "page_config.json").read_text())["disabledExtensions"]
    assert {"@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:formgrader",
            "@jupyter/nbgrader:course-list",
            "@jupyterlab/apputils-extension:announcements"} <= set(page)
    server = json.loads((cfg / "jupyter_server_config.json").read_text())
    extensions = server["ServerApp"]["jpserver_extensions"]
    assert extensions["nbgrader.server_extensions.formgrader"] is False
    assert "*.yaml" in server["ContentsManager"]["hide_globs"]
    nbg = (cfg / "nbgrader_config.py").read_text()
    assert f"c.CourseDirectory.student_id = {ids[0]!r}" in nbg and str(cfg) in nbg
    assert mode.env["ACADEMY_USER"] == ids[0] and mode.env["JUPYTER_CONFIG_DIR"] == str(cfg)


def test_is_the_hubs_trainee_configuration_shared_read_only_and_free_of_home_secrets(tmp_path):
    """Does the configuration every trainee's server reads on the hub carry trainee mode (same
    plugins off, same file filter, the same settings defaults) without the home's login codes or
    a sign-in of its own, is it readable by all and writable by none but its owner, with the
    jupyter_core "migrated" marker so no server start writes into it; and are the exam titles
    read from the released exams, an unreadable one keeping its id?"""
    import stat

    from academy.trainee_lab.server import released_titles

    outbound = tmp_path / "exchange" / "course" / "outbound"
    cfg = trainee_lab.write_hub_config_dir(tmp_path / "hub-trainee-config", "zh", outbound)
    server = json.loads((cfg / "jupyter_server_config.json").read_text())
    assert "identity_provider_class" not in server["ServerApp"]
    assert "TraineeIdentityProvider" not in server and "token" not in json.dumps(server).lower()
    assert server["ServerApp"]["tornado_settings"]["academy_outbound"] == str(outbound)
    assert server["ServerApp"]["jpserver_extensions"]["nbgrader.server_extensions.formgrader"] \
        is False
    assert server["LabApp"]["lock_all_plugins"] is True
    assert "*.py" in server["ContentsManager"]["hide_globs"]
    page = json.loads((cfg / "labconfig" / "page_config.json").read_text())
    assert page["disabledExtensions"] == trainee_lab.DISABLED_PLUGINS
    overrides = json.loads((cfg / "lab-settings" / "overrides.json").read_text())
    # JupyterLab takes the language pack the server gives (the page's language)
    assert overrides["@jupyterlab/translation-extension:plugin"]["locale"] == "default"
    assert server["ServerApp"]["tornado_settings"]["academy_locale"] == "zh"
    assert (cfg / "migrated").is_file() and (cfg / "custom" / "custom.css").is_file()
    assert (cfg / "lab-user-settings").is_dir() and not list((cfg / "lab-user-settings").iterdir())
    for path in [cfg, *cfg.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o755 if path.is_dir() else 0o644), (path, oct(mode))
    (outbound / "exam-a").mkdir(parents=True)
    (outbound / "exam-a" / "exam.json").write_text(json.dumps({"title": "AquaPure 基础"}),
                                                   encoding="utf-8")
    (outbound / "exam-b").mkdir()
    (outbound / "exam-b" / "exam.json").write_text("{not json", encoding="utf-8")
    (outbound / "exam-c").mkdir()
    assert released_titles(str(outbound)) == {"exam-a": "AquaPure 基础", "exam-b": "exam-b",
                                              "exam-c": "exam-c"}
    assert released_titles(str(tmp_path / "none")) == {}


@pytest.mark.parametrize("bad", ["../001001", "", "a/b", ".hidden", "x y"])
def test_is_a_trainee_id_that_is_no_folder_name_refused(tmp_path, bad):
    """Is an id that would lead out of the trainees' folder (or is empty) refused?"""
    h = init_home(tmp_path / "home")
    with pytest.raises(AcademyError):
        trainee_lab.prepare(h, bad)
    assert not (tmp_path / "home" / "trainees").exists() or \
        not any((tmp_path / "home" / "trainees").iterdir())


def _visible_panel(page):
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))


#: what a trainee types as a written answer
ANSWER = {"en": "Filters are consumables, so the warranty does not cover them.",
          "zh": "滤芯属于耗材，不在整机保修范围内。"}
STUB = {"en": "✎ Click here and write your answer.", "zh": "✎ 点击此处写下你的答案。"}


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_does_a_trainee_read_courses_as_documents_and_submit_an_exam(tmp_path, browser, lang):
    """In a trainee-mode JupyterLab in Chromium: does a module open with its widgets and no code,
    prompts or instructor menus; does the file browser show only notebooks; does the trainee
    answer an exam by clicking, press Submit, confirm, see the submitted state, see only their
    own submission, and later fetch their feedback? Are the master notebooks never written?"""
    from academy.servers import JupyterLab

    h, ids = _home(tmp_path / "home")
    sid, other = ids[5], ids[6]
    bank = lifecycle.build(h, BANKS[lang])
    exam = bank.name
    lifecycle.release(h, exam)
    # another trainee submits first: their submission must not appear in this trainee's list
    other_dir = tmp_path / "other"
    trainee.fetch(h, exam, other, other_dir)
    trainee.submit(h, exam, other, other_dir)
    masters = _masters()
    mode = trainee_lab.prepare(h, sid, locale=lang)
    course, module = MODULE[lang]
    lab = JupyterLab(mode.workspace, env=mode.env, log=tmp_path / "lab.log")
    with lab:
        page = browser.new_page(viewport={"width": 1400, "height": 1000},
                                timezone_id=TIMEZONE[lang])
        page.set_default_timeout(120_000)  # a loaded machine starts kernels slowly
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            # --- a course module: a document with live widgets, nothing run by hand ------------
            page.goto(lab.url.replace("/lab?", f"/lab/tree/{mode.module_path(course, module)}?"))
            panel = _visible_panel(page)
            panel.locator(".academy-reaction").wait_for(state="attached")
            panel.locator(".academy-self-check").first.scroll_into_view_if_needed()
            assert panel.locator(".jp-InputPrompt:visible, .jp-OutputPrompt:visible").count() == 0
            assert panel.locator(".jp-CodeCell .jp-Cell-inputWrapper:visible").count() == 0
            text = panel.inner_text()
            assert "open_module" not in text and "m.self_check" not in text
            assert not panel.locator(".jp-NotebookPanel-toolbar").is_visible()  # no run buttons
            # the courses and modules by title, the module's tab too, in the page's language
            from training.catalog import load_course

            title = load_course(course).module(module).title(lang)
            _assert_titled(page, lang)
            current = page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")
            assert current.inner_text().strip() == title
            assert module not in (current.get_attribute("title") or "")  # nor on hover
            assert page.locator(".academy-doc-current").inner_text().strip() == title
            if lang == "zh":
                labels = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
                assert labels == ["考试"], labels  # only the exams' menu, in Chinese
                q = panel.locator(".academy-self-check .academy-question").nth(1)
                q.scroll_into_view_if_needed()
                q.get_by_text("我来帮您问清楚", exact=False).click()
                q.get_by_role("button", name="检查答案").click()
                q.get_by_text("回答正确。", exact=False).wait_for()
            else:
                q = panel.locator(".academy-self-check .academy-question").nth(0)
                q.scroll_into_view_if_needed()
                q.get_by_text("C3", exact=True).click()
                q.get_by_role("button", name="Check").click()
                q.get_by_text("Correct.", exact=False).wait_for()
            assert page.locator(".jp-Notification-Toast, .Toastify__toast").count() == 0  # no news
            _shot(page, f"trainee-lab-course-{lang}.png")

            # --- no instructor menus; the Assignments list -----------------------------------
            menu = "考试" if lang == "zh" else "Exams"
            page.locator(".lm-MenuBar-itemLabel", has_text=menu).click()
            items = page.locator(".lm-Menu li[data-command]:visible")
            items.first.wait_for()
            assert [i.get_attribute("data-command") for i in items.all()] == [
                "nbgrader:open-assignment-list"]
            page.locator('li[data-command="nbgrader:open-assignment-list"]').click()
            released = page.locator("#released_assignments_list > .list_item", has_text=bank.title)
            released.locator(".item_status button").click()
            page.locator("#fetched_assignments_list > .list_item", has_text=bank.title).wait_for()
            assert page.locator("#submitted_assignments_list > .list_item").count() == 0
            # nbgrader's list in the page's language: the exam's title, never its id or course
            panel_text = page.locator("#assignments").inner_text()
            assert bank.title in panel_text and exam not in panel_text
            assert h.settings.course_id not in panel_text
            assert problems(panel_text, lang, {bank.title}) == [], panel_text
            if lang == "zh":
                assert "已下载的考试" in panel_text and "提交" in panel_text

            # --- the exam: opened from the trainee's list by its title ------------------------
            exam_path = f"{h.settings.course_id}/{exam}/{exam}.ipynb"
            docs = page.locator(".academy-documents")
            docs.locator("a.academy-doc", has_text=bank.title).click()  # listed once fetched
            panel = _visible_panel(page)
            sheet = variant(public_exam(bank), sid)
            widgets = sum(1 for v in sheet.values() if not bank.by_id[v.question].manual)
            panel.locator(".academy-question").nth(widgets - 1).wait_for(state="attached")
            current = page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")
            assert current.inner_text().strip() == bank.title
            assert exam not in (current.get_attribute("title") or "")  # nor on hover
            _assert_titled(page, lang, [exam, h.settings.course_id], {bank.title})
            _shot(page, f"trainee-lab-documents-{lang}.png")
            assert panel.locator(".jp-InputPrompt:visible").count() == 0
            # the instructions name no key to press (trainee mode has no shortcuts) and are in
            # the page's language
            intro = panel.locator(".jp-MarkdownCell").first.inner_text()
            assert "Shift" not in intro and "Run All" not in intro and "运行" not in intro
            assert problems(intro, lang, {bank.title}) == [], intro
            assert "ask(" not in panel.inner_text()
            pub = public_exam(bank)
            clicked = 0
            saved_times: list[tuple[str, datetime]] = []
            for view in sheet.values():
                q = bank.by_id[view.question]
                if q.type != "single" or clicked == 3:
                    continue
                texts = {o["id"]: o["text"] for o in pub["questions"][q.id]["options"]}
                box = panel.locator(".academy-question").filter(has_text=q.stem[:12])
                box.scroll_into_view_if_needed()
                box.get_by_text(texts[correct_answer(bank, q)], exact=True).click()
                box.get_by_text("✓ " + ("已保存" if lang == "zh" else "Saved")).wait_for()
                box.locator(".academy-saved-at[data-local]").wait_for()
                shown = box.locator(".academy-saved-at").inner_text().strip()[-8:]
                saved_times.append((shown, datetime.now(ZoneInfo(TIMEZONE[lang]))))
                clicked += 1
            assert clicked >= 2
            # the saved time on the trainee's clock (the server's clock here is UTC), as the
            # submitted time below
            for shown, now in saved_times:
                at = now.replace(hour=int(shown[:2]), minute=int(shown[3:5]),
                                 second=int(shown[6:]))
                gap = abs((now - at).total_seconds())
                assert min(gap, 86400 - gap) < 180, (shown, now)
            # a written answer: one click opens the box, the trainee types, clicks outside it:
            # the answer is shown and saved (no keyboard shortcut involved)
            written = panel.locator(".academy-written").first
            written.scroll_into_view_if_needed()
            assert written.inner_text().strip() == STUB[lang]
            written.click()
            panel.locator(".academy-written .cm-editor").first.wait_for()
            page.keyboard.type(ANSWER[lang])
            panel.locator(".jp-MarkdownCell").first.click()  # elsewhere in the exam
            written.locator(".academy-written-state.academy-saved").wait_for()
            assert ANSWER[lang] in written.inner_text() and STUB[lang] not in written.inner_text()
            assert ("已保存" if lang == "zh" else "Saved") in written.inner_text()
            assert panel.locator(".cm-editor:visible").count() == 0  # shown, not an editor
            saved = json.loads((mode.workspace / exam_path).read_text(encoding="utf-8"))
            assert any(ANSWER[lang] in "".join(c["source"]) for c in saved["cells"]
                       if c["cell_type"] == "markdown")
            _shot(page, f"trainee-lab-exam-written-{lang}.png")
            submit = panel.locator("button.academy-submit")
            assert submit.inner_text() == ("提交试卷" if lang == "zh" else "Submit exam")
            submit.click()
            dialog = page.locator(".academy-confirm")
            dialog.wait_for()
            question = "确认提交试卷" if lang == "zh" else "Submit your exam?"
            assert question in dialog.inner_text()
            _shot(page, f"trainee-lab-exam-confirm-{lang}.png")
            dialog.locator(".jp-mod-reject").click()  # cancel: nothing submitted
            assert not list((h.exchange_dir / h.settings.course_id / "inbound").glob(f"{sid}+*"))
            submit.click()
            page.locator(".academy-confirm .jp-mod-accept").click()
            state = panel.locator(".academy-submitted")
            state.wait_for()
            assert ("已提交" if lang == "zh" else "Submitted") in state.inner_text()
            assert ("反馈" if lang == "zh" else "feedback") in panel.locator(
                ".academy-submit-hint").inner_text()
            _shot(page, f"trainee-lab-exam-submitted-{lang}.png")
            inbound = list((h.exchange_dir / h.settings.course_id / "inbound").glob(f"{sid}+*"))
            assert len(inbound) == 1
            # the written answer is in the submission, in the question's answer cell
            sent = json.loads(next(inbound[0].rglob(f"{exam}.ipynb")).read_text("utf-8"))
            answers = ["".join(c["source"]) for c in sent["cells"]
                       if c.get("metadata", {}).get("nbgrader", {}).get("solution")
                       and c["cell_type"] == "markdown"]
            assert any(a.strip() == ANSWER[lang] for a in answers), answers

            # reopened later, the exam still says it was submitted
            page.reload()
            _visible_panel(page).locator(".academy-submitted").wait_for()

            # --- the trainer grades and releases feedback with the command line ----------------
            out = run_academy("exam", "collect", exam, home=h.root, check=True).stdout
            assert "Collected 2 submission(s)" in out, out
            out = run_academy("exam", "autograde", exam, "--workers", "1", home=h.root,
                              check=True).stdout
            row = next(line for line in out.splitlines() if sid in line)
            assert "graded" in row and re.search(r"\b[1-9][\d.]* / \d", row), out
            out = run_academy("exam", "feedback", exam, home=h.root, check=True).stdout
            assert "Feedback released to 2 trainee(s)" in out, out
            # --- the trainee fetches it ----------------------------------------------------
            page.goto(lab.url)
            page.locator(".lm-MenuBar-itemLabel", has_text=menu).click()
            page.locator('li[data-command="nbgrader:open-assignment-list"]').click()
            mine = page.locator("#submitted_assignments_list > .list_item", has_text=bank.title)
            mine.first.wait_for()
            rows = page.locator("#submitted_assignments_list .list_item")
            row_text = " ".join(rows.all_inner_texts())
            assert other not in row_text  # only the trainee's own submissions are listed
            # a submission's time is local and written the reader's way, not nbgrader's UTC
            assert "UTC" not in row_text and not re.search(r"\d\d:\d\d:\d\d", row_text)
            stamp = (r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d" if lang == "zh"
                     else r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d")
            assert re.search(stamp, row_text), row_text
            # and in the browser's time zone (Shanghai for the Chinese walk)
            when = re.search(r"\+(\d{4}-\d\d-\d\d \d\d:\d\d):\d\d", inbound[0].name).group(1)
            local = datetime.strptime(when, "%Y-%m-%d %H:%M").replace(
                tzinfo=timezone.utc).astimezone(ZoneInfo(TIMEZONE[lang]))
            assert local.strftime("%H:%M") in row_text, (row_text, inbound[0].name)
            assert problems(page.locator("#assignments").inner_text(), lang,
                            {bank.title}) == []
            fetch = "获取反馈" if lang == "zh" else "Fetch Feedback"
            mine.first.get_by_role("button", name=fetch).click()
            page.get_by_text("查看反馈" if lang == "zh" else "view feedback").first.wait_for()
            assert problems(page.locator("#assignments").inner_text(), lang,
                            {bank.title}) == []
            _shot(page, f"trainee-lab-feedback-{lang}.png")

            # --- the other language, as a plan link of a report in it asks (?lang=) ------------
            other_lang = "en" if lang == "zh" else "zh"
            page.goto(lab.url.replace("/lab?", f"/lab/tree/"
                                      f"{mode.module_path(course, module, other_lang)}"
                                      f"?lang={other_lang}&"))
            _visible_panel(page).locator(".academy-reaction").wait_for(state="attached")
            assert page.locator(".lm-MenuBar-itemLabel").all_inner_texts() == \
                ["考试" if other_lang == "zh" else "Exams"]
            _assert_titled(page, other_lang, [exam, h.settings.course_id], {bank.title})
            # JupyterLab's own strings too (its language pack, whatever its settings say)
            toc = page.locator('.jp-SideBar li[data-id="table-of-contents"]')
            assert toc.get_attribute("title") == ("目录" if other_lang == "zh"
                                                  else "Table of Contents")
            _shot(page, f"trainee-lab-switched-to-{other_lang}.png")
            # kept for the next pages without `lang` (a cookie of this browser, no file written)
            page.goto(lab.url)
            page.locator(".academy-documents a.academy-doc").first.wait_for()
            assert page.locator(".lm-MenuBar-itemLabel").all_inner_texts() == \
                ["考试" if other_lang == "zh" else "Exams"]
        except Exception:
            _shot(page, f"trainee-lab-failure-{lang}.png")
            raise
        finally:
            page.close()
    feedback = list((mode.workspace / h.settings.course_id / exam / "feedback").rglob("*.html"))
    assert feedback and "score" in feedback[0].read_text(encoding="utf-8").lower()
    assert not errors, errors
    assert _masters() == masters  # opening modules never wrote a master notebook
    assert not list(courses_dir().rglob(".ipynb_checkpoints"))


def _get(url: str, method: str = "GET") -> tuple[int, bytes]:
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, method=method, data=b"{}" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


SECRET = "print('SECRET_CODE_MARKER')"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """One trainee-mode JupyterLab (English) for the module, with a Python file and a hidden
    file planted in the trainee's workspace, and the login codes of this trainee and another."""
    from academy.servers import JupyterLab
    from dashboards.identity import issue_token, tokens_path

    tmp = tmp_path_factory.mktemp("trainee-lab")
    h, ids = _home(tmp / "home")
    sid = ids[3]
    mode = trainee_lab.prepare(h, sid, locale="en")
    (mode.workspace / "notes.py").write_text(SECRET + "\n", encoding="utf-8")
    (mode.workspace / "courses" / "notes.py").write_text(SECRET + "\n", encoding="utf-8")
    (mode.workspace / ".secret.ipynb").write_text(
        (mode.workspace / "courses" / "communication" / "01_listening.ipynb").read_text("utf-8"),
        encoding="utf-8")
    codes = {"own": issue_token(tokens_path(h.root), sid),
             "other": issue_token(tokens_path(h.root), ids[4])}
    server = JupyterLab(mode.workspace, env=mode.env, log=tmp / "lab.log")
    with server:
        yield {"home": h, "sid": sid, "mode": mode, "server": server, "codes": codes}


@pytest.mark.slow
def test_does_the_trainee_server_refuse_the_instructor_tools_and_the_files_around(lab):
    """Asked as a trainee could ask by hand (with their own token): are formgrader, terminals,
    paths outside their workspace, Python and hidden files, new files, uploads, renames, deletes,
    notebook exports as scripts and turning plugins back on refused, and do listings hold only
    the notebooks they open?"""
    srv = lab["server"]
    base, tok = f"http://127.0.0.1:{srv.port}", f"token={srv.token}"
    assert _get(f"{base}/formgrader?{tok}")[0] == 404
    assert _get(f"{base}/formgrader/api/submissions?{tok}")[0] == 404
    assert _get(f"{base}/api/terminals?{tok}")[0] == 404
    assert _get(f"{base}/api/terminals?{tok}", "POST")[0] in (403, 404)
    for outside in ("..", "../..", "%2E%2E/%2E%2E/course", "..%2F..%2Fcourse%2Fbanks"):
        assert _get(f"{base}/api/contents/{outside}?{tok}")[0] in (400, 403, 404), outside
    status, body = _get(f"{base}/api/contents/courses/communication?{tok}")
    names = sorted(item["name"] for item in json.loads(body)["content"])
    assert status == 200 and names == [
        "01_listening.ipynb", "01_listening.zh.ipynb", "02_de_escalation.ipynb",
        "02_de_escalation.zh.ipynb", "03_promises_and_authority.ipynb",
        "03_promises_and_authority.zh.ipynb"]
    status, body = _get(f"{base}/api/contents?{tok}")
    assert [i["name"] for i in json.loads(body)["content"]] == ["courses"]
    assert _get(f"{base}/api/contents?token=wrong")[0] == 403
    # code and hidden files are not opened, not even as raw files
    for path in ("notes.py", "courses/notes.py", ".secret.ipynb", "courses/.masters.json"):
        for url in (f"{base}/api/contents/{path}?{tok}", f"{base}/files/{path}?{tok}"):
            status, body = _get(url)
            assert status in (403, 404) and b"SECRET_CODE_MARKER" not in body, url
    module = "courses/communication/01_listening.ipynb"
    assert _get(f"{base}/api/contents/{module}?{tok}")[0] == 200
    # nothing new: notebook, file, folder, upload, copy; no rename, no delete
    assert _send(f"{base}/api/contents?{tok}", "POST", {"type": "notebook"}) == 403
    assert _send(f"{base}/api/contents/courses?{tok}", "POST", {"type": "directory"}) == 403
    assert _send(f"{base}/api/contents/courses?{tok}", "POST", {"copy_from": module}) == 403
    assert _send(f"{base}/api/contents/mine.py?{tok}", "PUT",
                 {"type": "file", "format": "text", "content": SECRET}) == 403
    assert _send(f"{base}/api/contents/new.ipynb?{tok}", "PUT",
                 {"type": "notebook", "content": {"cells": [], "metadata": {}, "nbformat": 4,
                                                  "nbformat_minor": 5}}) == 403
    assert _send(f"{base}/api/contents/{module}?{tok}", "PATCH", {"path": "x.ipynb"}) == 403
    assert _send(f"{base}/api/contents/{module}?{tok}", "DELETE", None) == 403
    assert (lab["mode"].workspace / module).exists()
    assert not (lab["mode"].workspace / "mine.py").exists()
    # the notebook as a Python script would show its code
    status, body = _get(f"{base}/nbconvert/script/{module}?{tok}")
    assert status == 403 and b"open_module" not in body
    # the plugin manager cannot turn the console or the terminal back on
    for plugin in ("@jupyterlab/console-extension", "@jupyterlab/terminal-extension"):
        assert _send(f"{base}/lab/api/plugins?{tok}", "POST",
                     {"cmd": "enable", "plugin_name": plugin}) >= 400


@pytest.mark.slow
def test_does_the_trainer_still_reach_formgrader_in_academy_serves_lab(lab, tmp_path):
    """Is formgrader, which trainee mode closes, still served by `academy serve`'s JupyterLab
    without --trainee (the trainer's, as the README documents), while the trainee's lab, asked
    with its own token, has none?"""
    from academy.cli_serve import REPO_ROOT
    from academy.servers import JupyterLab

    h = lab["home"]
    trainer = JupyterLab(REPO_ROOT, env={"ACADEMY_HOME": str(h.root),
                                         "JUPYTER_CONFIG_DIR": str(h.course_dir)},
                         log=tmp_path / "trainer-lab.log")
    with trainer:
        status, body = _get(f"http://127.0.0.1:{trainer.port}/formgrader?token={trainer.token}")
        assert status == 200 and b"Manage Assignments" in body
    srv = lab["server"]
    for path in ("formgrader", "formgrader/manage_assignments", "formgrader/api/assignments"):
        assert _get(f"http://127.0.0.1:{srv.port}/{path}?token={srv.token}")[0] == 404, path


def _send(url: str, method: str, body) -> int:
    import urllib.error
    import urllib.request

    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, method=method, data=data,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _editors(page) -> int:
    """Code editors a person could see or type into."""
    return page.locator(".cm-editor:visible, .jp-FileEditor:visible, .jp-CodeConsole:visible, "
                        ".jp-Terminal:visible, .jp-Launcher:visible").count()


@pytest.mark.slow
def test_can_a_curious_trainee_reach_no_code_in_chromium(lab, browser):
    """Does a trainee who tries every route a curious person would (the menus, the command
    palette, the right-click menu, keyboard shortcuts that turn a cell into code, add, edit,
    split or paste cells, a double click, the launcher, a console, a terminal, a Python file or a
    hidden notebook opened by address) meet no code and no new editable cell, while the module's
    widgets keep working?"""
    srv, mode = lab["server"], lab["mode"]
    base = f"http://127.0.0.1:{srv.port}"
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(120_000)
    try:
        course, module = MODULE["en"]
        page.goto(f"{base}/lab/tree/{mode.module_path(course, module)}?token={srv.token}")
        panel = _visible_panel(page)
        panel.locator(".academy-reaction").wait_for(state="attached")
        page.wait_for_selector("[data-academy-run='done']", state="attached")
        # the menus: only the exams' menu
        labels = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
        assert labels == ["Exams"], labels
        cells = panel.locator(".jp-Cell")
        n_cells, n_code = cells.count(), panel.locator(".jp-CodeCell").count()
        # the command palette, the launcher, a console, the file browser's context menu
        for keys in ("Control+Shift+C", "Control+Shift+L", "Alt+Shift+C", "Control+Shift+F",
                     "Control+Shift+D"):
            page.keyboard.press(keys)
            page.wait_for_timeout(300)
        assert page.locator(".lm-CommandPalette:visible, .jp-Launcher").count() == 0
        page.locator(".academy-documents a.academy-doc").first.click(button="right")
        panel.locator(".jp-MarkdownCell").first.click(button="right")
        page.wait_for_timeout(300)
        assert page.locator(".lm-Menu:visible").count() == 0
        # keyboard shortcuts of the notebook on a markdown cell and on a hidden code cell
        for target in (panel.locator(".jp-MarkdownCell").nth(1),
                       panel.locator(".jp-CodeCell .jp-OutputArea").first):
            target.scroll_into_view_if_needed()
            target.click(position={"x": 5, "y": 5})
            target.dblclick(position={"x": 5, "y": 5})
            for keys in ("Escape", "y", "Enter", "b", "a", "m", "Control+Shift+Minus", "c", "v",
                         "x", "d", "d", "z", "Shift+M", "Shift+Enter", "i", "i", "0", "0"):
                page.keyboard.press(keys)
            page.keyboard.type("print('typed')")
            page.wait_for_timeout(500)
            assert cells.count() == n_cells and panel.locator(".jp-CodeCell").count() == n_code
            assert _editors(page) == 0
            assert "print(" not in panel.inner_text()
        assert panel.locator(".jp-Notebook.jp-mod-editMode").count() == 0
        # the widgets still answer
        q = panel.locator(".academy-self-check .academy-question").nth(0)
        q.scroll_into_view_if_needed()
        q.get_by_text("C3", exact=True).click()
        q.get_by_role("button", name="Check").click()
        q.get_by_text("Correct.", exact=False).wait_for()
        _shot(page, "trainee-lab-locked-en.png")
        # by address: a Python file, a hidden notebook, a terminal, a console
        for other_ui in ("/terminals/1", "/edit/notes.py", "/consoles/1",
                         f"/notebooks/{mode.module_path(course, module)}", "/tree"):
            assert _get(f"{base}{other_ui}?token={srv.token}")[0] == 404, other_ui
        for path in ("/lab/tree/notes.py", "/lab/tree/courses/notes.py", "/lab/tree/.secret.ipynb",
                     "/lab/terminals/1", "/lab/consoles/1"):
            page.goto(f"{base}{path}?token={srv.token}")
            page.wait_for_selector("#jp-main-dock-panel", state="attached")
            page.wait_for_timeout(1500)
            assert "SECRET_CODE_MARKER" not in page.content(), path
            assert _editors(page) == 0, path
            tabs = page.locator("#jp-main-dock-panel .lm-TabBar-tabLabel").all_inner_texts()
            assert not [t for t in tabs if "notes" in t or "secret" in t], (path, tabs)
        assert not (mode.workspace / "Untitled.ipynb").exists()
        assert sorted(p.name for p in mode.workspace.iterdir()) == [".secret.ipynb", "courses",
                                                                     "notes.py"]
    except Exception:
        _shot(page, "trainee-lab-locked-failure.png")
        raise
    finally:
        page.close()


@pytest.mark.slow
def test_does_the_trainee_sign_in_with_their_own_code_not_a_server_token(lab, browser):
    """Opening a module's address without a login: does the trainee get a sign-in page in their
    language (not Jupyter's token page), is another trainee's code refused, and does their own
    code land them on the module?"""
    srv = lab["server"]
    url = f"http://127.0.0.1:{srv.port}/lab/tree/courses/communication/01_listening.ipynb"
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.set_default_timeout(120_000)
    try:
        page.goto(url)
        assert "/login" in page.url
        text = page.inner_text("body")
        assert "Sign in" in text and "login code" in text
        assert "token" not in text.lower() and "jupyter server list" not in text
        assert srv.token not in page.content()
        _shot(page, "trainee-lab-login-en.png")
        page.fill("#password_input", lab["codes"]["other"])
        page.click("#login_submit")
        assert "/login" in page.url and "not right" in page.inner_text("body")
        page.fill("#password_input", lab["codes"]["own"])
        page.click("#login_submit")
        _visible_panel(page).locator(".academy-reaction").wait_for(state="attached")
        assert page.url.split("?")[0].endswith("/lab/tree/courses/communication/01_listening.ipynb")
    finally:
        page.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_is_the_sign_in_page_in_the_trainees_language(lang):
    """Rendered as the trainee's server renders it, is the sign-in page (and its error line)
    wholly in the trainee's language, asking for their login code, never for a token?"""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(trainee_lab.HERE / "templates"),
                             autoescape=True)
    page = env.get_template("login.html").render(
        academy_locale=lang, base_url="/", next="%2Flab", message={"error": "Invalid credentials"},
        xsrf_form_html=lambda: "")
    text = re.sub(r"<style>.*?</style>|<[^>]+>|\{#.*?#\}", " ", page, flags=re.S)
    assert problems(text, lang, {"WenQuanYi"}) == [], text
    assert ("登录码" if lang == "zh" else "login code") in text and "token" not in text.lower()
    assert "Invalid credentials" not in text  # Jupyter's English message is not shown
