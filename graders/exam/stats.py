"""Item analysis after grading, as Moodle's quiz statistics: facility, discrimination, option counts.

- facility index: the mean share of the points scored on the item (share correct for 0/1 items);
- discrimination index: the Pearson correlation of the item score with the rest of the exam
  (the trainee's total minus this item), over the trainees who got the item;
- option counts: how many trainees chose each option (choice questions), the key marked.
Pure functions on plain rows; the command reads the gradebook and the answers files.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class ItemStats:
    question: str
    competency: str
    n: int
    facility: float | None
    discrimination: float | None
    option_counts: list[tuple[str, int, bool]] = field(default_factory=list)
    flag: str = ""


def pearson(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / math.sqrt(sxx * syy)


def item_analysis(scores: dict[str, dict[str, tuple[float, float]]], questions: dict[str, str],
                  choices: dict[str, dict[str, list]] | None = None,
                  options: dict[str, list[tuple[str, str, bool]]] | None = None) -> list[ItemStats]:
    """Statistics per question.

    scores: trainee -> question -> (points, max points); questions: question -> competency;
    choices: trainee -> question -> answer (an option id or list of ids);
    options: question -> [(option id, text, is key)].
    """
    totals = {t: sum(p for p, _ in qs.values()) for t, qs in scores.items()}
    out = []
    for qid, comp in questions.items():
        takers = [t for t in scores if qid in scores[t]]
        fracs = [scores[t][qid][0] / scores[t][qid][1] for t in takers if scores[t][qid][1]]
        rest = [totals[t] - scores[t][qid][0] for t in takers if scores[t][qid][1]]
        facility = sum(fracs) / len(fracs) if fracs else None
        disc = pearson(fracs, rest)
        counts: list[tuple[str, int, bool]] = []
        if options and qid in options:
            tally: Counter = Counter()
            for t in takers:
                a = (choices or {}).get(t, {}).get(qid)
                for oid in (a if isinstance(a, list) else [a] if isinstance(a, str) else []):
                    tally[oid] += 1
            counts = [(text, tally.get(oid, 0), is_key) for oid, text, is_key in options[qid]]
        flag = ""
        if facility is not None and (facility > 0.95 or facility < 0.2):
            flag = "too easy" if facility > 0.95 else "too hard"
        if disc is not None and disc < 0.1:
            flag = (flag + "; " if flag else "") + "low discrimination"
        out.append(ItemStats(qid, comp, len(takers), facility, disc, counts, flag))
    return out


def exam_item_analysis(home, exam: str) -> list[ItemStats]:
    """Item analysis from the home's gradebook (current scores) and the graded answers files."""
    from graders.exam import lifecycle

    bank = lifecycle._bank(home, exam)
    scores: dict[str, dict[str, tuple[float, float]]] = {}
    for r in lifecycle.gradebook_rows(home, exam):
        if r.points is not None:
            scores.setdefault(r.employee_id, {})[r.question] = (r.points, r.max_points)
    choices = {t: lifecycle.answers_of(home, exam, t) for t in scores}
    options = {q.id: rows for q in bank.questions if (rows := q.kind.option_rows(bank.name, q))}
    return item_analysis(scores, {q.id: q.competency for q in bank.questions}, choices, options)


# --- the full report (graders.exam.item_stats) -------------------------------------------------


def exam_report(home, exam: str) -> dict:
    """Every exam statistic of graders.exam.item_stats from the home's gradebook and answers:
    {"exam": figures, "questions", "options", "pools": DataFrames}."""
    import pandas as pd

    from graders.exam import item_stats as st
    from graders.exam import lifecycle

    bank = lifecycle._bank(home, exam)
    rows = [(r.employee_id, r.question, float(r.points), float(r.max_points))
            for r in lifecycle.gradebook_rows(home, exam) if r.points is not None]
    scores = pd.DataFrame(rows, columns=["trainee", "question", "points", "max_points"])
    meta = pd.DataFrame([{"question": q.id, "competency": q.competency, "type": q.type,
                          "pool": q.pool or "", "random_guess": st.random_guess_score(bank.name, q)}
                         for q in bank.questions])
    choices = []
    for t in sorted(scores["trainee"].unique()):
        answers = lifecycle.answers_of(home, exam, t)
        given = set(scores.loc[scores["trainee"] == t, "question"])
        for q in bank.questions:
            if q.id not in given:
                continue
            picked = q.kind.chosen_options(answers.get(q.id))
            for oid, text, key in q.kind.option_rows(bank.name, q):
                choices.append((t, q.id, oid, text, key, oid in picked))
    choices = pd.DataFrame(choices, columns=["trainee", "question", "option", "text", "key",
                                             "chosen"])
    questions = st.question_statistics(scores, meta) if len(scores) else \
        pd.DataFrame(columns=st.QUESTION_COLUMNS)
    return {"exam": st.exam_statistics(scores, meta.set_index("question")["pool"])
            if len(scores) else {"n": 0},
            "questions": questions,
            "options": st.option_statistics(choices, scores) if len(scores) else
            pd.DataFrame(columns=st.OPTION_COLUMNS),
            "pools": st.pool_statistics(questions, scores) if len(scores) else
            pd.DataFrame(columns=st.POOL_COLUMNS)}


def theory_responses(session, exam: str):
    """Right (full points) or not per cycle, trainee and question of an exam, from the theory
    evidence of every cycle (oldest first): the input of item_stats.rasch_across_cycles."""
    import pandas as pd
    from sqlalchemy import select

    from core.cycles import Cycle
    from graders.evidence import Evidence, EvidenceBatch

    q = (select(Cycle.name, Evidence.employee_id, Evidence.item, Evidence.raw, Evidence.max_raw)
         .join(EvidenceBatch, Evidence.batch_id == EvidenceBatch.id)
         .join(Cycle, Evidence.cycle_id == Cycle.id)
         .where(Evidence.source == "theory", EvidenceBatch.superseded_by.is_(None),
                Evidence.item.like(f"{exam}/%"))
         .order_by(Cycle.opens_on, Evidence.employee_id, Evidence.item))
    rows = session.execute(q).all()
    f = pd.DataFrame(rows, columns=["cycle", "trainee", "item", "raw", "max_raw"])
    f = f[f["max_raw"].notna() & (f["max_raw"] > 0) & f["raw"].notna()]
    return pd.DataFrame({"cycle": f["cycle"], "trainee": f["trainee"],
                         "question": f["item"].str.split("/", n=1).str[1],
                         "correct": (f["raw"] >= f["max_raw"] - 1e-9).astype(int)})
