"""The `academy` command, run through its real installed entry point."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import DATA, run_academy


def test_does_every_command_offer_help():
    """Does `--help` work on the command and each subcommand, listing what it offers?"""
    top = run_academy("--help")
    assert top.returncode == 0
    for name in ("init", "demo", "roster", "cycle", "db", "info"):
        assert name in top.stdout
    for sub in (["init"], ["demo"], ["roster", "import"], ["roster", "list"], ["roster", "history"],
                ["cycle", "open"], ["cycle", "close"], ["cycle", "list"], ["db", "upgrade"]):
        proc = run_academy(*sub, "--help")
        assert proc.returncode == 0, proc.stderr
        assert "Usage" in proc.stdout


def test_init_import_list_and_cycles_through_the_command(tmp_path):
    """Can a user set up a home, import a Chinese roster, list a team as CSV and run a cycle, all via `academy`?"""
    home = tmp_path / "home"
    run_academy("init", "--home", str(home), check=True)
    assert (home / "course" / "nbgrader_config.py").is_file()
    imp = run_academy("roster", "import", str(DATA / "roster_small.csv"), home=home, check=True)
    assert "7 added" in imp.stdout
    listed = run_academy("roster", "list", "--team", "售后一部", "--format", "csv", home=home,
                         check=True)
    rows = list(csv.reader(io.StringIO(listed.stdout)))
    assert rows[0][:2] == ["Employee ID", "Name"]
    assert {r[1] for r in rows[1:]} == {"王建国", "李娜", "张伟", "Emily Chen", "刘 洋"}
    run_academy("cycle", "open", "2026-Q4", home=home, check=True)
    dup = run_academy("cycle", "open", "2026-Q4", home=home)
    assert dup.returncode == 1 and "exists already" in dup.stderr and "Traceback" not in dup.stderr
    run_academy("cycle", "close", "2026-Q4", home=home, check=True)
    assert "closed" in run_academy("cycle", "list", home=home, check=True).stdout
    hist = run_academy("roster", "history", "000102", home=home, check=True)
    assert "created" in hist.stdout


def test_does_academy_home_in_the_environment_choose_the_home(tmp_path):
    """Does every command honour ACADEMY_HOME when --home is not given?"""
    env = {"ACADEMY_HOME": str(tmp_path / "envhome")}
    run_academy("init", env=env, check=True)
    run_academy("roster", "import", str(DATA / "roster_small.csv"), env=env, check=True)
    info = run_academy("info", env=env, check=True)
    assert str(tmp_path / "envhome") in info.stdout and "7 active" in info.stdout


def test_is_a_bad_roster_an_error_without_traceback(tmp_path):
    """Does a bad file exit non-zero, name row and column on stderr, show no traceback, write nothing?"""
    home = tmp_path / "home"
    run_academy("init", "--home", str(home), check=True)
    bad = tmp_path / "bad.csv"
    bad.write_text("工号,姓名,团队,岗位\n1,王一,A,技术支持\n1,王二,A,宇航员\n", encoding="gb18030")
    proc = run_academy("roster", "import", str(bad), home=home)
    assert proc.returncode == 2
    assert 'bad.csv, row 3, column "工号" (A): duplicate employee id' in proc.stderr
    assert 'bad.csv, row 3, column "岗位" (D): unknown role' in proc.stderr
    assert "Traceback" not in proc.stderr
    listed = run_academy("roster", "list", "--format", "csv", home=home, check=True)
    assert len(listed.stdout.strip().splitlines()) == 1  # header only


def test_does_dry_run_through_the_command_write_nothing(tmp_path):
    """Does `roster import --dry-run` print the changes and leave the roster empty?"""
    home = tmp_path / "home"
    run_academy("init", "--home", str(home), check=True)
    proc = run_academy("roster", "import", "--dry-run", str(DATA / "roster_small.csv"), home=home,
                       check=True)
    assert "Dry run" in proc.stdout and "7 added" in proc.stdout
    info = run_academy("info", home=home, check=True)
    assert "0 active" in info.stdout


@pytest.mark.parametrize("args,message", [
    (["roster", "list"], "no academy home"),
    (["roster", "import", "missing.csv"], "no academy home"),
])
def test_is_a_missing_home_reported_plainly(tmp_path, args, message):
    """Does a command on a folder that is no home say so, without a traceback?"""
    proc = run_academy(*args, home=tmp_path / "nothing")
    assert proc.returncode == 1 and message in proc.stderr and "Traceback" not in proc.stderr


def test_does_the_demo_build_a_company(demo_home):
    """Does `academy demo` build a fresh home with both role families, supervisors and an open cycle?"""
    home, proc = demo_home
    assert "60 staff" in proc.stdout
    listed = run_academy("roster", "list", "--format", "csv", home=home, check=True)
    rows = list(csv.DictReader(io.StringIO(listed.stdout)))
    assert len(rows) == 60
    roles = {r["Role"] for r in rows}
    assert {"Field service engineer", "Supervisor", "Department manager"} <= roles
    assert "open" in run_academy("cycle", "list", home=home, check=True).stdout


def test_does_the_demo_refuse_to_overwrite_without_reset(demo_home, tmp_path):
    """Does the demo refuse a home that is not empty, and refuse --reset on a folder that is no home?"""
    home, _ = demo_home
    again = run_academy("demo", "--home", str(home), "--no-serve")
    assert again.returncode == 1 and "--reset" in again.stderr
    other = tmp_path / "my-files"
    other.mkdir()
    (other / "precious.txt").write_text("keep me", encoding="utf-8")
    refused = run_academy("demo", "--home", str(other), "--no-serve", "--reset")
    assert refused.returncode == 1 and "not an academy home" in refused.stderr
    assert (other / "precious.txt").read_text(encoding="utf-8") == "keep me"


def test_does_reset_rebuild_the_demo_from_scratch(tmp_path, monkeypatch):
    """Does --reset delete an earlier demo home and build a new company in its place?"""
    from academy import demo
    from core.home import open_home
    from roster.store import list_staff

    monkeypatch.setattr(demo, "DEMO_STEPS", demo.DEMO_STEPS[:2])  # roster and cycles only
    demo.run_demo(tmp_path / "h", staff=60, serve=False)
    (tmp_path / "h" / "imports" / "leftover.csv").write_text("x", encoding="utf-8")
    demo.run_demo(tmp_path / "h", staff=40, serve=False, reset=True)
    h = open_home(tmp_path / "h")
    with h.transaction() as s:
        assert len(list_staff(s)) == 40
    assert not (tmp_path / "h" / "imports" / "leftover.csv").exists()
    h.close()
