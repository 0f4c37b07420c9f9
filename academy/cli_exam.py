"""`academy exam ...`: theory exams on the home's nbgrader course."""

from __future__ import annotations

import typer

app = typer.Typer(help="Theory exams: build, release, collect, autograde, feedback, scores, stats.",
                  no_args_is_help=True)
