"""Dashboards: who sees what (in the kernel), the notebooks executed headless, the real Voila server
(logins, refusals, no sources, no tracebacks, no notebook files) and the three dashboards in
headless Chromium, in English and Chinese, with screenshots for review in tests/screenshots/."""

from __future__ import annotations

import html
import json
import re
import shutil
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

import pytest

from dashboards.access import AccessDenied, Viewer, managed_teams, viewer_from_env, visible_ids

DASHBOARDS = Path(__file__).resolve().parent.parent / "dashboards"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
TODAY = date(2026, 11, 20)


# --- one small demo company per test session (no theory exams: they take minutes) -------------


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """A demo home with 40 staff, evidence, course progress and published grades, plus logins."""
    import os

    from rich.console import Console

    from academy import demo as d
    from academy.cli_serve import demo_identities
    from core.home import init_home
    from dashboards import data
    from dashboards.identity import issue_token, tokens_path

    for var in ("ACADEMY_HOME", "ACADEMY_DB_URL"):
        os.environ.pop(var, None)
    home = init_home(tmp_path_factory.mktemp("dash") / "home")
    ctx = d.DemoContext(home, 40, 2026, TODAY, Console(quiet=True), [])
    for _label, step in d.DEMO_STEPS:
        if step is not d.step_exams:
            step(ctx)
    company = data.load_company(home, refresh=True)
    h = company.hierarchy
    managers = sorted(m for m in h["team_manager_id"].dropna().unique()
                      if managed_teams(h, Viewer(m)))
    first, other = managers[0], next(m for m in managers[1:] if
                                     set(managed_teams(h, Viewer(m)))
                                     - set(managed_teams(h, Viewer(managers[0]))))
    graded = set(data.cycle_data(company, data.graded_cycles(company)[-1]).result
                 .results["employee_id"])
    mine = set(visible_ids(h, Viewer(first)))
    staff = set(h.loc[h["level"] == "staff", "employee_id"])  # heads are graded too (issue 14)
    trainee = sorted(graded & mine & staff - {first})[0]
    stranger = sorted(graded & staff - mine)[0]
    tokens = tokens_path(home.root)
    who = {"manager": first, "other_manager": other, "trainee": trainee, "stranger": stranger,
           "trainer": "trainer:demo trainer"}
    logins = {k: issue_token(tokens, v) for k, v in who.items()}
    assert "trainer:demo trainer" in demo_identities(home)
    yield {"home": home, "company": company, "who": who, "tokens": logins,
           "tokens_file": tokens}
    home.close()


# --- identity and access inside the kernel ------------------------------------------------------


def test_does_a_manager_see_only_the_teams_under_them(demo):
    """Are a manager's teams exactly those their reports or managed teams are in, and is a
    request for another manager's team refused rather than answered?"""
    from dashboards import data

    company, who = demo["company"], demo["who"]
    h = company.hierarchy
    mine = managed_teams(h, Viewer(who["manager"]))
    theirs = set(managed_teams(h, Viewer(who["other_manager"]))) - set(mine)
    assert mine and theirs
    cycle = data.graded_cycles(company)[-1]
    sl = data.manager_slice(company, Viewer(who["manager"]), cycle)
    assert set(sl.result.results["team"]) <= set(mine)
    assert set(sl.ids) <= set(visible_ids(h, Viewer(who["manager"])))
    with pytest.raises(AccessDenied, match="not under you"):
        data.manager_slice(company, Viewer(who["manager"]), cycle, teams=[sorted(theirs)[0]])
    with pytest.raises(AccessDenied):
        data.person(company, Viewer(who["manager"]), cycle, who["stranger"])
    with pytest.raises(AccessDenied):  # a trainee has no team under them
        data.manager_slice(company, Viewer(who["trainee"]), cycle)


def test_does_a_trainee_report_hold_only_their_own_data(demo):
    """Does the trainee report carry one person's rows only, peer data only as aggregates, and
    refuse a trainer or an identity missing from the roster?"""
    from dashboards import data

    company, who = demo["company"], demo["who"]
    rep = data.trainee_report(company, Viewer(who["trainee"]))
    r = rep.result
    for frame in (r.results, r.components, r.competencies, r.training, r.awards):
        assert set(frame["employee_id"]) <= {who["trainee"]}
    assert len(r.results) == 1
    assert list(rep.peer.columns) == ["competency", "score", "raters"]
    assert (rep.peer["raters"] >= 3).all()
    with pytest.raises(AccessDenied):
        data.trainee_report(company, Viewer("trainer:demo trainer"))
    with pytest.raises(AccessDenied):
        data.trainee_report(company, Viewer("999999"))


