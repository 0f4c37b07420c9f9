"""`academy course ...`: training courses and trainees' progress."""

from __future__ import annotations

import typer

app = typer.Typer(help="Training courses: list, check, progress.", no_args_is_help=True)
