"""Question banks: what trainers author (YAML or an Excel sheet), validated into typed questions.

A bank holds the answer keys, so it stays on the trainer side (`course/banks/`); only its public
part (stems, options in a key-independent order, points) is released, see `public.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from core import yamlio
from core.competencies import CODES
from core.errors import AcademyError, Problem, ProblemsError
from core.tabular import map_columns, read_table
from core.yamlio import read_utf8
from graders.exam.question_types import find_type, question_type, type_names

PARTIAL_RULES = ("all_or_nothing", "per_option", "right_minus_wrong")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
QID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,30}$")


@dataclass
class Question:
    id: str
    type: str
    stem: str
    points: float
    competency: str
    options: list[str] = field(default_factory=list)
    #: single: {bank index}; multiple: set of bank indexes (0-based)
    key_options: frozenset[int] = frozenset()
    key_bool: bool | None = None
    key_number: float | None = None
    tolerance: float = 0.0
    tolerance_relative: bool = False
    unit: str = ""
    accepted: list[str] = field(default_factory=list)
    mark_scheme: str = ""
    explanation: str = ""
    pool: str | None = None
    partial: str = "per_option"
    #: the key of a type whose key fits none of the fields above
    answer_key: Any = None

    @property
    def kind(self):
        """The question's type (graders.exam.question_types)."""
        return question_type(self.type)

    @property
    def manual(self) -> bool:
        return self.kind.manual


@dataclass
class LatePenalty:
    percent_per_day: float = 0.0
    max_percent: float = 100.0


@dataclass
class Bank:
    name: str
    title: str
    language: str
    intro: str
    questions: list[Question]
    pools: dict[str, int]
    late_penalty: LatePenalty
    source: str = ""

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)

    @property
    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}


# --- parsing one question ------------------------------------------------------------------------


def parse_question(raw: dict, locate) -> tuple[Question | None, list[Problem]]:
    """One question from a mapping; `locate(field)` gives (row_or_line, column) for problems."""
    problems: list[Problem] = []

    def bad(fld: str, msg: str) -> None:
        problems.append(locate(fld, msg))

    def text(fld: str, required: bool = False) -> str:
        v = raw.get(fld)
        s = "" if v is None else str(v).strip()
        if required and not s:
            bad(fld, f"{fld} is empty")
        return s

    qid = text("id", True)
    if qid and not QID_RE.match(qid):
        bad("id", f"id {qid!r} must start with a letter and hold only letters, digits and _")
    qtype_raw = text("type", True)
    kind = find_type(qtype_raw)
    qtype = kind.name if kind else None
    if qtype_raw and qtype is None:
        bad("type", f"unknown question type {qtype_raw!r} (use one of: {', '.join(type_names())})")
    stem = text("stem", True)
    comp = text("competency", True)
    if comp and comp not in CODES:
        bad("competency", f"unknown competency {comp!r} (use one of: {', '.join(CODES)})")
    points = 0.0
    try:
        points = float(raw.get("points", 1) if raw.get("points") not in (None, "") else 1)
        if not points > 0:
            raise ValueError
    except (TypeError, ValueError):
        bad("points", f"points {raw.get('points')!r} must be a number above 0")
    q = Question(id=qid, type=qtype or "", stem=stem, points=points, competency=comp,
                 explanation=text("explanation"), unit=text("unit"),
                 pool=text("pool") or None)
    partial = text("partial") or "per_option"
    if partial not in PARTIAL_RULES:
        bad("partial", f"unknown partial-credit rule {partial!r} (use one of: {', '.join(PARTIAL_RULES)})")
    q.partial = partial
    if kind:
        kind.parse(q, raw, bad)
    return (None if problems else q), problems


# --- whole banks ---------------------------------------------------------------------------------


