"""Customer churn per team and month (optional): how many customers a team served at the start of
a month and how many of them were lost. Imported from a CRM's export; when present, the
management scheme's `churn` indicator grades the team's heads on it (graders.managers.grading).

All-or-nothing; a team and month imported again replaces the earlier figures."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.errors import ProblemsError
from core.tabular import map_columns, read_table
from graders.importing import Located, parse_number
from graders.managers.goal_models import CustomerChurn
from graders.managers.goals import parse_month
from roster.models import Team

SYNONYMS = {
    "team": ["团队", "班组", "服务团队", "team_name"],
    "month": ["月份", "period"],
    "customers": ["客户数", "期初客户数", "customers_at_start", "active customers"],
    "lost": ["流失客户数", "流失数", "churned", "customers lost", "lost customers"],
}


def import_churn(session: Session, path: Path | str, by: str, sheet: str | None = None) -> int:
    table = read_table(path, sheet=sheet)
    cols, problems = map_columns(table, SYNONYMS, ("team", "month", "customers", "lost"))
    loc = Located(table, cols, problems=[*table.problems, *problems])
    if loc.problems:
        raise ProblemsError(loc.problems, what=table.file)
    teams = set(session.scalars(select(Team.name)))
    rows: dict[tuple[str, str], tuple[int, int]] = {}
    for row, cells in table.rows:
        team = loc.text(cells, "team")
        if team not in teams:
            loc.at(row, "team", f"unknown team {team!r}")
        try:
            month = parse_month(loc.cell(cells, "month"))
        except ValueError as exc:
            loc.at(row, "month", str(exc))
            month = None
        counts = {}
        for f in ("customers", "lost"):
            try:
                v = parse_number(loc.cell(cells, f))
            except ValueError as exc:
                loc.at(row, f, str(exc))
                continue
            if v is None or v < 0 or v != int(v):
                loc.at(row, f, f"{f} must be a whole number of at least 0")
                continue
            counts[f] = int(v)
        if len(counts) == 2 and counts["lost"] > counts["customers"]:
            loc.at(row, "lost", f"{counts['lost']} lost of only {counts['customers']} customers")
            continue
        if team in teams and month and len(counts) == 2:
            if (team, month) in rows:
                loc.at(row, "month", f"{team} {month} appears twice")
            rows[(team, month)] = (counts["customers"], counts["lost"])
    if loc.problems:
        raise ProblemsError(loc.problems, what=table.file)
    now = utcnow()
    for (team, month), (customers, lost) in rows.items():
        session.execute(delete(CustomerChurn).where(CustomerChurn.team == team,
                                                    CustomerChurn.month == month))
        session.add(CustomerChurn(team=team, month=month, customers=customers, lost=lost,
                                  file_name=Path(path).name, imported_by=by, imported_at=now))
    session.flush()
    return len(rows)
