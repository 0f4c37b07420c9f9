"""The first five minutes of a manager, a trainer and a trainee on the dashboards (issue 18), on the
session's demo home (tests/conftest.py `demo_home`: the real `academy demo`, exams included):

* in the kernel: the engine's sentences and flags in both languages, the language checker itself,
  empty selections, the what-if table, the trainer's item table, the scoring form in an open cycle;
* served by the real Voila server in headless Chromium: every dashboard in English and Chinese,
  failing on an error notice, a raw code or a string of the other language, and a manager's and a
  trainer's walk (Role = manager, supervisor, no team at all) with screenshots of each first screen
  in test-artifacts/walk/ (gitignored), for a person to look at.
"""

from __future__ import annotations

import re
import shutil
import time
from datetime import date
from pathlib import Path

import pytest
from lab_pages import assert_titled
from page_language import problems

from dashboards.access import Viewer, managed_teams

DASHBOARDS = Path(__file__).resolve().parent.parent / "dashboards"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "walk"
LAB = "http://127.0.0.1:1/"  # where the plan links point (nothing is fetched from it)
LAB_TOKEN = "lab-login-for-test"


# --- the demo home and who walks through it ------------------------------------------------


@pytest.fixture(scope="module")
def walk(demo_home):
    """The session's demo home with logins for a manager, a trainee with a training plan and the
    demo trainer, and the strings the company itself typed (names, teams, exam questions)."""
    from dashboards import data, exams
    from dashboards.courses import course_titles
    from dashboards.identity import issue_token, tokens_path
    from graders.engine.course_catalog import module_catalog
    from graders.exam import lifecycle

    root, _proc = demo_home
    company = data.load_company(str(root), refresh=True)
    h = company.hierarchy
    managers = sorted(m for m in h["team_manager_id"].dropna().unique()
                      if managed_teams(h, Viewer(m)))
    cycle = data.graded_cycles(company)[-1]
    result = data.cycle_data(company, cycle).result
    planned = sorted(set(result.training["employee_id"]) & set(result.results["employee_id"]))
    supervisors = sorted(e for e in h.loc[h["role_code"] == "supervisor", "employee_id"]
                         if managed_teams(h, Viewer(e)) and e not in managers)
    who = {"manager": managers[0], "trainee": planned[0], "trainer": "trainer:demo trainer",
           "supervisor": supervisors[0], "admin": "admin:demo admin"}
    tokens = tokens_path(company.home.root)
    logins = {k: issue_token(tokens, v) for k, v in who.items()}
    # ... and who acted: the demo's trainer, manager (who issued violations, opened cases) and
    # an administrator
    allowed = set(h["name"]) | set(h["team"]) | set(company.cycles["name"]) | {
        "demo trainer", "demo manager", "demo admin"}
    for exam in exams.exams(company.home):
        bank = lifecycle._bank(company.home, exam)
        allowed |= {bank.title, exam}
        for q in bank.questions:
            allowed |= {q.stem, q.stem[:120], *q.options, *q.accepted, q.unit}
    ev = exams.practical_agreement(company.home, cycle)[1]
    allowed |= set(ev["rater_id"])
    # ticket and customer ids as the company's ticket system wrote them (SR00000042, C3-017)
    from sqlalchemy import select

    from graders.ticket_models import Ticket

    with company.home.transaction() as s:
        for tid, cust in s.execute(select(Ticket.ticket_id, Ticket.customer)):
            allowed |= {tid, cust or ""}
    # what the company typed for violations, plans, mentoring and competitions (docs/careers.md)
    from graders.ladder import careers_store, recognition_store, violations_store

    with company.home.transaction() as s:
        v = violations_store.all_violations(s)
        allowed |= set(v["evidence"]) | set(v["plan_goal"].dropna())
        allowed |= set(careers_store.pairs(s)["goal"])
        allowed |= set(recognition_store.competitions_frame(s)["competition"])
        # goals and one-to-one notes as people wrote them (graders.managers.goals)
        from graders.managers.goal_models import Goal, OneToOne

        for title, measure in s.execute(select(Goal.title, Goal.measure)):
            allowed |= {title, measure}
        allowed |= {n or "" for n in s.scalars(select(OneToOne.notes))}
    # course titles as their authors wrote them, each only on a page of its own language (an
    # English title may gloss a Chinese term, as "Mentoring new engineers (传帮带) ...")
    cat = module_catalog()
    titles = {"en": set(cat["title_en"]) | set(course_titles("en").values()),
              "zh": set(cat["title_zh"]) | set(course_titles("zh").values())}
    return {"company": company, "who": who, "tokens": logins, "tokens_file": tokens,
            "allowed": allowed, "titles": titles, "cycle": cycle}


# --- in the kernel ------------------------------------------------------------------------------