def _yaml_lines(text: str) -> dict:
    """Line numbers of the YAML: {('exam', field): line, (index, field): line, (index,): line}."""
    lines: dict = {}
    try:
        root = yamlio.compose(text)
    except yaml.YAMLError:
        return lines
    if not isinstance(root, yaml.MappingNode):
        return lines
    for k, v in root.value:
        lines[("exam", k.value)] = k.start_mark.line + 1
        if k.value == "questions" and isinstance(v, yaml.SequenceNode):
            for i, item in enumerate(v.value):
                lines[(i,)] = item.start_mark.line + 1
                if isinstance(item, yaml.MappingNode):
                    for qk, _ in item.value:
                        lines[(i, qk.value)] = qk.start_mark.line + 1
    return lines


def _exam_settings(data: dict, file: str, locate_exam) -> tuple[dict, list[Problem]]:
    problems: list[Problem] = []
    name = str(data.get("name") or "").strip()
    if not NAME_RE.match(name):
        problems.append(locate_exam("name", f"exam name {name!r} must be lower-case letters, "
                                            "digits, - or _ (it names the nbgrader assignment)"))
    language = str(data.get("language") or "en").strip()
    if language not in ("en", "zh"):
        problems.append(locate_exam("language", f"language {language!r} must be en or zh"))
    pools: dict[str, int] = {}
    for k, v in (data.get("pools") or {}).items():
        try:
            pools[str(k)] = int(v)
            if pools[str(k)] < 1:
                raise ValueError
        except (TypeError, ValueError):
            problems.append(locate_exam("pools", f"pool {k!r}: draw count {v!r} must be a whole number >= 1"))
    lp = data.get("late_penalty") or {}
    late = LatePenalty()
    try:
        late = LatePenalty(float(lp.get("percent_per_day", 0) or 0), float(lp.get("max_percent", 100)))
    except (TypeError, ValueError, AttributeError):
        problems.append(locate_exam("late_penalty", "late_penalty needs numbers percent_per_day and max_percent"))
    return {"name": name, "title": str(data.get("title") or name), "language": language,
            "intro": str(data.get("intro") or ""), "pools": pools, "late_penalty": late}, problems


def _check_bank(bank: Bank, file: str) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    for q in bank.questions:
        if q.id in seen:
            problems.append(Problem(file, None, "id", f"question id {q.id!r} is used twice", unit="line"))
        seen.add(q.id)
    for pool, n in bank.pools.items():
        members = [q for q in bank.questions if q.pool == pool]
        if len(members) < n:
            problems.append(Problem(file, None, "pools", f"pool {pool!r} draws {n} questions but "
                                    f"holds {len(members)}", unit="line"))
        if len({q.points for q in members}) > 1:
            problems.append(Problem(file, None, "pools", f"the questions of pool {pool!r} must "
                                    "all have the same points", unit="line"))
    for q in bank.questions:
        if q.pool and q.pool not in bank.pools:
            problems.append(Problem(file, None, "pool", f"question {q.id}: pool {q.pool!r} is not "
                                    "listed under pools", unit="line"))
    if not bank.questions:
        problems.append(Problem(file, None, "questions", "the bank holds no questions", unit="line"))
    return problems


def load_bank_yaml(path: Path) -> Bank:

    file = path.name
    text = read_utf8(path)
    try:
        data = yamlio.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ProblemsError([Problem(file, mark.line + 1 if mark else None, None,
                                     f"not valid YAML: {getattr(exc, 'problem', exc)}", unit="line")],
                            "question bank")
    if not isinstance(data, dict):
        raise ProblemsError([Problem(file, 1, None, "a bank is a mapping with name, title and "
                                     "questions", unit="line")], "question bank")
    lines = _yaml_lines(text)
    problems: list[Problem] = []
    settings, ps = _exam_settings(data, file, lambda f, m: Problem(file, lines.get(("exam", f)), f, m,
                                                                   unit="line"))
    problems += ps
    questions = []
    raw_qs = data.get("questions") or []
    if not isinstance(raw_qs, list):
        problems.append(Problem(file, lines.get(("exam", "questions")), "questions",
                                "questions must be a list", unit="line"))
        raw_qs = []
    for i, raw in enumerate(raw_qs):
        if not isinstance(raw, dict):
            problems.append(Problem(file, lines.get((i,)), "questions", "a question is a mapping "
                                    "(id, type, stem, ...)", unit="line"))
            continue

        def locate(fld, msg, i=i):
            return Problem(file, lines.get((i, fld), lines.get((i,))), f"questions[{i + 1}].{fld}",
                           msg, unit="line")

        q, ps = parse_question(raw, locate)
        problems += ps
        if q:
            questions.append(q)
    if problems:
        raise ProblemsError(problems, "question bank")
    bank = Bank(questions=questions, source=str(path), **settings)
    problems = _check_bank(bank, file)
    if problems:
        raise ProblemsError(problems, "question bank")
    return bank


