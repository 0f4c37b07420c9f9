"""The platform database: migrations keep data, match the models, and run on both backends."""

from __future__ import annotations

from datetime import date

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from academy.models import metadata
from core import db
from core.cycles import open_cycle
from core.home import open_home


def test_does_a_migrated_database_keep_its_rows(db_url):
    """Does upgrading a database made by the first schema version keep every roster row?"""
    engine = db.make_engine(db_url)
    db.upgrade(engine, "0001")
    assert db.current_revision(engine) == "0001"
    assert "cycles" not in inspect(engine).get_table_names()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO roles (code, family, level, name_en, name_zh) "
                          "VALUES ('field_service', 'field_service', 'staff', 'Field', '现场')"))
        conn.execute(text("INSERT INTO teams (name, region) VALUES ('东区', '华东')"))
        conn.execute(text(
            "INSERT INTO staff (employee_id, name, team_id, role_code, hire_date, active, created_at,"
            " updated_at) VALUES ('000042', '陈静', 1, 'field_service', '2020-01-02', true,"
            " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"))
    db.upgrade(engine)
    assert db.current_revision(engine) == db.head_revision()
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT employee_id, name, hire_date FROM staff")).all()
    assert [(r[0], r[1], str(r[2])) for r in rows] == [("000042", "陈静", "2020-01-02")]
    with db.transaction(engine) as s:
        assert open_cycle(s, "2026-Q4").closes_on == date(2026, 12, 31)
    engine.dispose()


def test_do_the_migrations_build_exactly_the_schema_the_models_describe(db_url):
    """After all migrations, does the schema differ in nothing from the models (no forgotten migration)?"""
    engine = db.make_engine(db_url)
    db.upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


def test_does_opening_an_old_home_upgrade_it(tmp_path, db_url):
    """Does any command's opening of a home left at an old schema bring it to the newest one?"""
    from core.home import init_home

    h = init_home(tmp_path / "h", db_url=db_url)
    from alembic import command

    command.downgrade(db._alembic_config(h.engine), "0001")
    assert "cycles" not in inspect(h.engine).get_table_names()
    h.close()
    h2 = open_home(tmp_path / "h")
    assert db.current_revision(h2.engine) == db.head_revision()
    assert "cycles" in inspect(h2.engine).get_table_names()
    h2.close()


def test_is_a_failed_transaction_rolled_back_whole(sqlite_home):
    """When a write fails halfway, is everything written before it in the same transaction undone?"""
    import pytest

    from core.cycles import list_cycles

    with pytest.raises(Exception):
        with sqlite_home.transaction() as s:
            open_cycle(s, "2026-Q3")
            open_cycle(s, "2026-Q3")  # duplicate: fails
    with sqlite_home.transaction() as s:
        assert list_cycles(s) == []


def test_does_the_quick_head_lookup_agree_with_alembic():
    """Does the migration head read from the files match what Alembic itself computes?"""
    from alembic.script import ScriptDirectory

    cfg = db._alembic_config(None)
    assert db.head_revision() == ScriptDirectory.from_config(cfg).get_current_head()
