"""Synthetic evidence for the demo company, with planted cases the fairness checks must find:
one lenient trainer, one straight-lining reviewer, one pair who praise each other, a team whose
customers are rarely surveyed, and deductions for some field engineers.

Files are written the way real tools export them (Chinese headers, wide survey sheets, GB18030
CSV) and then go through the same imports a user runs.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

from graders.forms_config import EvidenceConfig

TRAINERS = ["TR01", "TR02", "TR03", "TR04"]
LENIENT_TRAINER = "TR03"


@dataclass
class Person:
    employee_id: str
    team: str
    family: str
    level: str
    supervisor_id: str | None


@dataclass
class Planted:
    lenient_trainer: str = LENIENT_TRAINER
    straight_liner: str | None = None
    mutual_pair: tuple[str, str] | None = None
    low_coverage_team: str | None = None
    files: dict[str, Path] = field(default_factory=dict)


def ability(employee_id: str, seed: int) -> float:
    """A stable latent ability in [-1, 1] for a person (the same in every source)."""
    return random.Random(f"{seed}:{employee_id}").uniform(-1, 1)


def _xlsx(path: Path, header: list[str], rows: list[list]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def _csv(path: Path, header: list[str], rows: list[list], encoding: str) -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_evidence_files(people: list[Person], cfg: EvidenceConfig, folder: Path, seed: int,
                         months: list[str]) -> Planted:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    planted = Planted()
    staff = [p for p in people if p.level == "staff"]
    by_team: dict[str, list[Person]] = {}
    for p in staff:
        by_team.setdefault(p.team, []).append(p)

    # Practical exams: two trainers per trainee, on the scenario of their role family.
    rubric_for = {}
    for r in cfg.rubrics.values():
        for fam in r.families or ["technical_support", "field_service"]:
            rubric_for.setdefault(fam, r)
    crit_ids = sorted({c.id for r in cfg.rubrics.values() for c in r.criteria})
    rows = []
    for i, p in enumerate(staff):
        rubric = rubric_for.get(p.family)
        if rubric is None:
            continue
        pair = [TRAINERS[i % 4], TRAINERS[(i + 1) % 4]]
        a = ability(p.employee_id, seed)
        for trainer in pair:
            cells = {}
            for c in rubric.criteria:
                # most trainees do the safety-critical steps; weak ones still miss some
                level = (3.4 + 1.4 * a + (0.8 if c.critical else 0) + rng.gauss(0, 0.45)
                         + (1.2 if trainer == LENIENT_TRAINER else 0))
                cells[c.id] = int(min(rubric.scale.max, max(rubric.scale.min, round(level))))
            rows.append([p.employee_id, rubric.id, trainer, *[cells.get(c, None) for c in crit_ids]])
    planted.files["practical"] = _xlsx(folder / "practical_scores.xlsx",
                                       ["学员工号", "考核场景", "考官", *crit_ids], rows)

    # 360-degree reviews, exported wide by a survey tool: numbered question texts as headers.
    form = cfg.review
    headers = ["评价人", "被评价人", "关系", *[f"{n}. {it.text_zh or it.text_en}"
                                         for n, it in enumerate(form.items, 1)]]
    rows = []
    teams = sorted(by_team)
    liner_team = by_team[teams[0]]
    planted.straight_liner = liner_team[0].employee_id
    mutual_team = by_team[teams[1 % len(teams)]]
    # The pair who praise each other are weaker performers: their 5s stand out from the others'.
    weakest = sorted(mutual_team[1:], key=lambda p: ability(p.employee_id, seed))[:2]
    planted.mutual_pair = (weakest[0].employee_id, weakest[1].employee_id)

    def answers(ratee: Person, bias: float = 0.0) -> list[int]:
        a = ability(ratee.employee_id, seed)
        return [int(min(5, max(1, round(3.3 + 1.2 * a + bias + rng.gauss(0, 0.5)))))
                for _ in form.items]

    for team, members in by_team.items():
        for j, ratee in enumerate(members):
            others = [m for m in members if m is not ratee]
            k = 2 if j == len(members) - 1 else min(len(others), rng.randint(3, 5))
            raters = rng.sample(others, k)
            if team == mutual_team[0].team and ratee.employee_id in planted.mutual_pair:
                partner = next(m for m in members if m.employee_id in planted.mutual_pair
                               and m is not ratee)
                raters = [r for r in raters if r is not partner][: max(0, k - 1)] + [partner]
            for rater in raters:
                if rater.employee_id == planted.straight_liner:
                    vals = [4] * len(form.items)
                elif {rater.employee_id, ratee.employee_id} == set(planted.mutual_pair):
                    vals = [5] * len(form.items)
                else:
                    vals = answers(ratee)
                rows.append([rater.employee_id, ratee.employee_id, "同事", *vals])
            if ratee.supervisor_id:
                rows.append([ratee.supervisor_id, ratee.employee_id, "上级", *answers(ratee, -0.2)])
            rows.append([ratee.employee_id, ratee.employee_id, "自评", *answers(ratee, 0.6)])
        # the straight-liner rates everyone in the team
    liner = next(p for p in liner_team if p.employee_id == planted.straight_liner)
    rated = {(r[0], r[1]) for r in rows}
    for ratee in liner_team:
        if ratee is not liner and (liner.employee_id, ratee.employee_id) not in rated:
            rows.append([liner.employee_id, ratee.employee_id, "同事", *([4] * len(form.items))])
    planted.files["reviews"] = _xlsx(folder / "reviews_360_export.xlsx", headers, rows)

    # Service tickets and customer surveys; one team is rarely surveyed.
    planted.low_coverage_team = teams[-1]
    tickets, responses = [], []
    n = 0
    for p in staff:
        a = ability(p.employee_id, seed)
        low = p.team == planted.low_coverage_team
        for _ in range(rng.randint(4, 24)):
            n += 1
            ticket = f"T{n:06d}"
            month = rng.choice(months)
            surveyed = rng.random() < (0.45 if low else 0.92)
            tickets.append([ticket, p.employee_id, f"{month}-{rng.randint(1, 28):02d}",
                            "是" if surveyed else "否"])
            if surveyed and rng.random() < (0.6 if low else 0.88):
                vals = []
                for it in cfg.survey.items:
                    base = 3.9 + (0.9 * a if it.attribution == "person" else 0.3 * a)
                    vals.append(int(min(cfg.survey.scale.max, max(cfg.survey.scale.min,
                                                                   round(base + rng.gauss(0, 0.6))))))
                responses.append([f"R{n:06d}", ticket, *vals])
    planted.files["tickets"] = _csv(folder / "service_tickets.csv",
                                    ["工单号", "服务人员工号", "完成日期", "已发送问卷"], tickets, "gb18030")
    planted.files["surveys"] = _csv(folder / "customer_survey_responses.csv",
                                    ["问卷编号", "工单号", *[it.text_zh or it.text_en
                                                         for it in cfg.survey.items]],
                                    responses, "utf-8-sig")

    # Key-behaviour deductions for some field engineers.
    codes = [b.code for b in cfg.behaviours.behaviours if not b.critical]
    critical_codes = [b.code for b in cfg.behaviours.behaviours if b.critical] or codes
    rows = []
    for p in staff:
        if p.family not in cfg.behaviours.families:
            continue
        a = ability(p.employee_id, seed)
        for month in months:
            if rng.random() < 0.35 - 0.25 * a:
                code = rng.choice(critical_codes if rng.random() < 0.08 else codes)
                rows.append([p.employee_id, month, code, rng.choice([1, 1, 2])])
    planted.files["behaviour"] = _csv(folder / "key_behaviours.csv",
                                      ["工号", "月份", "扣分项", "次数"], rows, "utf-8")
    return planted
