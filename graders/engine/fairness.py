"""Fair measurement of practical exams: trainer severity estimated, reported and corrected.

Two models of the same criterion-level ratings (trainee x trainer x criterion):

* **Many-facet Rasch model** (Linacre's FACETS model with a rating scale per scenario):
  log(P(k) / P(k-1)) = ability(trainee) - severity(trainer) - difficulty(criterion) - tau_k(rubric),
  fitted by penalised joint maximum likelihood with scipy's L-BFGS-B and an analytic gradient
  (a weak N(0, 3^2) prior on every parameter keeps trainees or trainers with extreme scores
  finite). Severities are centred on the median trainer (0: a typical trainer; one lenient trainer
  among few does not make the others look harsh), difficulties and thresholds on 0 within each
  scenario. Standard errors from the information; infit and outfit mean squares from
  the standardised residuals.
* **Linear mixed model** (statsmodels MixedLM, crossed random effects): score (0-100) =
  criterion + trainee + trainer + residual; the trainer's BLUP is their effect in points.

Fair scores: a rating's trainer effect (the model's expected score under that trainer minus under an
average trainer, on 0-100, weighted over the rubric's criteria like the score itself) is taken off
the raw scenario score; ratings that missed a critical criterion keep their fail score (a missed
safety step is not a matter of leniency). The Facets "fair average" (the expected score under an
average trainer) is reported too.

Pure functions on DataFrames: no database, no command line (graders.fairness_store and the CLI
are the shells).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, sparse
from scipy.sparse import csgraph

from core.errors import AcademyError
from graders.sources import details_frame
from graders.sources.practical import ratings as rating_scores

MODELS = ("rasch", "mixed")
PRIOR_SD = 3.0
METHOD = "L-BFGS-B"
TARGET_RELIABILITY = 0.8

TRAINER_COLUMNS = ["rater_id", "ratings", "trainees", "severity", "se", "infit", "outfit",
                   "points", "points_se"]
TRAINEE_COLUMNS = ["employee_id", "rubric", "raters", "raw", "fair", "adjustment",
                   "fair_average", "ability", "se", "infit", "outfit"]
CRITERION_COLUMNS = ["rubric", "criterion", "difficulty", "se", "infit", "outfit"]
VARIANCE_COLUMNS = ["source", "variance", "share"]


class DisconnectedDesign(AcademyError):
    """Trainers and trainees fall into groups that share nobody: severities are not comparable."""

    def __init__(self, groups: list[tuple[list[str], list[str]]]):
        self.groups = groups
        parts = []
        for k, (trainers, trainees) in enumerate(groups, 1):
            names = ", ".join(trainers[:6]) + (f" and {len(trainers) - 6} more"
                                               if len(trainers) > 6 else "")
            parts.append(f"group {k}: trainer(s) {names} with {len(trainees)} trainee(s)")
        super().__init__(
            f"The practical ratings form {len(groups)} separate groups of trainers and trainees "
            f"({'; '.join(parts)}). No trainee was scored by trainers of two groups, so a "
            "trainer's severity cannot be told apart from the ability of the trainees they "
            "happened to score. Have some trainees of each group scored again by a trainer of "
            "another group (two trainers per trainee, pairs that overlap), then adjust again.")


@dataclass
class FairResult:
    """What `adjust` finds: per trainer, per trainee and scenario, per criterion, and the design."""

    model: str
    trainers: pd.DataFrame
    trainees: pd.DataFrame
    criteria: pd.DataFrame
    variance: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=VARIANCE_COLUMNS))
    reliability: dict = field(default_factory=dict)
    converged: bool = True

    def component(self) -> pd.DataFrame:
        """Per trainee: raw and fair practical component (mean over scenarios) and the change."""
        t = self.trainees
        if t.empty:
            return pd.DataFrame(columns=["employee_id", "raw", "fair", "adjustment"])
        out = t.groupby("employee_id").agg(raw=("raw", "mean"), fair=("fair", "mean")).reset_index()
        out["adjustment"] = out["fair"] - out["raw"]
        return out


# --- the data ---------------------------------------------------------------------------------


def criterion_ratings(ev: pd.DataFrame) -> pd.DataFrame:
    """One row per trainee, trainer and criterion: the level as a category 0..m of its rubric.

    The scale's minimum is recovered from the stored level and its 0-100 score; every rubric's
    levels must be whole steps of its scale (a Rasch rating scale has ordered categories).
    """
    cols = ["employee_id", "rater_id", "rubric", "criterion", "weight", "level", "category",
            "steps", "score", "critical_miss"]
    if ev.empty:
        return pd.DataFrame(columns=cols)
    d = details_frame(ev)
    r = pd.DataFrame({
        "employee_id": ev["employee_id"].astype(str).to_numpy(),
        "rater_id": ev["rater_id"].astype(str).to_numpy(),
        "rubric": d["rubric"].astype(str).to_numpy(),
        "criterion": d["criterion"].astype(str).to_numpy(),
        "weight": d["weight"].astype(float).to_numpy(),
        "level": ev["raw"].astype(float).to_numpy(),
        "high": ev["max_raw"].astype(float).to_numpy(),
        "score": ev["score"].astype(float).to_numpy(),
        "critical": d["critical"].astype(bool).to_numpy(),
        "pass_level": d["pass_level"].astype(float).to_numpy(),
    })
    low = {}
    for rubric, g in r.groupby("rubric"):
        inner = g[g["score"] < 100 - 1e-9]
        if inner.empty:  # everyone at the top: the span cannot be seen; any span gives one category
            low[rubric] = float(g["level"].min()) - 1.0
            continue
        span = (inner["high"] - inner["level"]) * 100.0 / (100.0 - inner["score"])
        low[rubric] = float(np.median(inner["high"] - span))
    r["low"] = r["rubric"].map(low)
    r["steps"] = np.rint(r["high"] - r["low"]).astype(int)
    cat = r["level"] - r["low"]
    bad = np.abs(cat - np.rint(cat)) > 1e-6
    if bad.any():
        b = r[bad].iloc[0]
        raise AcademyError(f"rubric {b['rubric']}: level {b['level']:g} "
                           f"(trainee {b['employee_id']}, trainer {b['rater_id']}) is not a "
                           "whole step of the scale; the Rasch model needs whole levels (use "
                           "--model mixed)")
    r["category"] = np.rint(cat).astype(int)
    miss = r.assign(m=r["critical"] & (r["level"] < r["pass_level"])).groupby(
        ["employee_id", "rubric", "rater_id"])["m"].transform("any")
    r["critical_miss"] = miss.astype(bool)
    return r[cols]


def design_groups(r: pd.DataFrame) -> list[tuple[list[str], list[str]]]:
    """Connected groups of the trainer-trainee graph (an edge per rating): [(trainers, trainees)],
    largest first."""
    if r.empty:
        return []
    trainees = np.array(sorted(r["employee_id"].unique()), dtype=object)
    trainers = np.array(sorted(r["rater_id"].unique()), dtype=object)
    ti = pd.Index(trainees).get_indexer(r["employee_id"])
    ri = pd.Index(trainers).get_indexer(r["rater_id"]) + len(trainees)
    n = len(trainees) + len(trainers)
    graph = sparse.coo_matrix((np.ones(len(r)), (ti, ri)), shape=(n, n))
    k, labels = csgraph.connected_components(graph, directed=False)
    groups = []
    for c in range(k):
        members = labels == c
        groups.append((sorted(trainers[members[len(trainees):]]),
                       sorted(trainees[members[:len(trainees)]])))
    groups.sort(key=lambda g: (-len(g[1]) - len(g[0]), g[0]))
    return groups


def check_connected(r: pd.DataFrame) -> None:
    """Raise DisconnectedDesign when the trainers and trainees are not one connected design."""
    groups = design_groups(r)
    if len(groups) > 1:
        raise DisconnectedDesign(groups)


# --- many-facet Rasch model --------------------------------------------------------------------


def _sum_zero(k: int) -> np.ndarray:
    """k x (k-1) basis of vectors summing to 0 (k x 0 when k == 1)."""
    if k <= 1:
        return np.zeros((k, 0))
    return np.vstack([np.eye(k - 1), -np.ones((1, k - 1))])


@dataclass
class RaschFit:
    ability: pd.Series  # per trainee, logits
    ability_se: pd.Series
    severity: pd.Series  # per trainer, logits, + harsher
    severity_se: pd.Series
    difficulty: pd.Series  # per (rubric, criterion)
    difficulty_se: pd.Series
    thresholds: dict  # rubric -> tau_1..tau_m
    expected: np.ndarray  # per observation
    variance: np.ndarray  # per observation
    expected_fair: np.ndarray  # per observation, under an average trainer
    converged: bool
    iterations: int


def fit_rasch(r: pd.DataFrame, prior_sd: float = PRIOR_SD, solver: str = "newton",
              gtol: float = 1e-6) -> RaschFit:
    """Fit the many-facet rating scale model to `criterion_ratings` rows (connected design).

    `solver` "newton" (the default: exact Hessian, a handful of steps to the optimum) or
    "lbfgs" (scipy's L-BFGS-B to projected gradient `gtol`, hundreds of steps; how it was fitted
    before issue 17, kept as the reference the tests compare with)."""
    if solver not in ("newton", "lbfgs"):
        raise ValueError(f"unknown solver {solver!r}")
    pers = pd.Index(sorted(r["employee_id"].unique()))
    rats = pd.Index(sorted(r["rater_id"].unique()))
    keys = r["rubric"] + "/" + r["criterion"]
    crits = pd.Index(sorted(keys.unique()))
    rubrics = pd.Index(sorted(r["rubric"].unique()))
    n_i = pers.get_indexer(r["employee_id"])
    r_i = rats.get_indexer(r["rater_id"])
    c_i = crits.get_indexer(keys)
    g_i = rubrics.get_indexer(r["rubric"])
    x = r["category"].to_numpy(dtype=int)
    steps = r.groupby("rubric")["steps"].max().reindex(rubrics).to_numpy(dtype=int)
    big_m = int(steps.max())
    n_obs = len(r)

    # linear maps from free parameters to full vectors (sum-zero constraints)
    crit_rubric = pd.Series([c.split("/", 1)[0] for c in crits])
    s_alpha = _sum_zero(len(rats))
    blocks_d, blocks_t = [], []
    for gi, rub in enumerate(rubrics):
        idx = np.flatnonzero(crit_rubric.to_numpy() == rub)
        b = np.zeros((len(crits), max(len(idx) - 1, 0)))
        b[np.ix_(idx, np.arange(max(len(idx) - 1, 0)))] = _sum_zero(len(idx))
        blocks_d.append(b)
        t = np.zeros((len(rubrics) * big_m, max(steps[gi] - 1, 0)))
        t[gi * big_m: gi * big_m + steps[gi], :] = _sum_zero(steps[gi])
        blocks_t.append(t)
    s_delta = np.hstack(blocks_d) if blocks_d else np.zeros((len(crits), 0))
    s_tau = np.hstack(blocks_t)
    sizes = [len(pers), s_alpha.shape[1], s_delta.shape[1], s_tau.shape[1]]
    cuts = np.cumsum(sizes)[:-1]
    valid = np.arange(big_m + 1)[None, :] <= steps[:, None]  # rubric x category
    ks = np.arange(big_m + 1, dtype=float)

    def unpack(p):
        th, af, df, tf = np.split(p, cuts)
        tau = (s_tau @ tf).reshape(len(rubrics), big_m)
        return th, s_alpha @ af, s_delta @ df, tau

    def probs(th, al, de, tau, with_rater=True):
        eta = th[n_i] - (al[r_i] if with_rater else 0.0) - de[c_i]
        cum = np.hstack([np.zeros((len(rubrics), 1)), np.cumsum(tau, axis=1)])  # T_k
        logits = ks[None, :] * eta[:, None] - cum[g_i]
        logits = np.where(valid[g_i], logits, -np.inf)
        top = logits.max(axis=1)
        ex = np.exp(logits - top[:, None])
        total = ex.sum(axis=1)
        return eta, cum, ex / total[:, None], top + np.log(total)

    inv_var = 1.0 / prior_sd ** 2

    def objective(p):
        th, al, de, tau = unpack(p)
        eta, cum, pr, lse = probs(th, al, de, tau)
        ll = np.sum(x * eta - cum[g_i, x] - lse)
        ll -= 0.5 * inv_var * (th @ th + al @ al + de @ de + np.sum(tau * tau))
        e = pr @ ks
        resid = x - e  # d ll / d eta
        g_th = np.bincount(n_i, resid, len(pers)) - inv_var * th
        g_al = -np.bincount(r_i, resid, len(rats)) - inv_var * al
        g_de = -np.bincount(c_i, resid, len(crits)) - inv_var * de
        # d ll / d T_k = -1[x = k] + P_k ; T_k = sum_{j<=k} tau_j  ->  d/d tau_j = sum_{k>=j}
        onehot = np.zeros_like(pr)
        onehot[np.arange(n_obs), x] = 1.0
        d_cum = pr - onehot
        g_cum = np.stack([np.bincount(g_i, d_cum[:, k], len(rubrics))
                          for k in range(big_m + 1)], axis=1)
        g_tau = np.cumsum(g_cum[:, ::-1], axis=1)[:, ::-1][:, 1:] - inv_var * tau
        grad = np.concatenate([g_th, s_alpha.T @ g_al, s_delta.T @ g_de, s_tau.T @ g_tau.ravel()])
        return -ll, -grad

    # Newton's method on the (strictly convex) penalised objective: the trainees' block of the
    # Hessian is diagonal, so each step is one small dense solve (raters, criteria, thresholds)
    # after eliminating the trainees (Schur complement). It reaches the optimum L-BFGS stopped
    # near (gtol 1e-6, hundreds of iterations) in a handful of steps, each O(ratings).
    n_tf = s_tau.shape[1]
    n_o = sizes[1] + sizes[2] + n_tf
    # thresholds: T_k = sum_{j<=k} tau_j within a rubric (k = 1..M), tau = s_tau @ tf
    s_cum = np.kron(np.eye(len(rubrics)), np.tril(np.ones((big_m, big_m)))) @ s_tau
    s_o = np.zeros((len(rats) + len(crits) + len(rubrics) * big_m, n_o))
    s_o[:len(rats), :sizes[1]] = s_alpha
    s_o[len(rats):len(rats) + len(crits), sizes[1]:sizes[1] + sizes[2]] = s_delta
    s_o[len(rats) + len(crits):, sizes[1] + sizes[2]:] = s_cum
    prior_o = inv_var * np.asarray(sparse.block_diag(
        [s_alpha.T @ s_alpha, s_delta.T @ s_delta, s_tau.T @ s_tau]).todense()).reshape(n_o, n_o)
    # column of each rating's rater, criterion and threshold k (1..M) in the full "other" space
    col_r, col_c = r_i, len(rats) + c_i
    col_t = len(rats) + len(crits) + g_i[:, None] * big_m + np.arange(big_m)[None, :]
    crit_g = rubrics.get_indexer(crit_rubric)
    col_t_of_crit = (len(rats) + len(crits) + crit_g[:, None] * big_m
                     + np.arange(big_m)[None, :])
    n_full = s_o.shape[0]

    def newton_step(p, grad):
        th, al, de, tau = unpack(p)
        _, _, pr, _ = probs(th, al, de, tau)
        e = pr @ ks
        v = pr @ (ks ** 2) - e ** 2
        c1 = -pr[:, 1:] * (ks[None, 1:] - e[:, None])  # d2 / d eta dT_k
        d = np.bincount(n_i, v, len(pers)) + inv_var
        # trainee x other (full space): d eta / d alpha = d eta / d delta = -1
        rows = np.concatenate([n_i, n_i, np.repeat(n_i, big_m)])
        cols = np.concatenate([col_r, col_c, col_t.ravel()])
        vals = np.concatenate([-v, -v, c1.ravel()])
        b = sparse.csr_matrix((vals, (rows, cols)), shape=(len(pers), n_full)) @ s_o
        # other x other (full space): summed per (rater, criterion) cell first (a criterion
        # belongs to one rubric), so it costs a few bincounts over the ratings
        pk = pr[:, 1:]
        key = r_i * len(crits) + c_i
        cells = len(rats) * len(crits)
        sv = np.bincount(key, v, cells)
        sc1 = np.stack([np.bincount(key, c1[:, k], cells) for k in range(big_m)], axis=1)
        spk = np.stack([np.bincount(key, pk[:, k], cells) for k in range(big_m)], axis=1)
        spp = np.stack([np.stack([np.bincount(key, pk[:, k] * pk[:, j], cells)
                                  for j in range(big_m)], axis=1) for k in range(big_m)], axis=1)
        h_full = np.zeros((n_full, n_full))
        for cell in np.flatnonzero(np.bincount(key, minlength=cells)):
            ri, ci = divmod(int(cell), len(crits))
            cols = np.concatenate([[ri, len(rats) + ci], col_t_of_crit[ci]])
            block = np.empty((2 + big_m, 2 + big_m))
            block[:2, :2] = sv[cell]
            block[:2, 2:] = -sc1[cell][None, :]
            block[2:, :2] = -sc1[cell][:, None]
            block[2:, 2:] = np.diag(spk[cell]) - spp[cell]
            h_full[np.ix_(cols, cols)] += block
        c = s_o.T @ h_full @ s_o + prior_o
        gt, go = grad[:sizes[0]], grad[sizes[0]:]
        schur = c - b.T @ (b / d[:, None])
        do = np.linalg.solve(schur, -go + b.T @ (gt / d)) if n_o else np.zeros(0)
        dt = (-gt - b @ do) / d
        return np.concatenate([dt, do])

    p = np.zeros(sum(sizes))
    f, grad = objective(p)
    converged, nit = False, 0
    if solver == "lbfgs":
        res = optimize.minimize(objective, p, jac=True, method=METHOD,
                                options={"maxiter": 5000, "gtol": gtol} if gtol >= 1e-6
                                else {"maxiter": 20000, "gtol": gtol, "ftol": 1e-15})
        p, converged, nit = res.x, bool(res.success), int(res.nit)
    for nit in range(nit + 1, nit + 101) if solver == "newton" else ():
        step = newton_step(p, grad)
        decrement = -float(grad @ step)
        length = 1.0  # backtracking (Armijo) from the full Newton step
        while True:
            f_new, g_new = objective(p + length * step)
            if f_new <= f - 1e-4 * length * decrement or decrement < 1e-12 or length < 1e-10:
                break
            length *= 0.5
        p, f, grad = p + length * step, f_new, g_new
        if np.max(np.abs(grad)) < 1e-8 or decrement < 1e-16:
            converged = True
            break
    th, al, de, tau = unpack(p)
    # centre on the median trainer (the model only fixes differences): "an average trainer" is a
    # typical one, so one lenient trainer among few does not make the others look harsh
    shift = float(np.median(al))
    al, th = al - shift, th - shift
    _, _, pr, _ = probs(th, al, de, tau)
    e = pr @ ks
    var = pr @ (ks ** 2) - e ** 2
    _, _, pr0, _ = probs(th, al, de, tau, with_rater=False)
    e0 = pr0 @ ks
    info_th = np.bincount(n_i, var, len(pers))
    info_al = np.bincount(r_i, var, len(rats))
    info_de = np.bincount(c_i, var, len(crits))

    def se(info):
        with np.errstate(divide="ignore"):
            return np.where(info > 0, 1.0 / np.sqrt(info), np.nan)

    return RaschFit(
        ability=pd.Series(th, index=pers), ability_se=pd.Series(se(info_th), index=pers),
        severity=pd.Series(al, index=rats), severity_se=pd.Series(se(info_al), index=rats),
        difficulty=pd.Series(de, index=crits), difficulty_se=pd.Series(se(info_de), index=crits),
        thresholds={rub: tau[gi, :steps[gi]].tolist() for gi, rub in enumerate(rubrics)},
        expected=e, variance=var, expected_fair=e0, converged=converged, iterations=nit)


def _fit_stats(resid: np.ndarray, var: np.ndarray, keys: pd.Series) -> pd.DataFrame:
    """Infit (information-weighted) and outfit (unweighted) mean squares per key."""
    z2 = np.where(var > 1e-12, resid ** 2 / np.maximum(var, 1e-12), np.nan)
    f = pd.DataFrame({"k": keys.to_numpy(), "r2": resid ** 2, "w": var, "z2": z2})
    g = f.groupby("k")
    out = pd.DataFrame({"infit": g["r2"].sum() / g["w"].sum(), "outfit": g["z2"].mean()})
    return out


# --- fair scores ------------------------------------------------------------------------------


def _weighted_points(r: pd.DataFrame, values: np.ndarray) -> pd.Series:
    """Per (trainee, rubric, trainer) rating: the criterion-weighted mean of `values` given in
    categories, as 0-100 points of the rubric's scale."""
    f = r[["employee_id", "rubric", "rater_id", "weight"]].assign(
        v=values * 100.0 / r["steps"].to_numpy() * r["weight"].to_numpy())
    g = f.groupby(["employee_id", "rubric", "rater_id"])
    return g["v"].sum() / g["weight"].sum()


