"""The scoring engine: component scores -> final scores, bands, ranks, competency profiles, and what
follows from them (awards, performance pay, promotion signals, corrective actions, training plans).

Pure functions on DataFrames: no I/O, no database. Everything is vectorised over people (the only
Python loops run over role schemes, components, bands or competencies, never over staff), so
grading 100,000 people costs roughly linear time.

Two stages, so that an override can re-derive what follows without re-scoring evidence:

* `score(inputs, schemes)` -> scored people and the component detail behind every final score;
* `consequences(scored, profile, inputs, schemes)` -> bands, ranks, awards, pay, actions, plans.

`grade()` runs both.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from core.competencies import CODES
from graders.engine.schemes import VARIANTS, Scheme
from graders.ladder.violations import PENALTY_COLUMNS, apply_penalties
from graders.managers import grading as management
from graders.sources import (
    COMPETENCY_COLUMNS,
    COMPONENT_COLUMNS,
    COMPONENTS,
    FLAG_COLUMNS,
    VARIANT_COLUMNS,
)

ROSTER_COLUMNS = ["employee_id", "name", "team", "role_code", "family"]
CATALOG_COLUMNS = ["competency", "course", "module", "title_en", "title_zh"]
HISTORY_COLUMNS = ["employee_id", "back", "band"]  # back = 1 for the previous cycle, 2 before ...

COMPLETE, INCOMPLETE = "complete", "incomplete"
INDIVIDUAL_AWARD, TEAM_AWARD = "individual_award", "team_award"
PROMOTION, CORRECTIVE, TRAINING = "promotion", "corrective", "training"

RESULT_COLUMNS = [
    "employee_id", "name", "team", "role_code", "family", "scheme", "scheme_version", "status",
    "computed_score", "final_score", "band", "band_override", "overridden", "rank_team", "rank_company",
    "team_size", "weight_present", "missing", "insufficient", "critical_flags", "kpi",
    "reference_pay", "base_pay", "performance_pay", "total_pay", "individual_award",
    "team_award", "promotion", "corrective",
]
DETAIL_COLUMNS = ["employee_id", "component", "score", "n", "status", "weight", "weight_used",
                  "contribution", "note", "scores"]
PROFILE_COLUMNS = ["employee_id", "competency", "score", "sources", "team_mean"]
AWARD_COLUMNS = ["kind", "employee_id", "team", "family", "score", "rank", "reason"]
ACTION_COLUMNS = ["kind", "employee_id", "team", "due_on", "reason"]
PLAN_COLUMNS = ["employee_id", "team", "competency", "score", "team_mean", "modules", "due_on",
                "reason"]
CHECK_COLUMNS = ["family", "check", "level", "message"]
EXCLUDED_COLUMNS = ["employee_id", "name", "team", "family", "reason"]


@dataclass
class GradeInputs:
    """Everything a cycle's grades are computed from."""

    roster: pd.DataFrame  # ROSTER_COLUMNS, active staff
    components: pd.DataFrame  # graders.sources COMPONENT_COLUMNS
    competencies: pd.DataFrame  # graders.sources COMPETENCY_COLUMNS
    flags: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FLAG_COLUMNS))
    closes_on: date = date(2026, 12, 31)
    history: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=HISTORY_COLUMNS))
    catalog: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CATALOG_COLUMNS))
    #: last-month average pay per employee_id; the scheme's reference pay where absent
    reference_pay: pd.Series | None = None
    #: graders.sources VARIANT_COLUMNS: other scores of a component a scheme may choose
    variants: pd.DataFrame | None = None
    #: graders.ladder.violations PENALTY_COLUMNS: counted violations dated in the cycle
    penalties: pd.DataFrame | None = None
    #: models the sources fitted (graders.sources.SourceResult.fits): stored with the run, not
    #: part of the fingerprint (what they yield is, through flags and variants)
    fits: dict = field(default_factory=dict)

    def sha256(self) -> str:
        """A fingerprint of the inputs that decide the scores (provenance of a grading run)."""
        h = hashlib.sha256()
        for name, frame, keys in (
                ("roster", self.roster[ROSTER_COLUMNS], ["employee_id"]),
                ("components", self.components[COMPONENT_COLUMNS], ["employee_id", "component"]),
                ("competencies", self.competencies[COMPETENCY_COLUMNS],
                 ["employee_id", "component", "competency"]),
                ("flags", self.flags[FLAG_COLUMNS], FLAG_COLUMNS),
                ("history", self.history[HISTORY_COLUMNS], ["employee_id", "back"])):
            h.update(name.encode())
            h.update(_frame_digest(frame, keys).encode())
        h.update(str(self.closes_on).encode())
        if self.variants is not None and len(self.variants):
            h.update(b"variants")
            h.update(_frame_digest(self.variants[VARIANT_COLUMNS],
                                   ["employee_id", "component", "variant"]).encode())
        if self.reference_pay is not None:
            pay = self.reference_pay.rename("pay").rename_axis("employee_id").reset_index()
            h.update(_frame_digest(pay, ["employee_id"]).encode())
        if self.penalties is not None and len(self.penalties):
            h.update(b"penalties")
            h.update(_frame_digest(self.penalties[PENALTY_COLUMNS], ["violation_id"]).encode())
        return h.hexdigest()