def test_does_the_language_check_catch_what_a_reader_would_stumble_on():
    """Does the checker find English words, raw codes, Python values, reprs and tracebacks on a
    Chinese page, Chinese on an English page, and pass clean pages and allowed names?"""
    assert problems("团队能力看板 · 54 人参评 · KPI 值", "zh") == []
    assert problems("Team capability · 54 people graded", "en") == []
    assert problems("当前用户: 杨旭 · Hotline Shanghai", "zh", {"Hotline Shanghai"}) == []
    assert problems("Signed in as: 杨旭", "en", {"杨旭"}) == []
    for text, lang in (("状态 status", "zh"), ("岗位 field_service", "zh"),
                       ("flag low_agreement", "en"), ("Award True", "en"), ("值 nan", "zh"),
                       ("['a', 'b']", "en"), ("Traceback (most recent call last)", "en"),
                       ("KeyError: 'x'", "en"), ("subject 001017<->001035", "en"),
                       ("exam aquapure-service-basics", "en"), ("54 人数", "en"),
                       ("State: 已发布", "en")):
        assert problems(text, lang), (text, lang)


def test_do_charts_of_an_empty_selection_say_so_instead_of_failing():
    """Does each manager chart draw for a selection with nobody in it (the trend chart used to
    fail with `max() arg is an empty sequence`), saying in the page's language that there is
    nothing to show?"""
    import pandas as pd

    from dashboards import charts
    from dashboards.labels import t

    trend = pd.DataFrame(columns=["cycle", "opens_on", "employee_id", "team", "family",
                                  "final_score", "band", "state"])
    for lang in ("en", "zh"):
        drawn = [charts.trend(trend, lang),
                 charts.component_breakdown(pd.DataFrame(columns=["employee_id", "component",
                                                                  "contribution"]),
                                            pd.DataFrame(columns=["employee_id", "team"]), lang),
                 charts.bars([], [], "x", lang)]
        for c in drawn:
            assert c.categories == [] and t("chart_empty", lang) in c.svg, c.kind


def test_does_each_teams_component_stack_add_up_to_its_mean_score():
    """In a team of people graded on different schemes (a trainee on theory and practical, a
    supervisor on theory and their team), does each team's stacked breakdown add up to the
    team's mean total, never past 100 by averaging each component over only the people who
    have it?"""
    import pandas as pd

    from dashboards import charts

    components = pd.DataFrame({
        "employee_id": ["t1", "t1", "s1", "s1", "t2", "t2"],
        "component": ["theory", "practical", "theory", "team", "theory", "practical"],
        "contribution": [40.0, 40.0, 30.0, 60.0, 20.0, 30.0]})
    results = pd.DataFrame({"employee_id": ["t1", "s1", "t2"], "team": ["A", "A", "B"]})
    chart = charts.component_breakdown(components, results, "en")
    assert chart.categories == ["A", "B"]
    stacks = [sum(v[i] for v in chart.series.values() if v[i] == v[i]) for i in range(2)]
    assert stacks == [pytest.approx(85.0), pytest.approx(50.0)]  # (80 + 90) / 2; 50


def test_does_an_incomplete_result_show_a_dash_not_a_python_value():
    """Does a person without a final score, band or rank (an incomplete result) show '-' in the
    score boxes, never nan, None or <NA>?"""
    import pandas as pd

    from dashboards import ui

    me = {"final_score": float("nan"), "rank_team": pd.NA, "team_size": 12}
    assert ui._num(me["final_score"]) == "-" and ui._rank(me) == "-"
    assert ui._num(None) == "-"
    assert ui._rank({"rank_team": 3, "team_size": 12}) == "3 / 12"
    assert ui._num(35.81) == "35.8"


