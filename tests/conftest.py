"""Session-wide fixtures shared by the whole suite.

Real services (PostgreSQL, Redis, Elasticsearch, S3) start only when a test asks for them, and stop at
session end; see tests/services/. A service that cannot start fails the test with the reason and the end
of its log: it is never skipped.
"""

from collections.abc import Callable, Iterator

import pytest

from tests.services.elasticsearch import start_elasticsearch
from tests.services.postgres import PostgresServer, start_postgres
from tests.services.process import ServiceStartError
from tests.services.redis_server import start_redis
from tests.services.s3 import S3Server, start_s3


def _start(starter):
    try:
        return starter()
    except ServiceStartError as exc:
        reason = str(exc)
    # Failed outside the except block so that the report is the reason alone, not a chained traceback.
    pytest.fail(reason, pytrace=False)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = _start(start_postgres)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server) -> str:
    """SQLAlchemy URL (postgresql+psycopg://) of an empty database made for this session."""
    return postgres_server.create_database("olketanu_test")


@pytest.fixture(scope="session")
def postgres_database_factory(postgres_server) -> Callable[[], str]:
    """Call it to get the URL of a new, empty database (e.g. one per test module)."""
    return postgres_server.create_database


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    server = _start(start_redis)
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def elasticsearch_url() -> Iterator[str]:
    server = _start(start_elasticsearch)
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """endpoint, access_key, secret_key, region of a real S3-compatible server (S3Proxy); no buckets yet."""
    server, process = _start(start_s3)
    yield server
    process.cleanup()