@dataclass
class GradeResult:
    results: pd.DataFrame
    components: pd.DataFrame
    competencies: pd.DataFrame
    awards: pd.DataFrame
    actions: pd.DataFrame
    training: pd.DataFrame
    checks: pd.DataFrame
    excluded: pd.DataFrame

    def sha256(self) -> str:
        """A fingerprint of every figure: equal inputs and schemes give an equal fingerprint."""
        h = hashlib.sha256()
        for name in ("results", "components", "competencies", "awards", "actions", "training",
                     "checks"):
            frame = getattr(self, name)
            h.update(name.encode())
            h.update(_frame_digest(frame, list(frame.columns)).encode())
        return h.hexdigest()


def _frame_digest(frame: pd.DataFrame, keys: list[str]) -> str:
    if frame.empty:
        return "empty:" + ",".join(map(str, frame.columns))
    f = frame.astype(object).where(frame.notna(), None).astype(str)
    f = f.sort_values([k for k in keys if k in f.columns]).reset_index(drop=True)
    return hashlib.sha256(pd.util.hash_pandas_object(f, index=False).values.tobytes()).hexdigest()


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


# --- stage 1: scores -----------------------------------------------------------------------------


def score(inputs: GradeInputs, schemes: dict[str, Scheme]) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                     pd.DataFrame]:
    """Final scores of everyone whose role family has a scheme.

    Returns (scored, detail, excluded): one row per graded person; one row per person and weighted
    component (score, status, nominal and effective weight, contribution); people not graded.
    """
    roster = inputs.roster[ROSTER_COLUMNS].drop_duplicates("employee_id")
    roster = roster.sort_values("employee_id", kind="stable").reset_index(drop=True)
    has_scheme = roster["family"].isin(list(schemes))
    excluded = roster.loc[~has_scheme].assign(
        reason=lambda d: "no role scheme for family " + d["family"].astype(str))[EXCLUDED_COLUMNS]
    people = roster.loc[has_scheme].reset_index(drop=True)
    ids = people["employee_id"]
    n = len(people)

    comp = inputs.components[inputs.components["employee_id"].isin(ids)]
    comp = comp.drop_duplicates(["employee_id", "component"], keep="last")
    offered = variant_scores(comp, inputs.variants)
    comp = apply_variants(comp, inputs.variants, people, schemes)
    comp = management.rescore(comp, inputs.variants, people, schemes)  # schemes' own targets
    idx = pd.MultiIndex.from_arrays([comp["employee_id"], comp["component"]])

    def wide(col: str, fill):
        s = pd.Series(comp[col].to_numpy(), index=idx)
        w = s.unstack().reindex(index=ids, columns=list(COMPONENTS))
        return (w if isinstance(fill, float) else w.astype(object)).fillna(fill)

    scores = wide("score", np.nan).to_numpy(dtype=float)
    statuses = wide("status", "missing").to_numpy(dtype=object)
    counts = wide("n", 0.0).to_numpy(dtype=float)
    notes = wide("note", "").to_numpy(dtype=object)

    fams = people["family"].to_numpy()
    weights = np.zeros((n, len(COMPONENTS)))
    use_ins = np.zeros(n, dtype=bool)
    min_present = np.zeros(n)
    policy = np.empty(n, dtype=object)
    scheme_name = np.empty(n, dtype=object)
    version = np.empty(n, dtype=object)
    for fam, sch in schemes.items():
        rows = fams == fam
        weights[rows] = [sch.weights.get(c, 0.0) for c in COMPONENTS]
        use_ins[rows] = sch.use_insufficient
        min_present[rows] = sch.min_weight_present
        policy[rows] = sch.missing
        scheme_name[rows] = sch.scheme
        version[rows] = sch.version

    usable = (statuses == "ok") | ((statuses == "insufficient") & use_ins[:, None])
    present = usable & ~np.isnan(scores)
    w_present = np.where(present, weights, 0.0)
    weighted = np.where(present, weights * np.nan_to_num(scores), 0.0).sum(axis=1)
    wp = w_present.sum(axis=1)

    final = np.full(n, np.nan)
    rew = policy == "reweight"
    ok = rew & (wp > 0) & (wp + 1e-9 >= min_present)
    final[ok] = weighted[ok] / wp[ok]
    zero = (policy == "zero") & (wp > 0)
    final[zero] = weighted[zero]
    inc = (policy == "incomplete") & (wp >= 1 - 1e-9)
    final[inc] = weighted[inc]
    final = np.round(final, 2)

    # effective weights: what each component really counted for in the final score
    used = np.zeros_like(weights)
    used[ok] = w_present[ok] / wp[ok, None]
    used[zero] = weights[zero]
    used[inc] = weights[inc]

    weighted_comp = weights > 0
    missing = _join_names(weighted_comp & ~present & (statuses != "insufficient"))
    insufficient = _join_names(weighted_comp & (statuses == "insufficient"))

    scored = people.assign(
        scheme=scheme_name, scheme_version=version,
        status=np.where(np.isnan(final), INCOMPLETE, COMPLETE),
        computed_score=final, final_score=final, band_override=None,
        overridden=False, weight_present=np.round(wp, 4), missing=missing,
        insufficient=insufficient,
    )
    flag_kinds = _critical_flag_counts(inputs.flags, schemes, scored)
    scored["critical_flags"] = flag_kinds

    # long detail, only the components the person's scheme weighs
    rows_i, cols_j = np.nonzero(weighted_comp)
    detail = pd.DataFrame({
        "employee_id": ids.to_numpy()[rows_i],
        "component": np.asarray(COMPONENTS, dtype=object)[cols_j],
        "score": scores[rows_i, cols_j],
        "n": counts[rows_i, cols_j].astype(int),
        "status": statuses[rows_i, cols_j],
        "weight": weights[rows_i, cols_j],
        "weight_used": np.round(used[rows_i, cols_j], 6),
        "note": notes[rows_i, cols_j],
    })
    detail["contribution"] = np.round(
        np.where(np.isnan(detail["score"]), 0.0, detail["score"]) * detail["weight_used"], 4)
    keys = zip(detail["employee_id"].tolist(), detail["component"].tolist())
    detail["scores"] = [offered.get(k) for k in keys]
    return scored, detail[DETAIL_COLUMNS], excluded.reset_index(drop=True)


