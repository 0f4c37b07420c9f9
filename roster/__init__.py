"""The staff roster: people, teams, roles and supervisors; import, validation and storage."""

from roster.importer import ParsedRoster, StaffRecord, parse_roster, read_roster
from roster.models import Role, RosterChange, RosterImport, Staff, Team
from roster.store import (
    ImportReport,
    StaffRow,
    apply_roster,
    history,
    import_roster_file,
    list_staff,
    sync_roles,
    team_names,
)

__all__ = [
    "ImportReport",
    "ParsedRoster",
    "Role",
    "RosterChange",
    "RosterImport",
    "Staff",
    "StaffRecord",
    "StaffRow",
    "Team",
    "apply_roster",
    "history",
    "import_roster_file",
    "list_staff",
    "parse_roster",
    "read_roster",
    "sync_roles",
    "team_names",
]
