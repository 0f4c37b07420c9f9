"""What every evidence import shares: the target cycle, known staff, item columns, the batch.

Imports are all-or-nothing: a file is read and checked completely, every problem is collected
with file, row and column, and only a clean file is written, in one transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.cycles import OPEN, Cycle, current_cycle, get_cycle
from core.errors import AcademyError, Problem
from core.tabular import ColumnMap, Table, column_letter, normalize_header, normalize_text
from graders.evidence import Evidence, EvidenceBatch, new_batch
from graders.results.publishing import assert_cycle_writable
from graders.sources.survey_exports import header_candidates, is_meta
from roster.models import Staff


def target_cycle(session: Session, name: str | None) -> Cycle:
    """The named cycle, else the current open one; it must be open, and its grades unpublished."""
    cycle = get_cycle(session, name) if name else current_cycle(session)
    if cycle is None:
        raise AcademyError("no open assessment cycle: open one with `academy cycle open 2026-Q4`")
    if cycle.status != OPEN:
        raise AcademyError(f"cycle {cycle.name} is {cycle.status}: evidence can only be added to an "
                           "open cycle")

    assert_cycle_writable(session, cycle.id)
    return cycle


def staff_index(session: Session) -> dict[str, Staff]:
    return {s.employee_id: s for s in session.scalars(select(Staff))}


_NUMBERING = re.compile(r"^(q?\d+[._:)]?\s*)", re.IGNORECASE)


def item_columns(table: Table, items: Iterable[tuple[str, Sequence[str]]],
                 taken: ColumnMap) -> tuple[dict[str, int], list[Problem]]:
    """Columns holding per-item answers, matched by item id or its English/Chinese text.

    Survey tools number their questions ("3. Courtesy", "Q3 Courtesy", "3、", "第3题") and write a
    matrix question's rows after its stem ("5、(服务态度)", "Please rate [Attitude]"): see
    `graders.sources.survey_exports.header_candidates`. A header that matches nothing is ignored too.
    """
    lookup: dict[str, str] = {}
    for item_id, texts in items:
        for text in (item_id, *texts):
            if text:
                lookup[normalize_header(text)] = item_id
    found: dict[str, int] = {}
    problems: list[Problem] = []
    used = set(taken.index.values())
    for i, header in enumerate(table.headers):
        if i in used or not header:
            continue
        key = normalize_header(header)
        item_id = lookup.get(key) or lookup.get(normalize_header(_NUMBERING.sub("", header)))
        if item_id is None and not is_meta(header):  # as survey tools write questions
            item_id = next((lookup[k] for k in map(normalize_header, header_candidates(header))
                            if k in lookup), None)
        if item_id is None:
            continue
        if item_id in found:
            problems.append(Problem(table.file, 1, header,
                                    f"duplicated column: {header!r} and "
                                    f"{table.headers[found[item_id]]!r} both answer item {item_id}",
                                    column_letter(i)))
            continue
        found[item_id] = i
    return found, problems


def parse_number(value: object) -> float | None:
    """A number from a cell; None for an empty cell; ValueError for text that is no number."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = normalize_text(value)
    if not text:
        return None
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None


