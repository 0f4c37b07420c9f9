"""Fair measurement on the dashboards: trainer severity (trainer view), the practical scores
adjusted for it (manager view) and the exam statistics (trainer view). Figures come from
graders.engine.fairness and graders.exam.item_stats; labels from dashboards.labels, in either language."""

from __future__ import annotations

import math

import pandas as pd

from dashboards.labels import t


def trainer_severity(home, cycle: str):
    """(fit, None) of a cycle's practical ratings as fitted by its current grade run
    (graders.results.run_flags_store: the same model the run's fair scores came from, never refitted
    here), or (None, reason code) when the run had none (no ratings, a design not connected),
    the cycle is not graded, or its run was stored before fits were kept. For the trainer view."""
    from sqlalchemy.orm import Session

    from core.cycles import get_cycle
    from graders.results.run_flags_store import read_fairness
    from graders.results.store import current_run

    with Session(home.engine) as s:
        run = current_run(s, get_cycle(s, cycle).id)
        if run is None:
            return None, "fair_none"
        fit, reason = read_fairness(s, run.id)
    if fit is None:
        return None, reason or "fair_not_stored"
    return fit, None


def severity_table(res, loc: str) -> pd.DataFrame:
    """Per trainer: ratings, severity (logits) with SE, infit, outfit, points with SE."""
    tr = res.trainers.sort_values("severity")
    out = pd.DataFrame({
        t("trainer", loc): tr["rater_id"],
        t("fair_ratings", loc): tr["ratings"].astype(int),
        t("fair_severity", loc): tr["severity"].round(2),
        t("fair_se", loc): tr["se"].round(2),
        t("fair_infit", loc): tr["infit"].round(2),
        t("fair_outfit", loc): tr["outfit"].round(2),
        t("fair_points", loc): tr["points"].round(1),
        t("fair_points_se", loc): tr["points_se"].round(1)})
    return out.reset_index(drop=True)


def variance_table(res, loc: str) -> pd.DataFrame:
    v = res.variance
    return pd.DataFrame({t("fair_source", loc): [t(f"fair_src_{s}", loc) for s in v["source"]],
                         t("fair_variance", loc): v["variance"].round(1),
                         t("fair_share", loc): [f"{x:.0%}" for x in v["share"]]})


def reliability_sentence(res, loc: str) -> str:
    rel = res.reliability
    if not rel or rel.get("trainers_needed") is None:
        return ""
    return t("fair_needed", loc).format(
        one=f"{rel['one_trainer']:.2f}", k=rel["trainers_needed"],
        kf=rel["trainers_needed_fair"] if rel["trainers_needed_fair"] is not None else "-",
        now=f"{rel['current']:.2f}", n=f"{rel['trainers']:.1f}")


def adjusted_scores(components: pd.DataFrame, results: pd.DataFrame, loc: str,
                    limit: int = 40) -> tuple[pd.DataFrame, dict]:
    """The practical scores of the people shown (a manager's slice) with the raw and fair figures
    kept in the results' provenance: who was adjusted, by how much, and whether the scheme
    graded on the fair score; largest changes first. Returns (table, summary)."""
    c = components[components["component"] == "practical"]
    rows = []
    for r in c.itertuples(index=False):
        sc = r.scores if isinstance(r.scores, dict) else None
        if not sc or "raw" not in sc or "fair" not in sc:
            continue
        # graded on the fair score: the stored score is the fair one (and not also the raw one)
        used = (r.score == r.score and abs(float(r.score) - float(sc["fair"])) < 1e-6
                and abs(float(sc["fair"]) - float(sc["raw"])) >= 1e-6)
        rows.append((r.employee_id, float(sc["raw"]), float(sc["fair"]),
                     float(sc["fair"]) - float(sc["raw"]), used))
    f = pd.DataFrame(rows, columns=["employee_id", "raw", "fair", "change", "used"])
    summary = {"n": len(f), "adjusted": int((f["change"].abs() >= 0.5).sum()),
               "mean_abs": float(f["change"].abs().mean()) if len(f) else math.nan,
               "used": bool(f["used"].any()) if len(f) else False}
    info = results.set_index("employee_id")
    f = f.assign(size=f["change"].abs()).sort_values(["size", "employee_id"],
                                                     ascending=[False, True]).head(limit)
    table = pd.DataFrame({
        t("person", loc): [info["name"].get(e, e) for e in f["employee_id"]],
        t("team", loc): [info["team"].get(e, "") for e in f["employee_id"]],
        t("fair_raw", loc): f["raw"].round(1), t("fair_fair", loc): f["fair"].round(1),
        t("fair_change", loc): [f"{x:+.1f}" for x in f["change"]],
        t("fair_counted", loc): [t("fair_counted_fair" if u else "fair_counted_raw", loc)
                                 for u in f["used"]]})
    return table.reset_index(drop=True), summary


def exam_summary(home, loc: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per graded exam: the exam's figures; and per question (its id and text): Moodle's
    figures (as %)."""
    from dashboards.exams import exam_titles, exams
    from graders.exam import lifecycle
    from graders.exam.stats import exam_report

    titles = exam_titles(home)
    ex_rows, q_rows = [], []
    for exam in exams(home):
        try:
            rep = exam_report(home, exam)
        except Exception:  # an exam never graded has nothing to analyse
            continue
        e = rep["exam"]
        if not e.get("n"):
            continue
        name = titles.get(exam, exam)
        try:  # each question by its text beside its id, as the trainer wrote it
            stems = {q.id: q.stem for q in lifecycle._bank(home, exam).questions}
        except Exception:  # noqa: BLE001 - the bank is gone: the id alone
            stems = {}
        ex_rows.append((name, e["n"], e["mean"], e["median"], e["sd"], e["skewness"],
                        e["kurtosis"], e["alpha"], e["error_ratio"], e["sem"]))
        for q in rep["questions"].itertuples():
            text = f"{q.question} {stems.get(q.question, '')}".strip()
            q_rows.append((name, text, q.n, q.facility, q.sd, q.random_guess,
                           q.intended_weight, q.effective_weight, q.discrimination,
                           q.efficiency))

    def fmt(x, pct=False):
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return "-"
        return f"{100 * x:.0f}%" if pct else f"{x:.2f}"

    exams_t = pd.DataFrame([(n, k, fmt(m), fmt(md), fmt(sd), fmt(sk), fmt(ku), fmt(a),
                             fmt(er, True), fmt(se))
                            for n, k, m, md, sd, sk, ku, a, er, se in ex_rows],
                           columns=[t(c, loc) for c in ("exam", "fair_takers", "mean", "median",
                                                        "sd", "skewness", "kurtosis",
                                                        "cronbach_alpha", "error_ratio", "sem")])
    qs_t = pd.DataFrame([(n, q, k, *[fmt(x, True) for x in rest]) for n, q, k, *rest in q_rows],
                        columns=[t(c, loc) for c in ("exam", "question", "responses", "facility",
                                                     "sd", "random_guess", "intended_weight",
                                                     "effective_weight", "discrimination",
                                                     "efficiency")])
    return exams_t, qs_t
