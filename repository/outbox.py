"""Search outbox: index work recorded in the same transaction as the write it follows.

The search layer (repository/search/) reads the rows in id order, re-reads each target's current
state, updates its index and deletes the rows; after a crash it simply starts again from the table.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from repository.models import SearchOutbox, utcnow


def enqueue(session: Session, target_id: str, op: str = "upsert", kind: str = "item") -> None:
    session.add(SearchOutbox(kind=kind, target_id=target_id, op=op, created=utcnow()))
