"""The service KPIs of the domain brief as plain formulas (defaults configurable, never hard-wired)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from training.text import Text


def first_contact_resolution(resolved_first: int, total: int) -> float:
    """Problems resolved at first contact / all contacted problems x 100 (%)."""
    if total <= 0:
        raise ValueError("the number of contacted problems must be positive")
    if not 0 <= resolved_first <= total:
        raise ValueError("problems resolved at first contact must be between 0 and the total")
    return round(100.0 * resolved_first / total, 1)


def weighted_satisfaction(scores: Mapping[str, float], weights: Mapping[str, float],
                          scale_max: float = 5) -> float:
    """Weighted average of survey item scores on a 1..scale_max scale, expressed out of 100.

    Weights need not sum to 1 (they are normalised); every weighted item needs a score.
    """
    missing = [k for k in weights if k not in scores]
    if missing:
        raise ValueError(f"no score for: {', '.join(missing)}")
    total_w = sum(weights.values())
    if total_w <= 0:
        raise ValueError("weights must add up to more than 0")
    for k, v in scores.items():
        if k in weights and not 0 <= v <= scale_max:
            raise ValueError(f"score {k}={v} is outside 0..{scale_max}")
    avg = sum(scores[k] * w for k, w in weights.items()) / total_w
    return round(100.0 * avg / scale_max, 1)


SATISFIED_AT = 85.0  # the domain brief: an average of 85 (of 100) or more counts as satisfied


class Commitments(BaseModel):
    """Service commitments: respond, be on site, clear the fault (defaults: 30 min / 24 h / 24 h)."""

    model_config = ConfigDict(extra="forbid")

    response_minutes: float = Field(default=30, gt=0)
    onsite_hours: float = Field(default=24, gt=0)
    fix_hours: float = Field(default=24, gt=0)


@dataclass(frozen=True)
class Ticket:
    """Times of one service request: minutes to respond and hours to be on site, both from the
    customer's repair call, and hours to clear the fault after starting work (None when the step
    did not apply, e.g. solved by phone)."""

    response_minutes: float
    onsite_hours: float | None = None
    fix_hours: float | None = None


@dataclass(frozen=True)
class Compliance:
    tickets: int
    response_rate: float
    onsite_rate: float | None
    fix_rate: float | None
    all_met_rate: float


def _rate(flags: list[bool]) -> float | None:
    return round(100.0 * sum(flags) / len(flags), 1) if flags else None


def response_compliance(tickets: Iterable[Ticket],
                        commitments: Commitments | None = None) -> Compliance:
    """Share of tickets (%) meeting each commitment, and meeting every one that applied."""
    c = commitments or Commitments()
    tickets = list(tickets)
    if not tickets:
        raise ValueError("no tickets to check")
    resp, onsite, fix, every = [], [], [], []
    for t in tickets:
        ok = [t.response_minutes <= c.response_minutes]
        resp.append(ok[0])
        if t.onsite_hours is not None:
            onsite.append(t.onsite_hours <= c.onsite_hours)
            ok.append(onsite[-1])
        if t.fix_hours is not None:
            fix.append(t.fix_hours <= c.fix_hours)
            ok.append(fix[-1])
        every.append(all(ok))
    return Compliance(len(tickets), _rate(resp), _rate(onsite), _rate(fix), _rate(every))


def parse_tickets(text: str) -> list[Ticket]:
    """Tickets from lines 'response minutes, on-site hours, fix hours' (the last two may be '-').

    Raises ValueError naming the line for anything unreadable.
    """
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.strip().replace("，", ",")
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split(",")]
        if len(parts) > 3:
            raise ValueError(f"line {n}: at most three numbers (response min, on-site h, fix h)")
        try:
            nums = [None if p in ("", "-") else float(p) for p in parts] + [None] * (3 - len(parts))
        except ValueError:
            raise ValueError(f"line {n}: {line!r} is not numbers separated by commas") from None
        if nums[0] is None:
            raise ValueError(f"line {n}: the response time is required")
        if any(x is not None and x < 0 for x in nums):
            raise ValueError(f"line {n}: times cannot be negative")
        out.append(Ticket(*nums))
    return out


class KpiTask(BaseModel):
    """A KPI exercise in a course: which calculator, the given inputs and the expected result."""

    model_config = ConfigDict(extra="forbid")

    kind: str  # kpi_fcr | kpi_satisfaction | kpi_compliance
    title: Text
    intro: Text
    #: inputs the trainee should end up entering (used only to check the exercise)
    expected: float | None = None
    #: satisfaction: item -> weight; items are labelled by their keys
    weights: dict[str, float] | None = None
    scale_max: float = 5
    #: compliance: the tickets shown to the trainee, as lines
    tickets: str | None = None