def test_are_the_engines_checks_and_flags_written_in_chinese(walk):
    """Does every health-check line and evidence flag of the demo cycle read in Chinese on a
    Chinese page (no English word left) and keep its numbers in both languages?"""
    from dashboards import data, phrases

    company, cycle = walk["company"], walk["cycle"]
    cd = data.cycle_data(company, cycle)
    ctx = data.phrase_context(company, company.hierarchy["employee_id"])
    checks = cd.result.checks
    assert len(checks) and len(data.flags(company, cycle))
    for fam, check, level, msg in zip(checks["family"], checks["check"], checks["level"],
                                      checks["message"]):
        zh = phrases.check_sentence(check, level, msg, fam, "zh", cd.schemes)
        en = phrases.check_sentence(check, level, msg, fam, "en", cd.schemes)
        assert problems(zh, "zh", walk["allowed"]) == [], zh
        assert problems(en, "en", walk["allowed"]) == [], en
        numbers = re.findall(r"\d+", msg)[:2]
        assert all(n in zh and n in en for n in numbers), (msg, zh)
    for kind, source, subject, detail in data.flags(company, cycle).itertuples(index=False):
        zh = phrases.flag_detail(kind, detail, "zh", ctx)
        assert problems(zh + phrases.flag_kind(kind, "zh") +
                        phrases.flag_subject(kind, source, subject, "zh", ctx), "zh",
                        walk["allowed"]) == [], (kind, detail, zh)
        assert zh != phrases.flag_kind(kind, "zh"), f"no Chinese sentence for {detail!r}"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_does_every_selection_show_a_sensible_page(walk, lang):
    """Do Role = manager and Role = supervisor show the heads graded on their teams (no error
    notice), does an empty team selection give a page that says why nobody is shown (no chart
    failing on empty data), and does picking all roles again bring back the first screen with
    names of the people below the line?"""
    from dashboards import data, ui
    from dashboards.labels import t

    company = walk["company"]
    board = ui.ManagerDashboard(company, Viewer(walk["who"]["manager"]), lang)
    shown = [o[0] for o in board.role.options]
    for code in ("manager", "supervisor"):
        assert data.role_name(company, code, lang) in shown and code not in shown
        board.role.value = code
        page = _html(board.body)
        assert t("error", lang) not in page
        # graded by the management scheme (docs/management.md): shown, not "not graded"
        assert t("not_graded_role", lang).format(
            role=data.role_name(company, code, lang)) not in page
        shown_roles = set(board.slice.result.results["role_code"])
        assert shown_roles == {code}
    board.role.value = ""
    board.teams.value = ()
    page = _html(board.body)
    assert t("no_one_selected", lang) in page and t("error", lang) not in page
    board.teams.value = tuple(board.teams.options)
    page = _html(board.body)
    assert "academy-attention" in page and t("error", lang) not in page
    below = board.attention.below
    assert len(below) and below["name"].iloc[0] in page
    # the grid covers everyone shown, weakest first, page by page
    n = len(board.slice.result.results)
    rows = []
    for p in (board.heatmap_pages.options if hasattr(board, "heatmap_pages") else [(0, 0)]):
        if hasattr(board, "heatmap_pages"):
            board.heatmap_pages.value = p[1]
        grid = re.search(r"<svg [^>]*data-kind='heatmap'.*?</svg>", _html(board.body), re.S)
        rows += re.findall(r"<rect [^>]*><title>([^<]+?) · ", grid.group(0))
    people = list(dict.fromkeys(rows))
    assert len(people) == n
    # every cell of the grid a score with one decimal (35.0 beside 43.5, never 35) or '-'
    cells = re.findall(r"<rect [^>]*><title>[^<]+: ([^<]+)</title>", grid.group(0))
    assert cells and all(re.fullmatch(r"\d+\.\d|-", c) for c in cells), cells[:5]
    assert people[0].startswith(below["name"].iloc[0])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_is_the_what_if_a_readable_before_after_table(walk, lang):
    """Does moving a weight slider show the weights as set and as used (normalised to 100%),
    and a table of names with score, band and award before and after, all in the page's
    language (no employee_id, before_band or True/False)?"""
    from dashboards import ui
    from dashboards.labels import t

    board = ui.ManagerDashboard(walk["company"], Viewer(walk["who"]["manager"]), lang)
    sliders = board.what_if_sliders.children
    sliders[0].value = 1.0
    page = _html(board.what_if_result)
    for key in ("weight_set", "weight_normalised"):
        assert f"<th>{t(key, lang)}</th>" in page
    used = [int(x) for x in re.findall(r"<td>(\d+)%</td>", page)]
    assert len(used) == len(sliders) and abs(sum(used) - 100) <= len(sliders)
    assert t("weights_normalised", lang) in _html(board.widget)
    if "academy-whatif" in page and t("no_change", lang) not in page:
        for key in ("name", "before_band", "after_band", "before_score", "after_score"):
            assert f"<th>{t(key, lang)}</th>" in page
    assert problems(re.sub(r"<[^>]+>", " ", page), lang, walk["allowed"]) == []


def test_does_a_supervisor_never_see_their_own_managers_results(walk):
    """A department manager may be listed in a team their supervisor leads: is the manager (and
    anyone above) left out of what the supervisor sees (the slice, the role picker, the
    drill-down, a typed id), while the supervisor's own staff stay in?"""
    import pandas as pd

    from dashboards import data, ui
    from dashboards.access import AccessDenied, superiors, visible_ids

    company = walk["company"]
    h = company.hierarchy
    sup = walk["who"]["supervisor"]
    above = superiors(h, sup)
    boss = h.loc[h["employee_id"] == sup, "supervisor_id"].iloc[0]
    assert boss in above and sup not in above
    seen = set(visible_ids(h, Viewer(sup)))
    assert not seen & above
    staff = set(h.loc[h["supervisor_id"] == sup, "employee_id"])
    assert staff and staff <= seen
    board = ui.ManagerDashboard(company, Viewer(sup), "en")
    assert not set(board.slice.ids) & above
    assert [o for o in board.person_picker.options if o[1] in above] == []
    shown_roles = {o[1] for o in board.role.options}
    assert shown_roles - {""} == set(h.loc[h["employee_id"].isin(list(seen)) &
                                          h["team"].isin(board.teams.options), "role_code"])
    with pytest.raises(AccessDenied):
        data.person(company, Viewer(sup), walk["cycle"], boss)
    # a made-up chain with a loop ends; the top of a chain has nobody above
    loop = pd.DataFrame({"employee_id": ["a", "b", "c"], "supervisor_id": ["b", "c", "a"]})
    assert superiors(loop, "a") == {"b", "c"}
    top = h.loc[h["supervisor_id"].isna(), "employee_id"].iloc[0]
    assert superiors(h, top) == set()


