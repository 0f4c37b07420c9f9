"""Exam statistics (graders.exam.item_stats): every figure against a case computed by hand, KR-20
against a published worked example, unequal pool variants found, and Rasch difficulties of two
cycles linked on their common questions (simulated with a known truth)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from graders.exam import item_stats as st
from graders.exam.bank import Question

# 4 trainees; q1 and q2 worth 1 point, q3 worth 2: totals 4, 2, 1, 1 (100, 50, 25, 25 %)
HAND = {"T1": (1, 1, 2), "T2": (1, 0, 1), "T3": (0, 1, 0), "T4": (0, 0, 1)}
MAXIMA = (1, 1, 2)


def _scores(table=HAND, maxima=MAXIMA, names=("q1", "q2", "q3")) -> pd.DataFrame:
    return pd.DataFrame([(t, q, float(p), float(m)) for t, pts in table.items()
                         for q, p, m in zip(names, pts, maxima)],
                        columns=["trainee", "question", "points", "max_points"])


def _meta(names=("q1", "q2", "q3"), pools=("", "", "")) -> pd.DataFrame:
    return pd.DataFrame({"question": list(names), "competency": "knowledge", "type": "single",
                         "pool": list(pools), "random_guess": 0.25})


def test_are_the_exam_figures_the_hand_computed_ones():
    """Mean 50, median 37.5, SD sqrt(1250), skewness sqrt(2), kurtosis 1.5, alpha 0.5, error
    ratio sqrt(0.5), SEM 25: worked out by hand for the 4-trainee case?"""
    ex = st.exam_statistics(_scores())
    assert ex["n"] == 4
    assert ex["mean"] == pytest.approx(50.0)
    assert ex["median"] == pytest.approx(37.5)
    assert ex["sd"] == pytest.approx(math.sqrt(1250))
    assert ex["skewness"] == pytest.approx(math.sqrt(2))
    assert ex["kurtosis"] == pytest.approx(1.5)
    assert ex["alpha"] == pytest.approx(0.5)
    assert ex["error_ratio"] == pytest.approx(math.sqrt(0.5))
    assert ex["sem"] == pytest.approx(25.0)


def test_are_the_question_figures_the_hand_computed_ones():
    """Facility, SD, intended and effective weight, discrimination (rest correlation) and
    discriminative efficiency of each question, against hand arithmetic?"""
    q = st.question_statistics(_scores(), _meta()).set_index("question")
    assert q.loc["q1", "facility"] == pytest.approx(0.5)
    assert q.loc["q3", "facility"] == pytest.approx(0.5)
    assert q.loc["q3", "sd"] == pytest.approx(math.sqrt(1 / 6))
    assert q.loc["q1", "discrimination"] == pytest.approx(1 / math.sqrt(3))
    assert q.loc["q2", "discrimination"] == pytest.approx(0.0, abs=1e-12)
    assert q.loc["q3", "discrimination"] == pytest.approx(0.5)
    assert q.loc["q1", "efficiency"] == pytest.approx(1.0)
    assert q.loc["q3", "efficiency"] == pytest.approx(0.5)
    assert list(q["intended_weight"]) == pytest.approx([0.25, 0.25, 0.5])
    roots = [math.sqrt(2 / 3), math.sqrt(1 / 3), 1.0]
    assert list(q["effective_weight"]) == pytest.approx([r / sum(roots) for r in roots])
    assert q.loc["q2", "flag"] == "low discrimination"


def test_is_the_random_guess_score_the_mean_over_all_possible_answers():
    """Single choice of 4: 1/4; true/false: 1/2; multiple choice of 3 (key A) over its 7 non-empty
    answers, scored per option: (1 + 1/3 + 1/3 + 2/3 + 2/3 + 0 + 1/3) / 7 = 10/21, all-or-nothing:
    1/7; numeric: 0; free text: none."""
    def q(**kw):
        base = dict(id="x", stem="s", points=1.0, competency="knowledge")
        return Question(**{**base, **kw})

    assert st.random_guess_score("e", q(type="single", options=list("abcd"),
                                        key_options=frozenset({1}))) == pytest.approx(0.25)
    assert st.random_guess_score("e", q(type="true_false", key_bool=True)) == pytest.approx(0.5)
    multi = dict(type="multiple", options=list("abc"), key_options=frozenset({0}))
    assert st.random_guess_score("e", q(**multi)) == pytest.approx(10 / 21, abs=1e-4)
    assert st.random_guess_score("e", q(**multi, partial="all_or_nothing")) == pytest.approx(1 / 7)
    assert st.random_guess_score("e", q(type="numeric", key_number=3.0)) == 0.0
    assert st.random_guess_score("e", q(type="free_text")) is None


def test_is_the_distractor_analysis_the_hand_computed_one():
    """Per option of q1 (T1, T2 chose the key A; T3 B; T4 C; nobody D): counts, upper/lower 27%
    shares, the key's correlation with the rest, and the distractor nobody chose flagged?"""
    picks = {"T1": "A", "T2": "A", "T3": "B", "T4": "C"}
    choices = pd.DataFrame([(t, "q1", o, f"option {o}", o == "A", picks[t] == o)
                            for t in picks for o in "ABCD"],
                           columns=["trainee", "question", "option", "text", "key", "chosen"])
    o = st.option_statistics(choices, _scores()).set_index("option")
    assert list(o["count"]) == [2, 1, 1, 0]
    assert o.loc["A", "share"] == pytest.approx(0.5)
    assert (o.loc["A", "upper"], o.loc["A", "lower"]) == (1.0, 0.0)
    assert (o.loc["C", "upper"], o.loc["C", "lower"]) == (0.0, 1.0)
    assert o.loc["A", "rest_r"] == pytest.approx(1 / math.sqrt(3))
    assert o.loc["D", "flag"] == "chosen by nobody"
    assert o.loc["A", "flag"] == ""


