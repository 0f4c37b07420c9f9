"""Grading's speed work (issue 17 item 2) must not change what grading computes: the trainer
severity fit by Newton's method against the L-BFGS fit it replaced, and a small company graded
alike on SQLite and on PostgreSQL by the benchmark's own runs. No timings are asserted here."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.orm import Session

from academy.bench import grade as grade_bench
from academy.synthetic.fairness_sim import simulate
from graders.engine import fairness


@pytest.fixture(scope="module")
def ratings():
    """200 trainees, 8 trainers, 2 trainers each (fixed seed): criterion ratings."""
    sim = simulate(trainees=200, trainers=8, per_trainee=2, seed=11)
    return fairness.criterion_ratings(sim.evidence)


def _gradients(r: pd.DataFrame, fit: fairness.RaschFit):
    """Hand-computed gradient of the penalised log-likelihood at a fit, per trainee and per
    trainer (the sum-zero trainer constraint projected out), from the fit's reported numbers."""
    al = fit.severity
    shift = -float(al.mean())  # the fit centres severities on the median trainer afterwards
    th = fit.ability.reindex(r["employee_id"]).to_numpy() + shift
    a = (al + shift).reindex(r["rater_id"]).to_numpy()
    de = fit.difficulty.reindex(r["rubric"] + "/" + r["criterion"]).to_numpy()
    eta = th - a - de
    x = r["category"].to_numpy(dtype=int)
    expected = np.empty(len(r))
    for i, (rub, e) in enumerate(zip(r["rubric"], eta)):
        cum = np.concatenate([[0.0], np.cumsum(fit.thresholds[rub])])
        k = np.arange(len(cum))
        p = np.exp(k * e - cum - np.max(k * e - cum))
        expected[i] = (p / p.sum()) @ k
    resid = pd.Series(x - expected)
    inv_var = 1.0 / fairness.PRIOR_SD ** 2
    g_th = (resid.groupby(r["employee_id"].to_numpy()).sum()
            - inv_var * (fit.ability + shift))
    g_al = -resid.groupby(r["rater_id"].to_numpy()).sum() - inv_var * (al + shift)
    return g_th, g_al - g_al.mean()


def test_is_the_newton_fit_at_the_optimum_that_lbfgs_only_approached(ratings):
    """Is the Newton fit stationary (every trainee's and trainer's gradient below 1e-6, computed
    by hand), in far fewer steps than L-BFGS at its old tolerance, and does a fully converged
    L-BFGS (gtol 1e-10) agree with it to 1e-5 logits, closer than the old tolerance did?"""
    new = fairness.fit_rasch(ratings)
    old = fairness.fit_rasch(ratings, solver="lbfgs")
    tight = fairness.fit_rasch(ratings, solver="lbfgs", gtol=1e-10)
    assert new.converged and tight.converged
    g_th, g_al = _gradients(ratings, new)
    assert float(g_th.abs().max()) < 1e-6 and float(g_al.abs().max()) < 1e-6
    g_th_old, _ = _gradients(ratings, old)
    assert float(g_th_old.abs().max()) > 10 * float(g_th.abs().max())
    assert new.iterations < 30 < old.iterations
    for k in ("ability", "severity", "difficulty"):
        gap_tight = float((getattr(new, k) - getattr(tight, k)).abs().max())
        gap_old = float((getattr(new, k) - getattr(old, k)).abs().max())
        assert gap_tight < 1e-5, (k, gap_tight)
        assert gap_tight <= gap_old, (k, gap_tight, gap_old)
    assert np.max(np.abs(new.expected_fair - tight.expected_fair)) < 1e-5


def test_is_an_unknown_solver_refused(ratings):
    """Is a solver name the fit does not know refused rather than silently replaced?"""
    with pytest.raises(ValueError, match="unknown solver"):
        fairness.fit_rasch(ratings, solver="newton-raphson")


@pytest.fixture(scope="module")
def bench_runs(tmp_path_factory):
    """`academy bench grade`'s own runs on both backends: 20 and 200 staff as copies of a
    10-staff company, each graded by the real command on SQLite and on PostgreSQL."""
    # the benchmark always starts its own cluster (it measures that server's CPU), also when the
    # other tests use the server named by ACADEMY_TEST_PG_URL: it needs PostgreSQL's binaries,
    # which `make test` installs
    base = tmp_path_factory.mktemp("gradebench")
    result = grade_bench.run(base, staff=20, runs=1, base_staff=10, log=lambda *_: None,
                             backends=("sqlite", "postgresql"))
    return base, result


