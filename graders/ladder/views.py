"""Violations, corrective plans, promotion cases, the talent pipeline, mentoring pairs and the
honour board as display tables in English or Chinese: what the dashboards show and the workbook
exports. Pure: frames in, frames out; no raw codes reach a header or a cell a person reads."""

from __future__ import annotations

import pandas as pd

from core.labels import t
from graders.ladder import careers as car
from graders.ladder import recognition as rec
from graders.ladder import violations as vio


def _name(names: dict[str, str], emp) -> str:
    return names.get(emp, emp) if isinstance(emp, str) else ""


def violations_table(v: pd.DataFrame, cfg: vio.ViolationsConfig, names: dict[str, str],
                     loc: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("violation_id", loc): v["violation_id"],
        t("name", loc): [_name(names, e) for e in v["employee_id"]],
        t("violation_type", loc): [cfg.type_name(x, loc) for x in v["type"]],
        t("occurred_on", loc): v["occurred_on"],
        t("warning_level", loc): [cfg.level_name(x, loc) if isinstance(x, str)
                                  else t("no_level", loc) for x in v["level"]],
        t("status", loc): [t("vstate_" + s, loc) for s in v["state"]],
        t("plan_goal", loc): v["plan_goal"].fillna("") if len(v) else [],
        t("due_on", loc): v["plan_due"],
        t("evidence", loc): v["evidence"],
        t("by", loc): v["recorded_by"],
    })


def due_table(p: pd.DataFrame, names: dict[str, str], loc: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("violation_id", loc): p["violation_id"],
        t("name", loc): [_name(names, e) for e in p["employee_id"]],
        t("plan_goal", loc): p["plan_goal"],
        t("due_on", loc): p["plan_due"],
        t("overdue_days", loc): p["overdue"],
    })


def cases_table(c: pd.DataFrame, cfg: car.CareersConfig, names: dict[str, str],
                loc: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("case_id", loc): c["case_id"],
        t("name", loc): [_name(names, e) for e in c["employee_id"]],
        t("track", loc): [cfg.name(x, locale=loc) for x in c["track"]],
        t("career_level", loc): [cfg.name(x, y, loc) for x, y in zip(c["track"], c["level"])],
        t("pipeline_step", loc): [t("step_" + s, loc) for s in c["step"]],
        t("outcome", loc): [t(o, loc) if isinstance(o, str) else "" for o in c["outcome"]],
        t("by", loc): [getattr(r, f"{r.step}_by") for r in c.itertuples()],
    })


def bench_table(b: pd.DataFrame, cfg: car.CareersConfig, loc: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("track", loc): [cfg.name(x, locale=loc) for x in b["track"]],
        t("career_level", loc): [cfg.name(x, y, loc) for x, y in zip(b["track"], b["level"])],
        t("ready_now", loc): b["ready_now"], t("ready_soon", loc): b["ready_soon"],
        t("not_yet", loc): b["not_yet"], t("in_pipeline", loc): b["in_pipeline"],
        t("ready_now_names", loc): b["ready_now_names"],
        t("ready_soon_names", loc): b["ready_soon_names"],
    })


def eligibility_table(e: pd.DataFrame, cfg: car.CareersConfig, loc: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("name", loc): e["name"], t("team", loc): e["team"],
        t("track", loc): [cfg.name(x, locale=loc) for x in e["track"]],
        t("career_level", loc): [cfg.name(x, y, loc) for x, y in zip(e["track"], e["level"])],
        t("readiness", loc): [t(x, loc) for x in e["readiness"]],
        t("detail", loc): e["detail_zh"] if loc == "zh" else e["detail"],
    })


def pairs_table(p: pd.DataFrame, names: dict[str, str], loc: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("pair_id", loc): p["pair_id"],
        t("mentor", loc): [_name(names, e) for e in p["mentor_id"]],
        t("mentee", loc): [_name(names, e) for e in p["mentee_id"]],
        t("goal", loc): p["goal"], t("starts_on", loc): p["starts_on"],
        t("ends_on", loc): [a if a is not None else b for a, b in zip(p["ended_on"], p["ends_on"])],
        t("pair_active", loc): [t("yes" if a else "no", loc) for a in p["active"]],
    })


def board_table(b: pd.DataFrame, cfg: rec.RecognitionConfig, names: dict[str, str],
                loc: str) -> pd.DataFrame:
    """The honour board: award, person (empty for a team entry), team, what for."""
    return pd.DataFrame({
        t("award", loc): [cfg.rule(r).name(loc) for r in b["rule"]],
        t("name", loc): [_name(names, e) for e in b["employee_id"]],
        t("team", loc): b["team"], t("what", loc): b["what"],
        t("prize", loc): [(z if loc == "zh" else e) or "" for e, z in zip(b["prize_en"],
                                                                          b["prize_zh"])],
    })


def recognitions_table(r: pd.DataFrame, cfg: rec.RecognitionConfig, names: dict[str, str],
                       loc: str) -> pd.DataFrame:
    return board_table(r, cfg, names, loc).assign(**{
        t("amount", loc): r["amount"].to_numpy(),
        t("excluded_award", loc): [t("yes" if x else "no", loc) for x in r["excluded"]]})
