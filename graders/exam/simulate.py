"""Simulated trainees and trainers for the demo and the tests: answer sheets of a chosen ability.

Uses the trainer-side bank (it must know the key to answer right); the result is exactly what the
widgets would write, so grading cannot tell a simulated sheet from a clicked one.
"""

from __future__ import annotations

import random

from graders.exam.bank import Bank, Question
from graders.exam.public import public_exam, variant


def correct_answer(bank: Bank, q: Question):
    return q.kind.correct_answer(bank.name, q)


def wrong_answer(bank: Bank, q: Question, rng: random.Random):
    return q.kind.wrong_answer(bank.name, q, rng)


def answer_sheet(bank: Bank, trainee: str, ability: float, seed: int = 0) -> tuple[dict, dict]:
    """({question id: answer} for the widget questions, {slot: text} for the free-text answers).

    `ability` 0..1 is the chance of answering each question right; 1.0 is the full solution.
    """
    rng = random.Random(f"{bank.name}|{trainee}|{seed}")
    answers, texts = {}, {}
    for slot, view in variant(public_exam(bank), trainee).items():
        q = bank.by_id[view.question]
        right = rng.random() < ability
        if q.manual:
            texts[slot] = ("[good answer] A complete answer that covers every point of the mark scheme."
                           if right else "I would tell the customer to wait.")
            continue
        if rng.random() < 0.03 and ability < 1:
            continue  # left unanswered
        answers[q.id] = correct_answer(bank, q) if right else wrong_answer(bank, q, rng)
    return answers, texts


def trainer_mark(bank: Bank, qid: str, text: str, rng: random.Random) -> float:
    """A simulated trainer applying the mark scheme: good answers score high, weak ones low."""
    q = bank.by_id[qid]
    if text.startswith("[good answer]"):
        return float(q.points) if rng.random() < 0.7 else max(0.0, q.points - 1)
    return float(rng.choice([0, min(1, q.points)]))
