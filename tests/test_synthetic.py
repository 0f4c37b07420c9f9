"""The synthetic demo company."""

from academy.synthetic.company import make_company


def test_does_the_same_seed_give_the_same_company():
    """Is the demo company reproducible from its seed, and different for another seed?"""
    assert make_company(120, 7) == make_company(120, 7)
    assert make_company(120, 7) != make_company(120, 8)


def test_is_the_demo_company_believable():
    """Does the default company have 8 teams over both families, a supervisor per team, mostly Chinese names?"""
    people = make_company(120)
    assert len(people) == 120 and len({p.employee_id for p in people}) == 120
    teams = {p.team for p in people}
    assert len(teams) == 8
    assert sum(p.role == "manager" for p in people) == 2
    sups = {p.team: p.employee_id for p in people if p.role == "supervisor"}
    assert set(sups) == teams
    staff = [p for p in people if p.role not in ("manager", "supervisor")]
    assert all(p.supervisor == sups[p.team] for p in staff)
    assert {p.role for p in staff} >= {"field_service", "technical_support", "hotline_support"}
    chinese = sum(any("\u4e00" <= ch <= "\u9fff" for ch in p.name) for p in people)
    assert 0.5 < chinese / len(people) < 0.85
    assert all(p.employee_id.startswith("00") for p in people)
