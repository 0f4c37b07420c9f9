"""`academy competitions ...`: skill competitions (an evidence source), award rules with amounts
and prizes, and the honour board (opt-out per person). Thin: options in, one call of
graders.ladder.recognition_store, a table out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table as RichTable

from academy.cli_common import console, in_transaction, open_from

app = typer.Typer(help="Skill competitions, awards with amounts or prizes, the honour board.",
                  no_args_is_help=True)


def _table(title: str, headers: list[str], rows: list[list]) -> None:
    tab = RichTable(title=title)
    for hd in headers:
        tab.add_column(hd)
    for r in rows:
        tab.add_row(*["" if v is None or v != v else str(v) for v in r])
    console.print(tab)


@app.command("import")
def import_(ctx: typer.Context,
            file: Annotated[Path, typer.Argument(help="The organiser's results: CSV or .xlsx")],
            dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only.")] = False,
            sheet: Annotated[Optional[str], typer.Option(help="Sheet of an .xlsx file.")] = None,
            replaces: Annotated[Optional[str], typer.Option(
                help="Import key this file replaces (default: the file name).")] = None) -> None:
    """Import competition results: competition, date, employee id (or a team entry), score, rank."""
    from graders.ladder.recognition_store import import_competitions
    from roster.store import current_user

    res = in_transaction(ctx, lambda s, _h: import_competitions(s, file, current_user(), replaces,
                                                                 sheet, dry_run), dry_run)
    console.print(f"{res.file} ({res.encoding}): {res.rows} results of "
                  f"{', '.join(res.competitions)}"
                  + (f" (import #{res.import_id})" if res.import_id else ""))
    if res.replaced:
        console.print(f"Replaced earlier import(s) {', '.join(f'#{i}' for i in res.replaced)}; "
                      "they stay in the history.")
    if dry_run:
        console.print("[yellow]Dry run: nothing was written.[/yellow]")


@app.command("results")
def results(ctx: typer.Context) -> None:
    """Current competition results."""
    from core.labels import t
    from graders.ladder.recognition_store import competitions_frame

    h = open_from(ctx)
    loc = h.settings.locale
    with h.transaction() as s:
        c = competitions_frame(s)
    _table(t("competitions", loc), [t(k, loc) for k in (
        "competition", "held_on", "employee_id", "team", "score", "rank")],
        [list(r)[1:] for r in c.itertuples()])
    h.close()


@app.command("awards")
def awards(ctx: typer.Context) -> None:
    """Everyone recognised under the award rules, with amount or prize (opted-out people too:
    their prize stands)."""
    from core.labels import t
    from graders.ladder.recognition import load_recognition_config
    from graders.ladder.recognition_store import load

    h = open_from(ctx)
    loc = h.settings.locale
    cfg = load_recognition_config(h.assessments_dir)
    with h.transaction() as s:
        r, _board = load(s, cfg)
    _table(t("recognitions", loc), [t(k, loc) for k in (
        "award", "employee_id", "team", "what", "rank", "amount", "prize", "reason")],
        [[cfg.rule(x.rule).name(loc), x.employee_id, x.team, x.what, x.rank,
          f"{x.amount:,.0f} {cfg.currency}", x.prize_zh if loc == "zh" else x.prize_en, x.reason]
         for x in r.itertuples()])
    h.close()


@app.command("board")
def board(ctx: typer.Context) -> None:
    """The honour board as it may be shown (without anyone who opted out)."""
    from core.labels import t
    from graders.ladder.recognition import load_recognition_config
    from graders.ladder.recognition_store import load
    from roster.store import list_staff

    h = open_from(ctx)
    loc = h.settings.locale
    cfg = load_recognition_config(h.assessments_dir)
    with h.transaction() as s:
        _r, b = load(s, cfg)
        names = {p.employee_id: p.name for p in list_staff(s)}
    _table(t("honour_board", loc), [t(k, loc) for k in ("award", "name", "team", "what")],
           [[cfg.rule(x.rule).name(loc), names.get(x.employee_id, "") if x.employee_id else "",
             x.team, x.what] for x in b.itertuples()])
    h.close()


def _choice(ctx, employee_id: str, show: bool, reason: str | None) -> None:
    from graders.ladder.recognition_store import set_honour_choice
    from roster.store import current_user

    h = open_from(ctx)
    with h.transaction() as s:
        set_honour_choice(s, employee_id, show, current_user(), reason)
    console.print(f"{employee_id} is {'back on' if show else 'off'} the honour board.")
    h.close()


@app.command("optout")
def optout(ctx: typer.Context, employee_id: str,
           reason: Annotated[Optional[str], typer.Option()] = None) -> None:
    """Keep a person off the honour board (only they, or an admin:NAME, may)."""
    _choice(ctx, employee_id, False, reason)


@app.command("optin")
def optin(ctx: typer.Context, employee_id: str,
          reason: Annotated[Optional[str], typer.Option()] = None) -> None:
    """Put a person back on the honour board."""
    _choice(ctx, employee_id, True, reason)
