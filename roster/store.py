"""Storing the roster: roles from the settings, imports as one transaction, listing and lookups."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from core.db import utcnow
from core.settings import RoleDef
from roster.importer import ParsedRoster
from roster.models import Role, RosterChange, RosterImport, Staff, Team

TRACKED = ("name", "team", "role_code", "supervisor_id", "hire_date", "active")


def current_user() -> str:
    """Who is acting: $ACADEMY_USER, else the operating-system login."""
    try:
        return os.environ.get("ACADEMY_USER") or getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def sync_roles(session: Session, roles: list[RoleDef]) -> None:
    """Make the roles table match the settings (roles still held by staff are never removed)."""
    existing = {r.code: r for r in session.scalars(select(Role))}
    for rd in roles:
        row = existing.get(rd.code) or Role(code=rd.code)
        row.family, row.level, row.name_en, row.name_zh = rd.family, rd.level, rd.name_en, rd.name_zh
        session.add(row)
    session.flush()


def active_ids(session: Session) -> set[str]:
    return set(session.scalars(select(Staff.employee_id).where(Staff.active.is_(True))))


@dataclass
class ImportReport:
    file: str
    full: bool
    rows: int
    added: list[str] = field(default_factory=list)
    updated: dict[str, dict[str, tuple[object, object]]] = field(default_factory=dict)
    deactivated: list[str] = field(default_factory=list)
    reactivated: list[str] = field(default_factory=list)
    teams_added: list[str] = field(default_factory=list)
    unchanged: int = 0
    import_id: int | None = None

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.deactivated or self.teams_added)


def _as_text(value: object) -> str | None:
    return None if value is None else str(value)


#: (roster field, stored attribute) left as stored when the file has no column for it; `active`
#: only in a partial import (a full import is the whole roster: everyone in it is active)
_NOT_GIVEN_KEEP = (("hire_date", "hire_date"), ("supervisor", "supervisor_id"), ("active", "active"))


def apply_roster(
    session: Session, parsed: ParsedRoster, full: bool = True, imported_by: str | None = None
) -> ImportReport:
    """Apply a validated roster: add new people, update changed ones and, for a full import,
    deactivate active people missing from the file (never delete them). Records every change."""
    report = ImportReport(parsed.file, full, len(parsed.records))
    teams = {t.name: t for t in session.scalars(select(Team))}
    staff = {s.employee_id: s for s in session.scalars(select(Staff))}
    changes: list[tuple[str, str, object, object]] = []
    now = utcnow()

    for rec in parsed.records:
        team = teams.get(rec.team)
        if team is None:
            team = Team(name=rec.team)
            session.add(team)
            teams[rec.team] = team
            report.teams_added.append(rec.team)
        if rec.region is not None:
            team.region = rec.region
        if rec.team_manager is not None:
            team.manager_id = rec.team_manager
    session.flush()
    team_names = {t.id: t.name for t in teams.values()}

    # Phase 1: people and their fields, supervisors left for phase 2 (they may be new too).
    for rec in parsed.records:
        person = staff.get(rec.employee_id)
        new = {"name": rec.name, "team": rec.team, "role_code": rec.role_code,
               "supervisor_id": rec.supervisor_id, "hire_date": rec.hire_date, "active": rec.active}
        if person is None:
            person = Staff(employee_id=rec.employee_id, name=rec.name, team_id=teams[rec.team].id,
                           role_code=rec.role_code, hire_date=rec.hire_date, active=rec.active,
                           created_at=now, updated_at=now)
            session.add(person)
            staff[rec.employee_id] = person
            report.added.append(rec.employee_id)
            changes.append((rec.employee_id, "created", None, rec.name))
            continue
        old = {"name": person.name, "team": team_names.get(person.team_id), "role_code": person.role_code,
               "supervisor_id": person.supervisor_id, "hire_date": person.hire_date,
               "active": person.active}
        for fname, key in _NOT_GIVEN_KEEP:
            if parsed.columns is not None and fname not in parsed.columns \
                    and (key != "active" or not full):
                new[key] = old[key]  # no such column in the file: not given, left as it is
        diff = {k: (old[k], new[k]) for k in TRACKED if old[k] != new[k]}
        if not diff:
            report.unchanged += 1
            continue
        report.updated[rec.employee_id] = diff
        if diff.get("active") == (False, True):
            report.reactivated.append(rec.employee_id)
        for k, (before, after) in diff.items():
            changes.append((rec.employee_id, k, before, after))
        person.name, person.team_id, person.role_code = rec.name, teams[rec.team].id, rec.role_code
        person.hire_date, person.active, person.updated_at = new["hire_date"], new["active"], now
    session.flush()
    keep_supervisor = parsed.columns is not None and "supervisor" not in parsed.columns
    added = set(report.added)
    for rec in parsed.records:
        if not (keep_supervisor and rec.employee_id not in added):
            staff[rec.employee_id].supervisor_id = rec.supervisor_id

    if full:
        in_file = {r.employee_id for r in parsed.records}
        for emp, person in sorted(staff.items()):
            if emp not in in_file and person.active:
                person.active = False
                person.updated_at = now
                report.deactivated.append(emp)
                changes.append((emp, "active", True, False))
    session.flush()

    log = RosterImport(
        file_name=parsed.file, sha256=parsed.sha256, encoding=parsed.encoding, full=full,
        imported_by=imported_by or current_user(), imported_at=now, rows=len(parsed.records),
        added=len(report.added), updated=len(report.updated), deactivated=len(report.deactivated),
    )
    session.add(log)
    session.flush()
    report.import_id = log.id
    session.add_all(
        RosterChange(import_id=log.id, employee_id=emp, field=f, before=_as_text(b), after=_as_text(a))
        for emp, f, b, a in changes
    )
    session.flush()
    return report


@dataclass(frozen=True)
class StaffRow:
    employee_id: str
    name: str
    team: str
    role_code: str
    role_en: str
    role_zh: str
    family: str
    level: str
    supervisor_id: str | None
    supervisor_name: str | None
    hire_date: object
    active: bool
    region: str | None


def list_staff(
    session: Session, team: str | None = None, include_inactive: bool = False
) -> list[StaffRow]:
    sup = aliased(Staff)
    q = (
        select(Staff, Team, Role, sup.name)
        .join(Team, Staff.team_id == Team.id)
        .join(Role, Staff.role_code == Role.code)
        .outerjoin(sup, Staff.supervisor_id == sup.employee_id)
        .order_by(Team.name, Staff.employee_id)
    )
    if team is not None:
        q = q.where(Team.name == team)
    if not include_inactive:
        q = q.where(Staff.active.is_(True))
    return [
        StaffRow(s.employee_id, s.name, t.name, r.code, r.name_en, r.name_zh, r.family, r.level,
                 s.supervisor_id, sup_name, s.hire_date, s.active, t.region)
        for s, t, r, sup_name in session.execute(q)
    ]


def team_names(session: Session) -> list[str]:
    return list(session.scalars(select(Team.name).order_by(Team.name)))


def history(session: Session, employee_id: str) -> list[tuple[RosterImport, RosterChange]]:
    q = (
        select(RosterImport, RosterChange)
        .join(RosterChange, RosterChange.import_id == RosterImport.id)
        .where(RosterChange.employee_id == employee_id)
        .order_by(RosterImport.id, RosterChange.id)
    )
    return [(i, c) for i, c in session.execute(q)]


def import_roster_file(home, path, full: bool = True, dry_run: bool = False, sheet=None) -> ImportReport:
    """Read, validate and apply a roster file to a home as one transaction (rolled back on dry run)."""
    from sqlalchemy.orm import Session as _Session

    from roster.importer import read_roster

    with _Session(home.engine) as session:
        session.begin()
        try:
            sync_roles(session, home.settings.roles)
            known = frozenset() if full else frozenset(active_ids(session))
            parsed = read_roster(path, home.settings.roles, known_active=known, sheet=sheet)
            report = apply_roster(session, parsed, full=full)
        except BaseException:
            session.rollback()
            raise
        if dry_run:
            session.rollback()
            report.import_id = None
        else:
            session.commit()
    return report
