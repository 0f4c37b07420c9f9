"""Guided fault diagnosis: a small decision tree; the trainee picks the next step and sees what follows."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, model_validator

from training.text import Text


class DiagnosisChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text
    next: str
    #: what the trainee sees after choosing this step
    result: Text
    #: is this a sensible next step (cheap, safe, likely first)?
    good: bool = False
    #: minutes the step costs on site
    minutes: int = Field(default=5, ge=0)


class DiagnosisNode(BaseModel):
    model_config = ConfigDict(extra="forbid")

    situation: Text
    choices: list[DiagnosisChoice] = Field(default_factory=list)
    #: set on end nodes: what happened in the end
    outcome: Text | None = None
    solved: bool = False

    @property
    def is_end(self) -> bool:
        return not self.choices


class DiagnosisTree(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = "diagnosis"
    title: Text
    intro: Text
    start: str
    nodes: dict[str, DiagnosisNode]

    @model_validator(mode="after")
    def _links(self):
        if self.start not in self.nodes:
            raise ValueError(f"start node {self.start!r} is not defined")
        for name, node in self.nodes.items():
            for c in node.choices:
                if c.next not in self.nodes:
                    raise ValueError(f"node {name!r}: choice leads to undefined node {c.next!r}")
        if not any(n.is_end and n.solved for n in self.nodes.values()):
            raise ValueError("no end node is marked solved: the fault can never be cleared")
        if self.best_path_length() is None:
            raise ValueError("no path from the start reaches a solved end")
        return self

    def best_path_length(self) -> int | None:
        """The fewest steps from the start to a solved end (breadth-first), None if unreachable."""
        seen, frontier, depth = {self.start}, [self.start], 0
        while frontier:
            nxt = []
            for name in frontier:
                node = self.nodes[name]
                if node.is_end and node.solved:
                    return depth
                for c in node.choices:
                    if c.next not in seen:
                        seen.add(c.next)
                        nxt.append(c.next)
            frontier, depth = nxt, depth + 1
        return None


@dataclass
class StepResult:
    choice: DiagnosisChoice
    node: DiagnosisNode


@dataclass
class DiagnosisWalk:
    """One trainee's walk through a tree: where they are, what they chose, time spent."""

    tree: DiagnosisTree
    current: str = ""
    history: list[StepResult] = field(default_factory=list)

    def __post_init__(self):
        self.current = self.current or self.tree.start

    @property
    def node(self) -> DiagnosisNode:
        return self.tree.nodes[self.current]

    @property
    def finished(self) -> bool:
        return self.node.is_end

    @property
    def solved(self) -> bool:
        return self.finished and self.node.solved

    @property
    def minutes(self) -> int:
        return sum(s.choice.minutes for s in self.history)

    @property
    def good_steps(self) -> int:
        return sum(1 for s in self.history if s.choice.good)

    def choose(self, index: int) -> StepResult:
        if self.finished:
            raise ValueError("the diagnosis is finished; start again to choose another path")
        choices = self.node.choices
        if not 0 <= index < len(choices):
            raise ValueError(f"no choice {index} here (0..{len(choices) - 1})")
        choice = choices[index]
        self.current = choice.next
        step = StepResult(choice, self.node)
        self.history.append(step)
        return step

    def restart(self) -> None:
        self.current = self.tree.start
        self.history.clear()