def test_does_each_missed_commitment_name_who_served_it(walk):
    """In the manager's service-operations panel, does each missed commitment of the month show
    the name of the person who served it beside their id, in both languages?"""
    from dashboards import operations
    from dashboards.labels import t

    view = operations.manager_operations(walk["company"], Viewer(walk["who"]["manager"]))
    b = view.breaches
    assert len(b), "the demo should have missed commitments"
    month = b["month"].iloc[-1]
    names = dict(zip(walk["company"].hierarchy["employee_id"], walk["company"].hierarchy["name"]))
    for lang in ("en", "zh"):
        page = _html(operations._panel(view, lang, month, True))
        part = page.split(_esc(t("breaches", lang)), 1)[1]
        assert f"<th>{t('name', lang)}</th>" in part
        for emp in b.loc[b["month"] == month, "employee_id"].head(20):
            assert f"<td>{emp}</td><td>{_esc(names[emp])}</td>" in part, emp


def test_do_all_weights_at_zero_say_so_instead_of_an_error(walk):
    """With every what-if slider at 0 (nothing to normalise), does the page say in its language
    that at least one weight must be above 0, with no error notice, and does raising one weight
    bring the before/after answer back?"""
    from dashboards import ui
    from dashboards.labels import t

    for lang in ("en", "zh"):
        board = ui.ManagerDashboard(walk["company"], Viewer(walk["who"]["manager"]), lang)
        sliders = board.what_if_sliders.children
        for s in sliders:
            s.value = 0.0
        page = _html(board.what_if_result)
        assert t("weights_all_zero", lang) in page and t("error", lang) not in page
        assert page.count("<td>-</td>") == len(sliders)  # no share of a zero total
        sliders[0].value = 0.5
        page = _html(board.what_if_result)
        assert t("weights_all_zero", lang) not in page and t("error", lang) not in page
        assert "<td>100%</td>" in page and "academy-whatif" in page


#: what each kind of user's page is made of, as the notebooks build it (dashboards/*.ipynb)
#: (page, its further cells, languages walked: an administrator's whole-company pages in one
#: language each, to keep the walk short; the same code draws both languages)
PAGES = {
    "manager": ("manager", ["ops_manager", "company", "careers_manager", "honour_manager",
                            "impact"], ("en", "zh")),
    "supervisor": ("manager", ["ops_manager", "careers_manager"], ("en", "zh")),
    "admin": ("manager", ["ops_manager", "company", "careers_manager", "impact"], ("zh",)),
    "trainee": ("trainee", ["ops_trainee", "careers_trainee", "honour"], ("en", "zh")),
    "trainer": ("trainer", [], ("en", "zh")),
    "admin-trainer": ("trainer", [], ("en",)),
}


def _page(company, viewer: str, kind: str, cells: list[str], lang: str):
    """A dashboard as its notebook draws it, every cell of it, in the kernel."""
    import ipywidgets as w

    from dashboards import careers, operations, ui
    from dashboards.company_panel import company_items_panel
    from dashboards.impact import impact_panel

    first = {"manager": ui.manager_dashboard, "trainee": ui.trainee_dashboard,
             "trainer": ui.trainer_dashboard}[kind](company, viewer, lang, **(
                 {"progressive": False} if kind == "manager" else {}))
    more = {"ops_manager": lambda: operations.manager_panel(company, viewer, lang),
            "ops_trainee": lambda: operations.trainee_panel(company, viewer, lang),
            "company": lambda: company_items_panel(company, viewer, lang),
            "careers_manager": lambda: careers.manager_panel(company, viewer, lang),
            "careers_trainee": lambda: careers.trainee_panel(company, viewer, lang),
            "honour_manager": lambda: careers.honour_board_panel(company, viewer, lang,
                                                                 manager_page=True),
            "honour": lambda: careers.honour_board_panel(company, viewer, lang),
            "impact": lambda: impact_panel(company, viewer, lang)}
    return w.VBox([first] + [more[c]() for c in cells])


def _pickers(widget, found: list) -> list:
    import ipywidgets as w

    if isinstance(widget, (w.Dropdown, w.SelectMultiple, w.Text, w.Button)):
        found.append(widget)
    for c in getattr(widget, "children", ()):
        _pickers(c, found)
    return found


def _shown_text(widget) -> str:
    """What the page shows: its HTML's text and every picker's labels and choices."""
    import html as h

    import ipywidgets as w

    own = getattr(widget, "value", "")
    parts = [own if isinstance(widget, w.HTML) and isinstance(own, str) else ""]
    if isinstance(widget, (w.Dropdown, w.SelectMultiple, w.ToggleButtons)):
        parts += [str(o[0] if isinstance(o, tuple) else o) for o in widget.options]
    if isinstance(getattr(widget, "description", None), str):
        parts.append(widget.description)
    parts += [_shown_text(c) for c in getattr(widget, "children", ())]
    text = " ".join(parts)
    text = re.sub(r"<style>.*?</style>", " ", text, flags=re.S)
    # a chart's label wrapped over lines reads as one (Support / Centre / Beijing)
    return re.sub(r"\s+", " ", h.unescape(re.sub(r"<[^>]+>", " ", text)))


