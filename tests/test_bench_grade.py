"""The grading benchmark's workload: is the large company really ten copies of the small one,
graded alike, through the real `academy grade` command? (Figures are the benchmark's business;
nothing here looks at a clock.)"""

from __future__ import annotations

import json
import re
import sqlite3

from academy.bench import grade as grade_bench


def test_is_the_large_company_ten_copies_that_academy_grade_grades_alike(tmp_path):
    """Does `academy bench grade`'s workload give ten times the staff and evidence, and does every
    copied person get their original's final score and band?"""
    result = grade_bench.run(tmp_path, staff=20, runs=1, log=lambda *_: None)
    assert result.large_staff == 10 * result.small_staff == 200
    small = sqlite3.connect(tmp_path / "grade-20" / "academy.db")
    large = sqlite3.connect(tmp_path / "grade-200" / "academy.db")
    for table in ("staff", "teams", "evidence", "service_tickets"):
        n_small = small.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        n_large = large.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        assert n_small > 0 and n_large == 10 * n_small, table
    graded = large.execute("SELECT count(*) FROM grade_results").fetchone()[0]
    assert graded == 10 * small.execute("SELECT count(*) FROM grade_results").fetchone()[0] > 0
    same, pairs = map(int, re.search(r"(\d+) of (\d+) alike", result.notes[0]).groups())
    assert pairs > 0 and same == pairs
    # a peer rater in a copy is the copy of the original rater, never someone of another copy
    cross = large.execute("""SELECT count(*) FROM evidence WHERE source = 'peer'
                             AND length(employee_id) != length(rater_id)""").fetchone()[0]
    assert cross == 0
    assert len(result.large_cpu_seconds) == len(result.small_cpu_seconds) == 1
    assert result.large_cpu_seconds[0] > 0 and result.cpu_ratio > 0
    out = grade_bench.write(result, tmp_path / "grade.json")
    assert json.loads(out.read_text())["ratio"] == result.ratio > 0
