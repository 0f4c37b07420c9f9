"""`academy grade` with a CPU timer around each of its steps (for `academy bench grade`).

Run as `python -m academy.bench.grade_steps OUT.json --home H grade CYCLE`: the real command
(academy.cli.main with those arguments) in this process, with timers wrapped around the functions
that make up a grade run (the roster, each evidence source's loading and aggregation, the
engine, the fingerprints, storing the results). OUT.json gets, per step, CPU seconds of this
process (user + system, all threads) and wall seconds (steps run in processes forked to collect
the sources, graders.sources.load.collect, are reported back by them; their wall seconds
overlap); `total` is the whole process from start
(imports included) and `peak_rss_mb` its largest resident memory. Nested steps (the practical
source's Rasch fit, inside its aggregation) are named with " > ". Nothing here changes what the
command computes.
"""

from __future__ import annotations

import functools
import json
import os
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

_CPU: dict[str, float] = defaultdict(float)
_WALL: dict[str, float] = defaultdict(float)
_STACK: list[str] = []


def _timed(name_of, fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        name = name_of(*args, **kwargs) if callable(name_of) else name_of
        if _STACK:
            name = f"{_STACK[-1]} > {name}"
        _STACK.append(name)
        c0, w0 = time.process_time(), time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            _CPU[name] += time.process_time() - c0
            _WALL[name] += time.perf_counter() - w0
            _STACK.pop()
    return wrapper


_MAIN_PID = os.getpid()
_CHILD_STEPS: list[Path] = []


def _reported_from_children(fn):
    """core.forked's child body, sending the steps timed in that forked process (sources
    collected in parallel, fingerprints) back to the grading process through a file next to
    the output; the child's own counters end with it."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        cpu0, wall0 = dict(_CPU), dict(_WALL)
        try:
            return fn(*args, **kwargs)
        finally:
            if _CHILD_STEPS and os.getpid() != _MAIN_PID:
                steps = {k: {"cpu": v - cpu0.get(k, 0.0), "wall": _WALL[k] - wall0.get(k, 0.0)}
                         for k, v in _CPU.items() if v != cpu0.get(k, 0.0)}
                path = _CHILD_STEPS[0].with_name(f"{_CHILD_STEPS[0].name}.{os.getpid()}")
                path.write_text(json.dumps(steps), encoding="utf-8")
    return wrapper


def _merge_children(out: Path) -> None:
    for path in out.parent.glob(f"{out.name}.*"):
        if path.suffix[1:].isdigit():
            for k, v in json.loads(path.read_text(encoding="utf-8")).items():
                _CPU[k] += v["cpu"]
                _WALL[k] += v["wall"]
            path.unlink()


def install() -> None:
    """Wrap the steps of a grade run with timers (module attributes, as the callers look them up)."""
    from core import forked
    from graders.engine import fairness
    from graders.engine import grading as g
    from graders.results import store
    from graders.sources import EvidenceSource, load

    store.roster_frame = _timed("roster", store.roster_frame)
    store.history_frame = _timed("history", store.history_frame)
    store.cycle_penalties = _timed("penalties", store.cycle_penalties)
    store.overrides_frame = _timed("overrides", store.overrides_frame)
    store.stored_result = _timed("previous results", store.stored_result)
    store._write_detail = _timed("store results", store._write_detail)
    store.write_run_extras = _timed("store flags and fits", store.write_run_extras)
    load.shared_frames = _timed("roster and batches for the sources", load.shared_frames)
    load.combine = _timed("combine sources", load.combine)
    forked._child = _reported_from_children(forked._child)
    fairness.fit_rasch = _timed("rasch fit", fairness.fit_rasch)
    g.grade = _timed("engine", g.grade)
    g.GradeInputs.sha256 = _timed("fingerprints", g.GradeInputs.sha256)
    g.GradeResult.sha256 = _timed("fingerprints", g.GradeResult.sha256)
    EvidenceSource.run = _timed(lambda self, frames: f"aggregate {self.name}", EvidenceSource.run)
    resolve = load.resolve

    def timed_resolve(ref):
        return _timed(lambda session, frames: f"load {frames.source}", resolve(ref))
    load.resolve = timed_resolve


def main(argv: list[str]) -> None:
    out = Path(argv[0])
    _CHILD_STEPS.append(out)
    for stale in out.parent.glob(f"{out.name}.*"):
        stale.unlink()
    c0 = time.process_time()
    w0 = time.perf_counter()
    install()
    from academy.cli import main as academy_main

    _CPU["start-up (imports)"] = time.process_time()
    code = 0
    try:
        academy_main(argv[1:])
    except SystemExit as exc:  # typer ends with SystemExit(0) on success
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    total_cpu = time.process_time()
    r = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    _merge_children(out)
    out.write_text(json.dumps({
        "argv": argv[1:], "exit": code,
        "steps": {k: {"cpu": round(v, 3), "wall": round(_WALL.get(k, 0.0), 3)}
                  for k, v in _CPU.items()},
        "total": {"cpu": round(total_cpu, 3), "cpu_user_sys": round(r.ru_utime + r.ru_stime, 3),
                  "children_cpu": round(kids.ru_utime + kids.ru_stime, 3),
                  "wall": round(time.perf_counter() - w0, 3), "driver_cpu_before": round(c0, 3)},
        "peak_rss_mb": round(r.ru_maxrss / 1024, 1),
    }, indent=1), encoding="utf-8")
    sys.exit(code)


if __name__ == "__main__":
    main(sys.argv[1:])
