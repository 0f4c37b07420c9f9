"""The demo's penalties, career paths and recognition, recorded through the same code the
`academy violations|careers|competitions` commands call:

* before the grades: two people's violations (a repeat that climbs to a written warning, a rude
  call), with corrective plans (one met, one due soon, one overdue), a skill competition's results
  as its organiser exports them (Chinese headers), and mentoring pairs;
* after the grades are published: a promotion case taken through eligible -> nominated ->
  reviewed (the decision is left to the manager), other eligible people opened as cases, one
  winner who stays off the honour board, and the workbook export.
"""

from __future__ import annotations

import csv
import random
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.orm import Session

MANAGER = "demo manager"


def _staff(s):
    from roster.store import list_staff

    return [p for p in list_staff(s) if p.active]


def step_violations(ctx) -> None:
    """Violations with plans, a competition and mentoring pairs (before the grades)."""
    from core.cycles import current_cycle
    from graders.ladder import careers_store as cs
    from graders.ladder import violations as vio
    from graders.ladder import violations_store as vs
    from graders.ladder.recognition_store import import_competitions

    rng = random.Random(ctx.seed * 13 + 5)
    cfg = vio.load_violations_config(ctx.home.assessments_dir)
    today = ctx.today
    with Session(ctx.home.engine) as s, s.begin():
        cycle = current_cycle(s, today)
        start = cycle.opens_on if cycle else today - timedelta(days=60)
        staff = _staff(s)
        field = sorted((p for p in staff if p.family == "field_service"),
                       key=lambda p: p.employee_id)
        a, b = rng.sample(field, 2)

        def day(back: int):
            return max(start, today - timedelta(days=back))

        evidence = ctx.home.imports_dir / "complaint_letter.txt"
        evidence.write_text("客户来信：工程师电话中态度恶劣，挂断电话。\nCustomer letter: the engineer "
                            "was rude on the phone and hung up.\n", encoding="utf-8")
        v1 = vs.record(s, cfg, a.employee_id, "late_arrival", day(50),
                       "ticket visit 2 h late, customer not told", MANAGER, today=today)
        vs.step(s, cfg, v1, vio.PLAN_SET, MANAGER, "coaching talk", today=today,
                goal="call the customer before every late arrival", due_on=day(50) + timedelta(20))
        vs.step(s, cfg, v1, vio.PLAN_MET, MANAGER, "no late arrival for three weeks", today=today)
        v2 = vs.record(s, cfg, a.employee_id, "late_arrival", day(15),
                       "second late arrival within the year", MANAGER, today=today)
        vs.step(s, cfg, v2, vio.PLAN_SET, MANAGER, "repeat within the window", today=today,
                goal="plan routes the evening before; supervisor checks weekly",
                due_on=today + timedelta(days=5))
        v3 = vs.record(s, cfg, b.employee_id, "rude_to_customer", day(30),
                       "customer complaint by letter", MANAGER, evidence_ref=str(evidence),
                       today=today)
        vs.step(s, cfg, v3, vio.PLAN_SET, MANAGER, "complaint upheld", today=today,
                goal="communication course module and two observed calls",
                due_on=max(day(30) + timedelta(days=1), today - timedelta(days=2)))
        levels = {v: vs.get_violation(s, v)["level"] for v in (v1, v2, v3)}

        # a skill competition as its organiser exports it
        entrants = rng.sample(field, min(6, len(field)))
        teams = sorted({p.team for p in staff})[:2]
        path = ctx.home.imports_dir / "skill_contest_results.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(["竞赛名称", "比赛日期", "工号", "姓名", "成绩", "名次"])
            held = day(20)
            for rank, p in enumerate(entrants, start=1):
                w.writerow(["故障诊断技能竞赛", held.isoformat(), p.employee_id, p.name,
                            100 - 4 * rank, rank])
        team_path = ctx.home.imports_dir / "team_contest_results.csv"
        with team_path.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(["竞赛名称", "比赛日期", "团队", "成绩", "名次"])
            for rank, team in enumerate(teams, start=1):
                w.writerow(["服务礼仪团队赛", day(10).isoformat(), team, 95 - 5 * rank, rank])
        import_competitions(s, path, MANAGER)
        import_competitions(s, team_path, MANAGER)

        # mentoring pairs: the longest-serving engineer of a team mentors its newest
        pairs = []
        by_team: dict[str, list] = {}
        for p in field:
            if p.hire_date:
                by_team.setdefault(p.team, []).append(p)
        for team in sorted(by_team)[:3]:
            ppl = sorted(by_team[team], key=lambda p: p.hire_date)
            if len(ppl) >= 2:
                pairs.append(cs.start_pair(s, ppl[0].employee_id, ppl[-1].employee_id,
                                           "handle an on-site fault alone, first time right",
                                           today - timedelta(days=40), today + timedelta(days=140),
                                           MANAGER))
    ctx.extras["ladder"] = {"violators": [a.employee_id, b.employee_id],
                            "winner": entrants[0].employee_id}
    ctx.notes.append(
        f"violations: {v1}, {v2} ({a.employee_id}: {levels[v1]} then {levels[v2]}, plan due in 5 "
        f"days), {v3} ({b.employee_id}: {levels[v3]}, plan overdue); competitions imported from "
        f"{path.name} and {team_path.name}; {len(pairs)} mentoring pairs")


