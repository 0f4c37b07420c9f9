"""Dashboard data of supervisors' and managers' grades: their team figures, and goals and
one-to-ones, filtered by who is looking (never computed from anything but stored data).

* Team figures of a head: visible to whoever may see the head's results (dashboards.access).
* Goals and one-to-ones: visible to the person and the managers above them in the roster only
  (graders.managers.goals.visible_to), and to an admin; a team manager outside the chain sees none.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy.orm import Session

from core.cycles import get_cycle
from dashboards.access import ADMIN, AccessDenied, Viewer
from dashboards.data import Company, visible
from graders.managers import goals
from graders.managers.store import team_figures as figures
from graders.sources.operations import cycle_months


def _cycle(company: Company, cycle: str):

    with Session(company.home.engine) as s:
        c = get_cycle(s, cycle)
        if c is not None:
            s.expunge(c)
    if c is None:
        raise LookupError(f"no cycle {cycle}")
    return c


def team_figures(company: Company, viewer: Viewer | None, cycle: str, head: str,
                 targets: dict[str, float] | None = None) -> pd.DataFrame:
    """graders.managers.grading FIGURE_COLUMNS of one supervisor or manager in a cycle (cached)."""

    if viewer is None or head not in set(visible(company, viewer)):
        raise AccessDenied(f"{head} is not visible to you")
    key = ("team_figures", cycle)
    if key not in company._inputs:
        with Session(company.home.engine) as s:
            company._inputs[key] = figures(s, _cycle(company, cycle), targets)
    fig = company._inputs[key]
    return fig[fig["head_id"] == head].reset_index(drop=True)


def goals_and_talks(company: Company, viewer: Viewer | None, cycle: str,
                    employee_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(goals, one-to-ones) of one person in the cycle's months, for them and their managers."""

    if viewer is None:
        raise AccessDenied("not signed in")
    with Session(company.home.engine) as s:
        scope = None if viewer.kind == ADMIN else goals.visible_to(s, viewer.user)
        if scope is not None and employee_id not in scope:
            raise AccessDenied(f"the goals of {employee_id} are not visible to you")
        months = cycle_months(_cycle(company, cycle))
        g = goals.goals_frame(s, months, {employee_id})
        talks = goals.one_to_ones_frame(s, months)
    talks = talks[(talks["employee_id"] == employee_id) | (talks["manager_id"] == employee_id)]
    if scope is not None:  # a head's own talks with their staff: only those the viewer may see
        talks = talks[talks["employee_id"].isin(scope)]
    return g, talks.reset_index(drop=True)
