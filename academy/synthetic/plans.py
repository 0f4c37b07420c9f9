"""Demo data for the monthly work plan of technical support and a survey tool's own export.

* Work plans: each technical-support person gets 3-5 plan items per month of the open cycle that
  has begun (agreed with their supervisor, `academy plans import`), and the months already over
  are scored (`academy plans score`): better people finish more, with better quality.
* A 问卷星 (wjx) export, as the tool writes it (meta columns, `1、` numbered questions, a matrix
  question per attribution, answers as words), answering some tickets that were surveyed but not
  yet answered; the low-coverage team planted by academy.synthetic.evidence is left alone.

Both are written as files and go through the same imports a user runs.
"""

from __future__ import annotations

import csv
import random
from datetime import date, datetime, timedelta
from pathlib import Path

from academy.synthetic.evidence import Person, ability
from graders.forms_config import EvidenceConfig

TASKS = [
    ("清理超过5天的备件订单", "no order older than 5 days", 2),
    ("更新热线常见问题解答", "20 answers reviewed", 1),
    ("回访本月投诉客户", "every complaint called back", 2),
    ("整理远程诊断案例库", "10 cases written up", 1),
    ("Train a new colleague on the ticket system", "two sessions held", 1),
    ("Check spare-part stock against the system", "count differences below 1%", 1),
    ("Reduce open remote-support tickets", "under 15 open at month end", 2),
]
WORDS = ["非常不满意", "不满意", "一般", "满意", "非常满意"]


def _month_over(month: str, today: date) -> bool:
    y, m = int(month[:4]), int(month[5:7])
    return today >= (date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1))


def write_work_plans(people: list[Person], families: list[str], folder: Path, seed: int,
                     months: list[str], today: date) -> tuple[Path, Path | None]:
    """The plan file (agreed items) and the scoring file (months over), as CSV."""
    rng = random.Random(f"{seed}:plans")
    plans, scores = [], []
    started = [m for m in months if date(int(m[:4]), int(m[5:7]), 1) <= today]
    for p in people:
        if p.family not in families or p.level != "staff" or not p.supervisor_id:
            continue
        a = ability(p.employee_id, seed)
        for month in started:
            for title, target, weight in rng.sample(TASKS, rng.randint(3, 5)):
                plans.append([p.employee_id, month, title, weight, target, p.supervisor_id])
                if _month_over(month, today):
                    r = rng.random() + 0.25 * a
                    status = "完成" if r > 0.35 else "部分完成" if r > 0.1 else "未完成"
                    quality = max(1, min(5, round(3.6 + 1.2 * a + rng.gauss(0, 0.7))))
                    scores.append([p.employee_id, month, title, status, quality,
                                   p.supervisor_id, ""])
    plan = _csv(folder / "work_plans.csv",
                ["工号", "月份", "计划项", "权重", "完成标准", "上级"], plans)
    scored = (_csv(folder / "work_plan_scores.csv",
                   ["工号", "月份", "计划项", "完成情况", "质量", "评分人", "备注"], scores)
              if scores else None)
    return plan, scored


def write_wjx_export(cfg: EvidenceConfig, tickets: list[tuple[str, str, str]],
                     folder: Path, seed: int, start: date) -> Path:
    """A 问卷星 export answering `tickets` (ticket, staff id, team) with satisfaction words."""
    rng = random.Random(f"{seed}:wjx")
    person = [it for it in cfg.survey.items if it.attribution == "person"]
    company = [it for it in cfg.survey.items if it.attribution == "company"]
    header = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP",
              "1、您的服务工单号是：", *[f"2、({it.text_zh or it.text_en})" for it in person],
              *[f"3、({it.text_zh or it.text_en})" for it in company], "4、您还有什么意见或建议？"]
    rows = []
    for n, (ticket, emp, _team) in enumerate(tickets, 1):
        a = ability(emp, seed)
        when = datetime(start.year, start.month, 1, 8) + timedelta(minutes=rng.randint(0, 80_000))
        answers = [WORDS[max(0, min(4, round(3.1 + 1.1 * a + rng.gauss(0, 0.7))))] for _ in person]
        answers += [WORDS[max(0, min(4, round(2.9 + rng.gauss(0, 0.9))))] for _ in company]
        rows.append([n, when.strftime("%Y/%m/%d %H:%M:%S"), f"{rng.randint(40, 300)}秒",
                     rng.choice(["手机提交", "微信", "链接"]), "直接访问",
                     f"116.228.{rng.randint(0, 255)}.{rng.randint(1, 254)}(上海-上海)", ticket,
                     *answers, rng.choice(["(空)", "(空)", "工程师很专业", "希望配件更快到货"])])
    with open(folder / "wjx_customer_survey.csv", "w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return folder / "wjx_customer_survey.csv"


def _csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def demo_work_plans_and_wjx(home, seed: int, today: date, planted=None) -> str:
    """Write and import the demo's work plans and 问卷星 export into `home`'s open cycle."""
    from sqlalchemy.orm import Session

    from core.cycles import current_cycle
    from core.tabular import read_table
    from graders.forms_config import load_evidence_config
    from graders.sources import surveys, work_plans
    from graders.sources.behaviour import cycle_months
    from roster.store import list_staff

    cfg = load_evidence_config(home.assessments_dir)
    rules = work_plans.load_rules(home.assessments_dir)
    with Session(home.engine) as s, s.begin():
        cycle = current_cycle(s, today)
        if cycle is None:
            return "work plans: no open cycle"
        staff = list_staff(s)
        people = [Person(r.employee_id, r.team, r.family, r.level, r.supervisor_id) for r in staff]
        team_of = {r.employee_id: r.team for r in staff}
        months = cycle_months(cycle)
        plan, scored = write_work_plans(people, rules.families, home.imports_dir, seed, months,
                                        today)
        p = work_plans.import_plan(s, plan, rules, "demo manager", cycle.name)
        sc = (work_plans.import_scores(s, scored, rules, "demo manager", cycle.name, today=today)
              if scored else None)
        # tickets surveyed but not answered yet, outside the planted low-coverage team
        answered = set()
        if planted is not None and "surveys" in planted.files:
            t = read_table(planted.files["surveys"])
            answered = {str(r[1][1]) for r in t.rows}
        tk = surveys.current_tickets(s, cycle.id)
        low = getattr(planted, "low_coverage_team", None)
        open_ = [(tid, emp, team_of.get(emp, "")) for tid, emp, sent in
                 zip(tk["ticket_id"], tk["employee_id"], tk["surveyed"])
                 if sent and tid not in answered and team_of.get(emp) != low]
        rng = random.Random(f"{seed}:wjx-pick")
        chosen = sorted(rng.sample(open_, min(len(open_), max(1, len(open_) // 2)))) if open_ else []
        wjx = None
        if chosen:
            path = write_wjx_export(cfg, chosen, home.imports_dir, seed,
                                    date(int(months[0][:4]), int(months[0][5:7]), 1))
            wjx = surveys.import_file(s, path, cfg, "demo manager", cycle.name)
    return (f"work plans: {p.evidence} items agreed for {p.extra['people']} technical-support "
            f"staff, {sc.evidence if sc else 0} scored; 问卷星 export: "
            f"{wjx.extra['responses'] if wjx else 0} responses (academy plans show, "
            f"academy surveys company)")