@dataclass
class Located:
    """Adds problems located at a row and a field or item column of one table."""

    table: Table
    cols: ColumnMap
    items: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: reads answers written as words (graders.sources.survey_exports.AnswerWords), if the import takes them
    words: object | None = None

    def at(self, row: int, field_name: str | None, message: str) -> None:
        if field_name is None:
            self.problems.append(Problem(self.table.file, row, None, message))
            return
        header, letter = self.cols.locate(field_name)
        self.problems.append(Problem(self.table.file, row, header, message, letter))

    def at_item(self, row: int, item_id: str, message: str) -> None:
        i = self.items.get(item_id)
        header = self.table.headers[i] if i is not None else None
        self.problems.append(Problem(self.table.file, row, header, message,
                                     column_letter(i) if i is not None else None))

    def cell(self, cells: list[object], field_name: str) -> object:
        i = self.cols.index.get(field_name)
        return cells[i] if i is not None else None

    def text(self, cells: list[object], field_name: str) -> str:
        return normalize_text(self.cell(cells, field_name))

    def item(self, cells: list[object], item_id: str) -> object:
        i = self.items.get(item_id)
        return cells[i] if i is not None else None

    def answers(self, row: int, cells: list[object], form_items, scale) -> tuple[dict[str, float], bool]:
        """A row's answers to a form's items: numbers on the scale; a required item answered.
        Returns the answers and whether the row had no problem."""
        answers: dict[str, float] = {}
        ok = True
        for it in form_items:
            if it.id not in self.items:
                continue
            try:
                try:
                    v = parse_number(self.item(cells, it.id))
                except ValueError:
                    if self.words is None:
                        raise
                    v = self.words.value(it.id, self.item(cells, it.id))
            except ValueError as exc:
                self.at_item(row, it.id, str(exc))
                ok = False
                continue
            if v is None:
                if it.required:
                    self.at_item(row, it.id, f"missing required answer to {it.id!r}")
                    ok = False
            elif not scale.contains(v):
                self.at_item(row, it.id, f"answer {v:g} is outside the scale "
                                         f"{scale.min:g}-{scale.max:g}")
                ok = False
            else:
                answers[it.id] = v
        return answers, ok


@dataclass
class ImportResult:
    source: str
    file: str
    cycle: str
    batch_id: int | None
    rows: int
    evidence: int
    replaced: list[int]
    dry_run: bool = False
    extra: dict = field(default_factory=dict)


def open_batch(session: Session, cycle: Cycle, source: str, key: str, table: Table | None,
               entered_by: str, config: dict | None) -> tuple[EvidenceBatch, list[int]]:
    """A new batch (from a file, or from a form when `table` is None); earlier current batches
    with the same key are superseded."""
    before = list(session.scalars(select(EvidenceBatch.id).where(
        EvidenceBatch.cycle_id == cycle.id, EvidenceBatch.source == source,
        EvidenceBatch.key == key, EvidenceBatch.superseded_by.is_(None))))
    if table is not None:
        same = session.scalar(select(EvidenceBatch).where(
            EvidenceBatch.cycle_id == cycle.id, EvidenceBatch.source == source,
            EvidenceBatch.sha256 == table.sha256, EvidenceBatch.key != key,
            EvidenceBatch.superseded_by.is_(None)).limit(1))
        if same is not None:  # the same bytes under another name would count twice
            raise AcademyError(
                f"{table.file} is identical to {same.file_name or same.key!r}, imported already as "
                f"{same.key!r} on {same.entered_at:%Y-%m-%d %H:%M} by {same.entered_by}: nothing was "
                f"written (its scores would count twice). To replace that import with this file, "
                f"use --replaces {same.key}")
    batch = new_batch(session, cycle.id, source, key, entered_by,
                      file_name=table.file if table else None,
                      sha256=table.sha256 if table else None, config=config)
    return batch, before


def latest_config(session: Session, ev, key: str, model):
    """The `key` part of the newest batch config among the batches of `ev`, as `model` (or None)."""
    if ev is None or len(ev) == 0:
        return None
    ids = sorted({int(b) for b in ev["batch_id"]}, reverse=True)
    for bid in ids:
        batch = session.get(EvidenceBatch, bid)
        if batch is not None and batch.config and key in batch.config:
            return model.model_validate(batch.config[key])
    return None


def store(session: Session, cycle: Cycle, source: str, key: str, table: Table | None,
          records: list[dict], entered_by: str, config: dict | None,
          dry_run: bool = False) -> ImportResult:
    """Write checked evidence rows as one new batch (each row names its own source)."""
    batch, replaced = open_batch(session, cycle, source, key, table, entered_by, config)
    rows = len(table.rows) if table else 1
    batch.rows = rows
    session.add_all(Evidence(batch_id=batch.id, cycle_id=cycle.id, **rec) for rec in records)
    session.flush()
    return ImportResult(source, table.file if table else key, cycle.name,
                        None if dry_run else batch.id, rows, len(records), replaced, dry_run)