def _trainee_table(r: pd.DataFrame, effect_points: pd.Series) -> pd.DataFrame:
    """Raw scenario score (graders.sources.practical rules), the trainers' effect taken off, per trainee
    and scenario; `effect_points` per (trainee, rubric, trainer) rating, + raises the score."""
    rated = r.groupby(["employee_id", "rubric", "rater_id"]).agg(
        miss=("critical_miss", "first")).reset_index()
    rated["effect"] = effect_points.reindex(
        pd.MultiIndex.from_frame(rated[["employee_id", "rubric", "rater_id"]])).to_numpy()
    rated.loc[rated["miss"], "effect"] = 0.0  # a fail score is fixed
    per = rated.groupby(["employee_id", "rubric"]).agg(effect=("effect", "mean"),
                                                       raters=("rater_id", "nunique"))
    return per


def _raw_scores(ev: pd.DataFrame) -> pd.Series:
    s = rating_scores(ev)
    return s.groupby(["employee_id", "rubric"])["score"].mean()


def _rasch_result(ev: pd.DataFrame, r: pd.DataFrame) -> FairResult:
    fit = fit_rasch(r)
    x = r["category"].to_numpy(dtype=float)
    resid = x - fit.expected
    per_rating_effect = _weighted_points(r, fit.expected - fit.expected_fair)
    fair_avg = _weighted_points(r, fit.expected_fair).groupby(["employee_id", "rubric"]).mean()
    per = _trainee_table(r, per_rating_effect)
    raw = _raw_scores(ev).reindex(per.index)
    pfit = _fit_stats(resid, fit.variance, r["employee_id"])
    t = per.reset_index()
    t["raw"] = raw.to_numpy()
    t["adjustment"] = -t["effect"]
    t["fair"] = np.clip(t["raw"] + t["adjustment"], 0.0, 100.0)
    t["adjustment"] = t["fair"] - t["raw"]
    t["fair_average"] = fair_avg.reindex(per.index).to_numpy()
    t["ability"] = t["employee_id"].map(fit.ability)
    t["se"] = t["employee_id"].map(fit.ability_se)
    t["infit"] = t["employee_id"].map(pfit["infit"])
    t["outfit"] = t["employee_id"].map(pfit["outfit"])

    rfit = _fit_stats(resid, fit.variance, r["rater_id"])
    eff = pd.DataFrame({"rater_id": r["rater_id"].to_numpy(),
                        "d": (fit.expected - fit.expected_fair) * 100.0 / r["steps"].to_numpy()})
    points = eff.groupby("rater_id")["d"].mean()
    # the points' standard error: the logit SE times the mean slope of points per logit
    slope = pd.Series(fit.variance * 100.0 / r["steps"].to_numpy()).groupby(
        r["rater_id"].to_numpy()).mean()
    counts = r.groupby("rater_id").agg(ratings=("employee_id", "size"),
                                       trainees=("employee_id", "nunique"))
    trainers = pd.DataFrame({
        "rater_id": fit.severity.index, "severity": fit.severity.to_numpy(),
        "se": fit.severity_se.to_numpy()})
    trainers["ratings"] = trainers["rater_id"].map(counts["ratings"])
    trainers["trainees"] = trainers["rater_id"].map(counts["trainees"])
    trainers["infit"] = trainers["rater_id"].map(rfit["infit"])
    trainers["outfit"] = trainers["rater_id"].map(rfit["outfit"])
    trainers["points"] = trainers["rater_id"].map(points)
    trainers["points_se"] = trainers["se"] * trainers["rater_id"].map(slope)

    keys = r["rubric"] + "/" + r["criterion"]
    cfit = _fit_stats(resid, fit.variance, keys)
    crit = pd.DataFrame({"key": fit.difficulty.index, "difficulty": fit.difficulty.to_numpy(),
                         "se": fit.difficulty_se.to_numpy()})
    crit[["rubric", "criterion"]] = crit["key"].str.split("/", n=1, expand=True)
    crit["infit"] = crit["key"].map(cfit["infit"])
    crit["outfit"] = crit["key"].map(cfit["outfit"])
    return FairResult("rasch", trainers[TRAINER_COLUMNS], t[TRAINEE_COLUMNS],
                      crit[CRITERION_COLUMNS], converged=fit.converged)


