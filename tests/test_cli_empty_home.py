"""Every subcommand on a home with no roster, no cycle and no exam: a plain message, never a traceback.

The commands are found by walking the command tree, so a command added later is tried too. Commands
that start servers or long jobs (serve, hub, demo, bench) are left out: they are tested where they live.
"""

from __future__ import annotations

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from academy.cli import app
from core.errors import AcademyError
from graders.exam.course import nbgrader_message

#: start servers, make OS accounts or run for minutes; each has tests of its own
LONG_RUNNING = {"serve", "hub", "demo", "bench"}


def leaf_commands(command, path=()):
    if hasattr(command, "commands"):
        for name, sub in sorted(command.commands.items()):
            yield from leaf_commands(sub, (*path, name))
    else:
        yield path, command


def required_arguments(command) -> list[str]:
    """A value for each required argument: a name that exists nowhere (a file, cycle, exam or person)."""
    return ["nothing-here.csv" for p in command.params
            if p.param_type_name == "argument" and p.required]


COMMANDS = [(path, cmd) for path, cmd in leaf_commands(get_command(app)) if path[0] not in LONG_RUNNING]


@pytest.fixture(scope="module")
def empty_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("empty-home")
    result = CliRunner().invoke(app, ["init", "--home", str(home)])
    assert result.exit_code == 0, result.output
    return home


def test_does_the_walk_find_the_commands_a_department_uses():
    """Does the walk reach the nested commands (so a command missing from it would be noticed)?"""
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"grade", "results", "roster import", "cycle open", "exam stats", "tickets kpis",
            "surveys company", "plans show"} <= names
    assert len(names) >= 40


@pytest.mark.parametrize("path,command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_does_a_command_on_an_empty_home_answer_without_a_traceback(empty_home, path, command):
    """Does the command print a plain message (or its result), never a Python traceback?"""
    result = CliRunner().invoke(app, ["--home", str(empty_home), *path, *required_arguments(command)])
    raised = result.exception
    # the entry point prints an AcademyError as one `error:` line; anything else would be a traceback
    assert raised is None or isinstance(raised, (SystemExit, AcademyError)), repr(raised)
    said = f"{result.output}\n{raised if isinstance(raised, AcademyError) else ''}"
    assert "Traceback" not in said and 'File "' not in said, said
    if isinstance(raised, AcademyError):
        assert str(raised).strip(), "an error must say what is wrong"


def test_is_an_nbgrader_traceback_reduced_to_what_nbgrader_said():
    """Is the message inside an nbgrader traceback kept and the traceback's frames dropped?"""
    log = ('Traceback (most recent call last):\n  File "x/exchange.py", line 58, in fail\n'
           '    raise ExchangeError(msg)\n'
           'nbgrader.exchange.abc.exchange.ExchangeError: Course not found: /h/exchange/c/inbound')
    assert nbgrader_message(log) == "Course not found: /h/exchange/c/inbound"
    assert nbgrader_message("[CollectApp | ERROR] No submissions\n") == "[CollectApp | ERROR] No submissions"
