"""Training impact (Kirkpatrick levels 3 and 4): what completing a course changed in a job figure,
as a staggered difference-in-differences against matched peers not yet trained.

Pure functions on DataFrames (no database, no I/O); `graders.training_impact.store` loads the frames and
the method is written down in docs/impact.md. In short:

* the panel is one row per person and period (an integer, e.g. months counted from the first),
  with the outcome `y`, the person's `cohort` (the period they completed the course; NaN when they
  have not within the data) and `stratum` (team x role x tenure band: the matching cells);
* group-time effects ATT(g, t) after Callaway & Sant'Anna (2021): for the people of cohort g, the
  change of y from the base period g - 1 to t, minus the same change for peers **of the same
  stratum** not yet trained at t (and not at g - 1), averaged over strata by the number of treated
  people (exact matching); a person counts in a cell only if observed at both periods;
* aggregations: per cohort, by months since completion (the event study; before completion these
  are the pre-trend estimates) and overall (every post-completion cell weighted by its treated
  people);
* inference: a cluster bootstrap by person (people drawn with replacement, every figure recomputed
  on each draw), normal intervals from the bootstrap standard error; a Wald test that all
  pre-completion event-study estimates are zero; a placebo with start dates moved earlier on data
  from before the real completion only.

The bootstrap is computed as matrix products over weights (one row per draw, one column per
person), so 200 draws cost about as much as a handful of plain estimates.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd

PANEL_COLUMNS = ["unit", "period", "y", "cohort", "stratum"]
INCREASE, DECREASE, UNCLEAR = "increase", "decrease", "not_enough_evidence"


class NotEnoughData(ValueError):
    """The data cannot support an estimate; `code` says why (for translated messages)."""

    def __init__(self, code: str, message: str, **figures):
        super().__init__(message)
        self.code, self.figures = code, figures


@dataclass(frozen=True)
class Estimate:
    est: float
    se: float
    low: float
    high: float
    n: int  # treated people (or person-periods) behind it

    @property
    def verdict(self) -> str:
        return verdict(self.low, self.high)


@dataclass
class ImpactResult:
    overall: Estimate
    cohorts: pd.DataFrame  # cohort, est, se, low, high, n
    event_study: pd.DataFrame  # event_time, est, se, low, high, n
    cells: pd.DataFrame  # cohort, period, est, se, n, controls
    pretrend_stat: float | None
    pretrend_df: int
    pretrend_p: float | None
    placebo: Estimate | None
    treated: int  # treated people with a usable base period
    matched: int  # of them, in a stratum with at least one not-yet-treated peer
    controls: int  # people never or later trained who served as controls somewhere
    draws: int
    level: float
    notes: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        return self.overall.verdict

    @property
    def pretrend_detected(self) -> bool:
        return self.pretrend_p is not None and self.pretrend_p < 1 - self.level


def verdict(low: float, high: float) -> str:
    """'increase' or 'decrease' when the interval lies on one side of zero, else
    'not_enough_evidence' (an interval touching zero proves nothing either way)."""
    if np.isnan(low) or np.isnan(high):
        return UNCLEAR
    if low > 0:
        return INCREASE
    if high < 0:
        return DECREASE
    return UNCLEAR


# --- the panel as matrices -----------------------------------------------------------------------


@dataclass
class _Matrices:
    units: np.ndarray
    y: np.ndarray  # units x periods, NaN where not observed
    cohort: np.ndarray  # float, inf = not treated within the data
    stratum: np.ndarray  # int codes
    periods: np.ndarray


def _matrices(panel: pd.DataFrame) -> _Matrices:
    missing = [c for c in PANEL_COLUMNS if c not in panel]
    if missing:
        raise ValueError(f"the panel lacks columns {missing}")
    p = panel.dropna(subset=["y"])
    if p.empty:
        raise NotEnoughData("no_data", "no values of this figure in the data")
    if p.duplicated(["unit", "period"]).any():
        raise ValueError("the panel has more than one row per unit and period")
    per_unit = p.groupby("unit", sort=True).agg(cohort=("cohort", "first"),
                                                stratum=("stratum", "first"))
    units = per_unit.index.to_numpy()
    lo, hi = int(p["period"].min()), int(p["period"].max())
    periods = np.arange(lo, hi + 1)
    y = np.full((len(units), len(periods)), np.nan)
    row = np.searchsorted(units, p["unit"].to_numpy())
    y[row, p["period"].to_numpy(dtype=int) - lo] = p["y"].to_numpy(dtype=float)
    cohort = per_unit["cohort"].to_numpy(dtype=float) - lo
    cohort[np.isnan(cohort)] = np.inf
    strata = pd.factorize(per_unit["stratum"].astype(str))[0]
    return _Matrices(units, y, cohort, strata, periods)


@dataclass
class _Cells:
    keys: list[tuple[int, int]]  # (cohort, period) as offsets
    att: np.ndarray  # draws+1 x cells
    n: np.ndarray  # draws+1 x cells: matched treated people (bootstrap-weighted)
    controls: np.ndarray  # cells: control people (unweighted)
    treated_units: set
    matched_units: set
    control_units: set


def _cells(m: _Matrices, weights: np.ndarray) -> _Cells:
    """ATT(g, t) for every cohort g >= 1 and period t != g - 1, on every weight row (row 0: the
    data as it is; the other rows: bootstrap draws)."""
    n_units, n_periods = m.y.shape
    cohorts = sorted({int(c) for c in m.cohort if np.isfinite(c) and 1 <= c < n_periods})
    keys, treated_cols, control_cols = [], [], []
    d_cols = []
    for g in cohorts:
        base = g - 1
        for t in range(n_periods):
            if t == base:
                continue
            d = m.y[:, t] - m.y[:, base]
            seen = ~np.isnan(d)
            treated = (m.cohort == g) & seen
            control = (m.cohort > max(t, base)) & (m.cohort != g) & seen
            if not treated.any():
                continue
            keys.append((g, t))
            treated_cols.append(treated)
            control_cols.append(control)
            d_cols.append(np.where(seen, d, 0.0))
    b = weights.shape[0]
    if not keys:
        return _Cells([], np.zeros((b, 0)), np.zeros((b, 0)), np.zeros(0), set(), set(), set())
    tr = np.column_stack(treated_cols).astype(float)
    ct = np.column_stack(control_cols).astype(float)
    dd = np.column_stack(d_cols)
    k = len(keys)
    num = np.zeros((b, k))
    den = np.zeros((b, k))
    matched_cell = np.zeros((n_units, k), dtype=bool)
    for s in np.unique(m.stratum):
        idx = np.flatnonzero(m.stratum == s)
        w = weights[:, idx]
        block = np.hstack([tr[idx], tr[idx] * dd[idx], ct[idx], ct[idx] * dd[idx]])
        sums = w @ block
        nt, st, nc, sc = sums[:, :k], sums[:, k:2 * k], sums[:, 2 * k:3 * k], sums[:, 3 * k:]
        ok = (nt > 0) & (nc > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            diff = np.where(ok, st / np.where(ok, nt, 1) - sc / np.where(ok, nc, 1), 0.0)
        num += np.where(ok, nt * diff, 0.0)
        den += np.where(ok, nt, 0.0)
        has_control = ct[idx].sum(axis=0) > 0
        matched_cell[idx] = (tr[idx] > 0) & has_control
    with np.errstate(invalid="ignore", divide="ignore"):
        att = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    # who took part: treated with a base period; matched; controls used in a matched cell
    treated_units = set(np.flatnonzero(tr.any(axis=1)))
    matched_units = set(np.flatnonzero(matched_cell.any(axis=1)))
    used_strata = {m.stratum[i] for i in matched_units}
    control_units = {i for i in np.flatnonzero(ct.any(axis=1)) if m.stratum[i] in used_strata}
    in_used = np.isin(m.stratum, list(used_strata))
    controls = ct[in_used].sum(axis=0).astype(int)
    return _Cells(keys, att, den, controls, treated_units, matched_units, control_units)


def _aggregate(att: np.ndarray, n: np.ndarray, select: np.ndarray) -> np.ndarray:
    """Per weight row: the mean of the selected cells' effects weighted by their treated people."""
    w = np.where(select[None, :] & (n > 0) & ~np.isnan(att), n, 0.0)
    total = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (w * np.nan_to_num(att)).sum(axis=1) / np.where(
            total > 0, total, 1), np.nan)