def variant_scores(comp: pd.DataFrame, variants: pd.DataFrame | None) -> dict:
    """(employee_id, component) -> {variant: score} for every component that offers variants: its
    own score under the default name (graders.engine.schemes VARIANTS, first) and each variant's, kept in
    a result's provenance whichever the scheme grades on (e.g. practical raw and fair)."""
    if variants is None or variants.empty:
        return {}
    out: dict = {}
    for emp, component, variant, score in zip(  # plain lists: iterating pandas' arrays is slow
            variants["employee_id"].tolist(), variants["component"].tolist(),
            variants["variant"].tolist(), variants["score"].tolist()):
        if component not in VARIANTS or pd.isna(score):
            continue
        out.setdefault((emp, component), {})[str(variant)] = round(float(score), 4)
    # a dict, not the MultiIndex: one lookup per key instead of pandas' indexing machinery
    # (three quarters of the engine's time at 10,000 staff)
    own = dict(zip(zip(comp["employee_id"].tolist(), comp["component"].tolist()),
                   comp["score"].tolist()))
    for key, d in out.items():
        score = own.get(key)
        if score is not None and not pd.isna(score):
            d[VARIANTS[key[1]][0]] = round(float(score), 4)
    return {k: dict(sorted(d.items())) for k, d in out.items()}


