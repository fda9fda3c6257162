"""The repository suite's fixtures: `services` on SQLite and PostgreSQL, `app`/`client` on SQLite."""
from tests.repository.conftest import app, client, database_url, services  # noqa: F401
