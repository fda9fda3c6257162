"""Backends for the search suite: every test that takes `backend` or `empty_backend` runs on SQLite FTS5
and on a real Elasticsearch (the session fixture `elasticsearch_url` from tests/conftest.py)."""
from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from repository.search.base import SearchBackend
from repository.search.elasticsearch import ElasticsearchBackend
from repository.search.sqlite import SqliteBackend
from tests.search import corpus

BACKENDS = ("sqlite", "elasticsearch")
_prefixes = itertools.count()


def make_backend(name: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SearchBackend:
    if name == "sqlite":
        return SqliteBackend(tmp_path_factory.mktemp("search") / "search.db")
    url = request.getfixturevalue("elasticsearch_url")
    backend = ElasticsearchBackend(url, f"test{next(_prefixes)}")
    backend.clear()
    return backend


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request, tmp_path_factory) -> Iterator[SearchBackend]:
    """The shared corpus, indexed once per module and backend; tests must not write to it."""
    backend = make_backend(request.param, request, tmp_path_factory)
    backend.index_items(corpus.ALL)
    yield backend
    backend.close()


@pytest.fixture(params=BACKENDS)
def empty_backend(request, tmp_path_factory) -> Iterator[SearchBackend]:
    backend = make_backend(request.param, request, tmp_path_factory)
    yield backend
    backend.close()
