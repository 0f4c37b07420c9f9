"""The database shell of recognition (graders.ladder.recognition): skill-competition results imported
from organisers' files (CSV or .xlsx, English or Chinese headers; all-or-nothing, every problem
with file, row and column), the grades' published awards, honour-board choices, and the board."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from core.cycles import Cycle
from core.errors import AcademyError, Problem, ProblemsError
from core.rows import frame as rows_frame
from core.tabular import map_columns, normalize_text, parse_date, read_table
from graders.ladder import recognition as rec
from graders.ladder import store, violations_store
from graders.ladder.models import CompetitionImport, CompetitionResult
from graders.results.models import GradeOutcome, GradePublication
from graders.results.publishing import PUBLISHED
from roster.models import Staff, Team

SYNONYMS = {
    "competition": ["contest", "event", "比赛", "竞赛", "比赛名称", "竞赛名称", "赛事"],
    "held_on": ["date", "held", "日期", "比赛日期", "举办日期"],
    "employee_id": ["staff_id", "工号", "员工编号", "参赛人工号"],
    "name": ["姓名", "参赛人", "选手"],
    "team": ["团队", "班组", "参赛队", "队伍"],
    "score": ["points", "result", "成绩", "得分", "分数"],
    "rank": ["place", "position", "名次", "排名"],
}
REQUIRED = ["competition", "held_on", "rank"]


@dataclass
class CompetitionImportResult:
    file: str
    encoding: str
    rows: int
    competitions: list[str]
    import_id: int | None = None
    replaced: list[int] = field(default_factory=list)


def _staff_teams(session: Session) -> tuple[dict[str, str], set[str]]:
    q = select(Staff.employee_id, Team.name).join(Team, Staff.team_id == Team.id)
    people = dict(session.execute(q).all())
    return people, set(session.scalars(select(Team.name)))


def import_competitions(session: Session, path: Path | str, by: str, key: str | None = None,
                        sheet: str | None = None, dry_run: bool = False) -> CompetitionImportResult:
    """Import an organiser's results: one row per entrant (a person by employee id, or a team
    entry with only the team). Refused as a whole if any row is wrong; a re-import of the same
    key (file name) supersedes the earlier one, which stays in the history."""
    path = Path(path)
    table = read_table(path, sheet)
    cols, problems = map_columns(table, SYNONYMS, REQUIRED)
    problems = list(table.problems) + problems
    if "employee_id" not in cols.index and "team" not in cols.index:
        problems.append(Problem(table.file, 1, None, "give an employee id column (工号) for "
                                "individual entries or a team column (团队) for team entries"))
    if problems:
        raise ProblemsError(problems, what=table.file)
    people, teams = _staff_teams(session)
    rows, seen = [], {}

    def cell(cells, name):
        i = cols.index.get(name)
        return normalize_text(cells[i]) if i is not None else ""

    def where(name):
        header, letter = cols.locate(name)
        return header, letter

    for rownum, cells in table.rows:
        def bad(name, msg):
            header, letter = where(name)
            problems.append(Problem(table.file, rownum, header, msg, letter))

        comp = cell(cells, "competition")
        if not comp:
            bad("competition", "the competition's name is empty")
        try:
            raw = cells[cols.index["held_on"]]
            held = parse_date(raw)
        except ValueError:
            bad("held_on", f"{normalize_text(raw)!r} is not a date (write it as YYYY-MM-DD)")
            held = None
        emp, team = cell(cells, "employee_id") or None, cell(cells, "team")
        if emp is not None and emp not in people:
            bad("employee_id", f"no staff member with employee id {emp!r}")
        if emp is None and not team:
            bad("employee_id" if "employee_id" in cols.index else "team",
                "neither an employee id nor a team: whose result is it?")
        if emp is not None and emp in people:
            if team and team != people[emp]:
                bad("team", f"{emp} is in team {people[emp]!r}, not {team!r}")
            team = people[emp]
        elif team and team not in teams:
            bad("team", f"no team named {team!r}")
        rank_text = cell(cells, "rank")
        try:
            rank = int(float(rank_text))
            if rank < 1 or float(rank_text) != rank:
                raise ValueError
        except ValueError:
            bad("rank", f"the rank must be a whole number from 1, not {rank_text!r}")
            rank = None
        score_text = cell(cells, "score")
        score = None
        if score_text:
            try:
                score = float(score_text)
            except ValueError:
                bad("score", f"the score must be a number, not {score_text!r}")
        k = (comp, emp or f"team:{team}")
        if comp and k in seen:
            bad("employee_id" if emp else "team",
                f"a second result for the same entrant in {comp!r} (first on row {seen[k]})")
        seen.setdefault(k, rownum)
        rows.append({"competition": comp, "held_on": held, "employee_id": emp, "team": team,
                     "score": score, "rank": rank})
    if not rows:
        problems.append(Problem(table.file, None, None, "the file has no results"))
    if problems:
        raise ProblemsError(problems, what=table.file)
    key = key or path.name
    result = CompetitionImportResult(table.file, table.encoding, len(rows),
                                     sorted({r["competition"] for r in rows}))
    if dry_run:
        return result
    old = list(session.scalars(select(CompetitionImport.id).where(
        CompetitionImport.key == key, CompetitionImport.superseded_by.is_(None))))
    imp = CompetitionImport(key=key, file_name=path.name, sha256=table.sha256,
                            encoding=table.encoding, imported_by=by, rows=len(rows))
    session.add(imp)
    session.flush()
    session.execute(insert(CompetitionResult), [{**r, "import_id": imp.id} for r in rows])
    if old:
        session.execute(update(CompetitionImport).where(CompetitionImport.id.in_(old))
                        .values(superseded_by=imp.id))
    result.import_id, result.replaced = imp.id, old
    return result


def competitions_frame(session: Session) -> pd.DataFrame:
    """Current (not superseded) competition results: graders.ladder.recognition COMPETITION_COLUMNS."""
    q = (select(*[getattr(CompetitionResult, c) for c in rec.COMPETITION_COLUMNS])
         .join(CompetitionImport, CompetitionImport.id == CompetitionResult.import_id)
         .where(CompetitionImport.superseded_by.is_(None))
         .order_by(CompetitionResult.held_on, CompetitionResult.competition,
                   CompetitionResult.rank))
    return rows_frame(session.execute(q), rec.COMPETITION_COLUMNS)


def grade_awards_frame(session: Session) -> pd.DataFrame:
    """Individual and team awards of every published cycle: GRADE_AWARD_COLUMNS."""
    q = (select(Cycle.name, GradeOutcome.kind, GradeOutcome.employee_id, GradeOutcome.team,
                GradeOutcome.score, GradeOutcome.rank)
         .join(GradePublication, GradePublication.run_id == GradeOutcome.run_id)
         .join(Cycle, Cycle.id == GradePublication.cycle_id)
         .where(GradePublication.state == PUBLISHED,
                GradeOutcome.kind.in_(["individual_award", "team_award"]))
         .order_by(Cycle.opens_on, GradeOutcome.kind, GradeOutcome.rank))
    return rows_frame(session.execute(q), rec.GRADE_AWARD_COLUMNS)


def opted_out(session: Session) -> set[str]:
    return rec.opted_out(store.events(session, rec.HONOUR))


def set_honour_choice(session: Session, employee_id: str, show: bool, by: str,
                      reason: str | None = None) -> None:
    """Opt a person out of (or back onto) the honour board: only they, or an admin, may."""
    store.lock(session, rec.HONOUR)
    store.active_person(session, employee_id)
    if by != employee_id and not by.startswith("admin:"):
        raise AcademyError(f"only {employee_id} themself (or an admin:NAME) may change whether "
                           f"they appear on the honour board, not {by}")
    store.append(session, rec.HONOUR, employee_id, employee_id, rec.OPT_IN if show else rec.OPT_OUT,
                 {}, by, reason or ("back on the honour board" if show
                                    else "stays off the honour board"))


def load(session: Session, cfg: rec.RecognitionConfig, as_of: date | None = None
         ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every recognition with amount or prize, the honour board as it may be shown)."""
    r = rec.recognitions(grade_awards_frame(session), competitions_frame(session),
                         violations_store.standing(session, as_of or date.today()), cfg)
    return r, rec.honour_board(r, opted_out(session))
