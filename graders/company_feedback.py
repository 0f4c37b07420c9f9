"""What customers say about the company, not about the engineer who served them.

Survey items attributed to the company (`attribution: company` in
`assessments/surveys/customer_survey.yaml`: product quality, price, delivery time, packaging) are
reported here, per item and team, and never enter a person's customer score
(graders.sources.surveys.responses reads person items only).

Per item (and team): responses, the mean on 0-100, and the share of customers satisfied with it
(an answer at or above the survey's satisfied threshold, default 85).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import labels
from core.errors import AcademyError
from graders.forms_config import SurveyForm
from graders.importing import latest_config
from graders.sources.load import evidence_frame
from graders.sources.surveys import attributed_to
from roster.models import Staff, Team

__all__ = ["COMPANY_COLUMNS", "company_items", "company_report", "export_company_report"]

COMPANY_COLUMNS = ["item", "item_en", "item_zh", "team", "responses", "mean", "satisfied_share"]


def company_items(ev: pd.DataFrame, team_of: dict[str, object], form: SurveyForm,
                  by_team: bool = True) -> pd.DataFrame:
    """Per company item (and team, plus an "all teams" row per item when `by_team`): responses,
    mean 0-100 and satisfied share. `ev` is customer evidence (graders.sources.evidence_frame)."""
    ev = attributed_to(ev, "company")
    if ev.empty:
        return pd.DataFrame(columns=COMPANY_COLUMNS)
    texts = {it.id: (it.text_en, it.text_zh or it.text_en) for it in form.items}
    frame = pd.DataFrame({
        "item": ev["item"].str.split("/", n=1).str[-1].to_numpy(),
        "team": ev["employee_id"].map(team_of).fillna("").astype(str).to_numpy(),
        "rater_id": ev["rater_id"].to_numpy(),
        "score": ev["score"].astype(float).to_numpy()})
    frame["satisfied"] = frame["score"] >= form.satisfied_threshold
    keys = ["item", "team"] if by_team else ["item"]
    parts = [frame.groupby(keys).agg(responses=("rater_id", "nunique"), mean=("score", "mean"),
                                     satisfied_share=("satisfied", "mean")).reset_index()]
    if by_team:
        overall = frame.groupby("item").agg(responses=("rater_id", "nunique"), mean=("score", "mean"),
                                            satisfied_share=("satisfied", "mean")).reset_index()
        parts.append(overall.assign(team="*"))
    out = pd.concat(parts, ignore_index=True)
    if "team" not in out:
        out["team"] = "*"
    order = {it.id: i for i, it in enumerate(form.items)}
    out = out.assign(_o=out["item"].map(order), _t=(out["team"] != "*"))
    out = out.sort_values(["_o", "_t", "team"]).drop(columns=["_o", "_t"]).reset_index(drop=True)
    out["item_en"] = out["item"].map(lambda i: texts.get(i, (i, i))[0])
    out["item_zh"] = out["item"].map(lambda i: texts.get(i, (i, i))[1])
    out["mean"] = out["mean"].round(1)
    out["satisfied_share"] = out["satisfied_share"].round(3)
    return out[COMPANY_COLUMNS]


def _teams(session: Session) -> dict[str, str]:

    return dict(session.execute(select(Staff.employee_id, Team.name)
                                .join(Team, Staff.team_id == Team.id)).all())


def company_report(session: Session, cycle_id: int, by_team: bool = True) -> pd.DataFrame:
    """The company items of a cycle's current customer evidence, per item and team."""
    ev = evidence_frame(session, cycle_id, "customer")
    if ev.empty:
        return pd.DataFrame(columns=COMPANY_COLUMNS)
    form = latest_config(session, ev, "survey", SurveyForm)
    if form is None:  # evidence entered without a survey definition: nothing to attribute
        return pd.DataFrame(columns=COMPANY_COLUMNS)
    return company_items(ev, _teams(session), form, by_team)


def export_company_report(frame: pd.DataFrame, path: Path | str, locale: str = "en") -> Path:
    """Write the report as .xlsx or .csv (UTF-8 with BOM, so Excel shows Chinese)."""
    path = Path(path)
    words = labels.words("company_export", locale)
    out = frame.replace({"team": {"*": words["all_teams"]}})
    out = out.rename(columns=words)
    if path.suffix.lower() == ".xlsx":
        out.to_excel(path, index=False, sheet_name=words["sheet"])
    elif path.suffix.lower() == ".csv":
        out.to_csv(path, index=False, encoding="utf-8-sig")
    else:
        raise AcademyError(f"{path.name}: export to a .xlsx or .csv file")
    return path
