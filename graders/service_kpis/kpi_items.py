"""KPI items of a role scheme: operational figures turned into a monthly KPI value.

A scheme's optional `kpi:` section lists items, each an operational metric (graders.service_kpis.kpis)
in one of the practice's three groups (timeliness, effectiveness, compliance), with a weight and a
target. The items apply to every role of the scheme's family; `roles:` gives a role its own list.

    achievement = actual / target              (metrics where more is better)
                = target / actual              (metrics where less is better; `actual` 0 -> cap)
    achievement is capped at the item's `cap` (default 2)
    KPI value   = sum(weight x achievement) / sum(weight)   over the items with data that month,
                  clamped to the scheme's pay.kpi_min .. pay.kpi_max (0.5 .. 5)

So meeting every target exactly gives 1; doing better gives more, up to the clamp.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

TOLERANCE = 1e-6
Group = Literal["timeliness", "effectiveness", "compliance"]

#: metric -> (column of graders.service_kpis.kpis.kpis, more_is_better)
METRICS: dict[str, tuple[str, bool]] = {
    "response_rate": ("response_rate", True),
    "arrival_rate": ("arrival_rate", True),
    "fix_rate": ("fix_rate", True),
    "response_avg_minutes": ("response_avg_minutes", False),
    "response_p90_minutes": ("response_p90_minutes", False),
    "handling_avg_hours": ("handling_avg_hours", False),
    "handling_p90_hours": ("handling_p90_hours", False),
    "fcr_rate": ("fcr_rate", True),
    "throughput": ("closed", True),
    "complaint_rate": ("complaint_rate", False),
    "complaint_resolution_rate": ("complaint_resolution_rate", True),
    "repeat_rate": ("repeat_rate", False),
    "survey_rate": ("survey_rate", True),
}


class KpiItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    metric: str
    group: Group
    weight: float = Field(gt=0, le=1)
    #: the figure that counts as fully achieved (rates as shares: 0.95 for 95 %)
    target: float = Field(gt=0)
    #: highest achievement one item can give
    cap: float = Field(default=2.0, gt=0)

    @field_validator("metric")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in METRICS:
            raise ValueError(f"unknown KPI metric {v!r} (use: {', '.join(METRICS)})")
        return v


def _weights_sum_to_one(items: list[KpiItem], what: str) -> list[KpiItem]:
    total = sum(i.weight for i in items)
    if abs(total - 1) > TOLERANCE:
        raise ValueError(f"{what}: KPI item weights must sum to 1, not {total:g}")
    metrics = [i.metric for i in items]
    dup = sorted({m for m in metrics if metrics.count(m) > 1})
    if dup:
        raise ValueError(f"{what}: metric {dup[0]!r} is listed twice")
    return items


class KpiScheme(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    items: list[KpiItem] = Field(min_length=1)
    #: a role's own items (by role code), replacing `items` for that role
    roles: dict[str, list[KpiItem]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _weights(self) -> KpiScheme:
        _weights_sum_to_one(self.items, "kpi.items")
        for role, items in self.roles.items():
            if not items:
                raise ValueError(f"kpi.roles.{role}: list at least one item")
            _weights_sum_to_one(items, f"kpi.roles.{role}")
        return self

    def items_for(self, role_code: str) -> list[KpiItem]:
        return self.roles.get(role_code, self.items)
