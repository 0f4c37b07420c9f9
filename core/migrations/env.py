"""Alembic environment: runs on the engine handed over by `core.db.upgrade`.

The migrations create their tables themselves; `target_metadata` only matters to
`alembic revision --autogenerate`, which must import every models module first (the shell's
`academy.models` does) so that `Base.metadata` knows the whole schema.
"""

from alembic import context

from core.db import Base, make_engine

metadata = Base.metadata

config = context.config


def run() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            transactional_ddl=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run()
