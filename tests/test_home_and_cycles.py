"""The academy home, its settings, and assessment cycles."""

from __future__ import annotations

from datetime import date

import pytest

from core.cycles import close_cycle, current_cycle, list_cycles, open_cycle, period_dates
from core.errors import AcademyError
from core.home import default_home, init_home, open_home


def test_does_init_create_settings_database_and_nbgrader_course(tmp_path):
    """Does `init` lay out settings, database, course folder and an nbgrader config whose exchange is inside the home?"""
    h = init_home(tmp_path / "acme")
    assert h.settings_path.is_file()
    assert (tmp_path / "acme" / "academy.db").is_file()
    config = (h.course_dir / "nbgrader_config.py").read_text(encoding="utf-8")
    # no absolute path inside (a moved home points at itself); read as nbgrader reads it
    assert str(tmp_path) not in config
    from traitlets.config.loader import PyFileConfigLoader

    loaded = PyFileConfigLoader("nbgrader_config.py", path=str(h.course_dir)).load_config()
    assert loaded.Exchange.root == str(h.exchange_dir)
    assert loaded.CourseDirectory.root == str(h.course_dir)
    assert h.exchange_dir.is_dir() and (h.course_dir / "source").is_dir()
    h.close()


def test_does_init_again_keep_settings_and_data(tmp_path):
    """Is a second `init` on the same home harmless: settings edits and cycles survive?"""
    h = init_home(tmp_path / "acme")
    text = h.settings_path.read_text(encoding="utf-8").replace("locale: en", "locale: zh")
    h.settings_path.write_text(text, encoding="utf-8")
    with h.transaction() as s:
        open_cycle(s, "2026-Q4")
    h.close()
    h2 = init_home(tmp_path / "acme")
    assert h2.settings.locale == "zh"
    with h2.transaction() as s:
        assert [c.name for c in list_cycles(s)] == ["2026-Q4"]
    h2.close()


def test_is_academy_home_taken_from_the_environment(tmp_path, monkeypatch):
    """Does ACADEMY_HOME choose the home when no folder is given?"""
    monkeypatch.setenv("ACADEMY_HOME", str(tmp_path / "envhome"))
    assert default_home() == (tmp_path / "envhome").resolve()
    init_home().close()
    assert (tmp_path / "envhome" / "academy.yaml").is_file()


def test_is_a_missing_home_a_clear_error(tmp_path):
    """Does opening a folder that is no home say how to create one?"""
    with pytest.raises(AcademyError, match="academy init"):
        open_home(tmp_path / "nowhere")


def test_is_a_bad_settings_file_rejected_naming_the_field(tmp_path):
    """Does a settings file with a wrong value name the file and the field?"""
    h = init_home(tmp_path / "acme")
    h.close()
    h.settings_path.write_text("locale: fr\nroles: []\n", encoding="utf-8")
    with pytest.raises(AcademyError) as err:
        open_home(tmp_path / "acme")
    assert "academy.yaml" in str(err.value) and "locale" in str(err.value)


def test_are_roles_configurable(tmp_path):
    """Can a company add its own role in the settings and import staff holding it?"""
    from core.settings import RoleDef, load_settings, save_settings
    from roster.store import import_roster_file

    h = init_home(tmp_path / "acme")
    s = load_settings(h.settings_path)
    s.roles.append(RoleDef(code="installer", family="field_service", name_en="Installer",
                           name_zh="安装工程师"))
    save_settings(s, h.settings_path)
    h.close()
    h = open_home(tmp_path / "acme")
    f = tmp_path / "r.csv"
    f.write_text("工号,姓名,团队,岗位\n1,王一,安装队,安装工程师\n", encoding="utf-8")
    assert import_roster_file(h, f).added == ["1"]
    h.close()


@pytest.mark.parametrize("name,first,last", [
    ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
    ("2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
    ("2027", date(2027, 1, 1), date(2027, 12, 31)),
])
def test_do_cycle_names_imply_their_dates(name, first, last):
    """Do conventional names (quarter, month, year) give the right first and last day?"""
    assert period_dates(name) == (first, last)


def test_cycle_lifecycle(sqlite_home):
    """Can a cycle be opened, found as current, and closed, with mistakes refused?"""
    with sqlite_home.transaction() as s:
        open_cycle(s, "2026-Q4")
        open_cycle(s, "2026-11")
        open_cycle(s, "review-autumn", date(2026, 9, 1), date(2026, 11, 30))
        # The shortest open cycle containing the day is the current one.
        assert current_cycle(s, date(2026, 11, 15)).name == "2026-11"
        with pytest.raises(AcademyError, match="exists already"):
            open_cycle(s, "2026-Q4")
        with pytest.raises(AcademyError, match="give --opens and --closes"):
            open_cycle(s, "spring")
        with pytest.raises(AcademyError, match="before it opens"):
            open_cycle(s, "x", date(2026, 5, 1), date(2026, 4, 1))
        close_cycle(s, "2026-11")
        with pytest.raises(AcademyError, match="closed already"):
            close_cycle(s, "2026-11")
        with pytest.raises(AcademyError, match="no cycle named"):
            close_cycle(s, "1999")
        assert current_cycle(s, date(2026, 11, 15)).name == "review-autumn"


def test_does_a_with_block_close_the_home_even_on_an_error(tmp_path):
    """Are a home's database handles closed when its `with` block ends, also by an error?"""
    with init_home(tmp_path / "acme") as h:
        with h.transaction() as s:
            assert open_cycle(s, "2026-Q4").name == "2026-Q4"
        assert h._engine is not None
    assert h._engine is None
    with pytest.raises(RuntimeError), open_home(tmp_path / "acme") as h2:
        h2.engine.connect().close()
        raise RuntimeError("stop")
    assert h2._engine is None
