"""Course descriptions (`courses/<course>/course.yaml`) and module practice files
(`courses/<course>/NN_<module>.yaml`): typed, validated, and searchable by competency.

Training plans use `modules_for_competency` to send a trainee to the modules that train a weakness.
"""

from __future__ import annotations

import graphlib
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from academy_content import COURSES
from core import yamlio
from core.competencies import check_competency
from core.errors import Problem, ProblemsError
from training.conversation import Scenario
from training.diagnosis import DiagnosisTree
from training.kpi import KpiTask
from training.selfcheck import Question

COURSES_ENV = "ACADEMY_COURSES"
COURSE_FILE = "course.yaml"
MODULE_ID = re.compile(r"^\d\d_[a-z0-9_]+$")
COURSE_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def courses_dir() -> Path:
    """`$ACADEMY_COURSES`, else the shipped `courses/` (academy_content: the checkout's, or the
    installed copy)."""
    env = os.environ.get(COURSES_ENV)
    return Path(env).resolve() if env else COURSES


def _competencies(codes: list[str]) -> list[str]:
    for c in codes:
        check_competency(c)
    return codes


class ModuleSpec(BaseModel):
    """A module as the course description lists it; `id` is its notebook's stem."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title_en: str
    title_zh: str
    minutes: int = Field(gt=0, le=240)
    #: competencies trained by this module; empty means the course's own
    competencies: list[str] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not MODULE_ID.match(v):
            raise ValueError(f"module id {v!r} must look like 01_some_name (two digits, "
                             "underscore, lower-case letters)")
        return v

    @field_validator("competencies")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        return _competencies(v)


class CourseSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title_en: str
    title_zh: str
    summary_en: str
    summary_zh: str
    competencies: list[str] = Field(min_length=1)
    #: ids of courses to take first
    prerequisites: list[str] = Field(default_factory=list)
    #: languages every module notebook exists in: 'en' is NN_x.ipynb, 'zh' is NN_x.zh.ipynb
    languages: list[Literal["en", "zh"]] = Field(default_factory=lambda: ["en"])
    modules: list[ModuleSpec] = Field(min_length=1)

    @field_validator("competencies")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        return _competencies(v)


Practice = Annotated[DiagnosisTree | Scenario | KpiTask, Field(union_mode="left_to_right")]


class ModuleContent(BaseModel):
    """The practice file of a module: its interactive exercises and its self-check questions."""

    model_config = ConfigDict(extra="forbid")

    practice: dict[str, Practice] = Field(min_length=1)
    self_check: list[Question] = Field(min_length=3)

    @field_validator("practice", mode="before")
    @classmethod
    def _by_kind(cls, v):
        if not isinstance(v, dict):
            return v
        out = {}
        for key, item in v.items():
            kind = item.get("kind") if isinstance(item, dict) else None
            model = {"diagnosis": DiagnosisTree, "conversation": Scenario}.get(
                kind, KpiTask if str(kind).startswith("kpi_") else None)
            if model is None:
                raise ValueError(f"practice {key!r}: kind must be diagnosis, conversation, "
                                 f"kpi_fcr, kpi_satisfaction or kpi_compliance (got {kind!r})")
            out[key] = model.model_validate(item)
        return out


@dataclass(frozen=True)
class Module:
    """A module of a course, with where its files are."""

    course_id: str
    spec: ModuleSpec
    course_dir: Path
    course_competencies: tuple[str, ...]
    languages: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def title_en(self) -> str:
        return self.spec.title_en

    @property
    def title_zh(self) -> str:
        return self.spec.title_zh

    def title(self, locale: str = "en") -> str:
        return self.spec.title_zh if locale == "zh" else self.spec.title_en

    @property
    def minutes(self) -> int:
        return self.spec.minutes

    @property
    def competencies(self) -> tuple[str, ...]:
        return tuple(self.spec.competencies) or self.course_competencies

    def notebook(self, locale: str = "en") -> Path:
        suffix = ".zh.ipynb" if locale == "zh" else ".ipynb"
        return self.course_dir / f"{self.id}{suffix}"

    @property
    def content_file(self) -> Path:
        return self.course_dir / f"{self.id}.yaml"

    def content(self) -> ModuleContent:
        return load_module_content(self.content_file)


@dataclass(frozen=True)
class Course:
    id: str
    spec: CourseSpec
    dir: Path

    @property
    def modules(self) -> list[Module]:
        return [Module(self.id, m, self.dir, tuple(self.spec.competencies),
                       tuple(self.spec.languages)) for m in self.spec.modules]

    def module(self, module_id: str) -> Module:
        for m in self.modules:
            if m.id == module_id:
                return m
        raise KeyError(f"course {self.id!r} has no module {module_id!r}")

    @property
    def minutes(self) -> int:
        return sum(m.minutes for m in self.spec.modules)

    def title(self, locale: str = "en") -> str:
        return self.spec.title_zh if locale == "zh" else self.spec.title_en


def _pydantic_problems(file: Path, exc: ValidationError) -> list[Problem]:
    out = []
    for e in exc.errors():
        where = ".".join(str(p) for p in e["loc"]) or "(file)"
        out.append(Problem(str(file), None, where, e["msg"]))
    return out


def _read_yaml(path: Path) -> tuple[object, list[Problem]]:
    try:
        return yamlio.safe_load(path.read_text(encoding="utf-8")), []
    except FileNotFoundError:
        return None, [Problem(str(path), None, None, "file is missing")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark else None
        return None, [Problem(str(path), row, None, f"not valid YAML: {exc}")]


def load_module_content(path: Path) -> ModuleContent:
    return _cached_content(Path(path), Path(path).stat().st_mtime_ns)


@lru_cache(maxsize=64)
def _cached_content(path: Path, _mtime: int) -> ModuleContent:
    data, problems = _read_yaml(path)
    if not problems:
        try:
            return ModuleContent.model_validate(data)
        except ValidationError as exc:
            problems = _pydantic_problems(path, exc)
    raise ProblemsError(problems, what="module practice file")


def _course_from_dir(d: Path) -> tuple[Course | None, list[Problem]]:
    f = d / COURSE_FILE
    data, problems = _read_yaml(f)
    if problems:
        return None, problems
    if not COURSE_ID.match(d.name):
        return None, [Problem(str(d), None, None, "course folder names are lower-case letters, "
                                                  "digits and underscores")]
    try:
        spec = CourseSpec.model_validate(data)
    except ValidationError as exc:
        return None, _pydantic_problems(f, exc)
    ids = [m.id for m in spec.modules]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        return None, [Problem(str(f), None, "modules", f"duplicate module id {i!r}") for i in dup]
    return Course(d.name, spec, d), []


def load_courses(root: Path | str | None = None) -> list[Course]:
    """Every course under `root` (default `courses_dir()`), in folder order; all-or-nothing:
    a ProblemsError lists every problem of every course description."""
    courses, problems = read_courses(root)
    if problems:
        raise ProblemsError(problems, what="courses")
    return courses


def read_courses(root: Path | str | None = None) -> tuple[list[Course], list[Problem]]:
    """The valid courses under `root` and the problems of the others (and of prerequisites)."""
    root = Path(root) if root else courses_dir()
    courses, problems = [], []
    for d in sorted(p for p in root.iterdir() if p.is_dir() and (p / COURSE_FILE).exists()):
        c, probs = _course_from_dir(d)
        problems += probs
        if c:
            courses.append(c)
    ids = {c.id for c in courses}
    for c in courses:
        for p in c.spec.prerequisites:
            if p not in ids:
                problems.append(Problem(str(c.dir / COURSE_FILE), None, "prerequisites",
                                        f"unknown course {p!r}"))
    try:
        graphlib.TopologicalSorter({c.id: [p for p in c.spec.prerequisites if p in ids]
                                    for c in courses}).prepare()
    except graphlib.CycleError as exc:
        loop = " -> ".join(exc.args[1])
        problems.append(Problem(str(root), None, None, f"prerequisites form a loop: {loop}"))
    return courses, problems


def load_course(course_id: str, root: Path | str | None = None) -> Course:
    root = Path(root) if root else courses_dir()
    c, problems = _course_from_dir(root / course_id)
    if problems:
        raise ProblemsError(problems, what=f"course {course_id}")
    return c


def all_modules(root: Path | str | None = None) -> list[Module]:
    return [m for c in load_courses(root) for m in c.modules]


def modules_for_competency(code: str, root: Path | str | None = None) -> list[Module]:
    """The modules that train competency `code`, in course and module order (for training plans)."""
    check_competency(code)
    return [m for m in all_modules(root) if code in m.competencies]
