"""Customer satisfaction surveys, linked to the serving staff member by staff id or ticket.

Each survey item is attributed to the person (attitude, response speed, problem solving) or to the
company (product quality, price, delivery time, packaging). Only person items make a staff
member's score; company items are reported to the company (graders.company_feedback) and never
change anyone's score. Exports from survey tools are read as they come (graders.sources.survey_exports).

A response's satisfaction is the weighted mean of its answered person items on 0-100. Per person:
the plain figure of the practice, total score / customers surveyed (= the mean; "satisfied" when
at least the threshold, default 85), the share of satisfied customers, and the count.
Small samples are shrunk towards the team mean (empirical-Bayes style):
    shrunk = (n * person_mean + k * team_mean) / (n + k)
with k = `shrinkage_strength` (default 5): one response moves a person only a sixth of the way
from the team mean, thirty responses almost all the way. The shrunk mean is the customer component.
Coverage: surveys sent / tickets served; return rate: responses / surveys sent; their product
(= responses / tickets) must reach the coverage target (default 75%).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Float, Text, column, func, select, true
from sqlalchemy.orm import Session

from core.errors import ProblemsError
from core.tabular import Table, map_columns, parse_bool, parse_date, read_table
from graders.evidence import Evidence, ServiceTicket
from graders.forms_config import EvidenceConfig, SurveyForm
from graders.importing import (
    ImportResult,
    Located,
    item_columns,
    latest_config,
    open_batch,
    staff_index,
    store,
    target_cycle,
)
from graders.sources import (
    COMPETENCY_COLUMNS,
    COMPONENT_COLUMNS,
    FLAG_COLUMNS,
    VARIANT_COLUMNS,
    SourceFrames,
    SourceResult,
    details_frame,
)
from graders.sources.load import current_batch_ids, raw_frame
from graders.sources.survey_exports import AnswerWords, map_fields, unfold
from roster.models import Staff, Team

SYNONYMS = {
    "response_id": ["response", "respondent_id", "responseid", "问卷编号", "答卷编号", "序号"],
    "ticket_id": ["ticket", "ticket_no", "工单号", "工单编号", "服务单号"],
    "employee_id": ["staff_id", "engineer", "工号", "服务人员工号", "服务工程师"],
    "date": ["日期", "提交时间", "submitted", "response_date"],
    "comment": ["备注", "意见", "建议", "comments"],
}
#: a question whose text holds one of these asks for the field (the staff id asked as a question)
KEYWORDS = {
    "employee_id": ["工号", "员工编号", "工程师编号", "staff id", "employee id", "engineer id",
                    "engineer's id", "technician id", "staff number", "employee number"],
    "ticket_id": ["工单号", "工单编号", "服务单号", "ticket number", "ticket no", "ticket id"],
}
TICKET_SYNONYMS = {
    "ticket_id": SYNONYMS["ticket_id"],
    "employee_id": SYNONYMS["employee_id"],
    "closed_on": ["closed", "date", "关闭日期", "完成日期", "日期"],
    "surveyed": ["survey_sent", "已回访", "已发送问卷", "是否调查", "回访"],
}


def current_tickets(session: Session, cycle_id: int) -> pd.DataFrame:
    q = (select(ServiceTicket.ticket_id, ServiceTicket.employee_id, ServiceTicket.surveyed)
         .where(ServiceTicket.cycle_id == cycle_id,
                ServiceTicket.batch_id.in_(current_batch_ids())))
    tk = raw_frame(session, q, ["ticket_id", "employee_id", "surveyed"])
    tk["surveyed"] = tk["surveyed"].fillna(False).astype(bool)  # SQLite's driver gives 0 and 1
    return tk


def parse_responses(table: Table, form: SurveyForm, staff: set[str],
                    tickets: dict[str, str], key: str | None = None) -> list[dict]:
    """Check a survey export (plain sheet or a survey tool's layout) and return evidence rows.

    A customer is named by the ticket, else by the response id (or row) qualified with the
    batch `key`, so that two tools' exports that both number responses 1, 2, 3 stay apart."""
    table = unfold(table)
    cols, problems = map_fields(table, SYNONYMS, (), KEYWORDS)
    items, item_problems = item_columns(
        table, [(it.id, [it.text_en, it.text_zh or "", *it.aliases]) for it in form.items], cols)
    loc = Located(table, cols, items, [*table.problems, *problems, *item_problems],
                  words=AnswerWords.for_table(table, items, form.scale.min, form.scale.max))
    if "employee_id" not in cols.index and "ticket_id" not in cols.index:
        loc.at(1, None, "a survey file needs a staff id column or a ticket column to link answers")
    for it in form.items:
        if it.required and it.id not in items:
            loc.at(1, None, f"no column for required item {it.id!r}")
    if loc.problems:
        raise ProblemsError(loc.problems, what=table.file)
    records: list[dict] = []
    seen_resp: dict[str, int] = {}
    seen_ticket: dict[str, int] = {}
    weights = {it.id: it.weight for it in form.items}
    owner = {it.id: it.attribution for it in form.items}
    for row, cells in table.rows:
        ok = True
        emp, ticket, resp = (loc.text(cells, f) for f in ("employee_id", "ticket_id", "response_id"))
        if ticket and ticket in seen_ticket:
            loc.at(row, "ticket_id", f"duplicate submission: ticket {ticket} answered on row "
                                     f"{seen_ticket[ticket]}")
            ok = False
        elif ticket:
            seen_ticket[ticket] = row
        if resp and resp in seen_resp:
            loc.at(row, "response_id", f"duplicate submission: response {resp} on row {seen_resp[resp]}")
            ok = False
        elif resp:
            seen_resp[resp] = row
        if not emp and ticket:
            emp = tickets.get(ticket, "")
            if not emp:
                loc.at(row, "ticket_id", f"ticket {ticket!r} is not among the imported service "
                                         "tickets and no staff id is given")
                ok = False
        elif not emp:
            loc.at(row, "employee_id" if "employee_id" in cols.index else "ticket_id",
                   "no staff id and no ticket: the answer cannot be linked to anyone")
            ok = False
        elif emp not in staff:
            loc.at(row, "employee_id", f"unknown staff id {emp!r}")
            ok = False
        answers, answered = loc.answers(row, cells, form.items, form.scale)
        ok = ok and answered
        if ok and not any(owner[i] == "person" for i in answers):
            loc.at(row, None, "no answer to any item about the person who served: the response "
                              "cannot be scored")
            ok = False
        if ok:
            customer = ticket or (f"{key}#{resp or f'row{row}'}" if key else resp or f"row{row}")
            records += [dict(source="customer", employee_id=emp, rater_id=customer,
                             item=f"{form.id}/{i}", competency=None, raw=v, max_raw=None,
                             score=form.scale.normalise(v),
                             details={"weight": weights[i], "ticket": ticket or None,
                                      "attribution": owner[i]})
                        for i, v in answers.items()]
    if loc.problems:
        raise ProblemsError(loc.problems, what=table.file)
    return records


def survey_config(cfg: EvidenceConfig) -> dict:
    return {"survey": cfg.survey.model_dump(mode="json")}


def import_file(session: Session, path: Path | str, cfg: EvidenceConfig, entered_by: str,
                cycle_name: str | None = None, key: str | None = None, sheet: str | None = None,
                dry_run: bool = False) -> ImportResult:
    cycle = target_cycle(session, cycle_name)
    table = read_table(path, sheet=sheet)
    tk = current_tickets(session, cycle.id)
    key = key or Path(path).name
    records = parse_responses(table, cfg.survey, set(staff_index(session)),
                              dict(zip(tk["ticket_id"], tk["employee_id"])), key)
    result = store(session, cycle, "customer", key, table, records, entered_by,
                   survey_config(cfg), dry_run)
    result.extra = {"responses": len({r["rater_id"] for r in records})}
    return result


def import_tickets(session: Session, path: Path | str, entered_by: str,
                   cycle_name: str | None = None, sheet: str | None = None,
                   dry_run: bool = False) -> ImportResult:
    """Import the log of closed service tickets (who served, whether a survey was sent)."""
    cycle = target_cycle(session, cycle_name)
    table = read_table(path, sheet=sheet)
    cols, problems = map_columns(table, TICKET_SYNONYMS, ("ticket_id", "employee_id"))
    loc = Located(table, cols, {}, [*table.problems, *problems])
    if loc.problems:
        raise ProblemsError(loc.problems, what=table.file)
    staff = set(staff_index(session))
    rows, seen = [], {}
    for row, cells in table.rows:
        ticket, emp = loc.text(cells, "ticket_id"), loc.text(cells, "employee_id")
        ok = bool(ticket and emp)
        if not ticket:
            loc.at(row, "ticket_id", "ticket is empty")
        elif ticket in seen:
            loc.at(row, "ticket_id", f"duplicate ticket {ticket} (row {seen[ticket]})")
            ok = False
        else:
            seen[ticket] = row
        if not emp:
            loc.at(row, "employee_id", "staff id is empty")
        elif emp not in staff:
            loc.at(row, "employee_id", f"unknown staff id {emp!r}")
            ok = False
        closed = None
        if loc.text(cells, "closed_on"):
            try:
                closed = parse_date(loc.cell(cells, "closed_on"))
            except ValueError as exc:
                loc.at(row, "closed_on", str(exc))
                ok = False
        try:
            surveyed = parse_bool(loc.cell(cells, "surveyed"), default=False)
        except ValueError as exc:
            loc.at(row, "surveyed", str(exc))
            ok = False
        if ok:
            rows.append((ticket, emp, closed, surveyed))
    if loc.problems:
        raise ProblemsError(loc.problems, what=table.file)
    batch, replaced = open_batch(session, cycle, "customer", "tickets", table, entered_by, None)
    batch.rows = len(rows)
    session.add_all(ServiceTicket(batch_id=batch.id, cycle_id=cycle.id, ticket_id=t, employee_id=e,
                                  closed_on=c, surveyed=s) for t, e, c, s in rows)
    session.flush()
    return ImportResult("tickets", table.file, cycle.name, None if dry_run else batch.id,
                        len(rows), 0, replaced, dry_run,
                        {"surveyed": sum(1 for r in rows if r[3])})


# --- aggregation ------------------------------------------------------------------------------


def _owner(d: pd.DataFrame) -> np.ndarray:
    """Who each row's item is attributed to; rows stored before items had an attribution count
    as the person's."""
    if "attribution" not in d:
        return np.full(len(d), "person", dtype=object)
    return d["attribution"].fillna("person").to_numpy(dtype=object)


def attributed_to(ev: pd.DataFrame, who: str) -> pd.DataFrame:
    """The evidence rows of items attributed to `who` ("person" or "company")."""
    if ev.empty:
        return ev
    return ev[_owner(details_frame(ev)) == who].reset_index(drop=True)


def responses(ev: pd.DataFrame) -> pd.DataFrame:
    """One row per response: staff member, customer and weighted satisfaction (0-100) over the
    items attributed to the person; company items (product, price, delivery, packaging) never
    count here."""
    if ev.empty:
        return pd.DataFrame(columns=["employee_id", "rater_id", "satisfaction"])
    d = details_frame(ev)  # parsed once: large companies have millions of answers
    return answer_responses(pd.DataFrame({
        "employee_id": ev["employee_id"].to_numpy(), "rater_id": ev["rater_id"].to_numpy(),
        "score": ev["score"].to_numpy(), "weight": d["weight"].to_numpy(),
        "attribution": _owner(d)}))


ANSWER_COLUMNS = ["employee_id", "rater_id", "score", "weight", "attribution", "batch_id"]


def answer_frame(session: Session, cycle_id: int) -> pd.DataFrame:
    """ANSWER_COLUMNS of the cycle's current customer evidence: the item's weight and
    attribution read from `details` by the database, so no answer's JSON is parsed here."""
    if session.get_bind().dialect.name == "postgresql":
        # one parse of each answer's JSON for both fields (`->>` twice parses it twice)
        fields = (func.json_to_record(Evidence.details)
                  .table_valued(column("weight", Float), column("attribution", Text))
                  .render_derived(name="answer_fields", with_types=True).lateral())
        q = (select(Evidence.employee_id, Evidence.rater_id, Evidence.score,
                    fields.c.weight, fields.c.attribution, Evidence.batch_id)
             .select_from(Evidence).outerjoin(fields, true()))
    else:
        q = select(Evidence.employee_id, Evidence.rater_id, Evidence.score,
                   Evidence.details["weight"].as_float(),
                   Evidence.details["attribution"].as_string(), Evidence.batch_id)
    q = q.where(Evidence.cycle_id == cycle_id, Evidence.source == "customer",
                Evidence.batch_id.in_(current_batch_ids()))
    return raw_frame(session, q, ANSWER_COLUMNS, floats=("score", "weight"), ints=("batch_id",))


def answer_responses(a: pd.DataFrame) -> pd.DataFrame:
    """responses() from answer rows [employee_id, rater_id, score, weight, attribution]."""
    if a.empty:
        return pd.DataFrame(columns=["employee_id", "rater_id", "satisfaction"])
    mine = a["attribution"].fillna("person").to_numpy(dtype=object) == "person"
    if not mine.any():
        return pd.DataFrame(columns=["employee_id", "rater_id", "satisfaction"])
    ev = a[mine]
    w = a["weight"].astype(float).to_numpy()[mine]
    df = pd.DataFrame({"employee_id": ev["employee_id"].to_numpy(),
                       "rater_id": ev["rater_id"].to_numpy(),
                       "ws": w * ev["score"].astype(float).to_numpy(), "w": w})
    out = df.groupby(["employee_id", "rater_id"]).agg(ws=("ws", "sum"), w=("w", "sum")).reset_index()
    out["satisfaction"] = out["ws"] / out["w"]
    return out[["employee_id", "rater_id", "satisfaction"]]


def summarise(resp: pd.DataFrame, team_of: dict[str, object], form: SurveyForm) -> pd.DataFrame:
    """Per person: responses, the plain figure, satisfied share, team mean and the shrunk mean.

    plain = total score / customers surveyed (the practice's figure; `plain_satisfied` when it is
    at least the threshold, 85); shrunk = (n x plain + k x team mean) / (n + k).
    """
    if resp.empty:
        return pd.DataFrame(columns=["employee_id", "team", "n", "mean", "satisfied_share",
                                     "team_mean", "shrunk", "plain", "plain_satisfied"])
    resp = resp.assign(team=resp["employee_id"].map(team_of),
                       satisfied=resp["satisfaction"] >= form.satisfied_threshold)
    team_mean = resp.groupby("team", dropna=False)["satisfaction"].mean()
    per = resp.groupby("employee_id").agg(team=("team", "first"), n=("rater_id", "nunique"),
                                          mean=("satisfaction", "mean"),
                                          satisfied_share=("satisfied", "mean")).reset_index()
    per["team_mean"] = per["team"].map(team_mean)
    k = form.shrinkage_strength
    per["shrunk"] = (per["n"] * per["mean"] + k * per["team_mean"]) / (per["n"] + k)
    total = resp.groupby("employee_id")["satisfaction"].sum()
    per["plain"] = per["employee_id"].map(total).to_numpy(dtype=float) / per["n"]
    per["plain_satisfied"] = per["plain"] >= form.satisfied_threshold
    return per


def coverage(session: Session, cycle_id: int, resp: pd.DataFrame, team_of: dict) -> pd.DataFrame:
    """Per team: tickets served, surveys sent, responses, coverage, return rate and their product."""
    return ticket_coverage(current_tickets(session, cycle_id), resp, team_of)


def ticket_coverage(tk: pd.DataFrame, resp: pd.DataFrame, team_of: dict) -> pd.DataFrame:
    """Pure: coverage per team from the cycle's tickets (current_tickets) and responses."""
    if tk.empty:
        return pd.DataFrame(columns=["team", "tickets", "surveyed", "responses", "coverage",
                                     "return_rate", "coverage_x_return"])
    tk = tk.assign(team=tk["employee_id"].map(team_of))
    t = tk.groupby("team").agg(tickets=("ticket_id", "nunique"), surveyed=("surveyed", "sum"))
    r = resp.assign(team=resp["employee_id"].map(team_of)).groupby("team")["rater_id"].nunique()
    t["responses"] = r.reindex(t.index).fillna(0).astype(int)
    t["coverage"] = t["surveyed"] / t["tickets"]
    t["return_rate"] = np.where(t["surveyed"] > 0, t["responses"] / t["surveyed"].clip(lower=1), 0.0)
    t["coverage_x_return"] = t["coverage"] * t["return_rate"]
    return t.reset_index()


def _team_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Staff.employee_id, Team.name)
                                .join(Team, Staff.team_id == Team.id)).all())


