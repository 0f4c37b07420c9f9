"""The demo's theory exams: build, release, simulated trainees of varied ability, a simulated
trainer for the free-text answers, feedback, and the scores stored as theory evidence."""

from __future__ import annotations

import random
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from graders.exam import lifecycle, simulate, trainee

DEMO_BANKS = ("aquapure-service-basics.yaml", "aquapure-fuwu-guifan.yaml")


def demo_exam(home, bank_file: Path, staff_ids: list[str], seed: int,
              unknown_id: str | None = None, more_ids: list[str] | tuple = ()) -> list[str]:
    """Run one exam cycle on simulated trainees; returns notes for the demo summary. `staff_ids`
    go through every step, feedback included; `more_ids` (the rest of the graded staff) sit the
    exam too, autograded and marked in bulk, without feedback."""
    rng = random.Random(f"{seed}|{bank_file.name}")
    bank = lifecycle.build(home, bank_file)
    due = datetime.now(UTC) + timedelta(days=7)
    lifecycle.release(home, bank.name, due)
    abilities = {}
    work = Path(tempfile.mkdtemp(prefix="academy-demo-trainees-"))
    try:
        for sid in staff_ids + list(more_ids) + ([unknown_id] if unknown_id else []):
            abilities[sid] = min(1.0, max(0.1, rng.betavariate(4, 2)))
            folder = trainee.fetch(home, bank.name, sid, work / sid)
            answers, texts = simulate.answer_sheet(bank, sid, abilities[sid], seed)
            trainee.write_sheet(folder, bank.name, sid, answers, texts)
            trainee.submit(home, bank.name, sid, work / sid)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lifecycle.collect(home, bank.name)
    # one trainee submitted two days after the due date: the bank's late penalty applies
    late = staff_ids[-1]
    stamp = home.course_dir / "submitted" / late / bank.name / "timestamp.txt"
    stamp.write_text((due + timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
    outcomes = lifecycle.autograde(home, bank.name)
    marks = []
    for o in outcomes:
        if o.status in ("graded", "repaired"):
            _, texts = simulate.answer_sheet(bank, o.employee_id, abilities[o.employee_id], seed)
            for slot, text in texts.items():
                pts = simulate.trainer_mark(bank, slot, text, rng)
                marks.append((o.employee_id, slot, pts, "Graded against the mark scheme."))
    lifecycle.grade_free_texts(home, bank.name, marks)
    marks = len(marks)
    released = lifecycle.feedback(home, bank.name, students=list(staff_ids))
    note = (f"exam {bank.name}: {len(staff_ids) + len(more_ids)} trainees submitted"
            f"{' (+1 id not in the roster, reported)' if unknown_id else ''}, "
            f"{sum(o.status in ('graded', 'repaired') for o in outcomes)} autograded, "
            f"{marks} free-text answers marked by a trainer, feedback to {len(released)}")
    return [note]


def run_demo_exams(home, banks_dir: Path, staff_ids: list[str], seed: int, entered_by: str,
                   more: list[list[str]] | None = None) -> list[str]:
    """Both demo exams: `staff_ids` sit both; `more[i]` (optional) sit exam i as well."""
    notes = []
    for i, name in enumerate(DEMO_BANKS):
        notes += demo_exam(home, banks_dir / name, staff_ids, seed + i,
                           unknown_id="990001" if i == 0 else None,
                           more_ids=(more[i] if more and i < len(more) else ()))
        bank = lifecycle._bank(home, Path(name).stem)
        report = lifecycle.store_scores(home, bank.name, entered_by)
        notes.append(f"  {report.stored} theory scores of {bank.name} stored for cycle {report.cycle}")
    return notes
