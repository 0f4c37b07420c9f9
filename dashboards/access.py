"""Who is looking, and which staff they may see.

The identity comes from the serving side: `academy serve` maps each login token to an identity
(dashboards.identity) and the Voila server hands the authenticated name to the dashboard's kernel
in one environment variable (VIEWER_ENV), overwriting anything a browser sent. Nothing here reads
a query string or a widget for identity.

Rules (enforced by every data-access function, which takes a Viewer):

* a **trainee** (any active staff member) sees their own data only;
* a **manager** (anyone with people under them in the roster) sees the staff of the teams under
  them: everyone whose supervisor chain leads to them, and every member of a team whose
  `manager_id` is them or someone under them, never anyone above them in their own chain;
* a **trainer** (`trainer:NAME`) sees exam and practical-exam quality figures, no final grades;
* an **admin** (`admin:NAME`) sees the whole company.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import AcademyError

#: the request header the server sets from the authenticated user (Voila's http_header_envs)
VIEWER_HEADER = "X-Academy-Viewer"
#: ... and the environment variable the kernel then finds it in (RFC 3875 naming)
VIEWER_ENV = "HTTP_X_ACADEMY_VIEWER"

TRAINEE, MANAGER, TRAINER, ADMIN = "trainee", "manager", "trainer", "admin"
PREFIXES = {"trainer:": TRAINER, "admin:": ADMIN}
#: hierarchy frame: one row per active staff member
HIERARCHY_COLUMNS = ["employee_id", "name", "team", "supervisor_id", "team_manager_id"]


class AccessDenied(AcademyError):
    """The viewer may not see what was asked for."""


@dataclass(frozen=True)
class Viewer:
    """An authenticated identity: a roster employee id, or `trainer:NAME` / `admin:NAME`."""

    user: str

    @property
    def kind(self) -> str:
        for prefix, kind in PREFIXES.items():
            if self.user.startswith(prefix):
                return kind
        return TRAINEE

    @property
    def employee_id(self) -> str | None:
        return None if self.kind in (TRAINER, ADMIN) else self.user


def viewer_from_env(environ: dict | None = None) -> Viewer | None:
    """The identity the server gave this kernel, or None (anonymous: show nothing)."""
    env = os.environ if environ is None else environ
    user = (env.get(VIEWER_ENV) or "").strip()
    return Viewer(user) if user else None


def subordinates(hierarchy: pd.DataFrame, boss: str) -> set[str]:
    """Everyone whose supervisor chain leads to `boss` (not `boss` themself); vectorised per level."""
    sup = hierarchy[["employee_id", "supervisor_id"]].dropna()
    found: set[str] = set()
    frontier = {boss}
    while frontier:
        nxt = set(sup.loc[sup["supervisor_id"].isin(list(frontier)), "employee_id"]) - found
        nxt.discard(boss)
        found |= nxt
        frontier = nxt
    return found


def superiors(hierarchy: pd.DataFrame, employee: str) -> set[str]:
    """Everyone above `employee` in their supervisor chain (a loop in the data ends the walk)."""
    up = dict(zip(hierarchy["employee_id"], hierarchy["supervisor_id"]))
    found: set[str] = set()
    boss = up.get(employee)
    while isinstance(boss, str) and boss and boss not in found and boss != employee:
        found.add(boss)
        boss = up.get(boss)
    return found


def managed_teams(hierarchy: pd.DataFrame, viewer: Viewer) -> list[str]:
    """Names of the teams under a viewer in the roster hierarchy (all teams for an admin)."""
    if viewer.kind == ADMIN:
        return sorted(hierarchy["team"].dropna().unique())
    if viewer.kind != TRAINEE:
        return []
    under = subordinates(hierarchy, viewer.user)
    heads = under | {viewer.user}
    by_manager = hierarchy.loc[hierarchy["team_manager_id"].isin(list(heads)), "team"]
    by_members = hierarchy.loc[hierarchy["employee_id"].isin(list(under)), "team"]
    return sorted(set(by_manager) | set(by_members))


def visible_ids(hierarchy: pd.DataFrame, viewer: Viewer | None) -> np.ndarray:
    """Employee ids whose results `viewer` may see (sorted); empty for anonymous and trainers."""
    if viewer is None or viewer.kind == TRAINER:
        return np.array([], dtype=object)
    if viewer.kind == ADMIN:
        return np.sort(hierarchy["employee_id"].to_numpy(dtype=object))
    teams = managed_teams(hierarchy, viewer)
    under = subordinates(hierarchy, viewer.user)
    mask = hierarchy["team"].isin(teams) | hierarchy["employee_id"].isin(list(under))
    mask |= hierarchy["employee_id"] == viewer.user
    # never one's own managers, even where they are listed in a team one leads (a supervisor
    # does not see the department manager's score and pay)
    mask &= ~hierarchy["employee_id"].isin(list(superiors(hierarchy, viewer.user)))
    return np.sort(hierarchy.loc[mask, "employee_id"].to_numpy(dtype=object))


def is_manager(hierarchy: pd.DataFrame, viewer: Viewer | None) -> bool:
    return viewer is not None and bool(managed_teams(hierarchy, viewer))


def require(viewer: Viewer | None, allowed: tuple[str, ...]) -> Viewer:
    """The viewer, if their kind is allowed here; AccessDenied otherwise (anonymous included)."""
    if viewer is None:
        raise AccessDenied("not signed in")
    if viewer.kind not in allowed:
        raise AccessDenied(f"{viewer.user} may not open this dashboard")
    return viewer
