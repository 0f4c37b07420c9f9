"""Typed definitions that trainers and managers author under `assessments/`: rubrics, the review
form, the customer survey, key behaviours, and the fairness limits. Validated on load; problems
name the file, line and field."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.competencies import check_competency
from core.errors import AcademyError
from core.yamlio import load_model

Strict = ConfigDict(extra="forbid")


class Scale(BaseModel):
    model_config = Strict
    min: float = 1
    max: float = 5

    @model_validator(mode="after")
    def _order(self):
        if self.max <= self.min:
            raise ValueError(f"scale max {self.max} must be above min {self.min}")
        return self

    def normalise(self, value: float) -> float:
        """A value on this scale as 0-100."""
        return 100.0 * (value - self.min) / (self.max - self.min)

    def contains(self, value: float) -> bool:
        return self.min <= value <= self.max


def _unique(items, what: str, attr: str = "id"):
    ids = [getattr(i, attr) for i in items]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"{what} {attr}s must be unique; repeated: {', '.join(dupes)}")
    return items


# --- practical exams ------------------------------------------------------------------------------


class Criterion(BaseModel):
    model_config = Strict
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    text_en: str
    text_zh: str | None = None
    weight: float = Field(gt=0)
    competency: str
    critical: bool = False
    #: what a level looks like, e.g. {1: "...", 3: "...", 5: "..."}
    levels: dict[int, str] = Field(default_factory=dict)

    _comp = field_validator("competency")(lambda cls, v: check_competency(v))


class Rubric(BaseModel):
    """A practical-exam scenario and the criteria trainers score it on."""

    model_config = Strict
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    title_en: str
    title_zh: str | None = None
    scenario_en: str
    scenario_zh: str | None = None
    #: role families the scenario is for (empty: everyone)
    families: list[str] = Field(default_factory=list)
    scale: Scale = Field(default_factory=Scale)
    #: a critical criterion scored below this level fails the scenario
    pass_level: float = 3
    #: the scenario score (0-100) of a rating that misses a critical criterion
    critical_fail_score: float = Field(default=0, ge=0, le=100)
    criteria: list[Criterion] = Field(min_length=1)

    @field_validator("criteria")
    @classmethod
    def _criteria_unique(cls, v):
        return _unique(v, "criterion")

    @model_validator(mode="after")
    def _levels_in_scale(self):
        for c in self.criteria:
            bad = [k for k in c.levels if not self.scale.contains(k)]
            if bad:
                raise ValueError(f"criterion {c.id}: level {bad[0]} is outside the scale "
                                 f"{self.scale.min:g}-{self.scale.max:g}")
        if not self.scale.contains(self.pass_level):
            raise ValueError(f"pass_level {self.pass_level:g} is outside the scale")
        return self


class PracticalRules(BaseModel):
    model_config = Strict
    #: Krippendorff's alpha below this flags a scenario (0.667 acceptable floor, 0.8 good)
    agreement_floor: float = Field(default=0.667, ge=-1, le=1)
    #: a trainer's leniency (rater effect in 0-100 points, see practical.rater_effects) beyond
    #: +/- this flags them as systematically lenient or harsh
    bias_limit: float = Field(default=10, gt=0)
    #: mean distance (0-100 points) of a trainer's scores from the fitted score, their leniency
    #: aside, that flags them as inconsistent with the other trainers
    disagreement_limit: float = Field(default=15, gt=0)
    #: ratings shared with other raters before a trainer is judged
    min_shared: int = Field(default=3, ge=1)


# --- 360-degree reviews -----------------------------------------------------------------------


class FormItem(BaseModel):
    model_config = Strict
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    text_en: str
    text_zh: str | None = None
    competency: str
    required: bool = True

    _comp = field_validator("competency")(lambda cls, v: check_competency(v))


class ReviewRules(BaseModel):
    model_config = Strict
    min_peer_raters: int = Field(default=3, ge=1)
    peer_same_team_only: bool = False
    #: a rater who gave this many or more people identical answers on every item straight-lines
    straight_line_min_ratees: int = Field(default=3, ge=2)
    #: both directions of a pair exceed what others give the ratee by this many scale points
    mutual_excess: float = Field(default=1.0, gt=0)
    #: a rater whose ratings differ from the others' by this many scale points on average
    outlier_limit: float = Field(default=1.0, gt=0)
    outlier_min_ratees: int = Field(default=2, ge=1)


class ReviewForm(BaseModel):
    model_config = Strict
    id: str = "review"
    title_en: str = "360-degree review"
    title_zh: str = "360度评估"
    scale: Scale = Field(default_factory=Scale)
    rules: ReviewRules = Field(default_factory=ReviewRules)
    items: list[FormItem] = Field(min_length=1)

    @field_validator("items")
    @classmethod
    def _items_unique(cls, v):
        return _unique(v, "item")


# --- customer surveys -------------------------------------------------------------------------


class SurveyItem(BaseModel):
    model_config = Strict
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    text_en: str
    text_zh: str | None = None
    weight: float = Field(gt=0)
    required: bool = True
    #: other question texts that mean this item (as a company's survey words it)
    aliases: list[str] = Field(default_factory=list)
    #: who answers for it: the serving person (attitude, response speed, problem solving) or the
    #: company (product quality, price, delivery, packaging: reported, never charged to a person)
    attribution: Literal["person", "company"] = "person"


class SurveyForm(BaseModel):
    model_config = Strict
    id: str = "customer"
    title_en: str = "Customer satisfaction survey"
    title_zh: str = "客户满意度调查"
    scale: Scale = Field(default_factory=Scale)
    items: list[SurveyItem] = Field(min_length=1)
    #: a response at or above this (0-100) counts as a satisfied customer
    satisfied_threshold: float = Field(default=85, ge=0, le=100)
    #: survey coverage x return rate must reach this share
    coverage_target: float = Field(default=0.75, ge=0, le=1)
    #: how many responses' worth of the team mean a person's mean is shrunk towards
    shrinkage_strength: float = Field(default=5, ge=0)

    @field_validator("items")
    @classmethod
    def _items_unique(cls, v):
        _unique(v, "item")
        if not any(it.attribution == "person" for it in v):
            raise ValueError("at least one item must be attributed to the person served by")
        return v


# --- key behaviours (field service) ----------------------------------------------------------


class Behaviour(BaseModel):
    model_config = Strict
    code: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    text_en: str
    text_zh: str | None = None
    deduction: float = Field(gt=0)
    competency: str | None = None
    #: a critical behaviour raises a "critical" flag on the person (e.g. no award that cycle)
    critical: bool = False


class BehaviourList(BaseModel):
    model_config = Strict
    standard_score: float = Field(default=100, gt=0)
    families: list[str] = Field(default_factory=lambda: ["field_service"])
    behaviours: list[Behaviour] = Field(min_length=1)

    @field_validator("behaviours")
    @classmethod
    def _codes_unique(cls, v):
        return _unique(v, "behaviour", "code")


# --- loading ----------------------------------------------------------------------------------


class EvidenceConfig(BaseModel):
    """Everything under an `assessments/` folder that the evidence sources need."""

    rubrics: dict[str, Rubric]
    practical: PracticalRules
    review: ReviewForm
    survey: SurveyForm
    behaviours: BehaviourList


def load_rubrics(folder: Path) -> dict[str, Rubric]:
    rubrics: dict[str, Rubric] = {}
    for path in sorted(Path(folder).glob("*.yaml")):
        r = load_model(path, Rubric)
        if r.id in rubrics:
            raise AcademyError(f"{path.name}: rubric id {r.id!r} is used by another rubric file too")
        rubrics[r.id] = r
    return rubrics


def load_evidence_config(assessments: Path) -> EvidenceConfig:
    a = Path(assessments)
    return EvidenceConfig(
        rubrics=load_rubrics(a / "rubrics"),
        practical=load_model(a / "practical.yaml", PracticalRules),
        review=load_model(a / "reviews" / "review_form.yaml", ReviewForm),
        survey=load_model(a / "surveys" / "customer_survey.yaml", SurveyForm),
        behaviours=load_model(a / "behaviours" / "key_behaviours.yaml", BehaviourList),
    )
