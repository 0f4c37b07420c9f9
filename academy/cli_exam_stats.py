"""`academy exam stats`: the exam statistics of graders.exam.item_stats in the terminal."""

from __future__ import annotations

import math

from rich.table import Table as RichTable

from academy.cli_common import console


def _pct(x) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.0f}%"


def _num(x, fmt: str = "{:.2f}") -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else fmt.format(x)


def show(home, exam: str, options: bool = True, cycles: bool = True) -> None:
    from graders.exam.item_stats import rasch_across_cycles
    from graders.exam.stats import exam_report, theory_responses

    rep = exam_report(home, exam)
    ex = rep["exam"]
    if ex.get("n"):
        console.print(
            f"{ex['n']} trainees; total as % of the maximum: mean {ex['mean']:.1f}, median "
            f"{ex['median']:.1f}, SD {_num(ex['sd'], '{:.1f}')}, skewness {_num(ex['skewness'])}, "
            f"kurtosis {_num(ex['kurtosis'])}; Cronbach's alpha (KR-20 for right/wrong questions) "
            f"{_num(ex['alpha'])} over {ex['slots']} slots, error ratio {_pct(ex['error_ratio'])}, "
            f"standard error {_num(ex['sem'], '{:.1f}')} points")
    else:
        console.print("No graded answers yet.")
    t = RichTable("question", "competency", "pool", "n", "facility", "SD", "guess", "intended",
                  "effective", "discrimination", "efficiency", "flag")
    for r in rep["questions"].itertuples():
        t.add_row(r.question, r.competency, r.pool, str(r.n), _pct(r.facility), _pct(r.sd),
                  _pct(r.random_guess), _pct(r.intended_weight), _pct(r.effective_weight),
                  _pct(r.discrimination), _pct(r.efficiency), r.flag)
    console.print(t)
    console.print("Percentages as Moodle shows them: facility = mean share of the points; guess = "
                  "the score of a random answer; intended/effective weight = the question's share "
                  "of the maximum / of the spread of totals; discrimination = correlation with the "
                  "rest of the exam; efficiency = that covariance over the largest possible.")
    if len(rep["pools"]):
        p = RichTable(title="Pool variants", *["pool", "question", "n", "facility",
                                               "others", "spread", "p (ANOVA)", "flag"])
        for r in rep["pools"].itertuples():
            p.add_row(r.pool, r.question, str(r.n), _pct(r.facility), _pct(r.mean_others),
                      _pct(r.spread), _num(r.p_value, "{:.3f}"), r.flag)
        console.print(p)
    if options and len(rep["options"]):
        o = RichTable(title="Options (* marks the key)", *["question", "option", "chose",
                                                          "share", "upper 27%", "lower 27%",
                                                          "rest r", "flag"])
        for r in rep["options"].itertuples():
            o.add_row(r.question, ("*" if r.key else " ") + str(r.text)[:40], str(r.count),
                      _pct(r.share), _pct(r.upper), _pct(r.lower), _num(r.rest_r), r.flag)
        console.print(o)
        console.print("(* marks the key)")
    if cycles:
        with home.transaction() as s:
            resp = theory_responses(s, exam)
        if resp["cycle"].nunique() >= 1 and len(resp):
            rr = rasch_across_cycles(resp)
            c = RichTable(title="Rasch difficulty (logits) per cycle, linked on common questions",
                          *["cycle", "question", "n", "right", "difficulty", "SE", "linked",
                            "anchor", "drift"])
            for r in rr.itertuples():
                c.add_row(r.cycle, r.question, str(r.n), _pct(r.p), f"{r.difficulty:+.2f}",
                          f"{r.se:.2f}", _num(r.linked, "{:+.2f}"), "yes" if r.anchor else "",
                          _num(r.drift, "{:+.2f}") + (" drifted" if r.drifted else ""))
            console.print(c)