def _finish_courses(s, employee_id: str, courses: list[str], today) -> None:
    """The demo's candidate finishes the courses still open (as the course notebooks record it)."""
    from training.catalog import load_courses
    from training.progress import record_opened, record_practice, record_self_check

    when = datetime.combine(today - timedelta(days=3), time(10), tzinfo=UTC)
    for c in load_courses():
        if c.id not in courses:
            continue
        for m in c.modules:
            record_opened(s, employee_id, c.id, m.id, now=when)
            ids = list(m.content().practice)
            for pid in ids:
                record_practice(s, employee_id, c.id, m.id, pid, ids, now=when)
            record_self_check(s, employee_id, c.id, m.id, 80.0, now=when + timedelta(minutes=20))


def _coaching_followup(s, staff: dict) -> str | None:
    """Extend by two weeks the first due corrective action of the latest published grades, by the
    person's supervisor (graders.ladder.coaching): the first screen then shows its new date. Returns
    whose, or None when there is none."""
    from graders.ladder import coaching_store as cos

    f = cos.followups(s)
    f = f[f["state"] == "due"]
    if f.empty:
        return None
    r = f[f["cycle"] == f["cycle"].iloc[-1]].iloc[0]
    sup = getattr(staff.get(r["employee_id"]), "supervisor_id", None) or "admin:demo"
    cos.follow_up(s, r["cycle"], r["employee_id"], "extended", sup,
                  "on a two-week course first; the coaching plan resumes after it",
                  until=r["due_on"] + timedelta(days=14))
    return r["employee_id"]


def step_careers(ctx) -> None:
    """A promotion case in the pipeline, eligible cases, an honour-board opt-out, the export."""
    from graders.ladder import careers as car
    from graders.ladder import careers_store as cs
    from graders.ladder.export import export_ladder
    from graders.ladder.recognition_store import set_honour_choice

    cfg = car.load_careers_config(ctx.home.assessments_dir)
    today = ctx.today
    with Session(ctx.home.engine) as s, s.begin():
        data = cs.load(s, cfg, today)
        e = data.eligibility
        staff = {p.employee_id: p for p in _staff(s)}
        ready = e[e["readiness"] == car.READY_NOW]
        candidate = None
        if len(ready):
            candidate = ready.iloc[0]
        else:  # someone on the broad track whose only gaps are courses
            broad = e[(e["track"] == "broad") & (e["gaps"] != "")]
            only_courses = broad[broad["gaps"].map(
                lambda g: all(x.startswith("course:") for x in g.split()))]
            if len(only_courses):
                candidate = only_courses.iloc[0]
                _finish_courses(s, candidate["employee_id"],
                                [g.split(":", 1)[1] for g in candidate["gaps"].split()], today)
        case, step = None, None
        if candidate is not None:
            emp = candidate["employee_id"]
            case = cs.mark_eligible(s, cfg, emp, candidate["track"], MANAGER, today)
            person = staff[emp]
            people = cs.people_frame(s)
            nominator = person.supervisor_id
            manager = people.loc[people["employee_id"] == emp, "team_manager_id"].iloc[0]
            if nominator and staff.get(nominator) and staff[nominator].role_code in (
                    "supervisor", "manager"):
                cs.case_step(s, cfg, case, car.NOMINATED, nominator,
                             "consistently good results; asked to coordinate the region's visits")
                step = car.NOMINATED
                if manager and manager != nominator and staff.get(manager):
                    cs.case_step(s, cfg, case, car.REVIEWED, manager,
                                 "supported: covers for the dispatcher already", car.SUPPORTED)
                    step = car.REVIEWED
        others = cs.scan(s, cfg, MANAGER, today)
        coached = _coaching_followup(s, staff)  # a corrective action of the grades extended
        winner = ctx.extras.get("ladder", {}).get("winner")
        if winner:
            set_honour_choice(s, winner, False, winner, "prefers not to be on public boards")
    path = ctx.home.exports_dir / "careers.xlsx"
    with Session(ctx.home.engine) as s:
        export_ladder(s, ctx.home.assessments_dir, path, ctx.home.settings.locale, today)
    ctx.notes.append(
        (f"promotion case {case} at step {step or car.ELIGIBLE}" if case
         else "no one meets a level's entry criteria yet: no promotion case")
        + f"; {len(others)} more eligible case(s); {winner} opted out of the honour board; "
        f"corrective action of {coached or 'no one'} extended by two weeks; "
        f"exported to {path.relative_to(ctx.home.root)}")