def aggregate(session: Session | None, cycle_id: int | None, ev: pd.DataFrame) -> SourceResult:
    form = latest_config(session, ev, "survey", SurveyForm) if session is not None else None
    team_of = _team_names(session) if session is not None else {}
    tickets = (current_tickets(session, cycle_id)
               if session is not None and cycle_id is not None else None)
    return aggregate_rows(ev, form, team_of, tickets)


def load_frames(session: Session, frames: SourceFrames) -> SourceFrames:
    """graders.sources loader of the customer source: its answers (ANSWER_COLUMNS as the
    evidence; they are left in `shared` for the management source) and the cycle's tickets."""
    if frames.cycle is not None:
        frames.evidence = answer_frame(session, frames.cycle.id)
        frames.shared["customer_answers"] = frames.evidence
        frames.extra["tickets"] = current_tickets(session, frames.cycle.id)
    return frames


def aggregate_frames(frames: SourceFrames) -> SourceResult:
    """graders.sources aggregation of customer surveys (pure)."""
    team_of = {e: t for e, t in frames.team_names().items() if t is not None}
    ev = frames.evidence
    return response_result(answer_responses(ev) if "weight" in ev else responses(ev),
                           frames.config("survey", SurveyForm), team_of,
                           frames.extra.get("tickets"))