def apply_variants(comp: pd.DataFrame, variants: pd.DataFrame | None, people: pd.DataFrame,
                   schemes: dict[str, Scheme]) -> pd.DataFrame:
    """Component scores as each person's scheme chooses them (`ComponentRule.variant`): e.g. a
    scheme with `customer: {variant: plain}` grades on the plain satisfaction figure."""
    chosen = [(fam, c, r.variant) for fam, sch in schemes.items()
              for c, r in sch.components.items() if r.variant]
    if variants is None or variants.empty or not chosen:
        return comp
    fam_of = dict(zip(people["employee_id"], people["family"]))
    comp = comp.copy()
    for fam, component, variant in chosen:
        v = variants[(variants["component"] == component) & (variants["variant"] == variant)]
        v = v[v["employee_id"].map(fam_of) == fam].set_index("employee_id")
        rows = (comp["component"] == component) & comp["employee_id"].isin(v.index)
        comp.loc[rows, "score"] = comp.loc[rows, "employee_id"].map(v["score"]).to_numpy(dtype=float)
        comp.loc[rows, "note"] = comp.loc[rows, "employee_id"].map(v["note"]).to_numpy(dtype=object)
    return comp


def _join_names(mask: np.ndarray) -> np.ndarray:
    out = np.full(mask.shape[0], "", dtype=object)
    for j, c in enumerate(COMPONENTS):
        out = np.where(mask[:, j], out + np.where(out == "", "", ", ") + c, out)
    return out


def _critical_flag_counts(flags: pd.DataFrame, schemes: dict[str, Scheme],
                          scored: pd.DataFrame) -> np.ndarray:
    """How many flags of a kind the person's scheme treats as disqualifying concern each person."""
    if flags is None or flags.empty:
        return np.zeros(len(scored), dtype=int)
    f = flags[["kind", "subject"]].astype(str)
    f = f.merge(scored[["employee_id", "family"]], left_on="subject", right_on="employee_id")
    if f.empty:
        return np.zeros(len(scored), dtype=int)
    bad = np.zeros(len(f), dtype=bool)
    for fam, sch in schemes.items():
        bad |= (f["family"] == fam).to_numpy() & f["kind"].isin(
            sch.individual_award.excluded_flags).to_numpy()
    counts = f.loc[bad].groupby("employee_id").size()
    return scored["employee_id"].map(counts).fillna(0).astype(int).to_numpy()


def competency_profile(inputs: GradeInputs, scored: pd.DataFrame,
                       schemes: dict[str, Scheme]) -> pd.DataFrame:
    """Each graded person's four competencies, each the scheme-weighted mean of every component
    that measured it; with the mean of the person's team for comparison."""
    comp = inputs.competencies
    comp = comp[comp["competency"].isin(CODES)].merge(
        scored[["employee_id", "family", "team"]], on="employee_id")
    if comp.empty:
        return _empty(PROFILE_COLUMNS)
    w = pd.DataFrame([(fam, c, wt) for fam, s in schemes.items() for c, wt in s.weights.items()],
                     columns=["family", "component", "w"])
    comp = comp.merge(w, on=["family", "component"])
    comp = comp[comp["score"].notna()]
    comp = comp.assign(ws=comp["w"] * comp["score"].astype(float))
    g = comp.groupby(["employee_id", "team", "competency"], sort=True)
    prof = g.agg(ws=("ws", "sum"), w=("w", "sum"), sources=("component", "nunique")).reset_index()
    prof["score"] = np.round(prof["ws"] / prof["w"], 2)
    prof["team_mean"] = np.round(prof.groupby(["team", "competency"])["score"].transform("mean"), 2)
    return prof[PROFILE_COLUMNS].reset_index(drop=True)