def test_is_the_viewer_taken_only_from_the_server_identity():
    """Is the viewer read from the variable the server sets, and is a query string ignored?"""
    assert viewer_from_env({"QUERY_STRING": "viewer=001001"}) is None
    assert viewer_from_env({"HTTP_X_ACADEMY_VIEWER": "001002",
                            "QUERY_STRING": "viewer=001001"}) == Viewer("001002")
    assert Viewer("trainer:li").kind == "trainer" and Viewer("admin:hr").kind == "admin"


def test_does_an_anonymous_kernel_draw_nothing(demo, monkeypatch):
    """Without a server identity, does every dashboard show only a sign-in notice?"""
    from dashboards import ui

    monkeypatch.delenv("HTTP_X_ACADEMY_VIEWER", raising=False)
    for build in (ui.manager_dashboard, ui.trainee_dashboard, ui.trainer_dashboard):
        widget = build(demo["company"], None, "en")
        assert "sign in" in widget.value


def test_does_the_what_if_recompute_without_touching_the_published_cycle(demo):
    """Do other weights, run through the scoring engine, change some bands while the stored,
    published results keep their fingerprint?"""
    from dashboards import data
    from graders.results.store import current_run

    company, who = demo["company"], demo["who"]
    cycle = data.graded_cycles(company)[-1]
    cid = int(company.cycles.set_index("name").at[cycle, "id"])
    with demo["home"].transaction() as s:
        before = current_run(s, cid).results_sha256
    fam = next(iter(data.cycle_data(company, cycle).schemes))
    weights = {fam: {"theory": 0.0, "practical": 1.0, "peer": 0.0, "customer": 0.0,
                     "supervisor": 0.0, "self": 0.0, "key_behaviour": 0.0}}
    diff, res = data.what_if(company, Viewer("admin:test"), cycle, weights)
    assert len(diff) > 0
    assert set(diff.columns) >= {"before_band", "after_band"}
    with demo["home"].transaction() as s:
        assert current_run(s, cid).results_sha256 == before
    mgr_diff, _ = data.what_if(company, Viewer(who["manager"]), cycle, weights)
    assert set(mgr_diff["employee_id"]) <= set(visible_ids(company.hierarchy,
                                                           Viewer(who["manager"])))
    with pytest.raises(AccessDenied):
        data.what_if(company, Viewer(who["trainee"]), cycle, weights)


def test_are_login_tokens_mapped_to_one_identity_each(tmp_path):
    """Does issuing a token twice give the same token, an unknown token no identity, and does
    revoking remove it; is the tokens file readable by its owner only?"""
    from dashboards.identity import identity_for, issue_token, load_tokens, revoke

    path = tmp_path / "serve" / "tokens.json"
    a = issue_token(path, "001001")
    assert issue_token(path, "001001") == a
    b = issue_token(path, "trainer:王老师")
    tokens = load_tokens(path)
    assert identity_for(tokens, a) == "001001" and identity_for(tokens, b) == "trainer:王老师"
    assert identity_for(tokens, "x" + a) is None and identity_for(tokens, "") is None
    assert path.stat().st_mode & 0o077 == 0
    assert revoke(path, "001001") == 1
    assert identity_for(load_tokens(path), a) is None


def test_do_the_charts_carry_chinese_labels_and_names(demo):
    """Are band names, competency axes and staff names in Chinese in the zh charts, in fonts
    with Chinese glyphs, and are the histogram's bins counted in the kernel?"""
    from dashboards import charts, data

    company = demo["company"]
    cd = data.cycle_data(company, data.graded_cycles(company)[-1])
    res = cd.result.results
    bands = charts.band_distribution(res, cd.schemes, "zh")
    assert any(re.search(r"[\u4e00-\u9fff]", x) for x in bands.categories)
    assert all(f">{html.escape(x)}<" in bands.svg for x in bands.categories)
    radar = charts.radar({"团队": cd.result.competencies.groupby("competency")["score"].mean()},
                         "zh")
    assert "专业知识与技能" in radar.categories and "专业知识与技能" in radar.svg
    heat = charts.competency_heatmap(cd.result.competencies, res, "zh")
    assert len(heat.series) == min(40, len(res))
    assert "WenQuanYi" in heat.svg and "能力热力图" in heat.svg
    scores = charts.score_distribution(res, "zh")
    assert len(scores.categories) == 20
    assert sum(scores.series["人数"]) == res["final_score"].notna().sum()


def test_do_chart_labels_wrap_and_values_stay_readable():
    """Are long labels wrapped (Chinese anywhere, words kept whole) and are negative bars drawn
    under a zero line?"""
    from dashboards import charts

    assert charts.wrap("Professional knowledge and skills", 90, 11) == [
        "Professional", "knowledge and", "skills"]
    assert all(charts.text_width(x, 11) <= 44 for x in charts.wrap("专业知识与技能服务态度", 44, 11))
    assert charts.wrap("a b c d e f g h", 20, 11, max_lines=2)[-1].endswith("…")
    effects = charts.bars(["甲", "乙"], [1.5, -2.0], "effect", "zh")
    assert effects.series == {"effect": [1.5, -2.0]} and "stroke='#a0aec0'" in effects.svg