# --- linear mixed model ----------------------------------------------------------------------


def _mixed(r: pd.DataFrame, criterion_random: bool):
    """MixedLM of criterion scores (0-100) with crossed random trainee and trainer effects (and
    criterion, fixed or random); one group holds everything (crossed design)."""
    import statsmodels.formula.api as smf

    data = pd.DataFrame({"y": r["score"].to_numpy(dtype=float),
                         "p": r["employee_id"].astype(str).to_numpy(),
                         "t": r["rater_id"].astype(str).to_numpy(),
                         "c": (r["rubric"] + "/" + r["criterion"]).to_numpy(), "g": 1})
    vc = {"p": "0 + C(p)", "t": "0 + C(t)"}
    if criterion_random:
        vc["c"] = "0 + C(c)"
        formula = "y ~ 1"
    else:
        formula = "y ~ C(c)" if data["c"].nunique() > 1 else "y ~ 1"
    model = smf.mixedlm(formula, data, groups="g", vc_formula=vc, re_formula="0")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit(reml=True, method=["lbfgs", "powell"])
    return model, fit


def variance_components(r: pd.DataFrame) -> pd.DataFrame:
    """Variance of criterion scores (0-100 points squared) by source: trainee, trainer, criterion,
    residual (everything else: interactions and noise), from a MixedLM with crossed random
    effects."""
    if r.empty:
        return pd.DataFrame(columns=VARIANCE_COLUMNS)
    model, fit = _mixed(r, criterion_random=True)
    names = model.exog_vc.names
    comp = dict(zip(names, np.asarray(fit.vcomp, dtype=float)))
    rows = [("trainee", comp.get("p", 0.0)), ("trainer", comp.get("t", 0.0)),
            ("criterion", comp.get("c", 0.0)), ("residual", float(fit.scale))]
    out = pd.DataFrame(rows, columns=["source", "variance"])
    out["variance"] = out["variance"].clip(lower=0.0)
    total = out["variance"].sum()
    out["share"] = out["variance"] / total if total > 0 else np.nan
    return out