@pytest.mark.parametrize("who", sorted(PAGES))
def test_does_every_picker_of_every_page_give_a_sensible_page(walk, who, monkeypatch):
    """For each kind of user, in both languages: set every picker of every part of the page
    (cycle, teams (none, one, all), role, grid page, person, month, team, course, figure) to its
    first and last choice, type unusual ids where an id is typed, and press every button
    that only shows something (download, show): does each step leave a page with no error
    notice, no raw code and no string of the other language?"""
    import ipywidgets as w

    from dashboards import ui
    from dashboards.labels import t

    if who == "supervisor":  # a long list of people becomes a box to type an id into
        monkeypatch.setattr(ui, "PICKER_LIMIT", 5)
    kind, cells, langs = PAGES[who]
    viewer = walk["who"]["admin" if who.startswith("admin") else who]
    typed = ("999999", "' or 1=1 --", "   ", walk["who"]["trainee"], "")
    allowed = walk["allowed"] | set(typed)
    for lang in langs:
        root = _page(walk["company"], viewer, kind, cells, lang)
        clean = allowed | walk["titles"][lang]

        def check(step: str) -> None:
            text = _shown_text(root)
            assert t("error", lang) not in text and t("no_access", lang) not in text, step
            assert problems(text, lang, clean) == [], step

        check("first screen")
        steps = 0
        for p in _pickers(root, []):
            name = f"{lang} {type(p).__name__} {p.description!r}"
            if isinstance(p, w.Button):
                p.click()
                check(f"{name} pressed")
            elif isinstance(p, w.SelectMultiple):
                values = [o[1] if isinstance(o, tuple) else o for o in p.options]
                for v in ((), values[-1:], values):
                    p.value = tuple(v)
                    check(f"{name} = {v}")
            elif isinstance(p, w.Dropdown):
                values = [o[1] if isinstance(o, tuple) else o for o in p.options]
                for v in dict.fromkeys(values[:1] + values[-1:]):
                    p.value = v
                    check(f"{name} = {v!r}")
            else:  # a typed employee id (a long list of people)
                for v in typed:
                    p.value = v
                    check(f"{name} = {v!r}")
            steps += 1
        assert steps >= {"manager": 8, "trainee": 1, "trainer": 0}[kind], who


def test_does_the_trainer_see_each_question_beside_its_statistics(walk):
    """Does the item analysis show, for each flagged question, its text and every option with how
    many chose it (the key marked), does the statistics table of every question give its text
    beside its id, and is the count called responses, not ratings?"""
    from dashboards import exams, fairness, ui
    from dashboards.labels import t
    from graders.exam import lifecycle

    items = exams.flagged_items(walk["company"].home)
    assert items, "the demo exams should have questions to look at"
    for lang in ("en", "zh"):
        page = _html(ui.trainer_dashboard(walk["company"], walk["who"]["trainer"], lang))
        assert f"<th>{t('responses', lang)}</th>" in page and "Ratings" not in page
        for i in items[:5]:
            assert _esc(i["stem"]) in page
            for text, _n, _key in i["options"]:
                assert _esc(text) in page
        assert "academy-key" in page or not any(k for i in items for *_x, k in i["options"])
        # a question without options shows its right answer (true/false in the page's language);
        # which questions the demo flags depends on its answers, so a true/false one is added
        for i in items:
            if i["key"] and not i["options"]:
                kind, value = i["key"]
                shown = t("key_" + value, lang) if kind == "bool" else value
                assert _esc(f"{t('key', lang)}{t('colon', lang)}{shown}") in page
        true_false = {"exam_title": "x", "question": "q1", "stem": "s", "options": [], "n": 9,
                      "key": ("bool", "false"), "facility": 0.5, "discrimination": 0.1,
                      "flags": []}
        drawn = ui._item_table([true_false], lang).value
        assert f"{t('key', lang)}{t('colon', lang)}{t('key_false', lang)}" in drawn
        assert "class='academy-ref'" in page  # the agreement floor is drawn
        # every question of the exam statistics by its id and its text, not its id alone
        _exams, qs = fairness.exam_summary(walk["company"].home, lang)
        stems = {q.id: q.stem for e in exams.exams(walk["company"].home)
                 for q in lifecycle._bank(walk["company"].home, e).questions}
        assert len(qs) and all(cell.split(" ", 1)[1] == stems[cell.split(" ", 1)[0]]
                               for cell in qs[t("question", lang)]), qs[t("question", lang)]
        assert all(_esc(cell) in page for cell in qs[t("question", lang)])
        # the demo publishes its open cycle: the form's place says so in the page's language
        assert "academy-form-closed" in page and "academy reopen" not in page


