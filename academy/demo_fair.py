"""The demo's fair-measurement step: the role schemes of the demo home grade practical exams on
fair scores (trainer severity taken off, graders.engine.fairness), and the note says what changed."""

from __future__ import annotations

import re


def use_fair_scores(schemes_dir) -> list[str]:
    """Turn on `variant: fair` for the practical component of every scheme in `schemes_dir`
    (the home's copies); returns the files changed."""
    changed = []
    for f in sorted(schemes_dir.glob("*.yaml")):
        text = f.read_text(encoding="utf-8")
        new = re.sub(r"^(\s*practical:\s*\{weight: [0-9.]+, kind: \w+)\}", r"\1, variant: fair}",
                     text, flags=re.M)
        if new != text:
            f.write_text(new, encoding="utf-8")
            changed.append(f.name)
    return changed


def step_fair(ctx) -> None:
    """Trainer severity of the open cycle's practical exams, and grading on fair scores."""
    from core.cycles import current_cycle
    from graders.engine.fairness import adjust
    from graders.sources.load import evidence_frame

    with ctx.home.transaction() as s:
        cycle = current_cycle(s, ctx.today)
        ev = evidence_frame(s, cycle.id, "practical") if cycle else None
    if ev is None or ev.empty:
        ctx.notes.append("fair scores: no practical ratings")
        return
    res = adjust(ev, "rasch", with_variance=False)
    top = res.trainers.loc[res.trainers["points"].abs().idxmax()]
    comp = res.component()
    moved = comp[comp["adjustment"].abs() >= 0.5]
    files = use_fair_scores(ctx.home.root / "assessments" / "schemes")
    ctx.notes.append(
        f"fair scores: trainer {top['rater_id']} scores {top['points']:+.1f} points against the "
        f"typical trainer (severity {top['severity']:+.2f} +/- {top['se']:.2f} logits); "
        f"{len(moved)} of {len(comp)} practical scores adjusted, mean change "
        f"{comp['adjustment'].abs().mean():.1f} points; {', '.join(files) or 'no scheme'} now "
        "grade on fair scores (academy practical adjust)")