@pytest.mark.postgres
def test_does_the_benchmark_grade_alike_on_sqlite_and_postgresql(bench_runs):
    """Do the benchmark's runs give the same results and inputs sha256 on SQLite and
    PostgreSQL, every copy graded like the original, with CPU seconds per step, the database
    server's CPU and peak memory recorded for each?"""
    base, r = bench_runs
    assert r.small_staff == 20 and r.large_staff == 200
    for size in ("small", "large"):
        shas = {(x["results_sha256"], x["inputs_sha256"])
                for b in ("sqlite", "postgresql") for x in r.runs[b][size]}
        assert len(shas) == 1, shas
    assert "small company: the same results" in " ".join(r.notes)
    assert "large company: the same results" in " ".join(r.notes)
    for b in ("sqlite", "postgresql"):
        alike = next(n for n in r.notes if n.startswith(f"{b}: copy"))
        same, pairs = (int(v) for v in alike.split(": ")[-1].split(" alike")[0].split(" of "))
        assert pairs == 10 and same == pairs, alike
        for x in r.runs[b]["large"]:
            assert x["exit"] == 0 and x["peak_rss_mb"] > 0 and x["total"]["cpu"] > 0
            assert x["steps"]["engine"]["cpu"] > 0
            assert x["steps"]["aggregate practical > rasch fit"]["cpu"] > 0
    assert all(x["server_cpu"] > 0 for x in r.runs["postgresql"]["large"])
    assert grade_bench.step_table(r.runs["sqlite"]["large"])["store results"] > 0


def test_does_the_newton_fit_grade_a_company_as_the_converged_lbfgs_fit(bench_runs,
                                                                        monkeypatch):
    """Graded with the Newton fit and with a fully converged L-BFGS fit, does the benchmark's
    200-staff company get the same final scores, bands and component scores, and fair
    practical scores within 0.001 points?"""
    from core.cycles import get_cycle
    from core.home import open_home
    from graders.engine.schemes import home_schemes
    from graders.results.store import grade_cycle, load_inputs

    base, _ = bench_runs
    home = open_home(base / "grade-200")

    def grade():
        with Session(home.engine) as s:
            rep = grade_cycle(s, grade_bench.CYCLE, home_schemes(home), by="test", dry_run=True)
            variants = load_inputs(s, get_cycle(s, grade_bench.CYCLE)).variants
            return rep, variants[variants["variant"] == "fair"].set_index("employee_id")

    try:
        newton, fair_newton = grade()
        monkeypatch.setattr(fairness, "fit_rasch",
                            functools.partial(fairness.fit_rasch, solver="lbfgs", gtol=1e-10))
        tight, fair_tight = grade()
    finally:
        home.close()
    cols = ["employee_id", "final_score", "band", "status"]
    pd.testing.assert_frame_equal(newton.result.results[cols], tight.result.results[cols])
    pd.testing.assert_frame_equal(newton.result.components[["employee_id", "component", "score"]],
                                  tight.result.components[["employee_id", "component", "score"]])
    assert newton.result.results["final_score"].notna().sum() > 100
    assert len(fair_newton) > 100 and fair_newton.index.equals(fair_tight.index)
    assert float((fair_newton["score"] - fair_tight["score"]).abs().max()) < 1e-3


def test_are_training_modules_counted_for_more_people_than_a_statement_takes(home):
    """Grading 100,000 staff on PostgreSQL failed: the managers' training figure sent every id as
    one bound parameter (at most 65,535 a statement). With 70,000 people, is each one's count of
    completed modules right on both backends, someone else's progress left out?"""
    from datetime import datetime, timezone

    from graders.engine.course_catalog import module_catalog
    from graders.managers.store import training_progress
    from training.progress import ModuleProgress

    cat = module_catalog()
    assert len(cat) > 0
    course, module = cat["course"].iloc[0], cat["module"].iloc[0]
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    people = [f"{i:06d}" for i in range(70_000)]
    with home.transaction() as s:
        for who in ("000007", "069999", "outsider"):
            s.add(ModuleProgress(employee_id=who, course=course, module=module,
                                 first_opened_at=now, last_opened_at=now, practice_done_at=now,
                                 self_check_score=80.0, self_check_best=80.0,
                                 self_check_attempts=1, self_check_at=now))
        s.add(ModuleProgress(employee_id="000008", course=course, module=module,
                             first_opened_at=now, last_opened_at=now))  # opened, not completed
    with Session(home.engine) as s:
        got = training_progress(s, people).set_index("employee_id")
    assert len(got) == 70_000 and "outsider" not in got.index
    assert got.loc["000007", "completed"] == got.loc["069999", "completed"] == 1
    assert got.loc["000008", "completed"] == 0 and int(got["completed"].sum()) == 2
    assert (got["required"] == len(set(zip(cat["course"], cat["module"])))).all()
