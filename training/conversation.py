"""Customer-conversation simulator: pick a reply, see how the customer reacts, get feedback on
listening, empathy and emotion control (and on promises made without authority)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, model_validator

from training.text import Text

DIMENSIONS = ("listening", "empathy", "emotion_control")


class Reply(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text
    next: str
    feedback: Text
    #: -2 (harmful) .. +2 (exemplary) on each dimension; missing dimensions count 0
    scores: dict[str, int] = Field(default_factory=dict)
    #: change of the customer's anger (0-100) caused by this reply
    anger: int = 0
    #: a promise the service engineer has no authority to make (refund, free unit, blame...)
    breach: bool = False

    @model_validator(mode="after")
    def _dims(self):
        for k, v in self.scores.items():
            if k not in DIMENSIONS:
                raise ValueError(f"unknown dimension {k!r} (use {', '.join(DIMENSIONS)})")
            if not -2 <= v <= 2:
                raise ValueError(f"score {k}={v} outside -2..2")
        return self


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer: Text
    replies: list[Reply] = Field(default_factory=list)
    outcome: Text | None = None
    resolved: bool = False

    @property
    def is_end(self) -> bool:
        return not self.replies


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = "conversation"
    title: Text
    intro: Text
    customer_name: Text
    anger: int = Field(default=70, ge=0, le=100)
    #: what the 0-100 meter shows (default: the customer's anger)
    meter: Text | None = None
    start: str
    turns: dict[str, Turn]

    @model_validator(mode="after")
    def _links(self):
        if self.start not in self.turns:
            raise ValueError(f"start turn {self.start!r} is not defined")
        for name, turn in self.turns.items():
            for r in turn.replies:
                if r.next not in self.turns:
                    raise ValueError(f"turn {name!r}: reply leads to undefined turn {r.next!r}")
        if not any(t.is_end and t.resolved for t in self.turns.values()):
            raise ValueError("no end turn is marked resolved")
        return self


def verdict(average: float) -> str:
    """'strong' (>= 1), 'adequate' (>= 0) or 'needs_work' for an average reply score."""
    if average >= 1:
        return "strong"
    if average >= 0:
        return "adequate"
    return "needs_work"


@dataclass
class Conversation:
    """The state of one simulated conversation."""

    scenario: Scenario
    current: str = ""
    anger: int = -1
    chosen: list[Reply] = field(default_factory=list)

    def __post_init__(self):
        self.current = self.current or self.scenario.start
        if self.anger < 0:
            self.anger = self.scenario.anger

    @property
    def turn(self) -> Turn:
        return self.scenario.turns[self.current]

    @property
    def finished(self) -> bool:
        return self.turn.is_end

    @property
    def breaches(self) -> int:
        return sum(1 for r in self.chosen if r.breach)

    def reply(self, index: int) -> Reply:
        if self.finished:
            raise ValueError("the conversation is over; start again to try other replies")
        replies = self.turn.replies
        if not 0 <= index < len(replies):
            raise ValueError(f"no reply {index} here (0..{len(replies) - 1})")
        r = replies[index]
        self.chosen.append(r)
        self.anger = max(0, min(100, self.anger + r.anger))
        self.current = r.next
        return r

    def averages(self) -> dict[str, float]:
        """Average score per dimension over the replies chosen so far (0 before any reply)."""
        n = len(self.chosen)
        return {d: round(sum(r.scores.get(d, 0) for r in self.chosen) / n, 2) if n else 0.0
                for d in DIMENSIONS}

    def verdicts(self) -> dict[str, str]:
        return {d: verdict(a) for d, a in self.averages().items()}

    def restart(self) -> None:
        self.current = self.scenario.start
        self.anger = self.scenario.anger
        self.chosen.clear()
