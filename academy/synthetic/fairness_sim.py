"""Simulated practical ratings with a known truth, for checking graders.engine.fairness (tests, bench).

Trainees have an ability, trainers a severity and criteria a difficulty (logits); each trainee is
scored by `per_trainee` trainers drawn at random, and each criterion level is drawn from the
many-facet rating scale model. The result is an evidence frame as graders.sources gives it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from graders.sources import EVIDENCE_COLUMNS

CRITERIA = [("listen", 0.25, False), ("safety", 0.2, True), ("diagnose", 0.25, False),
            ("commitment", 0.2, False), ("record", 0.1, False)]


@dataclass
class Simulated:
    evidence: pd.DataFrame
    ability: pd.Series  # trainee -> logits
    severity: pd.Series  # trainer -> logits (+ harsher)
    difficulty: pd.Series  # criterion -> logits


def simulate(trainees: int = 300, trainers: int = 12, per_trainee: int = 2, seed: int = 16,
             severity_sd: float = 0.7, low: int = 1, high: int = 5,
             rubric: str = "angry_customer_call") -> Simulated:
    """Ratings of `trainees` by `per_trainee` of `trainers` each on one scenario of 5 criteria."""
    rng = np.random.default_rng(seed)
    people = [f"S{i:04d}" for i in range(trainees)]
    raters = [f"TR{j:02d}" for j in range(1, trainers + 1)]
    theta = pd.Series(rng.normal(0.5, 1.2, trainees), index=people)
    sev = rng.normal(0, severity_sd, trainers)
    sev = pd.Series(sev - sev.mean(), index=raters)
    delta = pd.Series(np.linspace(-0.6, 0.6, len(CRITERIA)), index=[c for c, _, _ in CRITERIA])
    tau = np.linspace(-2.0, 2.0, high - low)
    cum = np.concatenate([[0.0], np.cumsum(tau)])
    ks = np.arange(high - low + 1)
    rows = []
    for i, p in enumerate(people):
        for t in rng.choice(trainers, per_trainee, replace=False):
            rater = raters[t]
            for cid, weight, critical in CRITERIA:
                eta = theta[p] - sev[rater] - delta[cid]
                logits = ks * eta - cum
                pr = np.exp(logits - logits.max())
                level = low + int(rng.choice(ks, p=pr / pr.sum()))
                rows.append((p, "practical", rater, f"{rubric}/{cid}", "communication",
                             float(level), float(high), 100.0 * (level - low) / (high - low),
                             {"rubric": rubric, "criterion": cid, "weight": weight,
                              "critical": critical, "pass_level": 2.0, "fail_score": 0.0},
                             1))
    ev = pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)
    return Simulated(ev, theta, sev, delta)


def recovery(trainees: int = 300, trainers: int = 12, per_trainee: int = 2, seed: int = 16,
             model: str = "rasch") -> dict:
    """How well a model recovers the simulated truth: the correlation of estimated and true
    severities, and the Spearman correlations of raw means, fair scores and fair averages with
    the true ability."""
    from scipy.stats import pearsonr, spearmanr

    from graders.engine.fairness import adjust

    sim = simulate(trainees, trainers, per_trainee, seed)
    res = adjust(sim.evidence, model, with_variance=True)
    t = res.trainers.set_index("rater_id")
    sev = t["severity"] if model == "rasch" else -t["points"]
    p = res.trainees.set_index("employee_id")
    truth = sim.ability[p.index]
    out = {"model": model, "severity_r": float(pearsonr(sev, sim.severity[t.index])[0]),
           "raw_rho": float(spearmanr(p["raw"], truth)[0]),
           "fair_rho": float(spearmanr(p["fair"], truth)[0])}
    if p["fair_average"].notna().all():
        out["fair_average_rho"] = float(spearmanr(p["fair_average"], truth)[0])
    out["variance"] = {r.source: round(float(r.share), 3) for r in res.variance.itertuples()}
    out["reliability"] = {k: (round(v, 3) if isinstance(v, float) else v)
                          for k, v in res.reliability.items()}
    return out


if __name__ == "__main__":  # python -m academy.synthetic.fairness_sim [model] [seed]
    import json
    import sys

    args = sys.argv[1:]
    print(json.dumps(recovery(model=args[0] if args else "rasch",
                              seed=int(args[1]) if len(args) > 1 else 16), indent=1))