# --- stage 2: what follows -----------------------------------------------------------------------


def consequences(scored: pd.DataFrame, detail: pd.DataFrame, profile: pd.DataFrame,
                 excluded: pd.DataFrame, inputs: GradeInputs,
                 schemes: dict[str, Scheme]) -> GradeResult:
    """Bands, ranks, awards, pay, promotion signals, corrective actions and training plans."""
    r = scored.copy()
    final = r["final_score"].astype(float)
    complete = final.notna()
    r["status"] = np.where(complete, COMPLETE, INCOMPLETE)

    # bands (an override of the band wins over the score's band)
    band = pd.Series(None, index=r.index, dtype=object)
    for fam, sch in schemes.items():
        rows = (r["family"] == fam) & complete
        asc = sorted(sch.bands, key=lambda b: b.min)
        mins = np.array([b.min for b in asc])
        pos = np.searchsorted(mins, final[rows].to_numpy(), side="right") - 1
        band[rows] = np.array([b.code for b in asc], dtype=object)[np.clip(pos, 0, len(asc) - 1)]
    if "band_override" not in r:
        r["band_override"] = None
    band = r["band_override"].where(r["band_override"].notna(), band)
    r["band"] = band

    # ranks: by final score, ties share the better rank
    r["rank_team"] = final.groupby(r["team"]).rank(method="min", ascending=False)
    r["rank_company"] = final.rank(method="min", ascending=False)
    r["team_size"] = complete.groupby(r["team"]).transform("sum").astype(int)
    rank_family = final.groupby(r["family"]).rank(method="min", ascending=False)
    n_family = complete.groupby(r["family"]).transform("sum")

    awards, actions, checks = [], [], []
    r["individual_award"] = False
    r["team_award"] = False
    r["promotion"] = False
    r["corrective"] = False
    for col in ("kpi", "reference_pay", "base_pay", "performance_pay", "total_pay"):
        r[col] = np.nan

    # the family most of a team's members belong to (ties: alphabetical) decides where it competes
    sizes = r.groupby(["team", "family"]).size().rename("size").reset_index()
    majority = (sizes.sort_values(["team", "size", "family"], ascending=[True, False, True])
                .drop_duplicates("team").set_index("team")["family"])

    ref = inputs.reference_pay
    for fam, sch in schemes.items():
        fam_rows = (r["family"] == fam).to_numpy()
        if not fam_rows.any():
            continue
        band_rank = r["band"].map({b.code: i for i, b in enumerate(sch.bands)})
        band_names = {b.code: b.name_en for b in sch.bands}
        label = sch.name_en

        # individual award: top share of the family's graded staff, min band, no critical flags
        ia = sch.individual_award
        places = math.ceil(ia.top_share * n_family[fam_rows].iloc[0]) if complete[fam_rows].any() else 0
        win = (fam_rows & complete & (rank_family <= places)
               & (band_rank <= sch.band_rank(ia.min_band)) & (r["critical_flags"] == 0))
        r.loc[win, "individual_award"] = True
        w = r.loc[win]
        awards.append(pd.DataFrame({
            "kind": INDIVIDUAL_AWARD, "employee_id": w["employee_id"], "team": w["team"],
            "family": fam, "score": w["final_score"], "rank": rank_family[win].astype(int),
            "reason": ("rank " + rank_family[win].astype(int).astype(str) + " of "
                       + str(int(n_family[fam_rows].iloc[0])) + " in " + label + " (top "
                       + f"{ia.top_share:.0%}: {places} places), band "
                       + w["band"].map(band_names).astype(str)
                       + f" (at least {sch.band(ia.min_band).name_en}), no "
                       + "/".join(ia.excluded_flags) + " flags"),
        }))

        # team award: team means shrunk toward the family's mean, minimum team size
        ta = sch.team_award
        members = r.loc[complete & (r["family"] == fam)]
        if len(members):
            fam_teams = majority.index[majority == fam]
            members = members[members["team"].isin(fam_teams)]
        if len(members):
            mu = float(members["final_score"].mean())
            t = members.groupby("team")["final_score"].agg(["mean", "size"])
            t["adjusted"] = (t["size"] * t["mean"] + ta.prior_strength * mu) / (
                t["size"] + ta.prior_strength)
            t = t[t["size"] >= ta.min_size].sort_values(["adjusted", "mean"], ascending=False,
                                                          kind="stable")
            t = t.iloc[: ta.winners]
            r.loc[r["team"].isin(t.index), "team_award"] = True
            awards.append(pd.DataFrame({
                "kind": TEAM_AWARD, "employee_id": None, "team": t.index, "family": fam,
                "score": t["adjusted"].round(2).to_numpy(), "rank": np.arange(1, len(t) + 1),
                "reason": [f"team mean {m:.2f} over {s} graded members, adjusted to {a:.2f} toward "
                           f"the {label} mean {mu:.2f} (prior strength {ta.prior_strength:g}); "
                           f"teams need at least {ta.min_size} graded members"
                           for m, s, a in zip(t["mean"], t["size"], t["adjusted"])],
            }))

        # performance pay and the scheme health check
        p = sch.pay
        rows = fam_rows & complete
        kpi = (final[rows] / p.target_score).clip(p.kpi_min, p.kpi_max).round(4)
        ref_pay = pd.Series(p.reference_pay, index=r.index[rows])
        if ref is not None:
            ref_pay = r.loc[rows, "employee_id"].map(ref).astype(float).fillna(p.reference_pay)
        r.loc[rows, "kpi"] = kpi
        r.loc[rows, "reference_pay"] = ref_pay
        r.loc[rows, "base_pay"] = (ref_pay * p.base_coefficient).round(2)
        r.loc[rows, "performance_pay"] = (ref_pay * p.performance_coefficient * kpi).round(2)
        r.loc[rows, "total_pay"] = r.loc[rows, "base_pay"] + r.loc[rows, "performance_pay"]
        if len(kpi):
            share = float((kpi < 1).mean())
            revise = share >= p.health_share
            checks.append({
                "family": fam, "check": "kpi_health", "level": "revise" if revise else "ok",
                "message": (f"{share:.0%} of {len(kpi)} {label} staff have a KPI value below 1 "
                            + (f"(at least {p.health_share:.0%}): the scheme itself needs revising"
                               if revise else f"(below {p.health_share:.0%}): the scheme is sound")),
            })

        # promotion signal: the band in this and the previous consecutive cycles
        pr = sch.promotion
        hit = fam_rows & (r["band"] == pr.band).to_numpy()
        if pr.consecutive_cycles > 1:
            h = inputs.history
            h = h[(h["back"] < pr.consecutive_cycles) & (h["band"] == pr.band)]
            streak = h.groupby("employee_id")["back"].nunique()
            hit &= (r["employee_id"].map(streak).fillna(0) >= pr.consecutive_cycles - 1).to_numpy()
        r.loc[hit, "promotion"] = True
        name = sch.band(pr.band).name_en
        actions.append(pd.DataFrame({
            "kind": PROMOTION, "employee_id": r.loc[hit, "employee_id"], "team": r.loc[hit, "team"],
            "due_on": None,
            "reason": f"{name} in {pr.consecutive_cycles} consecutive cycles: consider for promotion",
        }))

        # corrective action for the lowest band: a coaching plan with a follow-up date
        co = sch.corrective
        low = fam_rows & (r["band"] == co.band).to_numpy()
        r.loc[low, "corrective"] = True
        follow = inputs.closes_on + timedelta(days=co.follow_up_days)
        actions.append(pd.DataFrame({
            "kind": CORRECTIVE, "employee_id": r.loc[low, "employee_id"], "team": r.loc[low, "team"],
            "due_on": follow,
            "reason": ("final score " + _f2(r.loc[low, "final_score"])
                       + f" in band {sch.band(co.band).name_en}: coaching plan with the "
                       f"supervisor, follow-up by {follow.isoformat()}"),
        }))

    training = training_plans(r, profile, inputs, schemes)
    r["rank_team"] = r["rank_team"].astype("Int64")
    r["rank_company"] = r["rank_company"].astype("Int64")
    checks_df = pd.DataFrame(checks, columns=CHECK_COLUMNS)
    if len(excluded):
        checks_df = pd.concat([checks_df, pd.DataFrame([{
            "family": fam, "check": "not_graded", "level": "info",
            "message": f"{len(g)} active staff of family {fam} have no role scheme and were not graded",
        } for fam, g in excluded.groupby("family")], columns=CHECK_COLUMNS)], ignore_index=True)
    return GradeResult(
        results=r[RESULT_COLUMNS].reset_index(drop=True),
        components=detail.reset_index(drop=True),
        competencies=profile.reset_index(drop=True),
        awards=_concat(awards, AWARD_COLUMNS).sort_values(
            ["kind", "family", "rank", "team"], kind="stable").reset_index(drop=True),
        actions=_concat(actions, ACTION_COLUMNS),
        training=training,
        checks=checks_df,
        excluded=excluded,
    )


