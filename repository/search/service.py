"""Search wired into the application: the backend, the outbox drainer and reindexing.

`init_app(app, services)` is the one call `create_app` makes: it opens the configured backend, hooks
outbox draining onto every commit of `services.db` that wrote outbox rows, mounts `GET /api/search`
and drains once (catching up after a crash). Processes without the web app (CLI, ingest workers) call
`attach(services)` instead, so their commits reach the index too.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from repository.models import Item, SearchOutbox
from repository.search import outbox
from repository.search.base import SearchBackend, SearchRequest, SearchResult
from repository.search.documents import build_doc, item_doc, page_texts
from repository.search.errors import SearchError
from repository.search.registry import open_backend

log = logging.getLogger(__name__)

EXTENSION = "olketanu.search"
REINDEX_BATCH = 100


@dataclass
class SearchService:
    backend: SearchBackend
    services: Any  # repository.services.Services (not imported: it imports Flask helpers)
    drainer: outbox.Drainer

    def search(self, request: SearchRequest) -> SearchResult:
        return self.backend.search(request)

    def drain(self) -> int:
        return self.drainer()

    def pending(self) -> int:
        return outbox.pending(self.services.db.sessions)

    def reindex(self, progress: Callable[[int], None] | None = None) -> int:
        """Rebuild the index from the database: clear it, then index every published item."""
        sessions = self.services.db.sessions
        with sessions() as session:
            # Rows up to here are covered by what we are about to read; later ones stay for drain.
            last_row = session.scalar(select(func.max(SearchOutbox.id))) or 0
        self.backend.clear()
        count = 0
        for batch in self._published_batches():
            count += self.backend.index_items(batch)
            if progress is not None:
                progress(len(batch))
        from repository.catalogue_search import catalogue_batches  # issue 8: catalogue records too

        for batch in catalogue_batches(sessions):
            count += self.backend.index_items(batch)
            if progress is not None:
                progress(len(batch))
        with self.services.db.transaction() as session:
            session.execute(SearchOutbox.__table__.delete().where(SearchOutbox.id <= last_row))
        return count

    def published_count(self) -> int:
        with self.services.db.read() as session:
            return session.scalar(select(func.count()).select_from(Item).where(Item.status == "published")) or 0

    def _published_batches(self) -> Iterator[list]:
        store = self.services.store
        after = ""
        while True:
            with self.services.db.read() as session:
                items = list(session.scalars(select(Item).where(Item.status == "published", Item.id > after)
                                             .order_by(Item.id).limit(REINDEX_BATCH)))
                if not items:
                    return
                yield [item_doc(session, item, page_texts(store, item)) for item in items]
                after = items[-1].id

    def close(self) -> None:
        self.backend.close()


def attach(services: Any, backend_name: str | None = None) -> SearchService:
    """The search service for `services`, with outbox draining hooked onto its commits."""
    backend = open_backend(services.config, backend_name)
    drainer = outbox.Drainer(services.db.sessions, backend, build_doc(services.store))
    outbox.install_commit_hook(services.db.sessions, drainer.after_commit)
    return SearchService(backend, services, drainer)


def init_app(app: Any, services: Any) -> SearchService:
    """Everything the web app needs from search; see the module docstring."""
    from repository.search import api

    search = attach(services)
    app.extensions[EXTENSION] = search
    app.register_blueprint(api.make_blueprint(), url_prefix="/api")
    try:
        caught_up = search.drain()
    except SearchError as exc:
        # Start anyway: the database is fine and searches may work later; the rows wait in the outbox.
        log.warning("search: could not drain the outbox at start-up: %s", exc)
    else:
        if caught_up:
            log.info("search: indexed %d outbox change(s) left from before start-up", caught_up)
    return search


def current_search() -> SearchService:
    from flask import current_app

    return current_app.extensions[EXTENSION]
