"""Alembic environment: runs migrations on the connection or URL `repository.db` hands over.

There is no alembic.ini; `repository.db.alembic_config(url)` builds the configuration in code so the
app's configured database URL is the only one ever used.
"""
from __future__ import annotations

from alembic import context
from repository.db import make_engine
from repository.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    # make_engine: the same SQLite settings (and folder creation) as the app itself.
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported; run `olketanu init`")
run_migrations_online()
