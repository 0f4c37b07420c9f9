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

from academy import yamlio
from academy.errors import AcademyError, Problem, ProblemsError
from academy.option_checks import fragments
from graders.competencies import CODES

TYPES = ("single", "multiple", "true_false", "numeric", "short_text", "free_text")
CHOICE_TYPES = ("single", "multiple")
TYPE_SYNONYMS = {
    "single": "single", "single_choice": "single", "单选": "single", "单选题": "single",
    "multiple": "multiple", "multiple_choice": "multiple", "多选": "multiple", "多选题": "multiple",
    "true_false": "true_false", "truefalse": "true_false", "tf": "true_false", "判断": "true_false",
    "判断题": "true_false",
    "numeric": "numeric", "number": "numeric", "数值": "numeric", "计算": "numeric", "计算题": "numeric",
    "short_text": "short_text", "short": "short_text", "填空": "short_text", "填空题": "short_text",
    "free_text": "free_text", "essay": "free_text", "简答": "free_text", "简答题": "free_text",
}
PARTIAL_RULES = ("all_or_nothing", "per_option", "right_minus_wrong")
TRUE_WORDS = {"true", "t", "yes", "y", "1", "正确", "对", "是", "√"}
FALSE_WORDS = {"false", "f", "no", "n", "0", "错误", "错", "否", "×"}
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

    @property
    def manual(self) -> bool:
        return self.type == "free_text"


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


def _letters_to_indexes(value: Any, n: int) -> list[int]:
    """'B' -> [1]; 'A, C' / ['A','C'] / [1, 3] (1-based numbers) -> [0, 2]."""
    items: list[Any]
    if isinstance(value, (list, tuple)):
        items = list(value)
    else:
        items = [p for p in re.split(r"[,，、;；\s]+", str(value).strip()) if p]
    out = []
    for item in items:
        s = str(item).strip().upper()
        if len(s) == 1 and "A" <= s <= "Z":
            i = ord(s) - ord("A")
        elif s.isdigit():
            i = int(s) - 1
        else:
            raise ValueError(f"key {item!r} is not an option letter (A, B, ...) or number (1, 2, ...)")
        if not 0 <= i < n:
            raise ValueError(f"key {item!r} names no option (there are {n})")
        out.append(i)
    if not out:
        raise ValueError("the key is empty")
    return out


def _split_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [p.strip() for p in re.split(r"\n|\|", str(value)) if p.strip()]


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
    qtype = TYPE_SYNONYMS.get(qtype_raw.lower().replace(" ", "_").replace("-", "_"))
    if qtype_raw and qtype is None:
        bad("type", f"unknown question type {qtype_raw!r} (use one of: {', '.join(TYPES)})")
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
    q = Question(id=qid, type=qtype or "single", stem=stem, points=points, competency=comp,
                 explanation=text("explanation"), unit=text("unit"),
                 pool=text("pool") or None)
    partial = text("partial") or "per_option"
    if partial not in PARTIAL_RULES:
        bad("partial", f"unknown partial-credit rule {partial!r} (use one of: {', '.join(PARTIAL_RULES)})")
    q.partial = partial
    key = raw.get("key")
    key_empty = key is None or (isinstance(key, str) and not key.strip())
    if qtype in CHOICE_TYPES:
        q.options = _split_list(raw.get("options"))
        if len(q.options) < 2:
            bad("options", "a choice question needs at least two options")
        elif len(set(q.options)) != len(q.options):
            bad("options", "two options have the same text")
        elif fragments(q.options):
            bad("options", fragments(q.options))
        elif key_empty:
            bad("key", "the key is empty (give the letter of the correct option, e.g. B)")
        else:
            try:
                idx = _letters_to_indexes(key, len(q.options))
                if qtype == "single" and len(idx) != 1:
                    raise ValueError("a single-choice question has exactly one correct option")
                q.key_options = frozenset(idx)
            except ValueError as exc:
                bad("key", str(exc))
    elif qtype == "true_false":
        s = str(key).strip().lower() if not key_empty else ""
        if isinstance(key, bool):
            q.key_bool = key
        elif s in TRUE_WORDS:
            q.key_bool = True
        elif s in FALSE_WORDS:
            q.key_bool = False
        else:
            bad("key", f"key {key!r} is not true or false (true/false, T/F, 正确/错误)")
    elif qtype == "numeric":
        try:
            q.key_number = float(str(key).strip().rstrip("%"))
        except (TypeError, ValueError):
            bad("key", f"key {key!r} is not a number")
        tol = raw.get("tolerance")
        if tol not in (None, ""):
            s = str(tol).strip()
            try:
                q.tolerance = float(s.rstrip("%"))
                q.tolerance_relative = s.endswith("%")
                if q.tolerance < 0:
                    raise ValueError
            except ValueError:
                bad("tolerance", f"tolerance {tol!r} must be a number >= 0, or a percentage like 2%")
    elif qtype == "short_text":
        q.accepted = _split_list(raw.get("accepted")) + ([] if key_empty else _split_list(key))
        if not q.accepted:
            bad("accepted", "a short-text question needs at least one accepted answer")
    elif qtype == "free_text":
        q.mark_scheme = text("mark_scheme", True)
        if q.pool:
            bad("pool", "free-text questions cannot be drawn from a pool")
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
    from academy.yamlio import read_utf8

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
    from academy.tabular import map_columns, read_table

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