def test_are_evidence_flags_and_the_fairness_fit_read_from_the_grade_run(demo, monkeypatch):
    """Does a fresh kernel (a fresh company load) read a cycle's flags and the trainer view's
    severity fit from the cycle's grade run, equal to what the engine produces from the same
    evidence, without collecting the evidence or fitting a model itself?"""
    import graders.engine.fairness
    import graders.results.store
    import graders.sources.load
    from core.cycles import get_cycle
    from dashboards import data, fairness
    from graders.sources.load import collect, evidence_frame

    home = demo["home"]
    cycle = data.graded_cycles(demo["company"])[-1]
    with home.transaction() as s:
        cid = get_cycle(s, cycle).id
        engine_flags = collect(s, cid, []).flags
        fit = graders.engine.fairness.adjust(evidence_frame(s, cid, "practical"), "rasch")

    def refuse(*_a, **_k):
        raise AssertionError("the dashboards computed what the grade run stored")

    monkeypatch.setattr(graders.sources.load, "collect", refuse)
    monkeypatch.setattr(graders.results.store, "collect", refuse)
    monkeypatch.setattr(graders.engine.fairness, "adjust", refuse)
    fresh = data.load_company(home, refresh=True)
    got = data.flags(fresh, cycle)
    assert len(engine_flags) > 0
    assert sorted(map(tuple, got.astype(str).values.tolist())) == \
        sorted(map(tuple, engine_flags.astype(str).values.tolist()))
    stored, reason = fairness.trainer_severity(home, cycle)
    assert reason is None
    cols = ["rater_id", "severity", "se", "points"]
    a = stored.trainers[cols].sort_values("rater_id").reset_index(drop=True)
    b = fit.trainers[cols].sort_values("rater_id").reset_index(drop=True)
    assert list(a["rater_id"]) == list(b["rater_id"])
    assert abs(a[cols[1:]].astype(float).to_numpy() - b[cols[1:]].to_numpy()).max() < 1e-9
    assert list(stored.variance["source"]) == list(fit.variance["source"])
    assert stored.reliability["trainers_needed"] == fit.reliability["trainers_needed"]


def test_does_a_manager_page_read_only_their_teams_rows_and_the_same_figures(demo, monkeypatch):
    """Does a fresh kernel draw a manager's slice from the rows of their own teams alone (no
    other team's results, components, competencies or outcomes read into the kernel), with the
    same figures as the slice cut from the whole company's results, and is the trainee's
    report the same as cut from the whole company?"""
    from dataclasses import fields

    import graders.results.store
    from dashboards import data
    from dashboards.access import Viewer, managed_teams

    home, who = demo["home"], demo["who"]
    full = data.load_company(home, refresh=True)
    cycle = data.graded_cycles(full)[-1]
    whole = data.cycle_data(full, cycle).result
    read = []
    real = graders.results.store.stored_result

    def spy(session, cycle_id, teams=None, people=None):
        got = real(session, cycle_id, teams, people)
        read.append((teams if people is None else people, got))
        return got

    monkeypatch.setattr(graders.results.store, "stored_result", spy)
    for key in ("manager", "other_manager"):
        lean = data.load_company(home, refresh=True)
        viewer = Viewer(who[key])
        mine = set(managed_teams(lean.hierarchy, viewer))
        sl = data.manager_slice(lean, viewer, cycle)
        assert read and all(t is not None and set(t) <= mine for t, _r in read)
        for _t, got in read:  # nothing of another team reached the kernel
            assert set(got.results["team"]) <= mine
            people = set(got.results["employee_id"])
            for name in ("components", "competencies", "training", "actions"):
                assert set(getattr(got, name)["employee_id"]) <= people
            assert set(got.awards["team"].dropna()) <= mine
        assert cycle not in lean._results  # the whole company's results were never loaded
        expected = data.restrict(whole, sl.ids)
        for f in fields(expected):
            a, b = getattr(sl.result, f.name), getattr(expected, f.name)
            assert a.reset_index(drop=True).equals(b.reset_index(drop=True)), f.name
        profile = whole.competencies.groupby("competency")["score"].mean()
        assert (sl.company_profile.sort_index() - profile.sort_index()).abs().max() < 1e-9
        trend = data.trend_frame(full)
        assert sl.trend.sort_values(["cycle", "employee_id"]).reset_index(drop=True).equals(
            trend[trend["employee_id"].isin(set(sl.ids))].sort_values(
                ["cycle", "employee_id"]).reset_index(drop=True))
        read.clear()
    lean = data.load_company(home, refresh=True)
    rep = data.trainee_report(lean, Viewer(who["trainee"]))
    assert set(rep.result.results["employee_id"]) == {who["trainee"]}
    assert rep.result.results.reset_index(drop=True).equals(
        data.restrict(whole, [who["trainee"]]).results.reset_index(drop=True))
    # the trainee's own rows alone: read by their id, nobody else's
    assert read and all(t == [who["trainee"]] for t, _r in read)
    assert all(set(r.results["employee_id"]) == {who["trainee"]} for _t, r in read)


