"""The demo's management data, so that its supervisors and managers are graded on their teams:
SMART goals of every month of the open cycle (set and agreed at the month's start, scored the next
month, a few not followed up), one-to-one talks (most months), an upward review of every head by
their own staff (one supervisor with too few raters, whose review stays hidden) and customer
churn per team. Everything goes in as files through the platform's own imports."""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session


def _write(path: Path, rows: list[list]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def _first(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


GOALS = [("缩短平均响应时间", "平均响应时间不超过 20 分钟"),
         ("Clear the repair backlog", "no open ticket older than 5 days at month end"),
         ("回访全部投诉客户", "投诉客户 100% 回访并记录"),
         ("Finish the complaint-handling course", "all three modules completed with self-check >= 80"),
         ("提升一次解决率", "一次解决率达到 75%")]


def step_management(ctx) -> None:
    """academy.demo step (before the grades): goals, one-to-ones, upward reviews, churn."""
    from core.cycles import current_cycle
    from graders.forms_config import load_evidence_config
    from graders.managers import churn, goals
    from graders.sources import reviews
    from graders.sources.operations import cycle_months
    from roster.models import Role, Staff, Team

    rng = random.Random(ctx.seed + 14)
    folder = ctx.home.imports_dir
    with Session(ctx.home.engine) as s:
        cycle = current_cycle(s, ctx.today)
        if cycle is None:
            ctx.notes.append("management: no open cycle")
            return
        rows = s.execute(select(Staff.employee_id, Staff.supervisor_id, Role.level, Team.name)
                         .join(Role, Staff.role_code == Role.code)
                         .join(Team, Staff.team_id == Team.id)
                         .where(Staff.active.is_(True)).order_by(Staff.employee_id)).all()
    this_month = f"{ctx.today.year:04d}-{ctx.today.month:02d}"
    months = [m for m in cycle_months(cycle) if m <= this_month]
    led = [(e, sup) for e, sup, _lvl, _t in rows if sup]
    heads = sorted({sup for _e, sup in led})
    n_goals = n_scored = n_talks = 0
    for month in months:
        g_rows = [["工号", "月份", "目标", "衡量标准", "权重", "上级", "员工确认", "上级确认"]]
        for emp, sup in led:
            for title, measure in rng.sample(GOALS, 2):
                both = rng.random() < 0.9
                g_rows.append([emp, month, title, measure, rng.choice([1, 2]), sup, "是",
                               "是" if both else "否"])
        with Session(ctx.home.engine) as s, s.begin():
            n_goals += goals.import_goals(s, _write(folder / f"goals_{month}.csv", g_rows),
                                          today=_first(month)).goals
        if month < this_month:  # scored the next month; a few heads forget to follow up
            with Session(ctx.home.engine) as s:
                agreed = goals.goals_frame(s, [month])
            agreed = agreed[agreed["state"] == "agreed"]
            sc_rows = [["工号", "月份", "目标", "完成率", "上级", "备注"]]
            for r in agreed.itertuples():
                if rng.random() < 0.85:
                    sc_rows.append([r.employee_id, month, r.title, f"{rng.randint(55, 100)}%",
                                    r.manager_agreed_by, ""])
            nxt = date(int(month[:4]) + (month[5:] == "12"),
                       1 if month[5:] == "12" else int(month[5:]) + 1, 1)
            with Session(ctx.home.engine) as s, s.begin():
                n_scored += goals.import_scores(s, _write(folder / f"goal_scores_{month}.csv",
                                                          sc_rows), today=nxt).scored
    t_rows = [["工号", "面谈人", "面谈日期", "面谈记录"]]
    for month in months:
        day = min(_first(month).replace(day=10), ctx.today)
        for emp, sup in led:
            if rng.random() < 0.8:
                t_rows.append([emp, sup, day.isoformat(), rng.choice(
                    ["目标回顾与下月计划", "Reviewed last month's goals", "投诉处理复盘", ""])])
    with Session(ctx.home.engine) as s, s.begin():
        n_talks = goals.import_one_to_ones(s, _write(folder / "one_to_ones.csv", t_rows),
                                           "demo manager", today=ctx.today).talks
    # upward review: each head rated by up to five of their own staff; one supervisor by two only
    cfg = load_evidence_config(ctx.home.assessments_dir)
    items = [it.id for it in cfg.review.items]
    u_rows = [["评价人", "被评价人", "关系", *items]]
    hidden = None
    sup_of = dict(led)

    def below(head: str) -> list[str]:
        out = []
        for e, _sup in led:
            cur, seen = sup_of.get(e), set()
            while cur and cur not in seen:
                if cur == head:
                    out.append(e)
                    break
                seen.add(cur)
                cur = sup_of.get(cur)
        return out

    for head in heads:
        staff = below(head)
        raters = rng.sample(staff, min(5, len(staff)))
        if hidden is None and len(staff) >= 3 and head != heads[0] and len(below(head)) < 20:
            hidden, raters = head, raters[:2]
        for r in raters:
            base = rng.choice([3, 4, 4, 5])
            u_rows.append([r, head, "下级", *[max(1, min(5, base + rng.choice([-1, 0, 0, 1])))
                                               for _ in items]])
    with Session(ctx.home.engine) as s, s.begin():
        reviews.import_file(s, _write(folder / "upward_reviews.csv", u_rows), cfg,
                            "demo manager", cycle.name)
    c_rows = [["团队", "月份", "期初客户数", "流失客户数"]]
    for team in sorted({t for *_x, t in rows}):
        for month in months:
            c_rows.append([team, month, rng.randint(150, 400), rng.randint(0, 14)])
    with Session(ctx.home.engine) as s, s.begin():
        churn.import_churn(s, _write(folder / "customer_churn.csv", c_rows), "demo manager")
    ctx.extras["upward_hidden"] = hidden
    ctx.notes.append(f"management: {n_goals} SMART goals ({n_scored} scored), {n_talks} "
                     f"one-to-ones, upward reviews of {len(heads)} heads (too few raters for "
                     f"{hidden}: hidden), churn of {len(c_rows) - 1} team months")
