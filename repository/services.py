"""The wiring: one small object holding what the app, the CLI and the adapters share.

`build_services(config)` connects nothing yet (engines and stores connect on first use), so
`olketanu check` can build it and then report each component on its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from repository.access import Network, parse_networks
from repository.config import Config
from repository.db import Database
from storage.base import ObjectStore
from storage.registry import open_store


@dataclass
class Services:
    config: Config
    db: Database
    store: ObjectStore
    reading_room: tuple[Network, ...]
    _queue: Any = field(default=None, repr=False)

    def open_queue(self) -> Any:
        """The ingest task queue, opened on first use and then shared (both backends are thread-safe)."""
        from ingest.queue import open_queue  # imported here: the API reads jobs, nothing else needs ingest

        if self._queue is None:
            backend, options = queue_options(self.config)
            self._queue = open_queue(backend, **options)
        return self._queue

    def close(self) -> None:
        if self._queue is not None:
            self._queue.close()
            self._queue = None
        self.db.dispose()


def store_options(config: Config) -> tuple[str, dict[str, Any]]:
    backend = config.get("storage", "backend")
    if backend == "local":
        return backend, {"root": str(config.storage_root)}
    s3 = config.section("storage")
    return backend, {
        "endpoint": s3["s3_endpoint"] or None,
        "region": s3["s3_region"],
        "bucket": s3["s3_bucket"],
        "access_key": s3["s3_access_key"] or None,
        "secret_key": s3["s3_secret_key"] or None,
        "multipart_mb": s3["s3_multipart_mb"],
    }


def queue_options(config: Config) -> tuple[str, dict[str, Any]]:
    backend = config.get("queue", "backend")
    if backend == "redis":
        return backend, {"url": config.get("queue", "redis_url")}
    return backend, {"path": str(config.data_dir / "queue.db")}


def open_configured_store(config: Config) -> ObjectStore:
    backend, options = store_options(config)
    return open_store(backend, **options)


def build_services(config: Config) -> Services:
    return Services(
        config=config,
        db=Database.connect(config.database_url),
        store=open_configured_store(config),
        reading_room=parse_networks(config.get("web", "reading_room_networks")),
    )


def current_services() -> Services:
    """The Services of the app handling the current request."""
    return current_app.extensions["olketanu"]
