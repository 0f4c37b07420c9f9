"""`academy practical|reviews|surveys|behaviour ...`: evidence from the sources besides exams."""

from __future__ import annotations

import typer

practical_app = typer.Typer(help="Practical exams scored against rubrics.", no_args_is_help=True)
reviews_app = typer.Typer(help="360-degree reviews: peer, supervisor, self.", no_args_is_help=True)
surveys_app = typer.Typer(help="Customer satisfaction surveys.", no_args_is_help=True)
behaviour_app = typer.Typer(help="Key-behaviour deductions for field service.", no_args_is_help=True)

apps = {"practical": practical_app, "reviews": reviews_app, "surveys": surveys_app,
        "behaviour": behaviour_app}
