"""The evidence-source registry: one object per source, declared once, iterated by the engine;
a sixth source added in a few lines (definition, parser, pure aggregation) reaches the grades."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import DATA
from pydantic import BaseModel

from core.cycles import get_cycle, open_cycle
from core.errors import ProblemsError
from core.tabular import map_columns, read_table
from core.yamlio import load_model
from graders import sources
from graders.engine.schemes import load_schemes
from graders.evidence import Evidence, new_batch
from graders.importing import Located, item_columns, parse_number, staff_index, store
from graders.results.store import grade_cycle
from graders.sources import (
    COMPETENCY_COLUMNS,
    COMPONENT_COLUMNS,
    EvidenceSource,
    SourceFrames,
    SourceResult,
    registered,
)
from roster.store import import_roster_file

CYCLE = "2026-Q4"


def add_evidence(home) -> None:
    """Theory and supervisor evidence of three technical support staff (roster_small.csv)."""
    with home.transaction() as s:
        cycle = open_cycle(s, CYCLE)
        b = new_batch(s, cycle.id, "theory", "exam-1", "trainer")
        s.add_all(Evidence(batch_id=b.id, cycle_id=cycle.id, source="theory", employee_id=e,
                           item="exam-1/q1", competency="knowledge", raw=raw, max_raw=10.0,
                           score=10.0 * raw) for e, raw in (("000103", 8), ("000104", 6)))
        b = new_batch(s, cycle.id, "supervisor", "review-1", "000101")
        s.add_all(Evidence(batch_id=b.id, cycle_id=cycle.id, source="supervisor", employee_id=e,
                           rater_id="000101", item="form/i1", competency="communication",
                           raw=None, max_raw=None, score=v) for e, v in (("000103", 90.0),
                                                                         ("000104", 50.0)))


# --- a sixth source, as a plug-in would write it -------------------------------------------------


class ShopperItem(BaseModel):
    id: str
    weight: float


class ShopperForm(BaseModel):  # the definition file: the visit's scored items and weights
    items: list[ShopperItem]


def parse_visits(table, form: ShopperForm, staff: set[str]) -> list[dict]:
    """Parser: a visit sheet -> evidence records; problems named by file, row and column."""
    cols, problems = map_columns(table, {"employee_id": ["工号"]}, ("employee_id",))
    items, more = item_columns(table, [(i.id, [i.id]) for i in form.items], cols)
    loc, records = Located(table, cols, items, [*problems, *more]), []
    for row, cells in table.rows:
        emp = loc.text(cells, "employee_id")
        if emp not in staff:
            loc.at(row, "employee_id", f"unknown staff id {emp!r}")
        for it in form.items:
            try:
                v = parse_number(loc.item(cells, it.id))
                if v is None or not 0 <= v <= 100:
                    raise ValueError(f"{v} is not a score from 0 to 100")
            except ValueError as exc:
                loc.at_item(row, it.id, str(exc))
                continue
            records.append(dict(source="mystery_shopper", employee_id=emp, rater_id="shopper",
                                item=it.id, competency="communication", raw=None, max_raw=None,
                                score=v, details={"weight": it.weight}))
    if loc.problems:
        raise ProblemsError(loc.problems, what=table.file)
    return records


def shopper_scores(frames: SourceFrames) -> SourceResult:
    """Pure aggregation: the weighted mean of each person's visit scores."""
    ev = frames.evidence
    w = sources.details_frame(ev)["weight"].to_numpy(dtype=float)
    f = pd.DataFrame({"employee_id": ev["employee_id"], "ws": w * ev["score"], "w": w})
    comp = f.groupby("employee_id")[["ws", "w"]].sum().reset_index()
    comp = comp.assign(component="mystery_shopper", score=comp["ws"] / comp["w"], n=1,
                       status="ok", note="")
    return SourceResult(comp[COMPONENT_COLUMNS], pd.DataFrame(columns=COMPETENCY_COLUMNS))


SHOPPER = EvidenceSource("mystery_shopper", definition="mystery_shopper.yaml",
                         parse=parse_visits, aggregate=shopper_scores)

# -------------------------------------------------------------------------------------------------


def test_is_every_source_declared_once_and_every_component_scored_by_one_source():
    """Is each source in the registry once, does every component of the engine come from exactly
    one source, and do the parts each source names exist (no side-effect registration)?"""
    names = [s.name for s in sources.SOURCES]
    assert len(names) == len(set(names)) == 10
    scored = [c for s in sources.SOURCES for c in s.scores]
    assert scored == list(sources.COMPONENTS)
    assert len(scored) == len(set(scored))
    for s in sources.SOURCES:
        assert callable(sources.resolve(s.load)) and callable(sources.resolve(s.aggregate))
        assert s.parse is None or callable(sources.resolve(s.parse))
    from graders.evidence import SOURCES as batch_sources
    assert list(batch_sources) == ["theory", "practical", "peer", "supervisor", "self", "customer",
                                   "key_behaviour"]


def test_is_an_aggregation_pure_given_frames_without_a_session():
    """Does a built-in aggregation (peer reviews) score from frames alone, applying the rules of
    its batch's definition and the roster's teams (a cross-team rating not counted)?"""
    ev = pd.DataFrame({
        "employee_id": ["a", "a", "a", "a"], "source": "peer", "rater_id": ["b", "c", "d", "x"],
        "item": "form/i1", "competency": "communication", "raw": [4.0, 4.0, 2.0, 1.0],
        "max_raw": None, "score": [75.0, 75.0, 25.0, 0.0], "details": "{}", "batch_id": 7})
    roster = pd.DataFrame({"employee_id": list("abcdx"), "team_id": [1, 1, 1, 1, 2],
                           "team": ["T1"] * 4 + ["T2"], "family": "field_service", "active": True})
    frames = SourceFrames("peer", ev, [(7, "peer", {"rules": {"min_peer_raters": 3,
                                                             "peer_same_team_only": True}})],
                          roster)
    res = sources.resolve(sources.source("peer").aggregate)(frames)
    row = res.components.set_index("employee_id").loc["a"]
    assert row["n"] == 3 and row["score"] == pytest.approx((75 + 75 + 25) / 3)
    assert "cross_team_rating" in set(res.flags["kind"])


