"""`academy grade|publish|reopen|override|history|results|export`: final grades and what follows.

Thin shell: options become one call of graders.results.store / graders.results.publishing / graders.results.exports.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from academy.cli_common import console, open_from
from core.errors import AcademyError

COMMANDS: dict[str, object] = {}


def _command(name: str):
    def deco(fn):
        COMMANDS[name] = fn
        return fn
    return deco


def _user() -> str:
    from roster.store import current_user

    return current_user()


def _band_name(schemes, family: str, code, loc: str) -> str:
    if _missing(code):
        return "-"
    s = schemes.get(family)
    try:
        return s.band(code).name(loc) if s else str(code)
    except StopIteration:
        return str(code)


@_command("grade")
def grade(
    ctx: typer.Context,
    cycle: Annotated[str, typer.Argument(help="The cycle to grade, e.g. 2026-Q4.")],
    scheme: Annotated[list[Path] | None, typer.Option(
        "--scheme", help="A role scheme YAML file replacing the default of its role family "
                         "(repeatable).")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Compute and show who would change band or award; write nothing.")] = False,
    pay: Annotated[Path | None, typer.Option(
        "--pay", help="CSV or .xlsx of last-month average pay per person (employee_id, pay); "
                      "the scheme's reference pay is used for anyone not in it.")] = None,
    workers: Annotated[int | None, typer.Option(
        min=1, help="Evidence sources read and aggregated at once, each by its own process "
                    "(default: one per CPU core; a company under 5,000 staff uses one).")] = None,
) -> None:
    """Compute final scores, bands, ranks, awards, pay and training plans of a cycle."""
    from core.labels import t
    from graders.engine.schemes import home_schemes
    from graders.results.store import grade_cycle

    h = open_from(ctx)
    loc = h.settings.locale
    schemes = home_schemes(h, scheme)
    reference_pay = None
    if pay is not None:
        from graders.service_kpis.pay_file import read_reference_pay

        reference_pay = read_reference_pay(pay)
    with h.transaction() as s:
        rep = grade_cycle(s, cycle, schemes, by=_user(), dry_run=dry_run,
                          reference_pay=reference_pay,
                          workers=workers or len(os.sched_getaffinity(0)))
    res = rep.result.results
    verb = "would be" if dry_run else "were"
    console.print(f"Cycle {rep.cycle}: {int((res['status'] == 'complete').sum())} staff graded, "
                  f"{int((res['status'] == 'incomplete').sum())} incomplete, "
                  f"{len(rep.result.excluded)} not graded (no scheme for their role family).")
    for fam, sch in schemes.items():
        part = res[res["family"] == fam]
        counts = part["band"].value_counts()
        bands = ", ".join(f"{b.name(loc)} {int(counts.get(b.code, 0))}" for b in sch.bands)
        console.print(f"  {sch.name_zh if loc == 'zh' else sch.name_en} "
                      f"(scheme {sch.scheme} {sch.version}): {bands}")
    aw = rep.result.awards
    console.print(f"Awards: {int((aw['kind'] == 'individual_award').sum())} "
                  f"{t('individual_award', loc)}, {int((aw['kind'] == 'team_award').sum())} "
                  f"{t('team_award', loc)} ({', '.join(aw.loc[aw['kind'] == 'team_award', 'team'])}).")
    act = rep.result.actions
    console.print(f"Promotion signals: {int((act['kind'] == 'promotion').sum())}; corrective "
                  f"actions: {int((act['kind'] == 'corrective').sum())}; training plans: "
                  f"{rep.result.training['employee_id'].nunique()} people.")
    for c in rep.result.checks.to_dict("records"):
        colour = {"revise": "red", "ok": "green"}.get(c["level"], "yellow")
        console.print(f"[{colour}]check {c['check']} ({c['family']}): {c['message']}[/{colour}]")
    if rep.diff is not None:
        if rep.diff.empty:
            console.print(f"Nobody {'would change' if dry_run else 'changed'} band or award "
                          "compared with the stored results.")
        else:
            table = RichTable(title=f"Changes that {verb} made to bands or awards")
            for col in ("employee_id", "name", "team", "score", "band", "award", "change"):
                table.add_column(t(col, loc))
            for d in rep.diff.head(80).to_dict("records"):
                fam = res.loc[res["employee_id"] == d["employee_id"], "family"]
                fam = fam.iloc[0] if len(fam) else ""
                table.add_row(
                    d["employee_id"], str(d["name"]), str(d["team"]),
                    f"{_fmt(d['before_score'])} -> {_fmt(d['after_score'])}",
                    f"{_band_name(schemes, fam, d['before_band'], loc)} -> "
                    f"{_band_name(schemes, fam, d['after_band'], loc)}",
                    f"{'yes' if d['before_award'] else 'no'} -> {'yes' if d['after_award'] else 'no'}",
                    d["change"])
            console.print(table)
            if len(rep.diff) > 80:
                console.print(f"... and {len(rep.diff) - 80} more")
    if dry_run:
        console.print("[yellow]Dry run: nothing was written.[/yellow]")
    elif rep.unchanged:
        console.print(f"Results unchanged (same inputs and schemes as run #{rep.run_id}).")
    else:
        console.print(f"Stored as run #{rep.run_id}: inputs {rep.inputs_sha256[:12]}, "
                      f"results {rep.results_sha256[:12]}.")
    h.close()


def _fmt(v) -> str:
    return "-" if _missing(v) else f"{v:.2f}"


def _missing(v) -> bool:
    import pandas as pd  # already loaded by the grading modules; kept out of `academy` start-up

    return v is None or bool(pd.isna(v))


@_command("publish")
def publish(ctx: typer.Context, cycle: Annotated[str, typer.Argument(help="e.g. 2026-Q4")]) -> None:
    """Publish a cycle's grades: they are locked until the cycle is explicitly reopened."""
    from core.cycles import get_cycle
    from graders.results.publishing import publish as do_publish

    h = open_from(ctx)
    with h.transaction() as s:
        c = get_cycle(s, cycle)
        run_id = do_publish(s, c.id, by=_user())
    console.print(f"Cycle {cycle} is published (run #{run_id}); its grades are locked.")
    h.close()


