"""Item services: create, edit metadata, publish, withdraw, access, collection, pages.

Every change runs in one transaction that also writes its audit Event and a SearchOutbox row; the
datestamp moves when something OAI exposes changes (record, status, access, set membership); after
the commit the item's item.json in storage is rewritten.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from metadata.dc import DCRecord
from metadata.validate import validate
from repository import events, itemjson, outbox
from repository.catalogue import relink_item
from repository.errors import BadRequest, Conflict, InvalidRecord, NotFound
from repository.hierarchy import set_spec
from repository.ids import check_item_id, new_item_id
from repository.models import ACCESS_LEVELS, Collection, Item, utcnow
from repository.services import Services

# Keys of `state()` whose change moves the datestamp (what OAI-PMH exposes).
EXPOSED = ("dc", "status", "access", "set")


def get_item(session: Session, item_id: str, for_update: bool = False) -> Item:
    check_item_id(item_id)
    item = session.get(Item, item_id, with_for_update=for_update or None)
    if item is None:
        raise NotFound(f"no item {item_id!r}")
    return item


def check_record(record: DCRecord, doing: str) -> None:
    problems = validate(record)
    if problems:
        raise InvalidRecord(
            f"{doing}: the record has {len(problems)} problem(s)",
            [{"field": p.field, "value": p.value, "message": p.message} for p in problems],
        )


def check_access(access: str) -> str:
    if access not in ACCESS_LEVELS:
        raise BadRequest(f"access must be one of {', '.join(ACCESS_LEVELS)}, got {access!r}")
    return access


def check_collection(session: Session, collection_id: str | None) -> None:
    if collection_id is not None and session.get(Collection, collection_id) is None:
        raise NotFound(f"no collection {collection_id!r}")


def state(session: Session, item: Item) -> dict[str, Any]:
    """What an audit event compares: the exposed fields plus collection id and page order."""
    return {
        "dc": item.dc,
        "status": item.status,
        "access": item.access,
        "collection": item.collection_id,
        "set": set_spec(session, item.collection_id) if item.collection_id else None,
        "pages": [[p.seq, p.label, p.master_sha256] for p in item.pages],
    }


def record_change(
    session: Session, actor: str, action: str, item: Item,
    before: dict[str, Any] | None, after: dict[str, Any],
) -> bool:
    """Event, outbox row, `updated` and (for exposed changes) `datestamp`; False if nothing changed."""
    changed = [k for k in after if before is None or before.get(k) != after[k]]
    if not changed:
        return False
    now = utcnow()
    item.updated = now
    if before is None or any(k in EXPOSED for k in changed):
        item.datestamp = now
    # Here rather than in publish(): ingest publishes through this function too.
    if item.status == "published" and item.first_published_at is None:
        item.first_published_at = now
    events.record(
        session, actor, action, "item", item.id,
        None if before is None else {k: before[k] for k in changed},
        {k: after[k] for k in changed},
    )
    outbox.enqueue(session, item.id, "delete" if item.status == "withdrawn" else "upsert")
    return True


@contextmanager
def changing(services: Services, actor: str, action: str, item_id: str) -> Iterator[tuple[Session, Item]]:
    """Load the item for update, let the caller change it, then record and describe the change."""
    with services.db.transaction() as session:
        item = get_item(session, item_id, for_update=True)
        before = state(session, item)
        yield session, item
        session.flush()
        changed = record_change(session, actor, action, item, before, state(session, item))
    if changed:
        itemjson.write_items(services, [item_id])


def create_item(
    services: Services,
    actor: str,
    record: DCRecord,
    *,
    item_id: str | None = None,
    collection_id: str | None = None,
    access: str = "public",
    ocr_languages: str | None = None,
    catalogue_ref: str | None = None,
) -> Item:
    """A new draft item (staff-created items get a random id)."""
    check_record(record, "cannot create the item")
    check_access(access)
    item_id = check_item_id(item_id) if item_id else new_item_id()
    with services.db.transaction() as session:
        if session.get(Item, item_id) is not None:
            raise Conflict(f"item {item_id!r} already exists")
        check_collection(session, collection_id)
        now = utcnow()
        item = Item(
            id=item_id, status="draft", access=access, dc=record.to_json(), collection_id=collection_id,
            ocr_languages=ocr_languages, catalogue_ref=catalogue_ref, created=now, updated=now, datestamp=now,
        )
        session.add(item)
        session.flush()
        relink_item(session, item)  # issue 8: a catalogue_ref links the catalogue record
        record_change(session, actor, "create", item, None, state(session, item))
    itemjson.write_items(services, [item_id])
    return item


def update_metadata(services: Services, actor: str, item_id: str, record: DCRecord) -> Item:
    check_record(record, "cannot save the record")
    with changing(services, actor, "update-metadata", item_id) as (_, item):
        item.dc = record.to_json()
    return item


def publish(services: Services, actor: str, item_id: str) -> Item:
    """Make the item visible (as its access level allows); refuses an invalid record or no pages."""
    with changing(services, actor, "publish", item_id) as (_, item):
        check_record(DCRecord.from_json(item.dc), f"cannot publish {item_id}")
        if not item.pages:
            raise BadRequest(f"cannot publish {item_id}: it has no pages")
        item.status = "published"
        item.withdrawn_at = None
    return item


def withdraw(services: Services, actor: str, item_id: str) -> Item:
    """Withdraw the item: it stays as a tombstone (same id; OAI reports it deleted)."""
    with changing(services, actor, "withdraw", item_id) as (_, item):
        if item.status != "withdrawn":
            item.status = "withdrawn"
            item.withdrawn_at = utcnow()
    return item


def unpublish(services: Services, actor: str, item_id: str) -> Item:
    """Back to draft (e.g. to correct it). The status change moves the datestamp; an item that was ever
    published stays in OAI-PMH as a deletion, since harvesters may have taken it."""
    with changing(services, actor, "unpublish", item_id) as (_, item):
        item.status = "draft"
        item.withdrawn_at = None
    return item


def set_access(services: Services, actor: str, item_id: str, access: str) -> Item:
    check_access(access)
    with changing(services, actor, "set-access", item_id) as (_, item):
        item.access = access
    return item


def set_collection(services: Services, actor: str, item_id: str, collection_id: str | None) -> Item:
    with changing(services, actor, "set-collection", item_id) as (session, item):
        check_collection(session, collection_id)
        item.collection_id = collection_id
    return item


def relabel_page(services: Services, actor: str, item_id: str, seq: int, label: str) -> Item:
    with changing(services, actor, "relabel-page", item_id) as (_, item):
        page = next((p for p in item.pages if p.seq == seq), None)
        if page is None:
            raise NotFound(f"item {item_id!r} has no page {seq}")
        clean = label.strip()
        if len(clean) > 200:
            raise BadRequest("a page label has at most 200 characters")
        page.label = clean
    return item


def reorder_pages(services: Services, actor: str, item_id: str, order: list[int]) -> Item:
    """Put the pages in `order` (their current seqs, in the new order) and number them 1..n."""
    with changing(services, actor, "reorder-pages", item_id) as (session, item):
        by_seq = {p.seq: p for p in item.pages}
        if sorted(order) != sorted(by_seq):
            raise BadRequest(f"the new order must list each of the pages {sorted(by_seq)} exactly once")
        # Two steps so the unique (item_id, seq) constraint never sees two pages with one seq.
        for page in by_seq.values():
            page.seq = -page.seq
        session.flush()
        for new_seq, old_seq in enumerate(order, start=1):
            by_seq[old_seq].seq = new_seq
        session.flush()
        session.expire(item, ["pages"])
    return item


def items_in(session: Session, collection_ids: list[str]) -> list[str]:
    return list(session.scalars(select(Item.id).where(Item.collection_id.in_(collection_ids)).order_by(Item.id)))