@pytest.fixture
def shopper_home(sqlite_home, tmp_path):
    home = sqlite_home
    import_roster_file(home, DATA / "roster_small.csv")
    add_evidence(home)
    (tmp_path / "mystery_shopper.yaml").write_text(
        "items:\n  - {id: greeting, weight: 1}\n  - {id: diagnosis, weight: 3}\n", encoding="utf-8")
    return home


def test_does_a_sixth_source_added_in_one_place_reach_the_grades(shopper_home, tmp_path):
    """With a sixth source registered (definition, parser, aggregation; nothing else edited), is a
    bad visit sheet refused by file, row and column, and does a good one become a component the
    grade run weighs, changing the final score by exactly its weight?"""
    home = shopper_home
    form = load_model(tmp_path / "mystery_shopper.yaml", ShopperForm)
    bad = tmp_path / "visits_bad.csv"
    bad.write_text("工号,greeting,diagnosis\n000103,90,abc\n", encoding="utf-8")
    good = tmp_path / "visits.csv"
    good.write_text("工号,greeting,diagnosis\n000103,100,60\n000104,40,80\n", encoding="utf-8")
    schemes = load_schemes()
    with home.transaction() as s:
        before = grade_cycle(s, CYCLE, schemes, by="t", dry_run=True).result.results
    with registered(SHOPPER):
        assert "mystery_shopper" in sources.COMPONENTS
        with home.transaction() as s:
            staff = set(staff_index(s))
            with pytest.raises(ProblemsError) as err:
                parse_visits(read_table(bad), form, staff)
            p = err.value.problems[0]
            assert (p.row, p.column, p.letter) == (2, "diagnosis", "C") and "visits_bad" in p.file
            cycle = get_cycle(s, CYCLE)
            store(s, cycle, "mystery_shopper", "visits", read_table(good),
                  parse_visits(read_table(good), form, staff), "t", form.model_dump())
        ts = {**schemes, "technical_support": schemes["technical_support"].with_weights(
            {"mystery_shopper": 0.2 / 0.8 * sum(r.weight for r in
                                                schemes["technical_support"].components.values())})}
        with home.transaction() as s:
            rep = grade_cycle(s, CYCLE, ts, by="t")
    detail = rep.result.components.set_index(["employee_id", "component"])
    assert detail.loc[("000103", "mystery_shopper"), "score"] == pytest.approx((100 + 3 * 60) / 4)
    assert detail.loc[("000104", "mystery_shopper"), "score"] == pytest.approx((40 + 3 * 80) / 4)
    after = rep.result.results.set_index("employee_id")
    old = before.set_index("employee_id")
    w = detail.loc[("000103", "mystery_shopper"), "weight_used"]
    assert w > 0
    assert after.loc["000103", "final_score"] == pytest.approx(
        (1 - w) * old.loc["000103", "final_score"] + w * 70.0, abs=0.01)
    assert "mystery_shopper" not in sources.COMPONENTS  # the block's registration is undone


def test_are_customer_answers_read_by_the_database_scored_as_when_parsed_in_python(home):
    """On SQLite and on PostgreSQL: do the answers whose weight and attribution the database reads
    from `details` give exactly the responses, and the customer component exactly the scores,
    of the evidence rows parsed in Python (company items left out, a missing attribution counted
    as the person's, a whole-number weight)?"""
    from graders.sources import surveys
    from graders.sources.load import collect, current_batches, evidence_frame

    import_roster_file(home, DATA / "roster_small.csv")
    answers = [("000102", "C1", 90.0, {"weight": 0.4, "attribution": "person"}),
               ("000102", "C1", 70.0, {"weight": 0.6, "attribution": "person"}),
               ("000102", "C1", 10.0, {"weight": 1, "attribution": "company"}),
               ("000102", "C2", 55.5, {"weight": 0.3}),
               ("000103", "C3", 100.0, {"weight": 1, "attribution": "person"}),
               ("000103", "C4", 33.3, {"weight": 0.7, "attribution": "person"})]
    with home.transaction() as s:
        cycle = open_cycle(s, CYCLE)
        b = new_batch(s, cycle.id, "customer", "survey-1", "t")
        s.add_all(Evidence(batch_id=b.id, cycle_id=cycle.id, source="customer", employee_id=e,
                           rater_id=c, item=f"survey/i{i}", competency="communication", raw=None,
                           max_raw=None, score=v, details=d)
                  for i, (e, c, v, d) in enumerate(answers))
    with home.transaction() as s:
        ev = evidence_frame(s, cycle.id, "customer")
        fast = surveys.answer_responses(surveys.answer_frame(s, cycle.id))
        pd.testing.assert_frame_equal(fast, surveys.responses(ev), check_exact=True)
        assert fast.set_index(["employee_id", "rater_id"]).loc[("000102", "C1"), "satisfaction"] \
            == pytest.approx(0.4 * 90 + 0.6 * 70)
        old = surveys.aggregate(s, cycle.id, ev).components.reset_index(drop=True)
        new = collect(s, cycle.id).components
        new = new[new["component"] == "customer"].dropna(subset=["score"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(new, old, check_exact=True, check_dtype=False)
        assert len(current_batches(s, cycle.id)) == 1
