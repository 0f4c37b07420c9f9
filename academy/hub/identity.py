"""The serving identity of a hub user: what $ACADEMY_USER and the dashboards' viewer are.

Taken only from the hub's record of the person (name and groups, set by the Authenticator from
the roster and the hub settings), never from anything the person can change.
"""

from __future__ import annotations


def identity_of(name: str, groups: list[str] | set[str], is_admin: bool = False) -> str:
    """`admin:NAME` for admins, `trainer:NAME` for trainers, else the employee id (= hub name)."""
    if is_admin or "admins" in groups:
        return f"admin:{name}"
    if "trainers" in groups:
        return f"trainer:{name}"
    return name


def is_manager(home, employee_id: str | None) -> bool:
    """Has this roster member people or teams under them?"""
    if home is None or not employee_id:
        return False
    from sqlalchemy.orm import Session

    from dashboards.access import Viewer, managed_teams
    from dashboards.data import hierarchy_frame

    with Session(home.engine) as s:
        h = hierarchy_frame(s)
    return bool(managed_teams(h, Viewer(employee_id)))
