"""Scoring one answer against the trainer-side key: pure functions, no files, no widgets.

Each question type scores its own answers (graders.exam.question_types); this is the one entry.
"""

from __future__ import annotations

from graders.exam.bank import Question
from graders.exam.question_types import Outcome, normalize_answer, parse_number

__all__ = ["Outcome", "normalize_answer", "parse_number", "score_answer"]


def _empty(answer) -> bool:
    return answer is None or answer == "" or answer == [] or answer == {}


def score_answer(exam: str, q: Question, answer) -> Outcome:
    """Points for one answer. Free text returns verdict 'manual' (graded by a trainer)."""
    m = q.points
    if q.manual:
        return Outcome(0.0, m, "manual")
    if _empty(answer):
        return Outcome(0.0, m, "unanswered")
    return q.kind.score(exam, q, answer)