def _notices(widget) -> list[str]:
    found = []
    if "academy-notice" in str(getattr(widget, "value", "")):
        found.append(widget.value)
    for child in getattr(widget, "children", ()):
        found += _notices(child)
    return found


def _html(widget) -> str:
    """Every HTML value under a widget, in order."""
    own = getattr(widget, "value", "")
    return (own if isinstance(own, str) else "") + "".join(
        _html(c) for c in getattr(widget, "children", ()))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_does_every_panel_build_for_its_viewers(demo, lang):
    """Do the manager (as a manager and as an admin), trainee and trainer dashboards build every
    panel without a refusal or error notice, and does the drill-down and what-if answer?"""
    from dashboards import ui

    company, who = demo["company"], demo["who"]
    for build, viewer in ((ui.manager_dashboard, who["manager"]),
                          (ui.manager_dashboard, "admin:test"),
                          (ui.trainee_dashboard, who["trainee"]),
                          (ui.trainer_dashboard, who["trainer"])):
        assert _notices(build(company, viewer, lang)) == [], (build.__name__, viewer)
    board = ui.ManagerDashboard(company, Viewer(who["manager"]), lang)
    board.person_picker.value = who["trainee"]
    assert _notices(board.widget) == []
    board.what_if_sliders.children[0].value = 1.0
    assert "academy-whatif" in _html(board.what_if_result)
    assert "href='data:application/vnd.openxml" in board._workbook_link()


def test_does_typing_another_teams_id_into_the_drilldown_reveal_nothing(demo, monkeypatch):
    """With the typed-id drill-down, does a manager's own person show and a person from another
    team only bring a note that nobody with that id is among the people shown, with none of
    that person's figures (the same note as for an id nobody has)?"""
    from dashboards import ui

    monkeypatch.setattr(ui, "PICKER_LIMIT", 1)
    who = demo["who"]
    board = ui.ManagerDashboard(demo["company"], Viewer(who["manager"]), "en")
    board.person_picker.value = who["trainee"]
    assert _notices(board.widget) == []
    board.person_picker.value = who["stranger"]
    assert _notices(board.widget) == []
    (only,) = board.person_out.children  # the note and nothing else
    assert "academy-not-found" in only.value and who["stranger"] not in only.value
    board.person_picker.value = "no-such-id"
    (same,) = board.person_out.children
    assert same.value == only.value


def test_does_a_trainee_get_no_manager_dashboard(demo):
    """Does a trainee opening the manager dashboard get a refusal notice and no charts?"""
    from dashboards import ui

    widget = ui.manager_dashboard(demo["company"], demo["who"]["trainee"], "en")
    assert "no access" in widget.value


def test_does_the_served_manager_dashboard_fill_its_placeholder_after_the_cell(demo):
    """Served by Voila, does the manager dashboard return a loading placeholder at once and put
    the finished panels in it once the cell has ended (in the kernel's event loop)?"""
    import asyncio
    import threading

    from dashboards import ui

    async def serve():
        holder = ui.manager_dashboard(demo["company"], demo["who"]["manager"], "en",
                                      progressive=True)
        placeholder = holder.children[0].value
        for _ in range(600):
            await asyncio.sleep(0.05)
            if "academy-loading" not in str(getattr(holder.children[0], "value", "")):
                break
        return placeholder, holder

    got = {}  # in a thread of its own: the session's Playwright may hold this thread's loop
    runner = threading.Thread(target=lambda: got.update(out=asyncio.run(serve())))
    runner.start()
    runner.join(120)
    placeholder, holder = got["out"]
    assert "academy-loading" in placeholder
    (board,) = holder.children
    assert _notices(board) == [] and "academy-head" in board.children[0].value


# --- the notebooks, executed headless -----------------------------------------------------------


