"""The audit trail: every change records who did what to which object, before and after."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from repository.models import Event, utcnow


def record(
    session: Session,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> Event:
    """Add an event to the session's transaction (so it commits or rolls back with the change)."""
    event = Event(
        at=utcnow(), actor=actor, action=action, target_type=target_type, target_id=target_id,
        before=before, after=after,
    )
    session.add(event)
    return event


def history(session: Session, target_type: str, target_id: str) -> list[Event]:
    """Events of one object, oldest first."""
    query = (
        select(Event)
        .where(Event.target_type == target_type, Event.target_id == target_id)
        .order_by(Event.at, Event.id)
    )
    return list(session.scalars(query))
