"""Role schemes: how one role family is graded, authored as YAML under `assessments/schemes/`.

A scheme names the components and their weights (summing to 1), which of them are result and
which process indicators, the grade bands, the missing-component policy, and the rules for awards,
performance pay, promotion, corrective action and training plans. It is validated on load; every
problem is reported with the file and the line it is on.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from academy_content import ASSESSMENTS
from core import yamlio
from core.errors import AcademyError, Problem, ProblemsError
from graders.ladder.violations import PenaltyRule
from graders.managers.grading import ManagementRules
from graders.service_kpis.kpi_items import KpiScheme
from graders.sources import COMPONENTS

Family = Literal["technical_support", "field_service", "management"]
MissingPolicy = Literal["reweight", "zero", "incomplete"]
TOLERANCE = 1e-6
#: the score variants a component offers (graders.sources VARIANT_COLUMNS); the default is the
#: component's own score: customer "shrunk" (towards the team mean) or "plain" (the practice's
#: total score / customers surveyed)
#: and practical "raw" (as trainers gave them) or "fair" (trainer severity taken off, graders.engine.fairness)
VARIANTS = {"customer": ("shrunk", "plain"), "practical": ("raw", "fair")}
SCHEMES_ENV = "ACADEMY_SCHEMES"


def default_schemes_dir() -> Path:
    """The shipped `assessments/schemes/` (academy_content: the checkout's, or the installed copy)."""
    return ASSESSMENTS / "schemes"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ComponentRule(_Strict):
    weight: float = Field(ge=0, le=1)
    #: result indicators (what was achieved) or process indicators (how it was done)
    kind: Literal["result", "process"]
    #: another way of scoring the component (VARIANTS), e.g. customer: plain instead of shrunk
    variant: str | None = None


class Band(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_en: str = Field(min_length=1)
    name_zh: str = Field(min_length=1)
    #: lowest final score in the band (inclusive)
    min: float = Field(ge=0, le=100)
    #: highest final score in the band (exclusive, except that 100 belongs to the top band)
    max: float = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _order(self) -> Band:
        if self.min >= self.max:
            raise ValueError(f"band {self.code!r}: min {self.min} must be below max {self.max}")
        return self

    def name(self, locale: str = "en") -> str:
        return self.name_zh if locale == "zh" else self.name_en


class IndividualAward(_Strict):
    #: share of the staff graded under this scheme (company-wide) who may receive it
    top_share: float = Field(default=0.1, gt=0, le=1)
    #: lowest band a winner may be in
    min_band: str = "excellent"
    #: evidence flags (by kind) that rule a person out
    excluded_flags: list[str] = Field(default_factory=lambda: ["critical"])


class TeamAward(_Strict):
    #: teams with fewer graded members cannot win
    min_size: int = Field(default=3, ge=1)
    #: strength of the company-mean prior, in members: team means are shrunk toward the company
    #: mean by k / (n + k), so a small team needs a clearly better mean to win (empirical Bayes)
    prior_strength: float = Field(default=3.0, ge=0)
    #: how many teams receive it
    winners: int = Field(default=1, ge=1)


class Pay(_Strict):
    #: base pay = reference pay x base coefficient; performance pay = reference pay x
    #: performance coefficient x KPI value; the two coefficients sum to 1
    base_coefficient: float = Field(default=0.7, ge=0.5, le=0.8)
    performance_coefficient: float = Field(default=0.3, ge=0, le=1)
    #: last-month average pay when none is given per person
    reference_pay: float = Field(default=8000.0, gt=0)
    #: KPI value = final score / target score, clamped to [kpi_min, kpi_max]
    target_score: float = Field(default=75.0, gt=0, le=100)
    kpi_min: float = Field(default=0.5, ge=0)
    kpi_max: float = Field(default=5.0, gt=0)
    #: if this share of staff or more has a KPI value below 1, the scheme needs revising
    health_share: float = Field(default=0.8, gt=0, le=1)

    @model_validator(mode="after")
    def _coefficients(self) -> Pay:
        total = self.base_coefficient + self.performance_coefficient
        if abs(total - 1) > TOLERANCE:
            raise ValueError(f"base_coefficient + performance_coefficient must be 1, not {total:g}")
        if self.kpi_min >= self.kpi_max:
            raise ValueError(f"kpi_min {self.kpi_min} must be below kpi_max {self.kpi_max}")
        return self


class Promotion(_Strict):
    band: str = "excellent"
    #: in this many consecutive cycles, the current one included
    consecutive_cycles: int = Field(default=2, ge=1, le=12)


class Corrective(_Strict):
    band: str = "needs_improvement"
    follow_up_days: int = Field(default=30, ge=1, le=366)


class Training(_Strict):
    #: a competency scoring below this is weak
    threshold: float = Field(default=65.0, ge=0, le=100)
    #: ... and so is one this many points below the team's mean of that competency
    below_team_by: float = Field(default=10.0, ge=0, le=100)
    #: at most this many competencies per plan, weakest first
    max_competencies: int = Field(default=2, ge=1, le=4)
    #: at most this many course modules per weak competency, the most focused first
    max_modules: int = Field(default=3, ge=1, le=20)
    due_days: int = Field(default=60, ge=1, le=366)


class Scheme(_Strict):
    """A validated role scheme. `source` and `sha256` say exactly which file version produced it."""

    scheme: str = Field(pattern=r"^[a-z][a-z0-9_\-]*$")
    version: str = Field(min_length=1)
    family: Family
    name_en: str
    name_zh: str
    #: share of the weight carried by result indicators (the rest is process)
    result_share: float = Field(ge=0, le=1)
    components: dict[str, ComponentRule] = Field(min_length=1)
    missing: MissingPolicy = "reweight"
    #: under `reweight`, a person whose available weight is below this is incomplete
    min_weight_present: float = Field(default=0.5, ge=0, le=1)
    #: whether an "insufficient" component (too few ratings) counts; if not, it counts as missing
    use_insufficient: bool = False
    bands: list[Band] = Field(min_length=1)
    individual_award: IndividualAward = IndividualAward()
    team_award: TeamAward = TeamAward()
    pay: Pay = Pay()
    promotion: Promotion = Promotion()
    corrective: Corrective = Corrective()
    training: Training = Training()
    #: what violations of the cycle cost (graders.ladder.violations): deductions, award exclusion
    penalties: PenaltyRule = PenaltyRule()
    #: operational KPI items for monthly performance pay (graders.service_kpis.kpi_items); None: no monthly pay
    kpi: KpiScheme | None = None
    #: team indicators of supervisors and managers (graders.managers.grading); None: the defaults
    management: ManagementRules | None = None
    source: str = ""
    sha256: str = ""

    @field_validator("scheme", "version", mode="before")
    @classmethod
    def _text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, (int, float)) else v

    @field_validator("components")
    @classmethod
    def _known(cls, v: dict[str, ComponentRule]) -> dict[str, ComponentRule]:
        unknown = [c for c in v if c not in COMPONENTS]
        if unknown:
            raise ValueError(f"unknown component {unknown[0]!r} (use: {', '.join(COMPONENTS)})")
        for c, r in v.items():
            if r.variant is not None and r.variant not in VARIANTS.get(c, ()):
                allowed = ", ".join(VARIANTS.get(c, ())) or "none"
                raise ValueError(f"component {c!r}: unknown variant {r.variant!r} (use: {allowed})")
        total = sum(r.weight for r in v.values())
        if abs(total - 1) > TOLERANCE:
            raise ValueError(f"component weights must sum to 1, not {total:g}")
        return v

    @field_validator("bands")
    @classmethod
    def _bands(cls, v: list[Band]) -> list[Band]:
        codes = [b.code for b in v]
        if len(set(codes)) != len(codes):
            raise ValueError("band codes must be unique")
        ordered = sorted(v, key=lambda b: b.min)
        for lo, hi in itertools.pairwise(ordered):
            if hi.min < lo.max:
                raise ValueError(f"bands {lo.code!r} ({lo.min:g}-{lo.max:g}) and {hi.code!r} "
                                 f"({hi.min:g}-{hi.max:g}) overlap")
            if hi.min > lo.max:
                raise ValueError(f"bands leave a gap between {lo.max:g} and {hi.min:g}")
        if ordered[0].min != 0 or ordered[-1].max != 100:
            raise ValueError("bands must cover 0 to 100")
        return sorted(v, key=lambda b: -b.min)  # best band first

    @model_validator(mode="after")
    def _consistent(self) -> Scheme:
        result = sum(r.weight for r in self.components.values() if r.kind == "result")
        if abs(result - self.result_share) > TOLERANCE:
            raise ValueError(f"result components weigh {result:g} but result_share is "
                             f"{self.result_share:g}")
        codes = {b.code for b in self.bands}
        for what, code in (("individual_award.min_band", self.individual_award.min_band),
                           ("promotion.band", self.promotion.band),
                           ("corrective.band", self.corrective.band)):
            if code not in codes:
                raise ValueError(f"{what}: unknown band {code!r} (bands: {', '.join(codes)})")
        return self

    # --- helpers -------------------------------------------------------------------------------

    @property
    def weights(self) -> dict[str, float]:
        return {c: r.weight for c, r in self.components.items() if r.weight > 0}

    def band(self, code: str) -> Band:
        return next(b for b in self.bands if b.code == code)

    def band_rank(self, code: str) -> int:
        """0 for the best band, 1 for the next ..."""
        return [b.code for b in self.bands].index(code)

    def with_weights(self, weights: dict[str, float]) -> Scheme:
        """This scheme with other component weights (for what-if); they are normalised to sum to 1
        and the scheme version is marked as a what-if."""
        unknown = [c for c in weights if c not in COMPONENTS]
        if unknown:
            raise AcademyError(f"unknown component {unknown[0]!r} (use: {', '.join(COMPONENTS)})")
        merged = {c: weights.get(c, r.weight) for c, r in self.components.items()}
        merged.update({c: w for c, w in weights.items() if c not in merged})
        total = sum(merged.values())
        if total <= 0 or any(w < 0 for w in merged.values()):
            raise AcademyError("what-if weights must be non-negative and not all zero")
        comps = {c: ComponentRule(weight=w / total,
                                  kind=self.components[c].kind if c in self.components else "process",
                                  variant=self.components[c].variant if c in self.components else None)
                 for c, w in merged.items()}
        result = sum(r.weight for r in comps.values() if r.kind == "result")
        data = self.model_dump()
        data.update(components={c: r.model_dump() for c, r in comps.items()}, result_share=result,
                    version=f"{self.version}+what-if")
        return Scheme.model_validate(data)


# --- loading with line numbers -------------------------------------------------------------------


def _line_index(node: yaml.Node, path: tuple = (), out: dict | None = None) -> dict[tuple, int]:
    """Map every key path of a composed YAML document to its (1-based) line."""
    out = {} if out is None else out
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = k.value
            out[path + (key,)] = k.start_mark.line + 1
            _line_index(v, path + (key,), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            out[path + (i,)] = v.start_mark.line + 1
            _line_index(v, path + (i,), out)
    return out


def _line_of(lines: dict[tuple, int], loc: tuple, msg: str = "", data: Any = None) -> int | None:
    loc = tuple(loc)
    # A problem with a whole mapping or list that names one of its entries points at that entry.
    named = [k for k in lines if len(k) == len(loc) + 1 and k[:len(loc)] == loc
             and isinstance(k[-1], str) and f"'{k[-1]}'" in msg]
    if named:
        return lines[named[-1]]
    if loc and loc[0] == "bands" and len(loc) == 1 and isinstance(data, dict):
        hits = [i for i, b in enumerate(data.get("bands") or [])
                if isinstance(b, dict) and f"'{b.get('code')}'" in msg]
        if hits:  # the band named last in the message (the upper one of an overlap)
            last = max(hits, key=lambda i: msg.index(f"'{data['bands'][i].get('code')}'"))
            return lines.get(("bands", last))
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get(())


def parse_scheme(text: str, file: str) -> Scheme:
    """Validate one scheme's YAML text; a ProblemsError names the file and line of every problem."""
    try:
        node = yamlio.compose(text)
        data = yamlio.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ProblemsError([Problem(file, line, None, f"not valid YAML: {exc.problem}",
                                     unit="line")],
                            what="scheme") from exc
    if not isinstance(data, dict) or node is None:
        raise ProblemsError([Problem(file, 1, None, "a scheme must be a YAML mapping", unit="line")],
                            what="scheme")
    lines = _line_index(node)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    try:
        return Scheme.model_validate({**data, "source": file, "sha256": digest})
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            loc = tuple(x for x in e["loc"] if x not in ("source", "sha256"))
            field = ".".join(str(x) for x in loc) or None
            msg = e["msg"].removeprefix("Value error, ")
            problems.append(Problem(file, _line_of(lines, loc, msg, data), field, msg, unit="line"))
        raise ProblemsError(problems, what="scheme") from exc


def load_scheme(path: Path | str) -> Scheme:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise AcademyError(f"no scheme file {path}") from exc
    except UnicodeDecodeError as exc:
        raise AcademyError(f"{path}: a scheme must be UTF-8 text") from exc
    return parse_scheme(text, str(path))


def load_schemes(folder: Path | str | None = None) -> dict[str, Scheme]:
    """Every scheme in a folder (default: `assessments/schemes/`), by role family; all-or-nothing."""
    import os

    folder = Path(folder or os.environ.get(SCHEMES_ENV) or default_schemes_dir())
    files = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
    if not files:
        raise AcademyError(f"no role schemes (*.yaml) in {folder}")
    schemes: dict[str, Scheme] = {}
    problems: list[Problem] = []
    for f in files:
        try:
            s = load_scheme(f)
        except ProblemsError as exc:
            problems += exc.problems
            continue
        if s.family in schemes:
            problems.append(Problem(str(f), None, "family", f"family {s.family!r} already has a "
                                    f"scheme in {schemes[s.family].source}", unit="line"))
            continue
        schemes[s.family] = s
    if problems:
        raise ProblemsError(problems, what="role schemes")
    return schemes


def home_schemes(home, extra: list[Path] | None = None) -> dict[str, Scheme]:
    """A home's role schemes: `<home>/assessments/schemes/` (copied there by `academy init`, where
    the company edits them) if it holds any, else the shipped `assessments/schemes/`; each file in
    `extra` replaces the scheme of its role family (what-if)."""
    own = Path(home.root) / "assessments" / "schemes"
    has_own = own.is_dir() and any(own.glob("*.y*ml"))
    schemes = load_schemes(own if has_own else None)
    for f in extra or []:
        s = load_scheme(f)
        schemes[s.family] = s
    return schemes


def kpi_value(score: float, pay: Pay) -> float:
    """The KPI value one final score gives (for documentation and tests of the formula)."""
    if score is None or math.isnan(score):
        return math.nan
    return min(max(score / pay.target_score, pay.kpi_min), pay.kpi_max)