def test_is_the_scoring_form_usable_in_an_open_cycle_in_the_viewers_language(tmp_path):
    """In an open cycle whose results are not published, is the trainer view's scoring form the
    real form in Chinese on a Chinese page, and does a score saved there reach the cycle?"""
    from rich.console import Console
    from sqlalchemy import func, select

    from academy import demo as d
    from core.home import init_home
    from dashboards import data, ui
    from graders.evidence import EvidenceBatch

    home = init_home(tmp_path / "home")
    ctx = d.DemoContext(home, 12, 2026, date(2026, 11, 20), Console(quiet=True), [])
    d.step_roster(ctx)
    d.step_cycles(ctx)
    company = data.load_company(home, refresh=True)
    view = ui.trainer_dashboard(company, "trainer:TR09", "zh")
    form = _find(view, lambda wd: hasattr(wd, "form"))
    assert form is not None, "the scoring form is missing"
    f = form.form
    assert f.save_button.description == "保存" and f.rubric.description == "考核场景"
    for b in f.buttons.values():
        b.value = b.options[-1][1]
    f.trainee.value = f.trainee.options[0][1]
    assert f.save() is not None and "已保存" in f.status.value
    with home.transaction() as s:
        assert s.scalar(select(func.count()).select_from(EvidenceBatch)) == 1
    home.close()


def test_do_training_plan_links_open_the_module_in_the_lab(monkeypatch):
    """Is a plan's module a link (class academy-link, new tab) to its notebook in the trainee's lab
    workspace, titled by the module's name, and does it never carry a server login?"""
    from dashboards import ui

    monkeypatch.setenv("ACADEMY_LAB_URL", LAB)
    monkeypatch.setenv("ACADEMY_LAB_TOKEN", LAB_TOKEN)  # even if a server set one
    titles = ui._module_titles("zh")
    a = ui.lab_link("communication/01_listening", "zh", titles)
    assert "class='academy-link'" in a and "target='_blank'" in a
    # the Chinese copy in the trainee's workspace, and the lab asked to speak Chinese
    assert f"href='{LAB}lab/tree/courses/communication/01_listening.zh.ipynb?lang=zh'" in a
    assert LAB_TOKEN not in a and "token" not in a
    assert titles["communication/01_listening"] in a
    b = ui.lab_link("teamwork/01_handover", "en", ui._module_titles("en"))
    assert "teamwork/01_handover.ipynb?lang=en'" in b and ".zh." not in b
    # with one trainee's lab served (academy serve --trainee ID), only their report links to it
    monkeypatch.setenv("ACADEMY_LAB_TRAINEE", "001002")
    assert ui.lab_base("001002") == LAB and ui.lab_base("001003") == ""
    monkeypatch.delenv("ACADEMY_LAB_TRAINEE")
    monkeypatch.delenv("ACADEMY_LAB_URL")
    assert "<a " not in ui.lab_link("teamwork/01_handover", "en")


# --- served by Voila, in Chromium -------------------------------------------------------------


@pytest.fixture(scope="module")
def served(walk, tmp_path_factory):
    """The three dashboards served by the real Voila server (academy serve's settings), with the
    planned trainee's own trainee-mode JupyterLab (as `academy serve --trainee ID` runs it) for
    the plan links."""
    from academy import trainee_lab
    from academy.servers import JupyterLab, Voila

    root = tmp_path_factory.mktemp("walk")
    for name in ("manager.ipynb", "trainee.ipynb", "trainer.ipynb"):
        shutil.copy(DASHBOARDS / name, root / name)
    home = walk["company"].home
    mode = trainee_lab.prepare(home, walk["who"]["trainee"], workspace=root / "workspace",
                               config_dir=root / "lab-config")
    lab = JupyterLab(mode.workspace, env=mode.env, log=root.parent / "trainee-lab.log")
    lab_url = f"http://127.0.0.1:{lab.port}/"
    server = Voila(home.root, walk["tokens_file"], notebooks=root,
                   env={"ACADEMY_LAB_URL": lab_url, "ACADEMY_LAB_TRAINEE": walk["who"]["trainee"]},
                   log=root.parent / "voila.log")
    with lab, server:
        server.lab_url, server.lab_locale = lab_url, mode.locale
        yield server


@pytest.fixture(scope="module")
def kept():
    """Pages the language test rendered and left at their first screen, by (role, lang), with
    when they were opened: the manager's and the trainer's walks below go on from there instead
    of rendering the same page (same address, same login) again in a new kernel."""
    pages: dict[tuple[str, str], tuple] = {}
    yield pages
    for page, _url, _opened in pages.values():
        page.close()


def _reuse_or_open(kept, browser, url: str, role: str, lang: str):
    """The kept first screen of `url` when it is recent (well inside the server's idle-kernel
    cull), else a freshly rendered one."""
    page, first_url, opened = kept.pop((role, lang), (None, "", 0.0))
    if page is not None and first_url == url and time.monotonic() - opened < 600:
        return page
    if page is not None:
        page.close()
    return _open(browser, url)


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    # generous: a fresh kernel on a busy 2-core machine can take minutes (nothing is timed)
    page.set_default_timeout(300_000)
    page.goto(url)
    page.wait_for_selector(".academy-head")
    page.wait_for_function("!document.querySelector('.academy-loading')")
    page.wait_for_timeout(500)
    return page


def _page_text(page) -> str:
    """What a reader sees: the page's text, every chart's text and tooltips, picker options."""
    return page.evaluate("""() => [document.body.innerText,
        ...Array.from(document.querySelectorAll('svg text, svg title, option'))
            .map(e => e.textContent)].join('\\n')""")