@_command("reopen")
def reopen(
    ctx: typer.Context,
    cycle: Annotated[str, typer.Argument(help="e.g. 2026-Q4")],
    reason: Annotated[str, typer.Option("--reason", help="Why the cycle is reopened (recorded).")],
) -> None:
    """Reopen a published cycle so that its evidence and grades can change again (recorded)."""
    from core.cycles import get_cycle
    from graders.results.publishing import reopen as do_reopen

    h = open_from(ctx)
    with h.transaction() as s:
        c = get_cycle(s, cycle)
        do_reopen(s, c.id, reason, by=_user())
    console.print(f"Cycle {cycle} is reopened: {reason}")
    h.close()


@_command("override")
def override(
    ctx: typer.Context,
    cycle: Annotated[str, typer.Argument(help="e.g. 2026-Q4")],
    employee_id: Annotated[str, typer.Argument(help="Whose result to override.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded with who and when).")],
    score: Annotated[float | None, typer.Option("--score", help="New final score, 0-100.")] = None,
    band: Annotated[str | None, typer.Option("--band", help="New band code, e.g. good.")] = None,
    clear: Annotated[bool, typer.Option(
        "--clear", help="Withdraw the person's overrides: the computed result applies again.")] = False,
) -> None:
    """Override one person's final score or band, with a reason; awards, pay and plans follow."""
    from graders.results.store import clear_overrides
    from graders.results.store import override as do_override

    if sum([score is not None, band is not None, clear]) != 1:
        raise AcademyError("give exactly one of --score, --band or --clear")
    h = open_from(ctx)
    with h.transaction() as s:
        if clear:
            diff = clear_overrides(s, cycle, employee_id, reason, by=_user())
        else:
            field, value = ("final_score", str(score)) if score is not None else ("band", band)
            diff = do_override(s, cycle, employee_id, field, value, reason, by=_user())
    console.print(f"{employee_id}: {'overrides withdrawn' if clear else 'result overridden'} "
                  f"in cycle {cycle} ({reason}).")
    others = diff[diff["employee_id"] != employee_id]
    if len(others):
        console.print(f"As a consequence {len(others)} other people changed band or award: "
                      + ", ".join(others["employee_id"]))
    h.close()


@_command("history")
def history(
    ctx: typer.Context,
    cycle: Annotated[str, typer.Argument(help="e.g. 2026-Q4")],
    employee: Annotated[str | None, typer.Option("--employee", help="Only this person.")] = None,
) -> None:
    """Every change of a cycle's grades: who, when, before, after, why."""
    from core.labels import t
    from graders.results.store import audit_trail

    h = open_from(ctx)
    loc = h.settings.locale
    with h.transaction() as s:
        rows = audit_trail(s, cycle, employee)
        table = RichTable(title=f"{t('grade_history', loc)} {cycle}")
        for col in ("when", "by", "action", "employee_id", "field", "before", "after", "reason"):
            table.add_column(t(col, loc))
        for a in rows:
            table.add_row(f"{a.at:%Y-%m-%d %H:%M}", a.by, a.action, a.employee_id or "",
                          a.field or "", a.before or "", a.after or "", a.reason or "")
    if not rows:
        raise AcademyError(f"no grade history for cycle {cycle}"
                           + (f" and {employee}" if employee else ""))
    console.print(table)
    h.close()


