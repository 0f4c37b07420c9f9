"""Recognition: skill competitions as an evidence source, award rules that carry an amount or a
prize, and the honour board (opt-out per person). Pure functions on DataFrames; the database shell
is graders.ladder.recognition_store.

* `assessments/recognition.yaml` (`RecognitionConfig`): award rules over the grades' awards
  (individual and team) and over competition ranks, each with an amount and/or a prize, and the
  warning levels that rule a person out of any award.
* `recognitions` lists who receives what and why; `honour_board` is what may be shown in public:
  everyone recognised except people who opted out (their prize stands; only publicity is off).
* `check_competition_rows` validates an organiser's results file row by row (file, row, column).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from academy_content import ASSESSMENTS
from core.yamlio import load_model

HONOUR = "honour"
OPT_OUT, OPT_IN = "opt_out", "opt_in"
GRADES, COMPETITION = "grades", "competition"

COMPETITION_COLUMNS = ["competition", "held_on", "employee_id", "team", "score", "rank"]
GRADE_AWARD_COLUMNS = ["cycle", "kind", "employee_id", "team", "score", "rank"]
RECOGNITION_COLUMNS = ["rule", "employee_id", "team", "source", "what", "held_on", "rank",
                       "amount", "prize_en", "prize_zh", "excluded", "reason"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AwardRule(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_en: str = Field(min_length=1)
    name_zh: str = Field(min_length=1)
    source: str = Field(pattern=r"^(grades|competition)$")
    #: for grades: individual_award or team_award
    kind: str | None = None
    #: for competitions: ranks from min_rank to max_rank (inclusive)
    min_rank: int = Field(default=1, ge=1)
    max_rank: int | None = Field(default=None, ge=1)
    #: for competitions: individual entries, team entries, or both
    entries: str = Field(default="both", pattern=r"^(individual|team|both)$")
    amount: float = Field(default=0.0, ge=0)
    prize_en: str | None = None
    prize_zh: str | None = None

    @model_validator(mode="after")
    def _fits(self) -> AwardRule:
        if self.source == GRADES and self.kind not in ("individual_award", "team_award"):
            raise ValueError(f"rule {self.code!r}: a grades rule needs kind individual_award or "
                             "team_award")
        if self.source == COMPETITION and self.max_rank is None:
            raise ValueError(f"rule {self.code!r}: a competition rule needs max_rank")
        if self.max_rank is not None and self.max_rank < self.min_rank:
            raise ValueError(f"rule {self.code!r}: max_rank is below min_rank")
        if (self.prize_en is None) != (self.prize_zh is None):
            raise ValueError(f"rule {self.code!r}: give the prize in English and Chinese "
                             "(prize_en and prize_zh)")
        if not self.amount and self.prize_en is None:
            raise ValueError(f"rule {self.code!r}: give an amount or a prize")
        return self

    def name(self, locale: str = "en") -> str:
        return self.name_zh if locale == "zh" else self.name_en


class RecognitionConfig(_Strict):
    currency: str = "CNY"
    rules: list[AwardRule] = Field(min_length=1)
    #: a person whose standing warning level is one of these receives no award
    exclude_at_levels: list[str] = Field(default_factory=list)

    def rule(self, code: str) -> AwardRule:
        return next(r for r in self.rules if r.code == code)


def load_recognition_config(assessments_dir: Path | str | None = None) -> RecognitionConfig:

    shipped = ASSESSMENTS / "recognition.yaml"
    path = Path(assessments_dir) / "recognition.yaml" if assessments_dir else shipped
    return load_model(path if path.is_file() else shipped, RecognitionConfig)


def recognitions(grade_awards: pd.DataFrame, competitions: pd.DataFrame,
                 standing: pd.DataFrame, cfg: RecognitionConfig) -> pd.DataFrame:
    """Who receives what under each rule, with the amount or prize and why; a person whose warning
    level is excluded keeps a row marked `excluded` (and no amount), so the reason is visible."""
    rows = []
    for r in cfg.rules:
        if r.source == GRADES:
            a = grade_awards[grade_awards["kind"] == r.kind] if len(grade_awards) else grade_awards
            for x in a.itertuples(index=False):
                rows.append((r.code, x.employee_id, x.team, GRADES, x.cycle, None, x.rank,
                             r.amount, r.prize_en, r.prize_zh, False, f"{r.kind} of {x.cycle}"))
        else:
            c = competitions
            if len(c):
                rank = c["rank"].astype(float)
                c = c[(rank >= r.min_rank) & (rank <= r.max_rank)]
                if r.entries == "individual":
                    c = c[c["employee_id"].notna()]
                elif r.entries == "team":
                    c = c[c["employee_id"].isna()]
            for x in c.itertuples(index=False):
                emp = x.employee_id if isinstance(x.employee_id, str) else None
                rows.append((r.code, emp, x.team, COMPETITION, x.competition, x.held_on,
                             int(x.rank), r.amount, r.prize_en, r.prize_zh, False,
                             f"rank {int(x.rank)} in {x.competition} ({x.held_on})"))
    out = pd.DataFrame(rows, columns=RECOGNITION_COLUMNS)
    if len(out) and len(standing) and cfg.exclude_at_levels:
        bad = set(standing.loc[standing["level"].isin(cfg.exclude_at_levels), "employee_id"])
        hit = out["employee_id"].isin(bad)
        out.loc[hit, "excluded"] = True
        out.loc[hit, "amount"] = 0.0
        out.loc[hit, "reason"] = out.loc[hit, "reason"] + "; excluded: warning level standing"
    return out


def opted_out(events: pd.DataFrame) -> set[str]:
    """People whose latest honour-board choice is to stay off it."""
    ev = events[events["domain"] == HONOUR] if len(events) else events
    if ev is None or ev.empty:
        return set()
    last = ev.sort_values("id").groupby("employee_id")["action"].last()
    return set(last[last == OPT_OUT].index)


def honour_board(recog: pd.DataFrame, out: set[str]) -> pd.DataFrame:
    """What may be shown in public: recognised people and teams, not excluded, without anyone who
    opted out (a team entry stays; it names no person)."""
    if recog.empty:
        return recog
    keep = ~recog["excluded"] & ~recog["employee_id"].isin(list(out))
    return recog[keep].reset_index(drop=True)


__all__ = ["AwardRule", "RecognitionConfig", "load_recognition_config", "recognitions",
           "opted_out", "honour_board", "COMPETITION_COLUMNS", "GRADE_AWARD_COLUMNS",
           "RECOGNITION_COLUMNS", "HONOUR", "OPT_OUT", "OPT_IN"]