def _f2(s: pd.Series) -> pd.Series:
    """Numbers as text with two decimals, vectorised (for reasons)."""
    return pd.Series(np.char.mod("%.2f", s.to_numpy(dtype=float)), index=s.index, dtype=object)


def _fg(s: pd.Series) -> pd.Series:
    return pd.Series(np.char.mod("%g", s.to_numpy(dtype=float)), index=s.index, dtype=object)


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return _empty(columns)
    return pd.concat(frames, ignore_index=True)[columns]


def training_plans(results: pd.DataFrame, profile: pd.DataFrame, inputs: GradeInputs,
                   schemes: dict[str, Scheme]) -> pd.DataFrame:
    """The weakest competencies of each person (below the threshold, or well below the team's
    mean) mapped to the course modules that train them, with a due date."""
    if profile.empty:
        return _empty(PLAN_COLUMNS)
    p = profile.merge(results[["employee_id", "family", "team"]], on="employee_id")
    rules = pd.DataFrame([(f, s.training.threshold, s.training.below_team_by,
                           s.training.max_competencies, s.training.due_days,
                           s.training.max_modules)
                          for f, s in schemes.items()],
                         columns=["family", "threshold", "below", "max_n", "due_days",
                                  "max_modules"])
    p = p.merge(rules, on="family")
    below_threshold = p["score"] < p["threshold"]
    below_team = p["score"] < p["team_mean"] - p["below"]
    p = p[below_threshold | below_team].copy()
    if p.empty:
        return _empty(PLAN_COLUMNS)
    p["why"] = np.where(
        below_threshold[p.index],
        "score " + _f2(p["score"]) + " below the threshold "
        + _fg(p["threshold"]),
        "score " + _f2(p["score"]) + " is more than "
        + _fg(p["below"]) + " below the team mean "
        + _f2(p["team_mean"]))
    p = p.sort_values(["employee_id", "score", "competency"], kind="stable")
    p = p[p.groupby("employee_id").cumcount() < p["max_n"]]
    p["modules"] = _modules_text(inputs.catalog, p)
    p["due_on"] = _add_days(inputs.closes_on, p["due_days"])
    p["reason"] = np.where(p["modules"] == "", p["why"] + "; no course module is tagged with "
                           "this competency yet", p["why"])
    return p[PLAN_COLUMNS].reset_index(drop=True)


