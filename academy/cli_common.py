"""What every part of the `academy` command shares: consoles and opening the chosen home."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

console = Console(highlight=False)
err = Console(stderr=True, highlight=False)

HomeOpt = Annotated[
    Optional[Path],
    typer.Option("--home", help="Academy home folder (default: $ACADEMY_HOME or "
                                "~/.local/share/service-academy).", show_default=False),
]


def home_arg(ctx: typer.Context, home: Path | None = None) -> Path | None:
    """The home given to this command, else the one given before the subcommand, else None."""
    while ctx is not None:
        if ctx.obj and ctx.obj.get("home"):
            return home or ctx.obj["home"]
        ctx = ctx.parent
    return home


def open_from(ctx: typer.Context):
    """Open the home chosen by --home / $ACADEMY_HOME (its database upgraded if behind); it is
    closed when the command ends, however it ends (the command's context holds it)."""
    from core.home import open_home

    return ctx.with_resource(open_home(home_arg(ctx)))


def in_transaction(ctx: typer.Context, fn, dry_run: bool = False):
    """Run fn(session, home) in one transaction of the chosen home: rolled back on an error or a
    dry run, else committed; the home is closed after."""
    from sqlalchemy.orm import Session

    h = open_from(ctx)
    try:
        with Session(h.engine) as session:
            session.begin()
            try:
                out = fn(session, h)
            except BaseException:
                session.rollback()
                raise
            session.rollback() if dry_run else session.commit()
        return out
    finally:
        h.close()
