"""Self-check questions: immediate, ungraded feedback with an explanation (which may show the answer)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, model_validator

from training.text import Text, label, pick


class Question(BaseModel):
    """One multiple-choice question; `answer` is the index (from 0) of the right option."""

    model_config = ConfigDict(extra="forbid")

    id: str
    question: Text
    options: list[Text] = Field(min_length=2)
    answer: int
    explanation: Text

    @model_validator(mode="after")
    def _answer_in_range(self):
        if not 0 <= self.answer < len(self.options):
            raise ValueError(f"answer {self.answer} is not an option index "
                             f"(0..{len(self.options) - 1})")
        return self


@dataclass(frozen=True)
class Feedback:
    correct: bool
    message: str


def check_answer(question: Question, chosen: int | None, locale: str = "en") -> Feedback:
    """Right or wrong, with the explanation; a wrong answer is told the right one."""
    if chosen is None:
        return Feedback(False, label("choose_first", locale))
    why = label("why", locale) + pick(question.explanation, locale)
    if chosen == question.answer:
        return Feedback(True, f"{label('correct', locale)} {why}")
    right = pick(question.options[question.answer], locale)
    return Feedback(False, f"{label('wrong', locale)} {label('right_answer', locale)}{right}. {why}")


def score(questions: list[Question], answers: dict[str, int | None]) -> float:
    """Percentage (0-100) of questions answered right; unanswered questions count as wrong."""
    if not questions:
        raise ValueError("a self-check needs at least one question")
    right = sum(1 for q in questions if answers.get(q.id) == q.answer)
    return round(100.0 * right / len(questions), 1)
