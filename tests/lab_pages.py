"""What a trainee's JupyterLab (trainee mode, academy.trainee_lab) must show, checked in
Chromium by the trainee-lab, hub and dashboard-walk tests: their courses, modules and exams by
title in the page's language, never a file or folder name, an id or the other language."""

from __future__ import annotations

from page_language import problems


def course_codes() -> set[str]:
    """The raw codes of the courses: course and module ids, file names."""
    from training.catalog import load_courses

    out = set()
    for course in load_courses():
        out.add(course.id)
        out.update(m.id for m in course.modules)
    return out


def assert_titled(page, lang: str, exam_ids=(), allowed=()) -> str:
    """The trainee's documents panel (instead of the file browser) and the tabs: every course
    and module by its title in `lang`, never a file or folder name, id or the other language."""
    from training.catalog import load_courses

    docs = page.locator(".academy-documents")
    docs.locator("a.academy-doc").first.wait_for()
    assert not page.locator(".jp-DirListing").is_visible()  # the raw file browser is not shown
    tabs = page.locator("#jp-main-dock-panel .lm-TabBar-tab")
    tabs.first.wait_for()
    # a module's tab of the other language (restored from an earlier visit) has given way to
    # the module in this one: no title twice
    page.wait_for_function(
        "() => { const t = [...document.querySelectorAll('#jp-main-dock-panel .lm-TabBar-tab')]"
        ".map(e => e.innerText.trim()); return new Set(t).size === t.length; }")
    text = docs.inner_text() + "\n" + "\n".join(tabs.all_inner_texts())
    titles = {c.title(lang) for c in load_courses()} | \
        {m.title(lang) for c in load_courses() for m in c.modules}
    assert {c.title(lang) for c in load_courses()} <= set(docs.locator("h3").all_inner_texts())
    assert ".ipynb" not in text and "courses/" not in text, text
    captions = [tab.get_attribute("title") or "" for tab in tabs.all()]  # shown on hover
    assert not [c for c in captions if ".ipynb" in c], captions
    for code in [*course_codes(), *exam_ids]:
        assert code not in text, (code, text)
    assert problems(text, lang, titles | set(allowed)) == [], text
    return text