def _estimate(row: np.ndarray, n: float, z: float) -> Estimate:
    est = float(row[0])
    draws = row[1:][~np.isnan(row[1:])]
    se = float(np.std(draws, ddof=1)) if len(draws) > 1 else float("nan")
    return Estimate(est, se, est - z * se, est + z * se, int(round(n)))


def _frame(rows: list[tuple], key: str) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[key, "est", "se", "low", "high", "n"])


def _weights(n_units: int, draws: int, seed: int) -> np.ndarray:
    """Row 0 all ones (the estimate); then `draws` rows of multinomial counts: a person drawn k
    times counts k times (the cluster bootstrap by person)."""
    rng = np.random.default_rng(seed)
    boot = rng.multinomial(n_units, np.full(n_units, 1.0 / n_units), size=draws).astype(float)
    return np.vstack([np.ones((1, n_units)), boot])


def estimate(panel: pd.DataFrame, draws: int = 199, level: float = 0.95, seed: int = 0,
             min_treated: int = 5, min_controls: int = 5, placebo_shift: int | None = None
             ) -> ImpactResult:
    """The staggered DiD of `panel` (columns PANEL_COLUMNS; `period` integers, `cohort` the
    period of completion or NaN). Raises NotEnoughData with a reason when it cannot estimate."""
    m = _matrices(panel)
    if m.y.shape[1] < 2:
        raise NotEnoughData("one_period", "the data cover only one period: nothing to compare")
    ever = np.isfinite(m.cohort)
    if not ever.any():
        raise NotEnoughData("no_treated", "nobody in the data completed the course")
    z = NormalDist().inv_cdf(0.5 + level / 2)
    weights = _weights(len(m.units), draws, seed)
    cells = _cells(m, weights)
    treated, matched = len(cells.treated_units), len(cells.matched_units)
    if treated == 0:
        raise NotEnoughData("no_base", "nobody who completed the course has data from before "
                                       "completing it", treated=int(ever.sum()))
    if matched < min_treated:
        raise NotEnoughData(
            "too_few_treated", f"only {matched} trained people have an untrained peer of the same "
            f"team, role and tenure to compare with (at least {min_treated} needed)",
            treated=treated, matched=matched, needed=min_treated)
    if len(cells.control_units) < min_controls:
        raise NotEnoughData(
            "too_few_controls", f"only {len(cells.control_units)} peers not yet trained to compare "
            f"with (at least {min_controls} needed)", controls=len(cells.control_units),
            needed=min_controls)
    g = np.array([k[0] for k in cells.keys])
    t = np.array([k[1] for k in cells.keys])
    e = t - g
    post = e >= 0
    if not (post & (cells.n[0] > 0)).any():
        raise NotEnoughData("no_post", "no matched data from after completing the course yet")
    overall_rows = _aggregate(cells.att, cells.n, post)
    overall = _estimate(overall_rows, len(cells.matched_units), z)
    cohort_rows = []
    for c in sorted(set(g[post & (cells.n[0] > 0)])):
        sel = post & (g == c)
        n_c = len({u for u in cells.matched_units if m.cohort[u] == c})
        est = _estimate(_aggregate(cells.att, cells.n, sel), n_c, z)
        cohort_rows.append((int(m.periods[c]), est.est, est.se, est.low, est.high, est.n))
    event_rows, pre_draws, pre_est = [], [], []
    for k in sorted(set(e)):
        sel = e == k
        if not (cells.n[0][sel] > 0).any():
            continue
        agg = _aggregate(cells.att, cells.n, sel)
        est = _estimate(agg, cells.n[0][sel].sum(), z)
        event_rows.append((int(k), est.est, est.se, est.low, est.high, est.n))
        if k <= -2:
            pre_est.append(agg[0])
            pre_draws.append(agg[1:])
    event_rows.append((-1, 0.0, 0.0, 0.0, 0.0, 0))  # the base period, zero by construction
    event = _frame(sorted(event_rows), "event_time")
    stat = p_value = None
    df = 0
    if pre_est:
        v = np.array(pre_est)
        boot = np.column_stack(pre_draws)
        boot = boot[~np.isnan(boot).any(axis=1)]
        if len(boot) > len(v):
            cov = np.cov(boot, rowvar=False).reshape(len(v), len(v))
            stat = float(v @ np.linalg.pinv(cov) @ v)
            df = len(v)
            from scipy.special import chdtrc  # chi-square survival; scipy.stats not needed

            p_value = float(chdtrc(df, stat))
    with warnings.catch_warnings():  # a cell empty in every draw has no spread: NaN, said so
        warnings.simplefilter("ignore", RuntimeWarning)
        cell_se = np.nanstd(cells.att[1:], axis=0, ddof=1) if draws > 1 else np.nan
    cell_frame = pd.DataFrame({
        "cohort": m.periods[g], "period": m.periods[t], "event_time": e, "est": cells.att[0],
        "se": cell_se,
        "n": cells.n[0].astype(int), "controls": cells.controls})
    placebo = None
    notes: list[str] = []
    try:
        placebo = _placebo(panel, placebo_shift, draws, level, seed + 1)
    except NotEnoughData as exc:
        notes.append(f"placebo: {exc}")
    return ImpactResult(overall, _frame(cohort_rows, "cohort"), event, cell_frame, stat, df,
                        p_value, placebo, treated, matched, len(cells.control_units), draws, level,
                        notes)


