"""The collection tree: ancestors, descendants and OAI set specs (`parent:child`)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from repository.errors import Conflict
from repository.models import Collection

# A guard against a cycle that slipped into the database by hand: deeper trees are refused.
MAX_DEPTH = 32


def ancestor_ids(session: Session, collection_id: str | None) -> list[str]:
    """Ids from the root down to `collection_id` itself; empty for None."""
    path: list[str] = []
    current = collection_id
    while current is not None:
        if len(path) >= MAX_DEPTH or current in path:
            raise Conflict(f"collection {collection_id!r}: its parent chain loops or is deeper than {MAX_DEPTH}")
        path.append(current)
        current = session.scalar(select(Collection.parent_id).where(Collection.id == current))
    return list(reversed(path))


def set_spec(session: Session, collection_id: str) -> str:
    """The OAI setSpec of a collection: its ancestors' ids and its own, joined by `:`."""
    return ":".join(ancestor_ids(session, collection_id))


def descendant_ids(session: Session, collection_id: str) -> list[str]:
    """The collection and every collection below it (breadth first)."""
    found = [collection_id]
    frontier = [collection_id]
    while frontier:
        children = list(session.scalars(select(Collection.id).where(Collection.parent_id.in_(frontier))))
        children = [c for c in children if c not in found]
        found.extend(children)
        frontier = children
    return found


def would_cycle(session: Session, collection_id: str, new_parent_id: str | None) -> bool:
    """Whether making `new_parent_id` the parent of `collection_id` would put it below itself."""
    return new_parent_id is not None and collection_id in ancestor_ids(session, new_parent_id)