def _run_notebook(name: str, params: str, cwd: Path) -> dict:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(DASHBOARDS / name, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell.source = params
    NotebookClient(nb, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


@pytest.mark.slow
@pytest.mark.parametrize("name, role, lang", [("manager.ipynb", "manager", "zh"),
                                               ("trainee.ipynb", "trainee", "en"),
                                               ("trainer.ipynb", "trainer", "zh")])
def test_does_each_dashboard_execute_headless_on_demo_data(demo, tmp_path, name, role, lang):
    """Does the notebook run top to bottom with its parameters and end in a widget, with no
    error output?"""
    params = (f"home = {str(demo['home'].root)!r}\nviewer = {demo['who'][role]!r}\n"
              f"lang = {lang!r}")
    nb = _run_notebook(name, params, tmp_path)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    last = nb.cells[-1].outputs
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in last)


def test_do_the_notebooks_hold_only_calls():
    """Are the dashboard notebooks free of definitions and outputs, each with a parameters cell?"""
    for name in ("manager.ipynb", "trainee.ipynb", "trainer.ipynb"):
        nb = json.loads((DASHBOARDS / name).read_text(encoding="utf-8"))
        src = "".join("".join(c["source"]) for c in nb["cells"])
        assert not re.search(r"^\s*(def|class) ", src, re.M)
        assert all(not c.get("outputs") for c in nb["cells"])
        assert any("parameters" in c["metadata"].get("tags", []) for c in nb["cells"])


# --- the real Voila server -------------------------------------------------------------------


BROKEN = {"cells": [{"cell_type": "code", "execution_count": None, "id": "boom", "metadata": {},
                     "outputs": [], "source": "raise ValueError('secret-detail-42')"}],
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                      "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}


@pytest.fixture(scope="module")
def voila(demo, tmp_path_factory):
    """The dashboards served by the real Voila server with academy serve's settings; the folder
    is a copy of dashboards/ plus one notebook that fails (the exception path)."""
    from academy.servers import Voila

    root = tmp_path_factory.mktemp("served")
    for name in ("manager.ipynb", "trainee.ipynb", "trainer.ipynb"):
        shutil.copy(DASHBOARDS / name, root / name)
    (root / "broken.ipynb").write_text(json.dumps(BROKEN), encoding="utf-8")
    server = Voila(demo["home"].root, demo["tokens_file"], notebooks=root,
                   log=root.parent / "voila.log")
    with server:
        yield server


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url: str, headers: dict | None = None, follow: bool = True):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(),
                                         *([] if follow else [_NoRedirect()]))
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(req, timeout=180) as resp:
            return resp.status, resp.read().decode("utf-8", "replace"), resp.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace"), e.headers


@pytest.mark.slow
def test_does_the_server_serve_each_dashboard_to_its_login_without_sources(demo, voila):
    """Does each dashboard answer 200 to its token (the token then dropped from the address),
    with the notebook's code stripped from the page?"""
    for name, role in (("manager.ipynb", "manager"), ("trainee.ipynb", "trainee"),
                       ("trainer.ipynb", "trainer")):
        status, body, _ = _get(voila.url(name, demo["tokens"][role]))
        assert status == 200, name
        assert "wait_for_request" not in body and "ui.preload" not in body
        assert "Traceback" not in body


@pytest.mark.slow
def test_are_anonymous_and_file_requests_refused(demo, voila):
    """Is a request without a token (or with a wrong one) sent to the login page, an API call
    refused, and is no notebook file ever served, even to a signed-in user?"""
    status, _body, headers = _get(voila.url("manager.ipynb"), follow=False)
    assert status == 302 and "/login" in headers["Location"]
    status, _body, headers = _get(voila.url("manager.ipynb", "not-a-token"), follow=False)
    assert status == 302 and "/login" in headers["Location"]
    status, _b, _h = _get(voila.base_url + "voila/api/contents/manager.ipynb")
    assert status == 403
    tok = demo["tokens"]["manager"]
    for path in ("voila/files/manager.ipynb", "voila/files/broken.ipynb"):
        status, body, _ = _get(f"{voila.base_url}{path}?token={tok}")
        assert status in (403, 404) and "ui.preload" not in body
    status, body, _ = _get(f"{voila.base_url}voila/api/contents/manager.ipynb?token={tok}")
    assert status == 200 and json.loads(body)["content"] is None


@pytest.mark.slow
def test_does_a_failing_notebook_show_no_traceback(demo, voila):
    """When a cell raises, does the page hold neither the traceback nor the error's detail?"""
    status, body, _ = _get(voila.url("broken.ipynb", demo["tokens"]["manager"]))
    assert status == 200
    assert "Please run Voil" in body  # Voila's generic notice stands in for the error
    assert "secret-detail-42" not in body and "Traceback" not in body


# --- in headless Chromium ------------------------------------------------------------------


def _open(browser, url: str, requests: list[str], headers: dict | None = None):
    page = browser.new_page(viewport={"width": 1400, "height": 1000},
                            extra_http_headers=headers or {})
    # Generous: a page whose preheated kernel was just used renders in a fresh kernel, which on a
    # busy 2-core machine can take minutes. Waiting is not timing: nothing asserts a duration.
    page.set_default_timeout(300_000)
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    return page