def _modules_text(catalog: pd.DataFrame | None, plan: pd.DataFrame) -> pd.Series:
    """"course/module; ..." per plan row: the modules tagged with its competency, the most focused
    (fewest competencies) first, then in course order, at most `max_modules` of them."""
    if catalog is None or catalog.empty:
        return pd.Series("", index=plan.index, dtype=object)
    cat = catalog.assign(ref=catalog["course"] + "/" + catalog["module"])
    cat["breadth"] = cat.groupby("ref")["competency"].transform("size")
    cat = cat.sort_values(["competency", "breadth", "course", "module"], kind="stable")
    cat["order"] = cat.groupby("competency").cumcount()
    out = pd.Series("", index=plan.index, dtype=object)
    for limit in plan["max_modules"].unique():  # one pass per distinct limit (one per scheme)
        refs = cat[cat["order"] < limit].groupby("competency")["ref"].agg("; ".join)
        rows = plan["max_modules"] == limit
        out[rows] = plan.loc[rows, "competency"].map(refs).astype(object).fillna("")
    return out


def _add_days(day: date, days: pd.Series) -> pd.Series:
    base = pd.Timestamp(day)
    return (base + pd.to_timedelta(days.astype(int), unit="D")).dt.date


def grade(inputs: GradeInputs, schemes: dict[str, Scheme],
          overrides: pd.DataFrame | None = None) -> GradeResult:
    """Grade everyone in `inputs` under `schemes` (role family -> scheme), with standing
    overrides (DataFrame[employee_id, field, value]) applied."""
    scored, detail, excluded = score(inputs, schemes)
    scored, detail = apply_penalties(scored, detail, inputs.penalties, schemes)
    if overrides is not None:
        scored = apply_overrides(scored, overrides)
    profile = competency_profile(inputs, scored, schemes)
    return consequences(scored, detail, profile, excluded, inputs, schemes)