@_command("results")
def results(
    ctx: typer.Context,
    cycle: Annotated[str | None, typer.Argument(
        help="e.g. 2026-Q4 (default: the open cycle if graded, else the latest published)",
        show_default=False)] = None,
    team: Annotated[str | None, typer.Option(help="Only this team.")] = None,
    employee: Annotated[str | None, typer.Option("--employee", help="One person, in detail.")] = None,
) -> None:
    """Show a cycle's stored results (one person's in detail: every component and competency)."""
    from core.cycles import get_cycle
    from core.labels import t
    from graders.results.publishing import publication_state
    from graders.results.store import current_run, run_schemes, stored_result

    h = open_from(ctx)
    loc = h.settings.locale
    with h.transaction() as s:
        if cycle is None:
            from academy.cli_defaults import results_cycle

            cycle = results_cycle(s)
        c = get_cycle(s, cycle)
        r = stored_result(s, c.id)
        if r is None:
            raise AcademyError(f"cycle {cycle} has no grades yet: run `academy grade {cycle}`")
        run = current_run(s, c.id)
        schemes = run_schemes(run)
        state = publication_state(s, c.id)
    res = r.results
    console.print(f"Cycle {cycle} ({state}); run #{run.id} computed {run.computed_at:%Y-%m-%d %H:%M}"
                  f" by {run.computed_by}; inputs {run.inputs_sha256[:12]}; schemes "
                  + ", ".join(f"{v['scheme']} {v['version']}" for v in run.schemes.values()))
    if employee:
        p = res[res["employee_id"] == employee]
        if p.empty:
            raise AcademyError(f"{employee} has no result in cycle {cycle}")
        p = p.iloc[0]
        console.print(f"{p['employee_id']} {p['name']} ({p['team']}): final score "
                      f"{_fmt(p['final_score'])}, band {_band_name(schemes, p['family'], p['band'], loc)}"
                      f", rank {p['rank_team']} in team, {p['rank_company']} in company"
                      + (" [overridden]" if p["overridden"] else ""))
        if p["missing"]:
            console.print(f"  missing: {p['missing']}")
        if p["insufficient"]:
            console.print(f"  insufficient: {p['insufficient']}")
        table = RichTable(title=t("components", loc))
        for col in ("component", "score", "n", "status", "weight", "weight_used", "contribution"):
            table.add_column(t(col, loc))
        for d in r.components[r.components["employee_id"] == employee].to_dict("records"):
            table.add_row(d["component"], _fmt(d["score"]), str(d["n"]), d["status"],
                          f"{d['weight']:.2f}", f"{d['weight_used']:.3f}", f"{d['contribution']:.2f}")
        console.print(table)
        return
    if team:
        res = res[res["team"] == team]
    table = RichTable(title=f"{t('results', loc)} {cycle} ({len(res)})")
    for col in ("employee_id", "name", "team", "final_score", "band", "rank_team", "award"):
        table.add_column(t(col, loc))
    for d in res.sort_values(["team", "rank_team"]).to_dict("records"):
        table.add_row(d["employee_id"], d["name"], d["team"], _fmt(d["final_score"]),
                      _band_name(schemes, d["family"], d["band"], loc),
                      "-" if d["rank_team"] is None or d["rank_team"] != d["rank_team"]
                      else str(d["rank_team"]),
                      "*" if d["individual_award"] else "")
    console.print(table)
    h.close()


@_command("export")
def export(
    ctx: typer.Context,
    to: Annotated[Path, typer.Option("--to", help="FILE.xlsx (every sheet) or FILE.csv (results).")],
    cycle: Annotated[str | None, typer.Argument(
        help="e.g. 2026-Q4 (default: the open cycle if graded, else the latest published)",
        show_default=False)] = None,
) -> None:
    """Export a cycle's stored results to Excel (results, teams, awards, pay, plans, scheme) or CSV."""
    from graders.results.exports import export_cycle

    h = open_from(ctx)
    with h.transaction() as s:
        if cycle is None:
            from academy.cli_defaults import results_cycle

            cycle = results_cycle(s)
        path = export_cycle(s, cycle, to, locale=h.settings.locale)
    console.print(f"Exported cycle {cycle} to {path}")
    h.close()


def register(app: typer.Typer) -> None:
    """Add the grading commands to the root `academy` command."""
    for name, fn in COMMANDS.items():
        app.command(name)(fn)