def spearman_brown(rho1: float, target: float = TARGET_RELIABILITY) -> int | None:
    """Smallest number k of trainers whose averaged score reaches `target` when one trainer's
    reliability is rho1: k = target (1 - rho1) / (rho1 (1 - target)), rounded up."""
    if not (rho1 > 0) or math.isnan(rho1):
        return None
    if rho1 >= target:
        return 1
    return int(math.ceil(target * (1 - rho1) / (rho1 * (1 - target)) - 1e-9))


def reliability(variance: pd.DataFrame, criteria: float, trainers: float,
                target: float = TARGET_RELIABILITY) -> dict:
    """Dependability of a scenario score (absolute decisions: a trainer's severity is error) from
    the variance components. One trainer over `criteria` criteria:
    rho1 = var_trainee / (var_trainee + var_trainer + var_residual / criteria); with severity
    corrected the trainer term drops out. k trainers: Spearman-Brown."""
    v = dict(zip(variance["source"], variance["variance"]))
    p, t, e = v.get("trainee", 0.0), v.get("trainer", 0.0), v.get("residual", 0.0)
    if p <= 0 or criteria <= 0:
        return {"one_trainer": math.nan, "current": math.nan, "trainers_needed": None,
                "one_trainer_fair": math.nan, "trainers_needed_fair": None,
                "criteria": criteria, "trainers": trainers, "target": target}
    rho1 = p / (p + t + e / criteria)
    rho1f = p / (p + e / criteria)
    cur = trainers * rho1 / (1 + (trainers - 1) * rho1) if trainers > 0 else math.nan
    return {"one_trainer": rho1, "current": cur, "trainers_needed": spearman_brown(rho1, target),
            "one_trainer_fair": rho1f, "trainers_needed_fair": spearman_brown(rho1f, target),
            "criteria": criteria, "trainers": trainers, "target": target}


