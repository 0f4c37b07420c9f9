"""A trainee in a real browser: JupyterLab opens a course module, a self-check is answered by
clicking, the feedback appears, and the reaction rating reaches the platform database."""

from __future__ import annotations

import json
import shutil

import pytest
from sqlalchemy import select

from academy.servers import JupyterLab
from training.catalog import courses_dir
from training.progress import ModuleProgress, ReactionRating


@pytest.mark.slow
def test_does_a_trainee_answer_a_self_check_in_jupyterlab_and_see_its_feedback(
        tmp_path, sqlite_home, browser):
    """In JupyterLab in Chromium, after running a module, does clicking an option and Check show
    'Correct.' for the right answer and the right answer for a wrong one, and is the trainee's
    reaction rating stored under the serving identity? Does the Chinese notebook answer in Chinese?"""
    root = tmp_path / "courses"
    shutil.copytree(courses_dir(), root)  # JupyterLab may save what it opens: never the checkout
    # JupyterLab renders every cell (no windowing), so scrolling to a widget is reliable
    settings = tmp_path / "lab-settings"
    (settings / "@jupyterlab" / "notebook-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        json.dumps({"windowingMode": "none"}), encoding="utf-8")
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8")
    env = {"ACADEMY_HOME": str(sqlite_home.root), "ACADEMY_USER": "001077",
           "ACADEMY_COURSES": str(root), "JUPYTER_CONFIG_DIR": str(tmp_path / "jcfg"),
           "JUPYTERLAB_SETTINGS_DIR": str(settings)}
    lab = JupyterLab(root, env=env, log=tmp_path / "lab.log")
    with lab:
        page, panel = _open_and_run(browser, lab, "product_knowledge/01_product_line.ipynb", "en",
                                    tmp_path)
        assert "AquaPure product knowledge" in panel.locator(".jp-OutputArea").first.text_content()
        questions = panel.locator(".academy-self-check .academy-question")

        first = questions.nth(0)  # "...fills by hand. Which model is it?" answer: C3
        first.scroll_into_view_if_needed()
        first.get_by_text("C3", exact=True).click()
        first.get_by_role("button", name="Check").click()
        first.get_by_text("Correct.", exact=False).wait_for()
        assert "3 L raw-water tank" in first.inner_text()

        second = questions.nth(1)  # waste water: a wrong answer
        second.scroll_into_view_if_needed()
        second.get_by_text("It is a leak in the drain line", exact=True).click()
        second.get_by_role("button", name="Check").click()
        second.get_by_text("Not quite.", exact=False).wait_for()
        assert "The right answer: The waste water carries away" in second.inner_text()

        reaction = panel.locator(".academy-reaction")
        reaction.scroll_into_view_if_needed()
        reaction.get_by_role("button", name="4", exact=True).click()
        reaction.locator("textarea").fill("清楚的例子，谢谢")
        reaction.get_by_role("button", name="Submit").click()
        reaction.get_by_text("your rating was saved", exact=False).wait_for()
        page.close()

        # the Chinese twin of a communication module: Chinese options and feedback
        page, panel = _open_and_run(browser, lab, "communication/01_listening.zh.ipynb", "zh",
                                    tmp_path)
        q = panel.locator(".academy-self-check .academy-question").nth(1)
        q.scroll_into_view_if_needed()
        q.get_by_text("我来帮您问清楚", exact=False).click()
        q.get_by_role("button", name="检查答案").click()
        q.get_by_text("回答正确。", exact=False).wait_for()
        assert "在客户眼里只有一家公司" in q.inner_text()
        page.close()
    with sqlite_home.transaction() as s:
        rating = s.scalars(select(ReactionRating)).one()
        opened = {(p.employee_id, p.course, p.module) for p in s.scalars(select(ModuleProgress))}
    assert (rating.employee_id, rating.course, rating.module, rating.rating, rating.comment) == (
        "001077", "product_knowledge", "01_product_line", 4, "清楚的例子，谢谢")
    assert opened == {("001077", "product_knowledge", "01_product_line"),
                      ("001077", "communication", "01_listening")}


def _open_and_run(browser, lab, notebook: str, workspace: str, tmp_path):
    """Open `notebook` in its own JupyterLab workspace (nothing else open), run all cells, and
    return the page and the notebook panel once the last widget (the reaction rating) is there."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(120_000)  # a loaded machine starts kernels slowly
    page.goto(f"http://127.0.0.1:{lab.port}/lab/workspaces/{workspace}/tree/{notebook}"
              f"?token={lab.token}")
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    panel.locator(".jp-Cell").first.wait_for()
    page.locator(".jp-StatusBar-Widget", has_text="Idle").first.wait_for()  # kernel ready
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    try:  # attached, not visible: the notebook may be scrolled elsewhere
        panel.locator(".academy-reaction").wait_for(state="attached")
    except Exception:
        page.screenshot(path=str(tmp_path / f"failure-{workspace}.png"))
        raise
    return page, panel