def _assert_clean(page, lang: str, allowed: set[str], where: str,
                  titles: dict[str, set[str]] | None = None) -> None:
    from dashboards.labels import t

    notices = page.locator(".academy-notice").all_inner_texts()
    assert not [n for n in notices if n in (t("error", lang), t("no_access", lang))], where
    text = re.sub(r"\s+", " ", _page_text(page))  # a chart label wrapped over lines reads as one
    assert "Please run Voil" not in text and "Traceback" not in text, where
    assert problems(text, lang, allowed | (titles or {}).get(lang, set())) == [], where


def _first_screen(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))  # the viewport: what a person sees first
    return path


def _changed(page, before: str) -> None:
    page.wait_for_function(
        "b => { const s = document.querySelector('.academy-state'); "
        "const n = document.querySelector('.academy-body-notice, .academy-notice'); "
        "return (s ? s.innerText : '') + (n ? n.innerText : '') !== b; }", arg=before)
    page.wait_for_timeout(300)


def _state(page) -> str:
    return page.evaluate("() => { const s = document.querySelector('.academy-state'); "
                         "const n = document.querySelector('.academy-body-notice, "
                         ".academy-notice'); return (s ? s.innerText : '') + "
                         "(n ? n.innerText : ''); }")


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_does_every_dashboard_speak_one_language_in_chromium(walk, served, browser, kept, lang):
    """Rendered by Voila in Chromium, does each dashboard (manager, supervisor, trainee, trainer,
    and an administrator's manager and trainer pages) hold no error notice, no raw code and no
    string of the other language, name its viewer by name, and do the trainee's plan modules
    look like links that open the module in the trainee's own lab after the trainee's own
    sign-in (never Jupyter's token page)?"""
    from dashboards.labels import t

    for name, role in (("manager.ipynb", "manager"), ("manager.ipynb", "supervisor"),
                       ("trainee.ipynb", "trainee"), ("trainer.ipynb", "trainer"),
                       ("manager.ipynb", "admin"), ("trainer.ipynb", "admin")):
        url = served.url(name, walk["tokens"][role]) + f"&lang={lang}"
        page = _open(browser, url)
        _assert_clean(page, lang, walk["allowed"], f"{name} {role} {lang}", walk["titles"])
        viewer = page.locator(".academy-viewer")
        assert viewer.get_attribute("data-user") == walk["who"][role]
        assert viewer.inner_text() != walk["who"][role]  # a name, not the bare id
        shot = role if role != "admin" else f"admin_{name.split('.')[0]}"
        _first_screen(page, f"{shot}_{lang}_first.png")
        if role == "trainee":
            _open_plan_link(page, served, walk, lang)
        assert t("signed_in_as", lang) in page.inner_text("body")
        if role in ("manager", "trainer"):  # the walks below go on from this first screen
            kept[(role, lang)] = (page, url, time.monotonic())
        else:
            page.close()


