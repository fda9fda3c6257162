"""The Alembic migrations create exactly the schema the models describe, on SQLite and PostgreSQL."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from repository import create_app
from repository.db import current_revision, head_revision, make_engine
from repository.errors import SchemaOutOfDate
from repository.models import Base
from tests.repository.conftest import make_config


def test_migrations_match_models(database_url):
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_create_app_refuses_a_postgresql_database_behind(postgres_database_factory, tmp_path):
    with pytest.raises(SchemaOutOfDate, match="olketanu init"):
        create_app(make_config(tmp_path, postgres_database_factory()))


def test_create_app_migrates_the_embedded_sqlite_database(tmp_path):
    app = create_app(make_config(tmp_path))
    services = app.extensions["olketanu"]
    assert current_revision(services.db.engine) == head_revision()
    services.close()
