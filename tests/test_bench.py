"""Benchmark logic (no timings): the autograde benchmark's same-scores check finds a planted
difference between two tiny nbgrader gradebooks, and none between equal ones."""

from __future__ import annotations

from academy.bench.exam import _split, compare_scores, gradebook_scores


def _gradebook(path, scores: dict[str, float]) -> str:
    from nbgrader.api import Gradebook

    from graders.exam import course

    course.ensure_path()
    course.quiet()
    url = f"sqlite:///{path}"
    gb = Gradebook(url, "bench")
    try:
        gb.add_assignment("exam")
        gb.add_notebook("exam", "exam")
        for cell in ("q01", "q02"):
            gb.add_grade_cell(cell, "exam", "exam", max_score=2, cell_type="code")
        for sid, q02 in scores.items():
            gb.add_student(sid)
            sub = gb.add_submission("exam", sid)
            for g in sub.notebooks[0].grades:
                g.auto_score = q02 if g.name == "q02" else 2.0
        gb.db.commit()
    finally:
        gb.close()
    return url


def test_compare_scores_finds_a_planted_difference(tmp_path):
    a = gradebook_scores(_gradebook(tmp_path / "a.db", {"000001": 1.0, "000002": 0.5}), "bench")
    b = gradebook_scores(_gradebook(tmp_path / "b.db", {"000001": 1.0, "000002": 1.5}), "bench")
    assert len(a) == 4
    assert a[("exam", "000001", "exam", "q01")] == (2.0, 2.0)
    assert compare_scores(a, dict(a)) == []
    assert compare_scores(a, b) == ["exam/000002/exam/q02: stock 0.5 of 2.0, ours 1.5 of 2.0"]
    fewer = {k: v for k, v in b.items() if k[1] != "000001"}
    diffs = compare_scores(a, fewer)
    assert diffs[0] == "exam/000001/exam/q01: only in stock (2.0 of 2.0)"
    assert len(diffs) == 3


def test_submissions_split_between_exams():
    assert _split(200, 2) == [100, 100]
    assert _split(21, 2) == [11, 10]
    assert _split(1, 2) == [1, 0]
