"""Course notebooks for real: every one executes headless in its own kernel and records progress."""

from __future__ import annotations

import asyncio
import os

import pytest
from sqlalchemy import select

from training.catalog import load_courses
from training.check import SECTIONS, check_notebook
from training.progress import ModuleProgress


def _notebooks():
    for course in load_courses():
        for module in course.modules:
            for locale in course.spec.languages:
                yield module, locale


def test_does_every_module_have_objectives_example_practice_and_self_check():
    """Does each module notebook (in every language of its course) have the learning objectives,
    a worked example, interactive practice, a self-check and a reaction rating, and no code of its own?"""
    import nbformat

    seen = 0
    for module, locale in _notebooks():
        nb = nbformat.read(module.notebook(locale), as_version=4)
        headings = [line[3:].lower() for c in nb.cells if c.cell_type == "markdown"
                    for line in c.source.splitlines() if line.startswith("## ")]
        for spellings in SECTIONS.values():
            assert any(h.startswith(s) for h in headings for s in spellings), (module.id, spellings)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert ".practice(" in code and ".self_check()" in code and ".reaction()" in code
        assert check_notebook(module.notebook(locale), module, list(module.content().practice),
                              locale) == []
        seen += 1
    assert seen >= 15  # 4 courses x 3 modules, the communication course twice


async def _run_all(jobs, env, limit=3):
    from nbclient import NotebookClient

    sem = asyncio.Semaphore(limit)
    errors = {}

    async def run(path, nb):
        async with sem:
            client = NotebookClient(nb, timeout=180, kernel_name="python3",
                                    resources={"metadata": {"path": str(path.parent)}})
            try:
                await client.async_execute(env=env)
            except Exception as exc:  # noqa: BLE001  (collect every failing notebook)
                errors[path.name] = str(exc)[-2000:]

    await asyncio.gather(*(run(p, nb) for p, nb in jobs))
    return errors


@pytest.mark.slow
def test_does_every_course_notebook_execute_and_record_that_it_was_opened(sqlite_home):
    """Does every course notebook, English and Chinese, run top to bottom in a fresh kernel without
    an error, and record for the serving identity that each module was opened?"""
    import nbformat

    jobs = [(m.notebook(loc), nbformat.read(m.notebook(loc), as_version=4))
            for m, loc in _notebooks()]
    env = {**os.environ, "ACADEMY_HOME": str(sqlite_home.root), "ACADEMY_USER": "001042"}
    # In a thread of its own: the session's Playwright browser may hold an event loop in this one.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        errors = pool.submit(asyncio.run, _run_all(jobs, env)).result()
    assert errors == {}
    for path, nb in jobs:
        html = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells
                       if c.cell_type == "code" for o in c.get("outputs", []))
        assert "001042" in html, f"{path.name}: header does not say progress is recorded"
        widgets = sum(1 for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                      if "application/vnd.jupyter.widget-view+json" in o.get("data", {}))
        assert widgets >= 3, path.name  # practice, self-check, reaction
    with sqlite_home.transaction() as s:
        rows = s.scalars(select(ModuleProgress)).all()
    expected = {(m.course_id, m.id) for m, _ in _notebooks()}
    assert {(r.course, r.module) for r in rows} == expected
    assert {r.employee_id for r in rows} == {"001042"}
    zh_course = {m.course_id for m, loc in _notebooks() if loc == "zh"}
    assert all(r.times_opened == 2 for r in rows if r.course in zh_course)
