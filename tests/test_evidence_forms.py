"""The notebook forms: a trainer scores a practical exam, a colleague fills a review."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATA
from sqlalchemy import select

from core.cycles import open_cycle
from graders.evidence import EvidenceBatch
from graders.notebook_forms.evidence_forms import PracticalScoringForm, ReviewForm
from graders.sources.load import collect, evidence_frame
from roster.store import import_roster_file

FORMS = Path(__file__).resolve().parent.parent / "assessments" / "forms"


@pytest.fixture
def form_home(sqlite_home):
    import_roster_file(sqlite_home, DATA / "roster_small.csv")
    with sqlite_home.transaction() as s:
        open_cycle(s, "2026-Q4")
    return sqlite_home


def test_does_the_scoring_form_store_a_trainers_rating_and_replace_it_on_resave(form_home):
    """Does saving the form store the trainer's levels as practical evidence, and a re-save replace them?"""
    f = PracticalScoringForm(form_home, trainer="TR07")
    f.rubric.value = "angry_customer_call"
    assert [v for _, v in f.trainee.options] == ["000103", "000104"]  # technical support only
    f.trainee.value = "000104"
    assert f.save() is None and "Answer every item" in f.status.value  # nothing chosen yet
    for b in f.buttons.values():
        b.value = 4.0
    f.buttons["safety"].value = 2.0  # critical criterion missed
    assert "Saved (5)" in f.save()
    for b in f.buttons.values():
        b.value = 5.0
    assert "replacing" in f.save()
    with form_home.transaction() as s:
        ev = evidence_frame(s, 1, "practical")
        batches = s.scalars(select(EvidenceBatch).order_by(EvidenceBatch.id)).all()
        comp = collect(s, 1, ["000104"]).components.set_index("component")
    assert set(ev["raw"]) == {5.0} and set(ev["rater_id"]) == {"TR07"}
    assert batches[0].superseded_by == batches[1].id and batches[1].entered_by == "TR07"
    assert comp.loc["practical", "score"] == 100.0


def test_does_the_review_form_offer_only_allowed_people_and_store_the_relation(form_home):
    """Does a supervisor see themself and their reports, and is each review stored as the right kind?"""
    f = ReviewForm(form_home, reviewer="000101")
    assert f.relation_of == {"000101": "self", "000102": "supervisor", "000103": "supervisor",
                             "000104": "supervisor"}
    f.person.value = "000102"
    for b in f.buttons.values():
        b.value = 4.0
    f.save()
    f.person.value = "000101"
    for b in f.buttons.values():
        b.value = 5.0
    f.save()
    with form_home.transaction() as s:
        ev = evidence_frame(s, 1)
    assert sorted(set(zip(ev["source"], ev["employee_id"]))) == [("self", "000101"),
                                                                 ("supervisor", "000102")]


@pytest.mark.slow
def test_do_the_form_notebooks_run_headless(form_home, monkeypatch):
    """Do both form notebooks execute without error on a real home, showing their widgets?"""
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("ACADEMY_HOME", str(form_home.root))
    monkeypatch.setenv("ACADEMY_USER", "000101")
    for name in ("practical_scoring.ipynb", "review_form.ipynb"):
        nb = nbformat.read(FORMS / name, as_version=4)
        NotebookClient(nb, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(form_home.root)}}).execute()
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
        assert not [o for o in outputs if o.get("output_type") == "error"]
        assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