def _charts_drawn(page, at_least: int) -> None:
    page.wait_for_function(
        f"document.querySelectorAll('svg.academy-chart').length >= {at_least}")


def _shot(page, name: str) -> None:
    """The whole dashboard: Voila scrolls inside its own panel, so grow the window to fit."""
    SCREENSHOTS.mkdir(exist_ok=True)
    height = page.evaluate("Math.max(...Array.from(document.querySelectorAll("
                           "'.jp-OutputArea, .jp-Cell')).map(e => e.getBoundingClientRect()"
                           ".bottom))")
    page.set_viewport_size({"width": 1400, "height": min(int(height) + 40, 9000)})
    page.wait_for_timeout(300)  # the page reflows at the new size
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def _only_local(requests: list[str]) -> None:
    outside = [u for u in requests if not re.match(r"^(http|ws)://127\.0\.0\.1[:/]", u)
               and not u.startswith(("data:", "blob:"))]
    assert not outside, outside


@pytest.mark.slow
def test_does_a_manager_see_charts_and_filter_them_in_chromium(demo, voila, browser):
    """Does the manager's page draw its charts from local files only, show the manager's own
    identity even when the browser forges one, keep its kernel from other users, and redraw when
    a filter changes; and does the Chinese page render Chinese labels?"""
    requests: list[str] = []
    forged = {"X-Academy-Viewer": demo["who"]["stranger"]}
    page = _open(browser, voila.url("manager.ipynb", demo["tokens"]["manager"]) +
                 f"&viewer={demo['who']['stranger']}", requests, forged)
    _charts_drawn(page, 7)
    assert page.locator(".academy-viewer").get_attribute("data-user") == demo["who"]["manager"]
    assert "token=" not in page.url
    kernel = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data')"
                           ".textContent).kernelId")
    api = f"{voila.base_url}api/kernels/{kernel}?token="
    assert _get(api + demo["tokens"]["manager"])[0] == 200
    assert _get(api + demo["tokens"]["trainee"])[0] == 403  # another user who learnt the id
    _shot(page, "manager_en.png")
    state = page.locator(".academy-state")
    before = state.inner_text()
    teams = page.locator("select[multiple]")
    options = teams.locator("option").all_inner_texts()
    if len(options) > 1:
        teams.select_option(options[:1])
    else:
        page.locator("select").nth(2).select_option(index=1)  # a role instead
    page.wait_for_function(f"document.querySelector('.academy-state') && "
                           f"document.querySelector('.academy-state').innerText != {before!r}")
    _charts_drawn(page, 7)
    assert state.inner_text() != before
    page.close()

    page = _open(browser, voila.url("manager.ipynb", demo["tokens"]["manager"]) + "&lang=zh",
                 requests)
    _charts_drawn(page, 7)
    assert "团队能力看板" in page.inner_text("body")
    assert page.locator("svg.academy-chart text", has_text="专业知识与技能").count() >= 1
    _shot(page, "manager_zh.png")
    page.close()
    _only_local(requests)
    # the charts are SVG drawn in the kernel: no chart library is sent to the browser
    assert not [u for u in requests if "plotly" in u]


@pytest.mark.slow
def test_do_trainee_and_trainer_pages_draw_in_both_languages(demo, voila, browser):
    """Do the trainee report and the trainer view draw their charts in English and Chinese, the
    trainee seeing only their own identity, with nothing requested from outside?"""
    requests: list[str] = []
    for name, role, charts_min in (("trainee.ipynb", "trainee", 2),
                                   ("trainer.ipynb", "trainer", 2)):
        for lang, title in (("en", None), ("zh", "zh")):
            page = _open(browser, voila.url(name, demo["tokens"][role]) + f"&lang={lang}",
                         requests)
            _charts_drawn(page, charts_min)
            assert page.locator(".academy-viewer").get_attribute("data-user") == demo["who"][role]
            if lang == "zh":
                assert re.search(r"[\u4e00-\u9fff]{4}", page.inner_text("body"))
            _shot(page, f"{role}_{lang}.png")
            page.close()
    _only_local(requests)