def _mixed_result(ev: pd.DataFrame, r: pd.DataFrame) -> FairResult:
    model, fit = _mixed(r, criterion_random=False)
    re = fit.random_effects[1]
    cov = fit.random_effects_cov[1]
    labels = list(re.index)
    blup = pd.Series(re.to_numpy(dtype=float), index=labels)
    sd = pd.Series(np.sqrt(np.clip(np.diag(np.asarray(cov, dtype=float)), 0, None)), index=labels)

    def part(prefix: str, level: str) -> tuple[pd.Series, pd.Series]:
        sel = [lab for lab in labels if lab.startswith(f"{prefix}[C({level})[")]
        ids = [lab.split("[", 2)[2].rstrip("]") for lab in sel]
        return (pd.Series(blup[sel].to_numpy(), index=ids),
                pd.Series(sd[sel].to_numpy(), index=ids))

    t_eff, t_se = part("t", "t")
    p_eff, p_se = part("p", "p")
    centre = float(t_eff.median())  # the typical trainer is 0, as in the Rasch fit
    t_eff, p_eff = t_eff - centre, p_eff + centre
    # per rating: the trainer's BLUP (points, + lenient) is the effect to take off
    idx = pd.MultiIndex.from_frame(r[["employee_id", "rubric", "rater_id"]].drop_duplicates())
    effect = pd.Series(idx.get_level_values("rater_id").map(t_eff).to_numpy(dtype=float), index=idx)
    per = _trainee_table(r, effect)
    t = per.reset_index()
    t["raw"] = _raw_scores(ev).reindex(per.index).to_numpy()
    t["fair"] = np.clip(t["raw"] - t["effect"], 0.0, 100.0)
    t["adjustment"] = t["fair"] - t["raw"]
    t["fair_average"] = np.nan
    t["ability"] = t["employee_id"].map(p_eff)
    t["se"] = t["employee_id"].map(p_se)
    resid = pd.Series(np.asarray(fit.resid, dtype=float))
    scale = float(fit.scale) if fit.scale > 0 else np.nan
    z2 = resid ** 2 / scale
    per_p = z2.groupby(r["employee_id"].to_numpy()).mean()
    t["infit"] = t["employee_id"].map(per_p)
    t["outfit"] = t["infit"]
    counts = r.groupby("rater_id").agg(ratings=("employee_id", "size"),
                                       trainees=("employee_id", "nunique"))
    per_t = z2.groupby(r["rater_id"].to_numpy()).mean()
    trainers = pd.DataFrame({"rater_id": sorted(r["rater_id"].unique())})
    trainers["points"] = trainers["rater_id"].map(t_eff)
    trainers["points_se"] = trainers["rater_id"].map(t_se)
    trainers["severity"] = -trainers["points"]
    trainers["se"] = trainers["points_se"]
    trainers["ratings"] = trainers["rater_id"].map(counts["ratings"])
    trainers["trainees"] = trainers["rater_id"].map(counts["trainees"])
    trainers["infit"] = trainers["rater_id"].map(per_t)
    trainers["outfit"] = trainers["infit"]
    return FairResult("mixed", trainers[TRAINER_COLUMNS], t[TRAINEE_COLUMNS],
                      pd.DataFrame(columns=CRITERION_COLUMNS), converged=bool(fit.converged))


# --- the whole report ---------------------------------------------------------------------------


def adjust(ev: pd.DataFrame, model: str = "rasch", with_variance: bool = True) -> FairResult:
    """Trainer severity and fair scores of a cycle's practical evidence (graders.sources frame).

    Raises DisconnectedDesign when trainers and trainees do not form one connected design, and
    AcademyError for an unknown model or no ratings."""
    if model not in MODELS:
        raise AcademyError(f"unknown model {model!r} (use: {', '.join(MODELS)})")
    r = criterion_ratings(ev)
    if r.empty:
        raise AcademyError("no practical ratings to adjust")
    check_connected(r)
    res = _rasch_result(ev, r) if model == "rasch" else _mixed_result(ev, r)
    if with_variance:
        res.variance = variance_components(r)
        n_crit = float(r.groupby("rubric")["criterion"].nunique().mean())
        per_perf = r.groupby(["employee_id", "rubric"])["rater_id"].nunique().mean()
        res.reliability = reliability(res.variance, n_crit, float(per_perf))
    return res
