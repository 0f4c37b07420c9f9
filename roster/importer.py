"""Reading and validating a roster file into records; every problem is collected, none is fatal alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from core.errors import Problem, ProblemsError
from core.settings import RoleDef
from core.tabular import (
    Table,
    map_columns,
    normalize_header,
    normalize_text,
    parse_bool,
    parse_date,
    read_table,
)
from roster.columns import REQUIRED, SYNONYMS

MAX_ID = 32


@dataclass(frozen=True)
class StaffRecord:
    """One validated roster row."""

    row: int
    employee_id: str
    name: str
    team: str
    role_code: str
    supervisor_id: str | None
    hire_date: date | None
    active: bool
    region: str | None = None
    team_manager: str | None = None


@dataclass
class ParsedRoster:
    file: str
    encoding: str
    sha256: str
    records: list[StaffRecord]
    #: the fields whose column the file has (None: all); a field without a column is not given,
    #: so importing the file leaves that field of existing people as it is
    columns: frozenset[str] | None = None


def role_lookup(roles: list[RoleDef]) -> dict[str, str]:
    """Every accepted spelling of a role (code, English, Chinese name, aliases) -> role code."""
    out: dict[str, str] = {}
    for r in roles:
        for name in (r.code, r.name_en, r.name_zh, *r.aliases):
            out[normalize_header(name)] = r.code
    return out


def parse_roster(
    table: Table, roles: list[RoleDef], known_active: set[str] | frozenset[str] = frozenset()
) -> ParsedRoster:
    """Validate a roster table. `known_active` are ids already in the roster that a partial import
    may refer to as supervisors or managers. Raises ProblemsError listing every problem."""
    cols, problems = map_columns(table, SYNONYMS, REQUIRED)
    problems = [*table.problems, *problems]
    if any(p.row == 1 for p in problems):
        raise ProblemsError(problems, what=table.file)

    roles_by_name = role_lookup(roles)
    records: list[StaffRecord] = []
    first_row: dict[str, int] = {}

    def problem(row: int, fname: str, message: str) -> None:
        header, letter = cols.locate(fname)
        problems.append(Problem(table.file, row, header, message, letter))

    def cell(cells: list[object], fname: str) -> object:
        i = cols.index.get(fname)
        return cells[i] if i is not None else None

    for row, cells in table.rows:
        values = {f: normalize_text(cell(cells, f)) for f in SYNONYMS}
        ok = True
        for fname in REQUIRED:
            if not values[fname]:
                problem(row, fname, f"{fname.replace('_', ' ')} is empty")
                ok = False
        emp = values["employee_id"]
        if emp and len(emp) > MAX_ID:
            problem(row, "employee_id", f"employee id longer than {MAX_ID} characters")
            ok = False
        if emp:
            if emp in first_row:
                problem(row, "employee_id",
                        f"duplicate employee id {emp!r} (first on row {first_row[emp]})")
                ok = False
            else:
                first_row[emp] = row
        role_code = None
        if values["role"]:
            role_code = roles_by_name.get(normalize_header(values["role"]))
            if role_code is None:
                known = ", ".join(r.code for r in roles)
                problem(row, "role", f"unknown role {values['role']!r} (known roles: {known})")
                ok = False
        hire = None
        if values["hire_date"]:
            try:
                hire = parse_date(cell(cells, "hire_date"))
            except ValueError as exc:
                problem(row, "hire_date", str(exc))
                ok = False
        try:
            active = parse_bool(cell(cells, "active"), default=True)
        except ValueError as exc:
            problem(row, "active", str(exc))
            ok = False
        if ok:
            records.append(StaffRecord(
                row=row, employee_id=emp, name=values["name"], team=values["team"],
                role_code=role_code, supervisor_id=values["supervisor"] or None, hire_date=hire,
                active=active, region=values["region"] or None,
                team_manager=values["team_manager"] or None,
            ))

    # Ids on rows rejected for another reason still count as present: no cascade of follow-on errors.
    _check_references(records, set(first_row) | set(known_active), problem)
    if problems:
        raise ProblemsError(problems, what=table.file)
    return ParsedRoster(table.file, table.encoding, table.sha256, records, frozenset(cols.index))


def _check_references(records, known_ids, problem) -> None:
    by_id = {r.employee_id: r for r in records}
    for r in records:
        sup = r.supervisor_id
        if sup is None:
            continue
        if sup in by_id:
            if r.active and not by_id[sup].active:
                problem(r.row, "supervisor",
                        f"supervisor {sup!r} is marked inactive on row {by_id[sup].row}")
        elif sup not in known_ids:
            problem(r.row, "supervisor", f"supervisor {sup!r} is not in the roster")
    # Supervisor loops: follow each chain; a chain that comes back to a person is a loop.
    reported: set[str] = set()
    for start in records:
        chain: list[str] = []
        seen: set[str] = set()
        cur: str | None = start.employee_id
        while cur is not None and cur in by_id and cur not in seen:
            seen.add(cur)
            chain.append(cur)
            cur = by_id[cur].supervisor_id
        if cur is not None and cur in seen:
            loop = chain[chain.index(cur):]
            key = min(loop)
            if key in reported:
                continue
            reported.add(key)
            path = " -> ".join([*loop, cur])
            for emp in loop:
                problem(by_id[emp].row, "supervisor", f"supervisor loop: {path}")
    # Per-team settings must agree, and a team manager must be a person in the roster.
    team_values: dict[tuple[str, str], tuple[str, int]] = {}
    for r in records:
        for fname in ("region", "team_manager"):
            value = getattr(r, fname)
            if value is None:
                continue
            key = (r.team, fname)
            if key in team_values and team_values[key][0] != value:
                first, first_row = team_values[key]
                problem(r.row, fname, f"team {r.team!r} has {fname.replace('_', ' ')} {first!r} "
                                      f"on row {first_row}, {value!r} here")
            team_values.setdefault(key, (value, r.row))
        if r.team_manager and r.team_manager not in known_ids:
            problem(r.row, "team_manager", f"team manager {r.team_manager!r} is not in the roster")


def read_roster(
    path: Path | str, roles: list[RoleDef], known_active: set[str] | frozenset[str] = frozenset(),
    sheet: str | None = None,
) -> ParsedRoster:
    """Read and validate a roster file (CSV in UTF-8/GB18030 or .xlsx)."""
    return parse_roster(read_table(path, sheet=sheet), roles, known_active)
