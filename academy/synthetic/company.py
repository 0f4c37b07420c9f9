"""A believable synthetic company for the demo and for tests: same seed, same company."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

TEAM_PLAN = [
    # (team name, region, family)
    ("Hotline Shanghai", "East", "technical_support"),
    ("Support Centre Beijing", "North", "technical_support"),
    ("Parts & Warehouse Suzhou", "East", "technical_support"),
    ("Remote Support Guangzhou", "South", "technical_support"),
    ("Field Service East", "East", "field_service"),
    ("Field Service North", "North", "field_service"),
    ("Field Service South", "South", "field_service"),
    ("Field Service West", "West", "field_service"),
]

_TECH_ROLES = ["technical_support", "technical_support", "hotline_support", "hotline_support",
               "parts_clerk"]

ROSTER_HEADERS = ["工号", "姓名", "团队", "岗位", "上级", "入职日期", "在职", "区域", "团队经理"]


@dataclass(frozen=True)
class Person:
    employee_id: str
    name: str
    team: str
    role: str
    supervisor: str | None
    hire_date: date
    region: str
    team_manager: str


def more_teams(n_teams: int) -> list[tuple[str, str, str]]:
    """`n_teams` teams (more than TEAM_PLAN holds), half of each family: TEAM_PLAN's teams, then
    numbered branches of them ("Hotline Shanghai 2"), each branch led by its own supervisor."""
    half = n_teams // 2
    out = []
    for family_plan in (TEAM_PLAN[:4], TEAM_PLAN[4:]):
        for i in range(half):
            team, region, family = family_plan[i % 4]
            out.append((team if i < 4 else f"{team} {i // 4 + 1}", region, family))
    return out


def make_company(staff: int = 120, seed: int = 2026, teams: int | None = None,
                 today: date = date(2026, 11, 1)) -> list[Person]:
    """`staff` people in up to 8 teams across both role families: two department managers (one per
    family), a supervisor per team, engineers and support staff below them. About two names in
    three are Chinese. Employee ids are six digits with leading zeros."""
    from faker import Faker

    if staff < 4:
        raise ValueError("a demo company needs at least 4 staff")
    n_teams = teams or max(2, min(len(TEAM_PLAN), (staff - 2) // 12))
    n_teams -= n_teams % 2  # both families, equally many teams
    plan = [TEAM_PLAN[i] for i in range(4)][: n_teams // 2] + \
           [TEAM_PLAN[4 + i] for i in range(4)][: n_teams // 2]
    if n_teams > len(TEAM_PLAN):
        plan = more_teams(n_teams)
    rng = random.Random(seed)
    zh, en = Faker("zh_CN"), Faker("en_US")
    zh.seed_instance(seed)
    en.seed_instance(seed + 1)
    used: set[str] = set()

    def name() -> str:
        while True:
            n = zh.name() if rng.random() < 0.67 else en.name()
            if n not in used:
                used.add(n)
                return n

    def hired(years: float) -> date:
        return today - timedelta(days=rng.randint(60, int(365 * years)))

    ids = iter(f"{n:06d}" for n in range(1001, 1001 + staff))
    people: list[Person] = []
    managers = {}
    for family in ("technical_support", "field_service"):
        first_team = next(t for t in plan if t[2] == family)
        emp = next(ids)
        managers[family] = emp
        people.append(Person(emp, name(), first_team[0], "manager", None, hired(15), first_team[1],
                             emp))
    supervisors = {}
    for team, region, family in plan:
        emp = next(ids)
        supervisors[team] = emp
        people.append(Person(emp, name(), team, "supervisor", managers[family], hired(10), region,
                             managers[family]))
    rest = staff - len(people)
    for i in range(rest):
        team, region, family = plan[i % len(plan)]
        role = rng.choice(_TECH_ROLES) if family == "technical_support" else "field_service"
        people.append(Person(next(ids), name(), team, role, supervisors[team], hired(8), region,
                             managers[family]))
    return people


def roster_rows(people: list[Person]) -> list[list[str]]:
    """Rows under ROSTER_HEADERS, as an HR export would give them."""
    return [[p.employee_id, p.name, p.team, p.role, p.supervisor or "", p.hire_date.isoformat(),
             "在职", p.region, p.team_manager] for p in people]


def write_roster_csv(people: list[Person], path, encoding: str = "utf-8-sig") -> None:
    import csv

    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(ROSTER_HEADERS)
        w.writerows(roster_rows(people))
