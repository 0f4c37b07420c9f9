"""Exam statistics at Moodle's level and beyond (formulas in docs/exams.md, "Exam statistics").

Per question: facility, standard deviation, random-guess score, intended and effective weight,
discrimination index and discriminative efficiency; per option: who chose it, in the upper and
lower 27%, and its correlation with the rest of the exam (distractor analysis); per exam: mean,
median, SD, skewness, kurtosis, Cronbach's alpha (KR-20 for 0/1 items), error ratio and standard
error of measurement; per pool: are its variants equally hard; across cycles: Rasch
difficulties on one scale, linked on the questions the cycles share.

Pure functions on DataFrames. `scores` is DataFrame[trainee, question, points, max_points] (one
row per question a trainee was given and that has points); a pool's questions form one *slot*
(Moodle's position), the sum of the questions the trainee drew from it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from graders.engine.fairness import fit_rasch

UPPER_LOWER = 0.27

QUESTION_COLUMNS = ["question", "competency", "type", "pool", "n", "facility", "sd",
                    "random_guess", "intended_weight", "effective_weight", "discrimination",
                    "efficiency", "flag"]
OPTION_COLUMNS = ["question", "option", "text", "key", "count", "share", "upper", "lower",
                  "rest_r", "flag"]
POOL_COLUMNS = ["pool", "question", "n", "facility", "mean_others", "spread", "p_value", "flag"]
RASCH_COLUMNS = ["cycle", "question", "n", "p", "difficulty", "se", "linked", "anchor", "drift"]


# --- per question ----------------------------------------------------------------------------


def random_guess_score(exam: str, q) -> float | None:
    """Expected share of the points of an answer picked at random among all possible responses
    (Moodle: the mean score over the choices), scored by the exam's own rules: single choice and
    true/false over their options, multiple choice over every subset of options; 0 for numeric
    and text answers (no finite set to guess from); None for a trainer-marked free text."""
    return q.kind.random_guess_score(exam, q)


def _slots(scores: pd.DataFrame, pools: pd.Series) -> pd.DataFrame:
    """Trainee x slot points and maxima (a pool's questions summed into one slot)."""
    slot = scores["question"].map(pools).where(lambda s: s.notna() & (s != ""), scores["question"])
    f = scores.assign(slot=slot.map(lambda s: str(s)))
    return f.pivot_table(index="trainee", columns="slot", values="points", aggfunc="sum")


def discriminative_efficiency(x: np.ndarray, rest: np.ndarray) -> float:
    """Cov(x, rest) over the largest covariance the two sets of values allow (both sorted the same
    way): Moodle's discriminative efficiency, as a share."""
    if len(x) < 2:
        return math.nan
    c = np.cov(x, rest, ddof=1)[0, 1]
    cmax = np.cov(np.sort(x), np.sort(rest), ddof=1)[0, 1]
    return float(c / cmax) if cmax > 0 else math.nan


def question_statistics(scores: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """One row per question of `meta` (question, competency, type, pool, max_points,
    random_guess): the figures of QUESTION_COLUMNS, facility/sd/weights/indices as shares 0-1."""
    pools = meta.set_index("question")["pool"].fillna("")
    totals = scores.groupby("trainee")["points"].sum()
    slot_pts = _slots(scores, pools)
    # intended weight: a slot's maximum over the exam's maximum (a pool's = one drawn question's
    # maximum x draws, taken from the trainees' own maxima)
    slot_max = scores.assign(slot=scores["question"].map(pools).where(
        lambda s: s != "", scores["question"])).groupby(["trainee", "slot"])["max_points"].sum()
    slot_max = slot_max.groupby("slot").median()
    intended = slot_max / slot_max.sum() if slot_max.sum() > 0 else slot_max * np.nan
    # effective weight: sqrt(Cov(slot, total)) over the sum of those of every slot
    tot = totals.reindex(slot_pts.index)
    cov = {}
    for s in slot_pts.columns:
        ok = slot_pts[s].notna()
        cov[s] = (np.cov(slot_pts.loc[ok, s], tot[ok], ddof=1)[0, 1] if ok.sum() > 1 else np.nan)
    roots = {s: math.sqrt(c) if c is not None and c == c and c > 0 else math.nan
             for s, c in cov.items()}
    root_sum = np.nansum(list(roots.values()))
    effective = {s: (r / root_sum if root_sum > 0 and r == r else math.nan)
                 for s, r in roots.items()}
    rows = []
    for m in meta.itertuples(index=False):
        q = scores[scores["question"] == m.question]
        q = q[q["max_points"] > 0]
        slot = m.pool or m.question
        n = len(q)
        frac = (q["points"] / q["max_points"]).to_numpy(dtype=float)
        rest = (totals.reindex(q["trainee"]).to_numpy(dtype=float)
                - q["points"].to_numpy(dtype=float))
        fac = float(frac.mean()) if n else math.nan
        sd = float(frac.std(ddof=1)) if n > 1 else math.nan
        disc = (float(np.corrcoef(frac, rest)[0, 1])
                if n > 2 and frac.std() > 0 and rest.std() > 0 else math.nan)
        eff = discriminative_efficiency(frac, rest) if n > 2 and frac.std() > 0 else math.nan
        flag = []
        if fac == fac and fac > 0.95:
            flag.append("too easy")
        if fac == fac and fac < 0.2:
            flag.append("too hard")
        guess = m.random_guess
        if (guess is not None and guess == guess and guess > 0 and fac == fac
                and fac <= guess + 0.05):
            flag.append("no better than guessing")
        if disc == disc and disc < 0.1:
            flag.append("low discrimination")
        rows.append({"question": m.question, "competency": m.competency, "type": m.type,
                     "pool": m.pool or "", "n": n, "facility": fac, "sd": sd,
                     "random_guess": guess if guess is not None else math.nan,
                     "intended_weight": float(intended.get(slot, math.nan)),
                     "effective_weight": float(effective.get(slot, math.nan)),
                     "discrimination": disc, "efficiency": eff, "flag": "; ".join(flag)})
    return pd.DataFrame(rows, columns=QUESTION_COLUMNS)


# --- per option ------------------------------------------------------------------------------


def option_statistics(choices: pd.DataFrame, scores: pd.DataFrame,
                      share: float = UPPER_LOWER) -> pd.DataFrame:
    """Distractor analysis. `choices`: DataFrame[trainee, question, option, text, key, chosen]
    (one row per option shown to a trainee). Per option: how many chose it and their share; the
    share choosing it in the upper and lower `share` (27%) of trainees by total score; and the
    point-biserial correlation of choosing it with the rest of the exam. A distractor nobody
    chose does no work; one chosen more by the upper group than the lower, or correlating
    positively with the rest, may be a second right answer."""
    if choices.empty:
        return pd.DataFrame(columns=OPTION_COLUMNS)
    totals = scores.groupby("trainee")["points"].sum()
    pts = scores.set_index(["trainee", "question"])["points"]
    rows = []
    for (qid, oid), g in choices.groupby(["question", "option"], sort=False):
        takers = g["trainee"].to_numpy()
        chosen = g["chosen"].to_numpy(dtype=float)
        t = totals.reindex(takers).to_numpy(dtype=float)
        own = pts.reindex(list(zip(takers, [qid] * len(takers)))).to_numpy(dtype=float)
        rest = t - np.nan_to_num(own)
        order = np.argsort(-t, kind="stable")
        k = max(1, int(round(share * len(takers))))
        upper = float(chosen[order[:k]].mean()) if len(takers) else math.nan
        lower = float(chosen[order[-k:]].mean()) if len(takers) else math.nan
        r = (float(np.corrcoef(chosen, rest)[0, 1])
             if len(takers) > 2 and chosen.std() > 0 and rest.std() > 0 else math.nan)
        key = bool(g["key"].iloc[0])
        flag = ""
        enough = chosen.sum() >= 2  # one trainee's choice is no pattern
        if not key and chosen.sum() == 0:
            flag = "chosen by nobody"
        elif not key and enough and (upper > lower or (r == r and r > 0.1)):
            flag = "attracts strong trainees"
        elif key and (upper < lower or (r == r and r < 0)):
            flag = "key chosen more by weak trainees"
        rows.append({"question": qid, "option": oid, "text": g["text"].iloc[0], "key": key,
                     "count": int(chosen.sum()), "share": float(chosen.mean()),
                     "upper": upper, "lower": lower, "rest_r": r, "flag": flag})
    return pd.DataFrame(rows, columns=OPTION_COLUMNS)


# --- per exam --------------------------------------------------------------------------------


def exam_statistics(scores: pd.DataFrame, pools: pd.Series | None = None) -> dict:
    """Mean, median, SD (n - 1), skewness and excess kurtosis (bias-corrected, as Moodle and
    Excel's SKEW/KURT), Cronbach's alpha over slots (KR-20 when every slot scores 0/1), error
    ratio sqrt(1 - alpha) and standard error of measurement SD x error ratio; totals as % of the
    exam's maximum."""
    pools = pools if pools is not None else pd.Series(dtype=object)
    totals = scores.groupby("trainee")["points"].sum()
    maxima = scores.groupby("trainee")["max_points"].sum()
    pct = 100.0 * totals / maxima.where(maxima > 0)
    n = int(len(totals))
    out = {"n": n, "max_points": float(maxima.median()) if n else math.nan}
    x = pct.to_numpy(dtype=float)
    out["mean"] = float(x.mean()) if n else math.nan
    out["median"] = float(np.median(x)) if n else math.nan
    out["sd"] = float(x.std(ddof=1)) if n > 1 else math.nan
    out["skewness"] = float(stats.skew(x, bias=False)) if n > 2 and x.std() > 0 else math.nan
    out["kurtosis"] = (float(stats.kurtosis(x, bias=False)) if n > 3 and x.std() > 0
                       else math.nan)
    slots = _slots(scores, pools.reindex(scores["question"].unique()).fillna("")
                   if len(pools) else pd.Series("", index=scores["question"].unique()))
    alpha = cronbach_alpha(slots.dropna(axis=0, how="any").to_numpy(dtype=float))
    out["alpha"] = alpha
    out["slots"] = int(slots.shape[1])
    out["error_ratio"] = math.sqrt(1 - alpha) if alpha == alpha and alpha <= 1 and alpha >= 0 \
        else math.nan
    out["sem"] = out["error_ratio"] * out["sd"] if out["error_ratio"] == out["error_ratio"] \
        else math.nan
    return out


def cronbach_alpha(matrix: np.ndarray) -> float:
    """k / (k - 1) x (1 - sum of item variances / variance of totals), trainees x items without
    gaps; equals KR-20 for 0/1 items (p q is the item variance with n in the denominator, and
    the ratio is the same whichever denominator both variances use)."""
    if matrix.ndim != 2 or matrix.shape[0] < 2 or matrix.shape[1] < 2:
        return math.nan
    k = matrix.shape[1]
    item_var = matrix.var(axis=0, ddof=1).sum()
    total_var = matrix.sum(axis=1).var(ddof=1)
    if total_var <= 0:
        return math.nan
    return float(k / (k - 1) * (1 - item_var / total_var))


# --- per pool --------------------------------------------------------------------------------


def pool_statistics(qstats: pd.DataFrame, scores: pd.DataFrame, alpha: float = 0.05,
                    spread_limit: float = 0.15) -> pd.DataFrame:
    """Are a pool's questions equally hard? Per member: facility and n, the mean facility of the
    other members, the pool's spread (highest - lowest facility) and a one-way ANOVA of the
    members' score shares (scipy f_oneway); 'unequal variants' when p < alpha and the spread is
    at least `spread_limit`: trainees who drew the harder variant are disadvantaged."""
    rows = []
    pooled = qstats[qstats["pool"] != ""]
    for pool, g in pooled.groupby("pool"):
        groups = []
        for qid in g["question"]:
            q = scores[(scores["question"] == qid) & (scores["max_points"] > 0)]
            groups.append((q["points"] / q["max_points"]).to_numpy(dtype=float))
        usable = [x for x in groups if len(x) >= 2]
        p = math.nan
        if len(usable) >= 2 and any(x.std() > 0 for x in usable):
            p = float(stats.f_oneway(*usable).pvalue)
        spread = float(g["facility"].max() - g["facility"].min())
        unequal = p == p and p < alpha and spread >= spread_limit
        for r in g.itertuples(index=False):
            others = g[g["question"] != r.question]["facility"]
            rows.append({"pool": pool, "question": r.question, "n": r.n, "facility": r.facility,
                         "mean_others": float(others.mean()) if len(others) else math.nan,
                         "spread": spread, "p_value": p,
                         "flag": "unequal variants" if unequal else ""})
    return pd.DataFrame(rows, columns=POOL_COLUMNS)


# --- Rasch across cycles -------------------------------------------------------------------


def rasch_across_cycles(responses: pd.DataFrame, drift_limit: float = 0.5) -> pd.DataFrame:
    """Dichotomous Rasch difficulties per cycle, linked onto the first cycle's scale.

    `responses`: DataFrame[cycle, trainee, question, correct (0/1)], cycles in time order. Each
    cycle is calibrated alone (graders.engine.fairness.fit_rasch with one rater: penalised joint maximum
    likelihood, difficulties centred within the cycle); then mean-mean linking: a cycle's
    difficulties are shifted by the mean difference of the questions it shares with the cycles
    already on the scale (anchors). `drift`: an anchor's linked difficulty minus its difficulty on
    the scale so far (beyond +/- drift_limit logits the question has changed: reworded, leaked).
    A cycle sharing no question with the earlier ones cannot be linked (`linked` is NaN)."""

    rows = []
    scale: dict[str, float] = {}
    for cycle in list(dict.fromkeys(responses["cycle"])):
        c = responses[responses["cycle"] == cycle]
        r = pd.DataFrame({"employee_id": c["trainee"].astype(str), "rater_id": "-",
                          "rubric": "exam", "criterion": c["question"].astype(str),
                          "category": c["correct"].astype(int), "steps": 1})
        if r["criterion"].nunique() < 2:
            continue
        fit = fit_rasch(r)
        d = fit.difficulty.rename(lambda k: k.split("/", 1)[1])
        se = fit.difficulty_se.rename(lambda k: k.split("/", 1)[1])
        common = [q for q in d.index if q in scale]
        if not scale:
            shift = 0.0
        elif common:
            shift = float(np.mean([scale[q] for q in common]) - d[common].mean())
        else:
            shift = math.nan
        stats_q = c.groupby("question")["correct"].agg(["size", "mean"])
        for q in d.index:
            linked = d[q] + shift
            anchor = q in common
            rows.append({"cycle": cycle, "question": q, "n": int(stats_q.loc[q, "size"]),
                         "p": float(stats_q.loc[q, "mean"]), "difficulty": float(d[q]),
                         "se": float(se[q]), "linked": linked, "anchor": anchor,
                         "drift": linked - scale[q] if anchor else math.nan})
        if shift == shift:
            for q in d.index:
                scale.setdefault(q, float(d[q] + shift))
    out = pd.DataFrame(rows, columns=RASCH_COLUMNS)
    out["drifted"] = out["drift"].abs() > drift_limit
    return out
