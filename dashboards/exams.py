"""Theory and practical exam figures for the trainer view and the trainee report, read from the
home's nbgrader gradebook (graders.exam) and the practical evidence (graders.sources.practical)."""

from __future__ import annotations

import pandas as pd

from dashboards.labels import t

PROGRESS_COLUMNS = ["exam", "submitted", "autograded", "needs_manual"]


def exams(home) -> list[str]:
    """Exams with a source folder in the home's nbgrader course."""
    src = home.course_dir / "source"
    return sorted(p.name for p in src.iterdir() if p.is_dir()) if src.is_dir() else []


def grading_progress(home) -> pd.DataFrame:
    """Per exam: submissions, how many are autograded, how many await a trainer's grading."""
    from graders.exam import course

    rows = []
    names = exams(home)
    if not names:
        return pd.DataFrame(columns=PROGRESS_COLUMNS)
    with course.gradebook(home) as gb:
        known = {a.name for a in gb.assignments}
        for exam in names:
            if exam not in known:
                rows.append((exam, 0, 0, 0))
                continue
            subs = gb.assignment_submissions(exam)
            auto = [s for s in subs
                    if (home.course_dir / "autograded" / s.student.id / exam).exists()]
            manual = sum(1 for s in auto if s.needs_manual_grade)
            rows.append((exam, len(subs), len(auto), manual))
    return pd.DataFrame(rows, columns=PROGRESS_COLUMNS)


def exam_titles(home) -> dict[str, str]:
    """Exam id -> the title its bank gives it (the id where the bank cannot be read)."""
    from graders.exam import lifecycle

    out = {}
    for exam in exams(home):
        try:
            out[exam] = lifecycle._bank(home, exam).title
        except Exception:  # noqa: BLE001 - a bank that cannot be read keeps its id
            out[exam] = exam
    return out


def progress_figure(progress: pd.DataFrame, loc: str, titles: dict[str, str] | None = None):
    from dashboards.charts import PALETTE, bar_chart

    cols = ("submitted", "autograded", "needs_manual")
    return bar_chart("progress", t("grading_progress", loc),
                     [(titles or {}).get(e, e) for e in progress["exam"]],
                     [(t(c, loc), [int(v) for v in progress[c]], PALETTE[k])
                      for k, c in enumerate(cols)], t("people", loc), labels=True, loc=loc)


def items_to_fix(home, loc: str) -> pd.DataFrame:
    """Item analysis (graders.exam.stats) of every exam, keeping the flagged questions."""
    rows = [(i["exam"], i["question"], i["n"], i["facility"], i["discrimination"], i["flag"])
            for i in flagged_items(home)]
    cols = ["exam", "question", "n", "facility", "discrimination", "flag"]
    return pd.DataFrame(rows, columns=[t(c, loc) for c in cols])


def _key_text(q) -> tuple[str, str] | None:
    """The right answer of a question without options, as (kind, value): ('bool', 'true'),
    ('number', '85 ± 2 %'), ('accepted', 'a / b'); None for choice and free-text questions.
    For the trainer's view only (the trainer view is refused to everyone else)."""
    return q.kind.key_text(q)


def flagged_items(home) -> list[dict]:
    """The flagged questions of every graded exam with what a trainer needs to fix them: the
    exam's title, the question's stem, each option with how many chose it and whether it is
    the key, and the statistics (responses, facility, discrimination, flag codes)."""
    from graders.exam import lifecycle
    from graders.exam.stats import exam_item_analysis

    out = []
    for exam in exams(home):
        try:
            stats = exam_item_analysis(home, exam)
            bank = lifecycle._bank(home, exam)
        except Exception:  # an exam never graded has nothing to analyse
            continue
        for s in stats:
            if not s.flag:
                continue
            q = bank.question(s.question)
            out.append({"exam": exam, "exam_title": bank.title, "question": s.question,
                        "stem": q.stem, "options": list(s.option_counts), "key": _key_text(q),
                        "n": s.n,
                        "facility": s.facility, "discrimination": s.discrimination,
                        "flag": s.flag, "flags": [f.strip() for f in s.flag.split(";")]})
    return out


def my_exam_results(home, employee_id: str) -> pd.DataFrame:
    """One trainee's points per question in every graded exam (their own rows only)."""
    from graders.exam import lifecycle

    rows = []
    for exam in exams(home):
        try:
            bank = lifecycle._bank(home, exam)
            mine = [r for r in lifecycle.gradebook_rows(home, exam, employee_id)
                    if r.employee_id == employee_id]
        except Exception:
            continue
        for r in mine:
            q = bank.by_id[r.question]
            rows.append((bank.title, q.stem[:120], r.competency, r.points, r.max_points))
    return pd.DataFrame(rows, columns=["exam", "question", "competency", "points", "max_points"])


def agreement_floor(home) -> float:
    """The alpha below which a scenario's scoring is flagged (practical.yaml, 0.667 by default)."""
    from graders.forms_config import load_evidence_config

    return load_evidence_config(home.assessments_dir).practical.agreement_floor


def scenario_titles(home, loc: str) -> dict[str, str]:
    """Practical scenarios' titles in `loc` (the English one where a Chinese one is missing)."""
    from graders.forms_config import load_evidence_config

    rubrics = load_evidence_config(home.assessments_dir).rubrics
    return {k: (r.title_zh or r.title_en) if loc == "zh" else r.title_en
            for k, r in rubrics.items()}


def practical_agreement(home, cycle: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Krippendorff's alpha per scenario and leniency per trainer (graders.sources.practical.agreement)."""
    from sqlalchemy.orm import Session

    from core.cycles import get_cycle
    from graders.forms_config import load_evidence_config
    from graders.sources.load import evidence_frame
    from graders.sources.practical import agreement

    rules = load_evidence_config(home.assessments_dir).practical
    with Session(home.engine) as s:
        ev = evidence_frame(s, get_cycle(s, cycle).id, "practical")
    return agreement(ev, rules)
