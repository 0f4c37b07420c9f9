"""The manager's first screen: what needs attention in the selection, with names.

`summary` reads what the engine stored for the people shown (results, corrective actions, checks)
and the evidence-quality flags about them; `render` writes it as a few cards of HTML in the
page's language. Pure: DataFrames in, a dataclass and a string out.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from dashboards import phrases
from dashboards.labels import t
from graders.ladder.coaching import apply_to_below

#: names listed on a card before "and N more"
SHOWN = 8


@dataclass
class Attention:
    below: pd.DataFrame  # employee_id, name, team, final_score, band, due_on (lowest band first)
    warnings: pd.DataFrame  # kind, source, subject, detail (flags about the people shown)
    health: pd.DataFrame  # family, check, level, message (revise first)
    awards: pd.DataFrame  # kind, name, team
    graded: int
    followed_up: int = 0  # corrective actions already met or escalated (graders.ladder.coaching)

    @property
    def empty(self) -> bool:
        return self.below.empty and self.warnings.empty and not (
            self.health["level"] == "revise").any()


def summary(result, flags: pd.DataFrame, followups: pd.DataFrame | None = None) -> Attention:
    """What needs attention among the people of `result` (a restricted GradeResult); with
    `followups` (graders.ladder.coaching.fold of the cycle), corrective actions met or escalated no
    longer count and an extended one is due at its new date."""
    res = result.results
    corrective = res[res["corrective"].fillna(False).astype(bool)]
    due = result.actions[result.actions["kind"] == "corrective"].drop_duplicates("employee_id")
    below = corrective[["employee_id", "name", "team", "final_score", "band"]].merge(
        due[["employee_id", "due_on"]], on="employee_id", how="left")
    below, done = apply_to_below(below, followups)
    below = below.sort_values(["final_score", "employee_id"]).reset_index(drop=True)
    checks = result.checks.copy()
    checks["_o"] = checks["level"].map({"revise": 0, "info": 1, "ok": 2}).fillna(3)
    checks = checks.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)
    names = res.set_index("employee_id")["name"]
    aw = result.awards.copy()
    aw["name"] = aw["employee_id"].map(names).fillna("")
    return Attention(below, flags.reset_index(drop=True), checks,
                     aw[["kind", "name", "team"]].reset_index(drop=True), len(res), done)


def _names(items: list[str], loc: str) -> str:
    shown = t("list_sep", loc).join(html.escape(x) for x in items[:SHOWN])
    if len(items) > SHOWN:
        shown += " " + html.escape(t("and_more", loc).format(n=len(items)))
    return shown


def _card(cls: str, colour: str, title: str, count: int | None, body: str) -> str:
    num = f"<b class='academy-count'>{count}</b>" if count is not None else ""
    return (f"<div class='academy-card {cls}' style='border-left:4px solid {colour}'>"
            f"<div class='academy-card-title'>{html.escape(title)}{num}</div>{body}</div>")


def render(a: Attention, loc: str, schemes: dict, ctx: phrases.Context, teams: set[str]) -> str:
    """The cards of the first screen, in `loc`."""
    cards = []
    done = (f"<div class='academy-note academy-followed-up'>"
            f"{html.escape(t('followed_up_note', loc).format(n=a.followed_up))}</div>"
            if a.followed_up else "")
    if len(a.below):
        dates = sorted({str(d) for d in a.below["due_on"].dropna()})
        due = t("due_by", loc).format(date=t("list_sep", loc).join(dates))
        when = (f"<div class='academy-note'>{html.escape(t('below_line_note', loc))}"
                f"{t('clause_sep', loc)}{html.escape(due)}</div>"
                if dates else "")
        ext = a.below["extended"] if "extended" in a.below else [False] * len(a.below)
        people = [f"{n} ({s:.1f}{t('clause_sep', loc)}{t('extended_to', loc).format(date=d)})"
                  if x else f"{n} ({s:.1f})"
                  for n, s, x, d in zip(a.below["name"], a.below["final_score"], ext,
                                        a.below["due_on"])]
        cards.append(_card("academy-below", "#c53030", t("below_line", loc), len(a.below),
                           f"<div>{_names(people, loc)}</div>{when}{done}"))
    elif done:
        cards.append(done)
    if len(a.warnings):
        lines = []
        for kind, grp in a.warnings.groupby("kind", sort=False):
            who = [phrases.flag_subject(k, s, subj, loc, ctx, teams)
                   for k, s, subj in zip(grp["kind"], grp["source"], grp["subject"])]
            lines.append(f"<li><b>{html.escape(phrases.flag_kind(kind, loc))}</b>"
                         f"{t('colon', loc)}"
                         f"{_names(list(dict.fromkeys(who)), loc)}</li>")
        cards.append(_card("academy-warnings", "#b7791f", t("evidence_warnings", loc),
                           len(a.warnings), f"<ul>{''.join(lines)}</ul>"))
    if len(a.health):
        lines = []
        for fam, check, level, msg in zip(a.health["family"], a.health["check"],
                                          a.health["level"], a.health["message"]):
            colour = {"revise": "#c53030", "ok": "#2f855a"}.get(level, "#4a5568")
            lines.append(f"<li><span class='academy-badge' style='color:{colour}'>"
                         f"{html.escape(t(level, loc))}</span> "
                         f"{html.escape(phrases.check_sentence(check, level, msg, fam, loc, schemes))}"
                         f"</li>")
        worst = "#c53030" if (a.health["level"] == "revise").any() else "#2f855a"
        cards.append(_card("academy-health", worst, t("health_short", loc), None,
                           f"<ul>{''.join(lines)}</ul>"))
    if len(a.awards):
        who = [n or tm for n, tm in zip(a.awards["name"], a.awards["team"])]
        cards.append(_card("academy-awards", "#2f855a", t("awards_short", loc), len(a.awards),
                           f"<div>{_names(who, loc)}</div>"))
    if a.empty:
        cards.insert(0, f"<div class='academy-note'>{html.escape(t('attention_none', loc))}</div>")
    return (f"<div class='academy-attention'><div class='academy-card-head'>"
            f"{html.escape(t('attention', loc))}</div>{''.join(cards)}</div>")
