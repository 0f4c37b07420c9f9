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
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(120_000)  # a loaded CI machine starts kernels slowly
        page.goto(f"http://127.0.0.1:{lab.port}/lab/tree/product_knowledge/01_product_line.ipynb"
                  f"?token={lab.token}")
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
        page.locator(".jp-StatusBar-Widget", has_text="Idle").first.wait_for()  # kernel ready
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()

        questions = page.locator(".academy-self-check .academy-question")
        try:  # attached, not visible: JupyterLab may have scrolled past it
            questions.first.wait_for(state="attached")
        except Exception:
            page.screenshot(path=str(tmp_path / "failure.png"))
            raise
        page.locator(".academy-reaction").wait_for(state="attached")  # every cell has run
        assert "AquaPure product knowledge" in page.locator(".jp-OutputArea").first.text_content()

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

        reaction = page.locator(".academy-reaction")
        reaction.scroll_into_view_if_needed()
        reaction.get_by_role("button", name="4", exact=True).click()
        reaction.locator("textarea").fill("清楚的例子，谢谢")
        reaction.get_by_role("button", name="Submit").click()
        reaction.get_by_text("your rating was saved", exact=False).wait_for()
        page.close()

        # the Chinese twin of a communication module: Chinese options and feedback
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(120_000)  # a loaded CI machine starts kernels slowly
        page.goto(f"http://127.0.0.1:{lab.port}/lab/tree/communication/01_listening.zh.ipynb"
                  f"?token={lab.token}")
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
        page.locator(".jp-StatusBar-Widget", has_text="Idle").first.wait_for()
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        # JupyterLab restores the first notebook in a hidden tab: look in the visible one only
        panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
        panel.locator(".academy-reaction").wait_for(state="attached")
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
