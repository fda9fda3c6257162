"""Search backends by name (the `search.backend` setting). Each entry imports its engine's client only
when chosen, so the SQLite default never loads the Elasticsearch client.
"""
from __future__ import annotations

from collections.abc import Callable

from repository.config import Config
from repository.search.base import SearchBackend
from repository.search.errors import UnknownBackend


def _sqlite(config: Config) -> SearchBackend:
    from repository.search.sqlite import SqliteBackend

    return SqliteBackend(config.search_path)


def _elasticsearch(config: Config) -> SearchBackend:
    from repository.search.elasticsearch import ElasticsearchBackend

    return ElasticsearchBackend(config.get("search", "elasticsearch_url"), config.get("search", "index_prefix"))


BACKENDS: dict[str, Callable[[Config], SearchBackend]] = {
    "sqlite": _sqlite,
    "elasticsearch": _elasticsearch,
}


def open_backend(config: Config, name: str | None = None) -> SearchBackend:
    """The backend `name` (default: `search.backend`) configured from `config`; connects on first use."""
    name = name or config.get("search", "backend")
    try:
        factory = BACKENDS[name]
    except KeyError:
        raise UnknownBackend(f"unknown search backend {name!r}; known: {', '.join(BACKENDS)}") from None
    return factory(config)
