"""Training plans point at course modules tagged with the weak competency."""

from __future__ import annotations

from datetime import date

import pandas as pd

from graders.engine import grading as g
from graders.engine.course_catalog import module_catalog
from graders.engine.schemes import load_schemes

COURSE = """\
title_en: Fault finding
title_zh: 故障排查
summary_en: Finding faults.
summary_zh: 排查故障。
competencies: [problem_solving]
modules:
  - id: 01_first_steps
    title_en: First steps
    title_zh: 第一步
    minutes: 20
  - id: 02_customers
    title_en: Explaining faults to customers
    title_zh: 向客户解释故障
    minutes: 20
    competencies: [communication]
"""


def test_does_a_weak_competency_get_the_modules_of_a_courses_folder(tmp_path):
    """With a courses folder holding one course, is a weak problem-solving score sent to the
    module tagged with it (the course's own competency), and communication to the other?"""
    (tmp_path / "faults").mkdir()
    (tmp_path / "faults" / "course.yaml").write_text(COURSE, encoding="utf-8")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "course.yaml").write_text("modules: [unclosed", encoding="utf-8")
    catalog = module_catalog(tmp_path)
    assert set(zip(catalog["competency"], catalog["module"])) == {
        ("problem_solving", "01_first_steps"), ("communication", "02_customers")}
    assert "向客户解释故障" in set(catalog["title_zh"])

    fam = "field_service"
    roster = pd.DataFrame([("E1", "n1", "T", fam, fam), ("E2", "n2", "T", fam, fam)],
                          columns=g.ROSTER_COLUMNS)
    comps = pd.DataFrame([(e, c, 80.0, 3, "ok", "") for e in ("E1", "E2")
                          for c in ("key_behaviour", "customer", "supervisor", "practical")],
                         columns=["employee_id", "component", "score", "n", "status", "note"])
    by = pd.DataFrame([("E1", "practical", "problem_solving", 40.0, 1),
                       ("E1", "practical", "communication", 50.0, 1),
                       ("E2", "practical", "problem_solving", 90.0, 1),
                       ("E2", "practical", "communication", 90.0, 1)],
                      columns=["employee_id", "component", "competency", "score", "n"])
    res = g.grade(g.GradeInputs(roster, comps, by, catalog=catalog, closes_on=date(2026, 9, 30)),
                  load_schemes())
    plan = res.training.set_index("competency")
    assert set(res.training["employee_id"]) == {"E1"}
    assert plan.loc["problem_solving", "modules"] == "faults/01_first_steps"
    assert plan.loc["communication", "modules"] == "faults/02_customers"
    assert plan.loc["problem_solving", "due_on"] == date(2026, 11, 29)


def test_do_the_shipped_courses_cover_every_competency():
    """Does the platform's own courses folder give modules for each of the four competencies?"""
    catalog = module_catalog()
    assert {"knowledge", "communication", "problem_solving", "teamwork"} <= set(
        catalog["competency"])