def test_does_kr20_match_the_published_worked_example():
    """Wuensch's KR-20 example (East Carolina University, StatHelp/KR20.txt): 10 students, 10
    items; published p = .7 .7 .6 .7 .6 .8 .7 .7 .5 .6, sum of pq 2.18, total variance 5.84, so
    KR-20 = 10/9 (1 - 2.18/5.84) = 0.696."""
    data = ["1111110110", "1011011101", "1111011001", "0010001000", "0000010010",
            "1110111111", "1101110111", "1111111101", "0101111101", "1101101110"]
    m = np.array([[int(c) for c in row] for row in data], dtype=float)
    assert list(m.sum(axis=1)) == [8, 7, 7, 2, 2, 9, 8, 9, 7, 7]
    p = m.mean(axis=0)
    assert list(p) == pytest.approx([.7, .7, .6, .7, .6, .8, .7, .7, .5, .6])
    assert float((p * (1 - p)).sum()) == pytest.approx(2.18)
    assert float(m.sum(axis=1).var(ddof=0)) == pytest.approx(5.84)
    kr20 = 10 / 9 * (1 - 2.18 / 5.84)
    assert st.cronbach_alpha(m) == pytest.approx(kr20)
    assert round(kr20, 3) == 0.696
    scores = pd.DataFrame([(f"S{i}", f"i{j}", m[i, j], 1.0) for i in range(10) for j in range(10)],
                          columns=["trainee", "question", "points", "max_points"])
    assert st.exam_statistics(scores)["alpha"] == pytest.approx(kr20)


def test_are_unequal_pool_variants_found_and_equal_ones_not():
    """A pool whose two variants are answered right by 85% and 30% is flagged; one whose variants
    are alike is not."""
    rng = np.random.default_rng(7)
    rows = []
    for i in range(80):
        t = f"T{i:02d}"
        a = "hard" if i % 2 else "easy"
        rows.append((t, a, float(rng.random() < (0.3 if a == "hard" else 0.85)), 1.0))
        b = "b1" if i % 2 else "b2"
        rows.append((t, b, float(rng.random() < 0.6), 1.0))
        rows.append((t, "fixed", float(rng.random() < 0.5), 1.0))
    scores = pd.DataFrame(rows, columns=["trainee", "question", "points", "max_points"])
    meta = _meta(("easy", "hard", "b1", "b2", "fixed"), ("p1", "p1", "p2", "p2", ""))
    q = st.question_statistics(scores, meta)
    pools = st.pool_statistics(q, scores).set_index("question")
    assert pools.loc["hard", "flag"] == "unequal variants"
    assert pools.loc["easy", "flag"] == "unequal variants"
    assert pools.loc["b1", "flag"] == "" and pools.loc["b2", "flag"] == ""
    assert pools.loc["hard", "p_value"] < 0.001
    assert pools.loc["b1", "spread"] < 0.15


def test_are_rasch_difficulties_of_two_cycles_put_on_one_scale_by_common_questions():
    """Cycle 2 shares 5 of its 10 questions with cycle 1 and its trainees are abler (+1 logit):
    are its new questions' linked difficulties close to their true values on cycle 1's scale,
    while the unlinked ones are shifted by the ability difference?"""
    rng = np.random.default_rng(11)
    true = {f"q{i:02d}": d for i, d in enumerate(np.linspace(-1.5, 1.5, 15))}
    c1 = [f"q{i:02d}" for i in range(10)]
    c2 = [f"q{i:02d}" for i in range(5, 15)]
    rows = []
    for cycle, items, mean in (("2026-Q3", c1, 0.0), ("2026-Q4", c2, 1.0)):
        for n in range(400):
            theta = rng.normal(mean, 1.0)
            for q in items:
                p = 1 / (1 + math.exp(-(theta - true[q])))
                rows.append((cycle, f"{cycle}-{n}", q, int(rng.random() < p)))
    resp = pd.DataFrame(rows, columns=["cycle", "trainee", "question", "correct"])
    out = st.rasch_across_cycles(resp)
    c2_rows = out[out["cycle"] == "2026-Q4"].set_index("question")
    assert c2_rows["anchor"].sum() == 5
    c1_rows = out[out["cycle"] == "2026-Q3"].set_index("question")
    centre = np.mean([true[q] for q in c1])  # cycle 1's scale is centred on its own questions
    new = [f"q{i:02d}" for i in range(10, 15)]
    err = [c2_rows.loc[q, "linked"] - (true[q] - centre) for q in new]
    assert abs(float(np.mean(err))) < 0.25 and max(abs(e) for e in err) < 0.5
    unlinked = [c2_rows.loc[q, "difficulty"] - (true[q] - centre) for q in new]
    assert abs(float(np.mean(unlinked))) > 0.5  # without the anchors the scale is off
    assert (c2_rows.loc[c2_rows["anchor"], "drift"].abs() < 0.5).all()
    assert c1_rows["linked"].tolist() == pytest.approx(c1_rows["difficulty"].tolist())
