"""Search outbox: index work recorded in the same transaction as the write it follows.

The search layer (repository/search/) reads the rows in id order, re-reads each target's current
state, updates its index and deletes the rows; after a crash it simply starts again from the table.
"""
from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.orm import Session

from repository.models import SearchOutbox, utcnow

# Set in `Session.info` when rows were inserted in bulk: the search commit hook
# (repository/search/outbox.py) sees ORM-added rows by itself, bulk inserts only through this mark.
WRITTEN_IN_BULK = "olketanu.search_outbox"


def enqueue(session: Session, target_id: str, op: str = "upsert", kind: str = "item") -> None:
    session.add(SearchOutbox(kind=kind, target_id=target_id, op=op, created=utcnow()))


def enqueue_many(session: Session, writes: list[tuple[str, str]], kind: str) -> None:
    """One statement for many (target id, op) rows, in order (a catalogue import batch)."""
    if not writes:
        return
    now = utcnow()
    session.execute(insert(SearchOutbox), [{"kind": kind, "target_id": target_id, "op": op, "created": now}
                                           for target_id, op in writes])
    session.info[WRITTEN_IN_BULK] = True