def placebo_panel(panel: pd.DataFrame, shift: int) -> pd.DataFrame:
    """The panel as if every trained person had completed `shift` periods earlier, keeping only
    what was observed before the real completion (so any 'effect' found is spurious)."""
    p = panel.copy()
    real = p["cohort"].to_numpy(dtype=float)
    keep = np.isnan(real) | (p["period"].to_numpy(dtype=float) < real)
    p = p[keep].copy()
    p["cohort"] = p["cohort"] - shift
    return p.reset_index(drop=True)


def _placebo(panel: pd.DataFrame, shift: int | None, draws: int, level: float,
             seed: int) -> Estimate:
    if shift is None:  # half the typical pre-completion window, at least one period
        pre = (panel["cohort"] - panel["period"].min()).dropna()
        shift = max(1, int(pre.median() // 2)) if len(pre) else 1
    fake = placebo_panel(panel, shift)
    m = _matrices(fake)
    if not np.isfinite(m.cohort).any():
        raise NotEnoughData("placebo", "no data before completion for a placebo")
    z = NormalDist().inv_cdf(0.5 + level / 2)
    cells = _cells(m, _weights(len(m.units), draws, seed))
    if not cells.keys:
        raise NotEnoughData("placebo", "too little data before completion for a placebo")
    e = np.array([t - g for g, t in cells.keys])
    post = e >= 0
    if not (post & (cells.n[0] > 0)).any():
        raise NotEnoughData("placebo", "too little data before completion for a placebo")
    return _estimate(_aggregate(cells.att, cells.n, post), len(cells.matched_units), z)


def two_by_two(panel: pd.DataFrame) -> float:
    """The textbook 2x2 difference-in-differences (mean change of the treated minus mean change
    of the others between the first and the last period), for checks by hand."""
    first, last = panel["period"].min(), panel["period"].max()
    wide = panel.pivot(index="unit", columns="period", values="y")
    change = wide[last] - wide[first]
    treated = panel.groupby("unit")["cohort"].first().notna()
    return float(change[treated].mean() - change[~treated].mean())


# --- from the platform's figures to a panel (still pure: frames in, a frame out) -----------------

#: tenure bands in years (lower bounds); a band is "<2y", "2-5y" or "5y+"
TENURE_BANDS = (0, 2, 5)
MATCH_FIELDS = ("team", "role", "tenure")
#: completion labels for a completion before the first period / after the last
BEFORE, AFTER = "<before>", "<after>"


def tenure_band(hire_date, on) -> str:
    """The tenure band of someone hired on `hire_date` as of `on` ('unknown' without a date)."""
    if hire_date is None or pd.isna(hire_date):
        return "unknown"
    years = (pd.Timestamp(on) - pd.Timestamp(hire_date)).days / 365.25
    edges = list(TENURE_BANDS[1:])
    for lo, hi in zip(TENURE_BANDS, edges):
        if years < hi:
            return f"<{hi}y" if lo == 0 else f"{lo}-{hi}y"
    return f"{TENURE_BANDS[-1]}y+"


def build_panel(outcomes: pd.DataFrame, periods: list[str], completions: pd.DataFrame,
                roster: pd.DataFrame, match: tuple[str, ...] = MATCH_FIELDS,
                tenure_on=None) -> pd.DataFrame:
    """The estimator's panel from the platform's figures.

    outcomes: DataFrame[employee_id, period, y] with `period` one of `periods` (labels in time
    order, e.g. months 'YYYY-MM' or cycle names); completions: DataFrame[employee_id, period]
    (the period in which the person completed the course, or BEFORE / AFTER the periods); roster:
    DataFrame[employee_id, team, role_code, hire_date]. People not on the roster are left out. A
    completion before the first period leaves the person without a base period (never a
    control); one after the last counts as not yet trained."""
    unknown = [f for f in match if f not in MATCH_FIELDS]
    if unknown:
        raise ValueError(f"cannot match on {unknown}: choose from {list(MATCH_FIELDS)}")
    index = {p: i for i, p in enumerate(periods)}
    out = outcomes[outcomes["period"].isin(index)].dropna(subset=["y"])
    out = out.merge(roster[["employee_id", "team", "role_code", "hire_date"]], on="employee_id")
    if out.empty:
        return pd.DataFrame({"unit": pd.Series(dtype=object), "period": pd.Series(dtype=int),
                             "y": pd.Series(dtype=float), "cohort": pd.Series(dtype=float),
                             "stratum": pd.Series(dtype=object)})
    done = completions.assign(cohort=completions["period"].map(index))
    first = periods[0] if periods else None
    # before the periods: -1 (no base period); after them: not trained within the data
    done.loc[completions["period"] == BEFORE, "cohort"] = -1
    cohort = out["employee_id"].map(done.dropna(subset=["cohort"]).set_index("employee_id")["cohort"])
    on = tenure_on if tenure_on is not None else _period_start(first)
    parts = []
    for f in match:
        if f == "team":
            parts.append(out["team"].astype(str))
        elif f == "role":
            parts.append(out["role_code"].astype(str))
        else:
            parts.append(out["hire_date"].map(lambda d: tenure_band(d, on)))
    stratum = (pd.concat(parts, axis=1).agg(" / ".join, axis=1) if parts
               else pd.Series("all", index=out.index))
    return pd.DataFrame({"unit": out["employee_id"].to_numpy(),
                         "period": out["period"].map(index).astype(int).to_numpy(),
                         "y": out["y"].astype(float).to_numpy(),
                         "cohort": cohort.astype(float).to_numpy(),
                         "stratum": stratum.to_numpy()}).sort_values(
        ["unit", "period"], kind="stable").reset_index(drop=True)


def _period_start(label):
    try:
        return pd.Timestamp(f"{label}-01")
    except (ValueError, TypeError):
        return pd.Timestamp.now()
