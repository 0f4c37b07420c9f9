"""Scoring one answer against the trainer-side key: pure functions, no files, no widgets."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from graders.exam.bank import Question
from graders.exam.public import key_ids


@dataclass(frozen=True)
class Outcome:
    points: float
    max_points: float
    #: correct | partial | incorrect | unanswered | invalid | manual
    verdict: str
    note: str = ""


def normalize_answer(text: str) -> str:
    """NFKC (full-width to half-width), case-folded, inner spaces collapsed, outer punctuation trimmed."""
    s = unicodedata.normalize("NFKC", str(text)).casefold().strip()
    s = re.sub(r"\s+", " ", s)
    return s.strip(" .。!！")


def parse_number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    s = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "").replace(" ", "")
    s = s.rstrip("%")
    try:
        f = float(s)
    except ValueError:
        return None
    return f if math.isfinite(f) else None


def _empty(answer) -> bool:
    return answer is None or answer == "" or answer == [] or answer == {}


def score_answer(exam: str, q: Question, answer) -> Outcome:
    """Points for one answer. Free text returns verdict 'manual' (graded by a trainer)."""
    m = q.points
    if q.manual:
        return Outcome(0.0, m, "manual")
    if _empty(answer):
        return Outcome(0.0, m, "unanswered")
    if q.type == "single":
        if not isinstance(answer, str):
            return Outcome(0.0, m, "invalid", "not one option")
        return Outcome(m, m, "correct") if answer in key_ids(exam, q) else Outcome(0.0, m, "incorrect")
    if q.type == "multiple":
        if not isinstance(answer, list) or not all(isinstance(a, str) for a in answer):
            return Outcome(0.0, m, "invalid", "not a list of options")
        chosen, key = set(answer), key_ids(exam, q)
        n = len(q.options)
        if chosen - {f"o{i}" for i in range(1, n + 1)}:
            # an option that does not exist is a wrong answer, never partial credit
            return Outcome(0.0, m, "invalid", "an option that does not exist")
        if q.partial == "all_or_nothing":
            frac = 1.0 if chosen == key else 0.0
        elif q.partial == "right_minus_wrong":
            right = len(chosen & key) / len(key)
            wrong = len(chosen - key) / (n - len(key)) if n > len(key) else 0.0
            frac = max(0.0, right - wrong)
        else:  # per_option: the share of options classified right (chosen iff correct)
            frac = sum(1 for i in range(1, n + 1) if (f"o{i}" in chosen) == (f"o{i}" in key)) / n
        pts = round(m * frac, 4)
        verdict = "correct" if frac == 1.0 else ("incorrect" if pts == 0 else "partial")
        return Outcome(pts, m, verdict)
    if q.type == "true_false":
        if not isinstance(answer, bool):
            return Outcome(0.0, m, "invalid", "not true or false")
        return Outcome(m, m, "correct") if answer == q.key_bool else Outcome(0.0, m, "incorrect")
    if q.type == "numeric":
        x = parse_number(answer)
        if x is None:
            return Outcome(0.0, m, "invalid", "not a number")
        tol = abs(q.key_number) * q.tolerance / 100 if q.tolerance_relative else q.tolerance
        ok = abs(x - q.key_number) <= tol + 1e-9
        return Outcome(m, m, "correct") if ok else Outcome(0.0, m, "incorrect")
    if q.type == "short_text":
        if not isinstance(answer, str):
            return Outcome(0.0, m, "invalid", "not text")
        ok = normalize_answer(answer) in {normalize_answer(a) for a in q.accepted}
        return Outcome(m, m, "correct") if ok else Outcome(0.0, m, "incorrect")
    raise ValueError(f"unknown question type {q.type}")
