"""Draining the search outbox: index writes follow database writes, reliably.

Services add a `SearchOutbox` row in the same transaction as every change that affects search.
`drain` reads the rows in id order, rebuilds each target's document from the database as it is now,
applies it to the backend and deletes the rows only after the backend accepted the change. A crash
anywhere leaves the rows in place, and the next drain (after the next write, or at start-up) catches
up: a published item is never missing for good, a withdrawn one never stays.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Optional

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from repository.models import SearchOutbox
from repository.outbox import WRITTEN_IN_BULK
from repository.search.base import ItemDoc, SearchBackend
from repository.search.errors import SearchError

log = logging.getLogger(__name__)

BATCH = 200
BuildDoc = Callable[[Session, str, str], Optional[ItemDoc]]
_FLAG = WRITTEN_IN_BULK  # one mark for both ways rows are added


def drain(sessions: Callable[[], Session], backend: SearchBackend, build_doc: BuildDoc, batch: int = BATCH) -> int:
    """Apply every waiting outbox row; returns how many rows were consumed."""
    consumed = 0
    while True:
        with sessions() as session:
            rows = list(session.scalars(select(SearchOutbox).order_by(SearchOutbox.id).limit(batch)))
            if not rows:
                return consumed
            docs: dict[str, ItemDoc] = {}
            gone: dict[str, None] = {}
            # One row per target is enough: the document is rebuilt from the current state anyway.
            for kind, target in dict.fromkeys((r.kind, r.target_id) for r in rows):
                doc = build_doc(session, kind, target)
                if doc is None:
                    gone[target] = None
                    docs.pop(target, None)
                else:
                    docs[doc.id] = doc
                    gone.pop(doc.id, None)
            if gone:
                backend.delete_items(list(gone))
            if docs:
                backend.index_items(docs.values())
            # Only the rows read: rows added meanwhile wait for the next round.
            session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_([r.id for r in rows])))
            session.commit()
            consumed += len(rows)


def pending(sessions: Callable[[], Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(SearchOutbox)) or 0


class Drainer:
    """Serialises drains in this process (concurrent drains would only repeat each other's work)."""

    def __init__(self, sessions: Callable[[], Session], backend: SearchBackend, build_doc: BuildDoc):
        self.sessions, self.backend, self.build_doc = sessions, backend, build_doc
        self._lock = threading.Lock()
        self._local = threading.local()

    def __call__(self) -> int:
        with self._lock:
            self._local.active = True
            try:
                return drain(self.sessions, self.backend, self.build_doc)
            finally:
                self._local.active = False

    def after_commit(self) -> None:
        """Drain after a commit that wrote outbox rows; an unreachable engine is logged, not raised.

        The write itself has committed: failing the caller would not undo it, and the rows stay for
        the next drain (the next write, `olketanu serve` start-up or `olketanu reindex`).
        """
        if getattr(self._local, "active", False):
            return
        try:
            self()
        except SearchError as exc:
            log.warning("search index not updated yet (%s); the outbox keeps the work for the next drain", exc)


def install_commit_hook(sessions: sessionmaker[Session], on_commit: Callable[[], None]) -> None:
    """Call `on_commit()` after each commit of a session from `sessions` that added outbox rows."""
    from sqlalchemy import event

    def before_flush(session: Session, _context: object, _instances: object) -> None:
        if any(isinstance(obj, SearchOutbox) for obj in session.new):
            session.info[_FLAG] = True

    def after_commit(session: Session) -> None:
        if session.info.pop(_FLAG, False):
            on_commit()

    def after_rollback(session: Session) -> None:
        session.info.pop(_FLAG, None)

    event.listen(sessions, "before_flush", before_flush)
    event.listen(sessions, "after_commit", after_commit)
    event.listen(sessions, "after_soft_rollback", lambda session, _previous: after_rollback(session))