def _open_plan_link(page, served, walk, lang: str) -> None:
    """Click the first module of the trainee's plan: a link that looks like one, into the
    trainee's own lab, where the trainee signs in with their own code in their language (no
    server token anywhere) and lands on the module."""
    link = page.locator("a.academy-link").first
    href = link.get_attribute("href")  # the module in the lab, never with a login
    assert href.startswith(served.lab_url) and href.endswith(f".ipynb?lang={lang}")
    assert "token" not in href
    style = link.evaluate("e => [getComputedStyle(e).color, "
                          "getComputedStyle(e).textDecorationLine, getComputedStyle(e).cursor]")
    assert style[0] == "rgb(43, 108, 176)" and "underline" in style[1] and style[2] == "pointer"
    with page.context.expect_page() as opened:
        link.click()
    lab = opened.value
    lab.set_default_timeout(300_000)
    try:
        lab.wait_for_selector("#password_input")
        text = lab.inner_text("body")
        assert "token" not in text.lower() and "jupyter" not in text.lower()
        # the page's language, whatever the lab's default (the home's)
        sign_in = "登录码" if lang == "zh" else "login code"
        assert sign_in in text and problems(text, lang) == [], text
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        lab.screenshot(path=str(ARTIFACTS / f"trainee_{lang}_plan_link_login.png"))
        lab.fill("#password_input", walk["tokens"]["trainee"])
        lab.click("#login_submit")
        module = href[len(served.lab_url.rstrip("/")):].split("?")[0]
        lab.wait_for_url(lambda u: u.split("?")[0].endswith(module))
        panel = lab.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
        panel.locator(".academy-reaction").wait_for(state="attached")
        # the lab in the report's language: its menu, the module's tab and the trainee's
        # courses by title, never a file name or code
        assert lab.locator(".lm-MenuBar-itemLabel").all_inner_texts() == \
            ["考试" if lang == "zh" else "Exams"]
        tab = lab.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current").inner_text()
        assert tab.strip() == link.inner_text().strip()  # the title the report shows
        assert_titled(lab, lang)
        lab.screenshot(path=str(ARTIFACTS / f"trainee_{lang}_plan_link_module.png"))
    finally:
        lab.close()


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_does_a_manager_walk_through_every_selection_in_chromium(walk, served, browser, kept,
                                                                 lang):
    """Does the manager's first screen name the people below the line, the evidence warnings
    and the scheme health check; do Role = manager and Role = supervisor show the graded heads
    and no team at all a notice in the page's language (never an error); does picking a person
    show their scores, and dragging a weight slider a before/after table of names; and does
    every step stay clean?"""
    from dashboards import data
    from dashboards.labels import t

    company, allowed = walk["company"], walk["allowed"]
    page = _reuse_or_open(kept, browser, served.url("manager.ipynb", walk["tokens"]["manager"]) +
                          f"&lang={lang}", "manager", lang)
    shot = _first_screen(page, f"manager_{lang}_walk_first.png")
    assert shot.stat().st_size > 10_000
    cards = page.locator(".academy-attention")
    assert t("attention", lang) in cards.inner_text()
    assert cards.locator(".academy-below").count() == 1
    assert cards.locator(".academy-health").count() == 1
    below = cards.locator(".academy-below").inner_text()
    assert not re.search(r"\b\d{6}\b", below)  # names, not employee ids
    # the first picker labelled Role (the what-if's "Role family" comes further down)
    role = page.locator(".widget-dropdown", has_text=t("role", lang)).first.locator("select")
    for code in ("manager", "supervisor"):
        before = _state(page)
        role.select_option(label=data.role_name(company, code, lang))
        _changed(page, before)
        text = page.inner_text("body")
        assert t("not_graded_role", lang).format(
            role=data.role_name(company, code, lang)) not in text  # graded on their teams
        _assert_clean(page, lang, allowed, f"role {code}")
        _first_screen(page, f"manager_{lang}_role_{code}.png")
    before = _state(page)
    role.select_option(label=t("all_roles", lang))
    _changed(page, before)
    teams = page.locator("select[multiple]")
    before = _state(page)
    teams.select_option([])
    _changed(page, before)
    assert t("no_one_selected", lang) in page.inner_text("body")
    _assert_clean(page, lang, allowed, "no team")
    _first_screen(page, f"manager_{lang}_no_team.png")
    before = _state(page)
    teams.select_option(teams.locator("option").all_inner_texts())
    _changed(page, before)
    assert page.locator(".academy-attention").count() == 1
    _assert_clean(page, lang, allowed, "all teams again")
    # the drill-down: one person's scores by name (picked as a person would, from the list)
    person = page.locator(".widget-dropdown", has_text=t("person", lang)).first
    person.locator("select").select_option(index=1)
    page.wait_for_function("document.querySelectorAll('.academy-kpi').length >= 3")
    _assert_clean(page, lang, allowed, "a person picked")
    person.scroll_into_view_if_needed()
    _first_screen(page, f"manager_{lang}_person.png")
    # the what-if: a slider dragged to the right, then the before/after table of names
    handle = page.locator(".widget-slider .noUi-handle").first
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 140, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    answer = page.locator(".academy-whatif").first
    answer.wait_for(state="attached")
    table = answer.locator("xpath=following::table[1]")
    heads = table.locator("th").all_inner_texts() if answer.count() else []
    if t("no_change", lang) not in answer.inner_text():
        assert heads[:4] == [t(k, lang) for k in ("name", "team", "before_score", "after_score")]
    assert f"{t('weight_normalised', lang)}" in page.inner_text("body")
    _assert_clean(page, lang, allowed, "what-if")
    answer.scroll_into_view_if_needed()
    _first_screen(page, f"manager_{lang}_whatif.png")
    page.close()


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_does_a_trainer_see_questions_floor_and_form_in_chromium(walk, served, browser, kept,
                                                                 lang):
    """Does the trainer's page show each flagged question's text and options beside its
    statistics, a dashed floor line on the agreement chart, and the scoring form's place in the
    page's language, with nothing of the other language?"""
    from dashboards import exams
    from dashboards.labels import t

    page = _reuse_or_open(kept, browser, served.url("trainer.ipynb", walk["tokens"]["trainer"]) +
                          f"&lang={lang}", "trainer", lang)
    _first_screen(page, f"trainer_{lang}_walk_first.png")
    items = exams.flagged_items(walk["company"].home)
    table = page.locator("table.academy-items")
    assert table.count() == 1
    text = table.inner_text()
    assert items[0]["stem"][:40] in text and t("responses", lang) in text
    assert page.locator("svg line.academy-ref").count() == 1
    assert f"{t('floor', lang)} 0.667" in _page_text(page)
    assert page.locator(".academy-form-closed, .widget-toggle-buttons").count() >= 1
    _assert_clean(page, lang, walk["allowed"], f"trainer {lang}")
    page.close()


# --- helpers --------------------------------------------------------------------------------


def _html(widget) -> str:
    own = getattr(widget, "value", "")
    return (own if isinstance(own, str) else "") + "".join(
        _html(c) for c in getattr(widget, "children", ()))


def _find(widget, pred):
    if pred(widget):
        return widget
    for c in getattr(widget, "children", ()):
        hit = _find(c, pred)
        if hit is not None:
            return hit
    return None


def _esc(s: str) -> str:
    import html

    return html.escape(str(s))