@pytest.mark.slow
def test_is_an_idle_dashboard_kernel_culled_with_its_tab_open(demo, browser, tmp_path):
    """With a short idle timeout, is a page's kernel shut down while its tab stays open (memory
    stays flat over a day of tabs left open), and does the server keep its preheated kernel and
    serve the next page?"""
    import time

    from academy.servers import Voila

    root = tmp_path / "served"
    root.mkdir()
    (root / "tiny.ipynb").write_text(json.dumps({
        "cells": [{"cell_type": "code", "execution_count": None, "id": "one", "metadata": {},
                   "outputs": [], "source": "print('tiny')"}],
        "metadata": BROKEN["metadata"], "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    token = demo["tokens"]["manager"]
    with Voila(demo["home"].root, demo["tokens_file"], notebooks=root, cull_idle_seconds=4,
               cull_interval_seconds=1, log=tmp_path / "voila.log") as server:
        page = _open(browser, server.url("tiny.ipynb", token), [])
        page.wait_for_selector("#rendered_cells", state="visible")
        kernel = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data')"
                               ".textContent).kernelId")
        api = f"{server.base_url}api/kernels"
        assert _get(f"{api}/{kernel}?token={token}")[0] == 200
        deadline = time.monotonic() + 120
        while _get(f"{api}/{kernel}?token={token}")[0] != 404:
            assert time.monotonic() < deadline, "the idle kernel was not culled"
            time.sleep(1)
        assert "seconds of inactivity" in (tmp_path / "voila.log").read_text(errors="replace")
        page.close()
        page = _open(browser, server.url("tiny.ipynb", token), [])
        page.wait_for_selector("#rendered_cells", state="visible")
        assert "tiny" in page.inner_text("body")
        page.close()


# --- academy serve ---------------------------------------------------------------------------


def test_does_serve_refuse_a_taken_port(demo):
    """Does `academy serve` stop at once with a message naming a dashboards port in use?"""
    import socket

    from conftest import run_academy

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = run_academy("serve", "--no-lab", "--voila-port", str(port), home=demo["home"].root)
    assert proc.returncode == 1
    assert f"port {port}" in proc.stderr and "is taken" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_does_issue_token_print_a_login_for_roster_people_only(demo):
    """Does `academy serve --issue-token` print a login for an employee and refuse an unknown id?"""
    from conftest import run_academy

    ok = run_academy("serve", "--issue-token", demo["who"]["trainee"], home=demo["home"].root)
    assert ok.returncode == 0 and "/voila/render/trainee.ipynb?token=" in ok.stdout
    bad = run_academy("serve", "--issue-token", "no-such-person", home=demo["home"].root)
    assert bad.returncode == 1 and "not an active employee id" in bad.stderr


@pytest.mark.slow
def test_does_serve_print_logins_and_stop_cleanly_on_sigterm(demo, tmp_path):
    """Does `academy serve` start JupyterLab and Voila, print working addresses with tokens, and
    stop both servers on SIGTERM?"""
    import os
    import signal
    import subprocess

    from conftest import ACADEMY

    env = {k: v for k, v in os.environ.items() if k not in ("ACADEMY_HOME", "ACADEMY_DB_URL")}
    env.update({"COLUMNS": "120", "NO_COLOR": "1", "JUPYTER_CONFIG_DIR": str(tmp_path / "jcfg")})
    proc = subprocess.Popen([str(ACADEMY), "--home", str(demo["home"].root), "serve"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if "Press Ctrl-C" in line or proc.poll() is not None:
                break
        text = "".join(lines)
        lab = re.search(r"(http://127\.0\.0\.1:\d+/lab\?token=\S+)", text).group(1)
        login = re.search(r"trainer:demo trainer\s+(http://\S+)", text).group(1)
        assert _get(lab)[0] == 200
        status, body, _ = _get(login)
        assert status == 200 and "ui.preload" not in body
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, text + rest
    assert "Servers stopped." in rest
    for url in (lab, login):  # nothing answers any more
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(url, timeout=5)


# --- a page reads only its viewer's rows, and the figures stay what they were (issue 17) ---------


def test_is_the_selections_course_progress_the_progress_reports_rows(demo, monkeypatch):
    """Is the manager page's course-progress table, read for the selection alone, row for row
    what training.progress.progress_report gives for those people, on both reading paths (ids
    in the query, or every row read and theirs kept)?"""
    import pandas as pd
    from sqlalchemy.orm import Session

    from dashboards import courses, data
    from graders.engine.course_catalog import module_catalog
    from training.progress import progress_report

    home, company = demo["home"], demo["company"]
    ids = data.visible(company, Viewer(demo["who"]["manager"]))
    keys = list(module_catalog().drop_duplicates(["course", "module"])[["course", "module"]]
                .itertuples(index=False, name=None))
    with Session(home.engine) as s:
        rows = [r for r in progress_report(s, keys) if r.employee_id in set(ids)]
    assert any(r.opened for r in rows)  # the demo's trainees opened modules
    names = dict(zip(company.hierarchy["employee_id"], company.hierarchy["name"]))
    expected = pd.DataFrame({"person": [names.get(r.employee_id) or r.name for r in rows],
                             "modules_opened": [r.opened for r in rows],
                             "modules_completed": [r.completed for r in rows],
                             "self_check_avg": [r.self_check_avg for r in rows],
                             "rating_avg": [r.rating_avg for r in rows]})
    pd.testing.assert_frame_equal(courses.team_progress(home, ids, names), expected)
    monkeypatch.setattr(courses, "IDS_IN_QUERY", 0)
    pd.testing.assert_frame_equal(courses.team_progress(home, ids, names), expected)
    assert set(courses.team_progress(home, ids[:1], names)["person"]) <= {names[ids[0]]}


def test_is_eligibility_read_for_the_viewers_people_the_whole_companys(demo, monkeypatch):
    """Does the careers panel's eligibility, read only for the people a manager sees, equal the
    whole company's computation restricted to them (bands, courses, exams, violations), on both
    reading paths?"""
    import pandas as pd
    from sqlalchemy.orm import Session

    from dashboards import data
    from graders.ladder import careers as car
    from graders.ladder import careers_store

    home, company = demo["home"], demo["company"]
    ids = list(data.visible(company, Viewer(demo["who"]["manager"])))
    cfg = car.load_careers_config(home.assessments_dir)
    with Session(home.engine) as s:
        whole = careers_store.load(s, cfg, TODAY).eligibility
        part = careers_store.load(s, cfg, TODAY, ids).eligibility
        monkeypatch.setattr(careers_store, "IDS_IN_QUERY", 0)
        unfiltered = careers_store.load(s, cfg, TODAY, ids).eligibility
    expected = whole[whole["employee_id"].isin(ids)].reset_index(drop=True)
    assert len(expected) and len(set(expected["readiness"])) > 1  # not all alike
    pd.testing.assert_frame_equal(part, expected)
    pd.testing.assert_frame_equal(unfiltered, expected)


def test_are_goal_scopes_the_supervisor_chains(demo):
    """Is everyone whose goals a person may see (graders.managers.goals.visible_to, now found
    downwards from them) exactly themself and those whose supervisor chain reaches them?"""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from graders.managers import goals
    from roster.models import Staff

    with Session(demo["home"].engine) as s:
        staff = {x.employee_id: x for x in s.scalars(select(Staff))}
        for viewer in list(staff) + ["nobody-here"]:
            naive = {e for e in staff if e == viewer or viewer in goals.chain_above(staff, e)}
            assert goals.visible_to(s, viewer) == naive, viewer
        assert len(goals.visible_to(s, demo["who"]["manager"])) > 1


def test_does_a_trainees_page_read_only_their_own_rows(demo):
    """Does a trainee's report read their own result rows alone (no team's rows kept in the
    kernel) and show the same figures as the whole company's results restricted to them?"""
    import pandas as pd
    from sqlalchemy.orm import Session

    from core.cycles import get_cycle
    from dashboards import data
    from graders.results.store import stored_result

    home, me = demo["home"], demo["who"]["trainee"]
    company = data.Company(home, demo["company"].hierarchy, demo["company"].cycles)  # fresh
    rep = data.trainee_report(company, Viewer(me))
    assert not [k for k in company._views if k[0] == "teams"] and not company._results
    with Session(home.engine) as s:
        cid = get_cycle(s, rep.cycle).id
        mine = stored_result(s, cid, people=[me])
        whole = data.restrict(stored_result(s, cid), [me])
    for name in ("results", "components", "competencies", "awards", "actions", "training"):
        got = getattr(mine, name)
        assert set(got["employee_id"]) <= {me}, name
        shown, expected = getattr(rep.result, name), getattr(whole, name)
        if len(expected):
            pd.testing.assert_frame_equal(shown, expected)
        else:  # nothing of this kind for them (an empty frame keeps no column types)
            assert shown.empty and list(shown.columns) == list(expected.columns), name
    assert len(rep.result.results) == 1


def test_is_a_viewers_reach_recomputed_when_the_roster_changes(demo):
    """Once a kernel holds another roster (a re-read after a change), does a manager's reach
    follow it at once instead of a remembered answer: someone moved away is no longer visible?"""
    from dashboards import data

    base = demo["company"]
    company = data.Company(base.home, base.hierarchy.copy(), base.cycles)
    boss = Viewer(demo["who"]["manager"])
    seen = data.visible(company, boss)
    assert demo["who"]["trainee"] in set(seen) and data.allowed_teams(company, boss)
    h = company.hierarchy.copy()
    mover = h["employee_id"] == demo["who"]["trainee"]
    h.loc[mover, ["team", "supervisor_id", "team_manager_id"]] = ["Elsewhere", None, None]
    company.hierarchy = h
    assert demo["who"]["trainee"] not in set(data.visible(company, boss))
    with pytest.raises(AccessDenied):
        data.person(company, boss, data.graded_cycles(company)[-1], demo["who"]["trainee"])
