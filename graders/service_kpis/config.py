"""The operations settings a company authors in `assessments/operations.yaml`: the service
commitments per channel and the repeat-visit window of first-contact resolution. Validated on
load; problems name the file, line and field."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from academy_content import ASSESSMENTS
from core.yamlio import load_model
from graders.ticket_models import CHANNELS

OPERATIONS_FILE = "operations.yaml"
SHIPPED = ASSESSMENTS / OPERATIONS_FILE


class ChannelTargets(BaseModel):
    """The commitments of one channel; a missing one does not apply to the channel."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    #: first response by a person, minutes after the customer's repair call
    response_minutes: float | None = Field(default=None, gt=0)
    #: arrival on site, hours after the customer's repair call
    arrival_hours: float | None = Field(default=None, gt=0)
    #: fault cleared, hours after the start of work
    fix_hours: float | None = Field(default=None, gt=0)


class OperationsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    channels: dict[str, ChannelTargets] = Field(default_factory=lambda: {
        "hotline": ChannelTargets(response_minutes=30),
        "remote": ChannelTargets(response_minutes=30, fix_hours=24),
        "on_site": ChannelTargets(response_minutes=30, arrival_hours=24, fix_hours=24)})
    #: a repeat call by the same customer within this many days of closing means "not resolved
    #: at first contact" (when the export does not say)
    repeat_days: float = Field(default=7, ge=0, le=366)

    @model_validator(mode="after")
    def _known(self) -> OperationsConfig:
        unknown = [c for c in self.channels if c not in CHANNELS]
        if unknown:
            raise ValueError(f"unknown channel {unknown[0]!r} (use: {', '.join(CHANNELS)})")
        return self

    def target(self, channel: str, what: str) -> float | None:
        t = self.channels.get(channel)
        return getattr(t, what) if t is not None else None


def load_operations(assessments: Path | str | None = None) -> OperationsConfig:
    """A home's `assessments/operations.yaml`, else the shipped one."""
    path = Path(assessments) / OPERATIONS_FILE if assessments else SHIPPED
    if not path.is_file():
        path = SHIPPED
    return load_model(path, OperationsConfig)
