"""`academy course check`: every course description, practice file and notebook, with every
problem located (file, and cell number for notebooks). Reads notebooks as plain JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from core.competencies import CODES
from core.errors import AcademyError, Problem, ProblemsError
from core.option_checks import fragments
from training.catalog import Course, Module, courses_dir, load_module_content, read_courses
from training.text import pick

#: the sections every module notebook has, as '## ' headings (English and Chinese spellings)
SECTIONS = {
    "learning objectives": ("learning objectives", "学习目标"),
    "worked example": ("worked example", "示例", "案例"),
    "practice": ("practice", "练习"),
    "self-check": ("self-check", "自测"),
}
DEF_OR_CLASS = re.compile(r"^\s*(async\s+def|def|class)\s", re.MULTILINE)
PRACTICE_CALL = re.compile(r"\.practice\(\s*[\"']([^\"']+)[\"']\s*\)")
TEXT_KEYS = {"question", "explanation", "title", "intro", "text", "result", "situation", "outcome",
             "feedback", "customer", "customer_name"}


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def check_notebook(path: Path, module: Module, practice_ids: list[str],
                   locale: str = "en") -> list[Problem]:
    """Problems of one module notebook: structure, calls into the package, no code, no outputs."""
    f = str(path)
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [Problem(f, None, None, "notebook is missing")]
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return [Problem(f, None, None, f"not a readable notebook: {exc}")]
    problems = []
    cells = nb.get("cells", [])
    headings, code = [], []
    for n, cell in enumerate(cells, start=1):
        src = _source(cell)
        if cell.get("cell_type") == "markdown":
            headings += [line[3:].strip().lower() for line in src.splitlines()
                         if line.startswith("## ")]
        elif cell.get("cell_type") == "code":
            code.append(src)
            if cell.get("outputs") or cell.get("execution_count"):
                problems.append(Problem(f, None, None, f"cell {n}: outputs are committed "
                                                       "(clear them before saving)"))
            if DEF_OR_CLASS.search(src):
                problems.append(Problem(f, None, None, f"cell {n}: defines a function or class; "
                                                       "course notebooks only call the training "
                                                       "package"))
    all_code = "\n".join(code)
    opener = (f'open_module("{module.course_id}", "{module.id}"'
              + (', locale="zh")' if locale == "zh" else ")"))
    if opener not in all_code.replace("'", '"'):
        problems.append(Problem(f, None, None, f"no call {opener} that opens this module"))
    for name, spellings in SECTIONS.items():
        if not any(h.startswith(s) for h in headings for s in spellings):
            problems.append(Problem(f, None, None, f"no '## {name.capitalize()}' section"))
    used = PRACTICE_CALL.findall(all_code)
    if not used:
        problems.append(Problem(f, None, None, "no interactive practice (m.practice(...))"))
    for p in used:
        if p not in practice_ids:
            problems.append(Problem(f, None, None, f"practice {p!r} is not in {module.id}.yaml"))
    for p in practice_ids:
        if p not in used:
            problems.append(Problem(f, None, None, f"practice {p!r} of {module.id}.yaml is never "
                                                   "shown"))
    if ".self_check()" not in all_code:
        problems.append(Problem(f, None, None, "no self-check (m.self_check())"))
    if ".reaction()" not in all_code:
        problems.append(Problem(f, None, None, "no reaction rating (m.reaction())"))
    return problems


def _untranslated(data, where: str, locale: str) -> list[str]:
    """Paths of texts in raw practice data that lack `locale`."""
    out = []
    if isinstance(data, dict):
        for k, v in data.items():
            if k in TEXT_KEYS and not (isinstance(v, dict) and v.get(locale)):
                out.append(f"{where}.{k}")
            elif k == "options" and isinstance(v, list):
                out += [f"{where}.options.{i}" for i, o in enumerate(v)
                        if not (isinstance(o, dict) and o.get(locale))]
            else:
                out += _untranslated(v, f"{where}.{k}", locale)
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _untranslated(v, f"{where}.{i}", locale)
    return out


def check_module(module: Module) -> list[Problem]:
    problems: list[Problem] = []
    try:
        content = load_module_content(module.content_file)
    except FileNotFoundError:
        return [Problem(str(module.content_file), None, None, "practice file is missing")]
    except ProblemsError as exc:
        return list(exc.problems)
    for locale in module.languages:
        problems += check_notebook(module.notebook(locale), module, list(content.practice), locale)
        if locale != "en":
            raw = yaml.safe_load(module.content_file.read_text(encoding="utf-8"))
            for where in _untranslated(raw, "", locale)[:20]:
                problems.append(Problem(str(module.content_file), None, where.lstrip("."),
                                        f"no {locale} text although the course is in {locale}"))
    problems += check_options(module, content)
    return problems


def check_options(module: Module, content) -> list[Problem]:
    """Self-check options that read as fragments of one answer (core.option_checks)."""

    problems = []
    for q in content.self_check:
        for locale in module.languages:
            reason = fragments([pick(o, locale) for o in q.options])
            if reason:
                problems.append(Problem(str(module.content_file), None,
                                        f"self_check.{q.id}.options", reason))
    return problems


def check_courses(root: Path | str | None = None) -> list[Course]:
    """Every course, module practice file and notebook under `root`; a ProblemsError lists every
    problem found. Also checks that every competency is trained by some course."""
    root = Path(root) if root else courses_dir()
    if not root.is_dir():
        raise AcademyError(f"no courses folder at {root}")
    courses, problems = read_courses(root)
    for c in courses:
        for m in c.modules:
            problems += check_module(m)
    covered = {code for c in courses for m in c.modules for code in m.competencies}
    for code in CODES:
        if code not in covered:
            problems.append(Problem(str(root), None, None,
                                    f"no course module trains the competency {code!r}"))
    if problems:
        raise ProblemsError(problems, what="courses")
    return courses
