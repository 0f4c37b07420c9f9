"""Every subcommand on a home with no roster, no cycle and no exam: a plain message, never a traceback.

The commands are found by walking the command tree, so a command added later is tried too; each gets a
value of the right kind for every required argument and option, so it really runs (a usage error about
the walk's own command line fails the test). Commands that start servers, make OS accounts or run long
jobs (serve, hub, hub sync, hub z2jh, demo, bench) are left out: they are tested where they live.
"""

from __future__ import annotations

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from academy.cli import app
from core.errors import AcademyError
from graders.exam.course import nbgrader_message

#: start servers, make OS accounts, write into the working folder or run for minutes; each has
#: tests of its own
LONG_RUNNING = {"serve", "hub", "demo", "bench"}
#: quick ones inside those groups, walked too
QUICK = {("hub", "password")}


def leaf_commands(command, path=()):
    if hasattr(command, "commands"):
        for name, sub in sorted(command.commands.items()):
            yield from leaf_commands(sub, (*path, name))
    else:
        yield path, command


def _value(param) -> str:
    """A well-formed value that names nothing existing (a file, cycle, exam, person or id)."""
    kind = getattr(getattr(param, "type_descriptor", None), "annotation", str)
    if kind is int:
        return "999999"
    if kind is float:
        return "1.5"
    if param.name in ("on", "held_on"):
        return "2026-01-15"
    if param.name == "month":
        return "2026-01"
    if param.name == "achievement":
        return "85%"
    return "nothing-here.csv"


def required_arguments(command) -> list[str]:
    """A value for each required argument and option: a name that exists nowhere (a file, cycle,
    exam or person), a number or a date where one is asked for."""
    args = [_value(p) for p in command.params if p.param_type_name == "argument" and p.required]
    for p in command.params:
        if p.param_type_name == "option" and p.required:
            args += [p.opts[0], _value(p)]
    return args


COMMANDS = [(path, cmd) for path, cmd in leaf_commands(get_command(app))
            if path[0] not in LONG_RUNNING or path in QUICK]


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
            "surveys company", "plans show", "evidence summary", "practical agreement",
            "careers mentor start", "hub password"} <= names
    assert len(names) >= 40


@pytest.mark.parametrize("path,command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_does_a_command_on_an_empty_home_answer_without_a_traceback(empty_home, path, command,
                                                                   monkeypatch):
    """Does the command print a plain message (or its result), never a Python traceback?"""
    monkeypatch.chdir(empty_home.parent)  # an export to a relative file lands there
    result = CliRunner().invoke(app, ["--home", str(empty_home), *path, *required_arguments(command)])
    # a usage error (exit 2) means the command never ran: the walk must give it what it needs
    assert not (isinstance(result.exception, SystemExit) and result.exit_code == 2), result.output
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


def test_is_the_home_closed_when_a_command_fails(empty_home, monkeypatch):
    """Is the home's database released (engine disposed) when a command stops on an error?"""
    from core.home import Home

    closed = []
    real_close = Home.close

    def close(self):
        closed.append(self._engine is not None)
        real_close(self)

    monkeypatch.setattr(Home, "close", close)
    result = CliRunner().invoke(app, ["--home", str(empty_home), "evidence", "summary"])
    assert isinstance(result.exception, AcademyError), result.output
    assert closed and closed[0], "the command's home was not closed after its error"


def test_does_a_home_close_its_database_at_the_end_of_a_with_block(empty_home):
    """Does `with open_home(...)` dispose of the home's engine when the block ends, even on an error?"""
    from core.home import open_home

    with pytest.raises(RuntimeError):
        with open_home(empty_home) as h:
            assert h.engine is not None
            raise RuntimeError("stop")
    assert h._engine is None