def aggregate_rows(ev: pd.DataFrame, form: SurveyForm | None, team_of: dict,
                   tickets: pd.DataFrame | None) -> SourceResult:
    """Pure: the customer component (shrunk), its plain variant and coverage flags; no
    coverage flags without `tickets`."""
    return response_result(responses(ev), form, team_of, tickets)


def response_result(resp: pd.DataFrame, form: SurveyForm | None, team_of: dict,
                    tickets: pd.DataFrame | None) -> SourceResult:
    """Pure: aggregate_rows from the responses (graders.sources.surveys.responses)."""
    if resp.empty:
        return SourceResult(pd.DataFrame(columns=COMPONENT_COLUMNS),
                            pd.DataFrame(columns=COMPETENCY_COLUMNS))
    form = form or SurveyForm(items=[{"id": "x", "text_en": "x", "weight": 1}])
    per = summarise(resp, team_of, form)
    comp = pd.DataFrame({
        "employee_id": per["employee_id"], "component": "customer", "score": per["shrunk"],
        "n": per["n"], "status": "ok",
        "note": [f"{n} responses, plain {m:.1f} ({'satisfied' if ok else 'not satisfied'}), "
                 f"{s:.0%} satisfied customers; shrunk towards team mean {t:.1f}"
                 for n, m, ok, s, t in zip(per["n"], per["plain"], per["plain_satisfied"],
                                           per["satisfied_share"], per["team_mean"])],
    })
    # Customers judge attitude, response speed and problem solving: communication evidence.
    by = pd.DataFrame({"employee_id": per["employee_id"], "component": "customer",
                       "competency": "communication", "score": per["shrunk"], "n": per["n"]})
    variants = pd.DataFrame({
        "employee_id": per["employee_id"], "component": "customer", "variant": "plain",
        "score": per["plain"],
        "note": [f"{n} responses, total {m * n:.1f} / {n} customers = {m:.1f}: "
                 f"{'satisfied' if ok else 'not satisfied'} (at least {form.satisfied_threshold:g})"
                 for n, m, ok in zip(per["n"], per["plain"], per["plain_satisfied"])]})
    flags = []
    if tickets is not None:
        cov = ticket_coverage(tickets, resp, team_of)
        for r in cov.itertuples():
            if r.coverage_x_return < form.coverage_target:
                flags.append(("low_survey_coverage", "customer", r.team,
                              f"coverage {r.coverage:.0%} x return rate {r.return_rate:.0%} = "
                              f"{r.coverage_x_return:.0%}, below the {form.coverage_target:.0%} target"))
    return SourceResult(comp[COMPONENT_COLUMNS], by[COMPETENCY_COLUMNS],
                        pd.DataFrame(flags, columns=FLAG_COLUMNS), variants[VARIANT_COLUMNS])