XLSX_COLUMNS = {
    "id": ["question_id", "题号", "编号"],
    "type": ["题型", "类型"],
    "stem": ["question", "题目", "题干"],
    "options": ["选项"],
    "key": ["answer", "答案", "正确答案"],
    "points": ["分值", "score"],
    "competency": ["能力", "能力项"],
    "explanation": ["解析", "说明"],
    "tolerance": ["误差", "容差"],
    "unit": ["单位"],
    "accepted": ["accepted_answers", "可接受答案"],
    "mark_scheme": ["评分标准", "marking"],
    "pool": ["题组", "题库组"],
    "partial": ["partial_credit", "部分得分"],
}


def load_bank_xlsx(path: Path) -> Bank:
    """An Excel bank: sheet `questions` (the columns of XLSX_COLUMNS) and sheet `exam` with a header
    row `field | value` and rows name, title, language, intro, pool.<name> (draw count),
    late_penalty.percent_per_day, late_penalty.max_percent."""

    qt = read_table(path, sheet="questions")
    cols, problems = map_columns(qt, XLSX_COLUMNS, ["id", "type", "stem", "competency"])
    problems = list(qt.problems) + problems
    et = read_table(path, sheet="exam")
    exam: dict[str, Any] = {}
    exam_rows: dict[str, int] = {}
    for rownum, row in et.rows:
        if row and row[0] not in (None, ""):
            k = str(row[0]).strip()
            exam[k] = row[1] if len(row) > 1 else None
            exam_rows[k] = rownum
    pools: dict[str, Any] = {}
    for k in list(exam):
        if k.startswith("pool."):
            pools[k[5:]] = exam.pop(k)
    exam["pools"] = pools
    lp = {}
    for k in ("percent_per_day", "max_percent"):
        if f"late_penalty.{k}" in exam:
            lp[k] = exam.pop(f"late_penalty.{k}")
    exam["late_penalty"] = lp
    settings, ps = _exam_settings(exam, path.name, lambda f, m: Problem(
        f"{path.name} [exam]", exam_rows.get(f), "value", m))
    problems += ps
    questions = []
    if not any(p.column and p.row == 1 for p in problems):
        for rownum, row in qt.rows:
            raw = {f: (row[i] if i < len(row) else None) for f, i in cols.index.items()}
            if all(v in (None, "") for v in raw.values()):
                continue

            def locate(fld, msg, rownum=rownum):
                header, letter = cols.locate(fld)
                return Problem(f"{path.name} [questions]", rownum, header or fld, msg, letter)

            q, ps = parse_question(raw, locate)
            problems += ps
            if q:
                questions.append(q)
    if problems:
        raise ProblemsError(problems, "question bank")
    bank = Bank(questions=questions, source=str(path), **settings)
    problems = _check_bank(bank, path.name)
    if problems:
        raise ProblemsError(problems, "question bank")
    return bank


def load_bank(path: Path | str) -> Bank:
    """A bank from a YAML file (.yaml/.yml) or an Excel workbook (.xlsx)."""
    path = Path(path)
    if not path.is_file():
        raise AcademyError(f"{path}: no such question bank file")
    if path.suffix.lower() in (".yaml", ".yml"):
        return load_bank_yaml(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return load_bank_xlsx(path)
    raise AcademyError(f"{path.name}: a question bank is a .yaml or .xlsx file")