# --- what-if -------------------------------------------------------------------------------------

DIFF_COLUMNS = ["employee_id", "name", "team", "before_score", "after_score", "before_band",
                "after_band", "before_award", "after_award", "change"]


def diff_results(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Who changes band or individual award between two sets of results."""
    cols = ["employee_id", "final_score", "band", "individual_award"]
    b = before[cols].rename(columns={"final_score": "before_score", "band": "before_band",
                                     "individual_award": "before_award"})
    a = after[["employee_id", "name", "team"] + cols[1:]].rename(
        columns={"final_score": "after_score", "band": "after_band",
                 "individual_award": "after_award"})
    d = a.merge(b, on="employee_id", how="outer")
    d["before_award"] = d["before_award"].fillna(False).astype(bool)
    d["after_award"] = d["after_award"].fillna(False).astype(bool)
    band_changed = d["before_band"].fillna("-") != d["after_band"].fillna("-")
    award_changed = d["before_award"] != d["after_award"]
    d = d[band_changed | award_changed].copy()
    d["change"] = np.where(
        band_changed[d.index] & award_changed[d.index], "band and award",
        np.where(band_changed[d.index], "band", "award"))
    return d.sort_values("employee_id")[DIFF_COLUMNS].reset_index(drop=True)


@dataclass
class WhatIf:
    result: GradeResult
    diff: pd.DataFrame


def what_if(inputs: GradeInputs, schemes: dict[str, Scheme], baseline: pd.DataFrame,
            weights: dict[str, dict[str, float]] | None = None,
            overrides: pd.DataFrame | None = None) -> WhatIf:
    """Results under other schemes or other weights, and who changes band or award compared with
    `baseline` (e.g. the published results). Pure: touches nothing. `weights` maps a role family
    to component weights (as from dashboard sliders); they are normalised to sum to 1."""
    chosen = dict(schemes)
    for fam, w in (weights or {}).items():
        if fam in chosen:
            chosen[fam] = chosen[fam].with_weights(w)
    result = grade(inputs, chosen, overrides)
    return WhatIf(result, diff_results(baseline, result.results))


# --- overrides -----------------------------------------------------------------------------------

OVERRIDE_FIELDS = ("final_score", "band")


def apply_overrides(scored: pd.DataFrame, overrides: pd.DataFrame) -> pd.DataFrame:
    """Scored people with standing overrides applied (DataFrame[employee_id, field, value], the
    latest per person and field wins): a final score replaces the computed one, a band is kept
    whatever the score says."""
    s = scored.copy()
    s["band_override"] = None
    s["overridden"] = False
    s["final_score"] = s["computed_score"]
    if overrides is None or overrides.empty:
        return s
    o = overrides.drop_duplicates(["employee_id", "field"], keep="last")
    score_o = o[o["field"] == "final_score"].set_index("employee_id")["value"].astype(float)
    band_o = o[o["field"] == "band"].set_index("employee_id")["value"]
    new_score = s["employee_id"].map(score_o)
    s["final_score"] = new_score.where(new_score.notna(), s["final_score"])
    s["band_override"] = s["employee_id"].map(band_o)
    s["overridden"] = new_score.notna() | s["band_override"].notna()
    s["band_override"] = s["band_override"].astype(object).where(s["band_override"].notna(), None)
    return s
