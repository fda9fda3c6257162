"""Collection services: create, edit, move and delete collections in a tree without cycles.

A collection is an OAI set whose setSpec is its ancestors' ids and its own joined by `:`; moving a
collection changes the set membership of every item below it, so their datestamps move too.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from repository import events, itemjson, outbox
from repository.errors import BadRequest, Conflict, NotFound
from repository.hierarchy import descendant_ids, would_cycle
from repository.ids import check_collection_id
from repository.models import Collection, Item, utcnow
from repository.services import Services

LanguageMap = dict[str, list[str]]
_UNSET: Any = object()  # "leave this field as it is" in update_collection


def language_map(value: str | dict[str, Any] | None, field: str, required: bool) -> LanguageMap | None:
    """A IIIF-style language map from a map or a plain string (stored under `none`)."""
    if value is None or value == "" or value == {}:
        if required:
            raise BadRequest(f"collection {field} is required")
        return None
    if isinstance(value, str):
        return {"none": [value.strip()]}
    if not isinstance(value, dict):
        raise BadRequest(f"collection {field} must be text or a map of language tag to texts")
    result: LanguageMap = {}
    for lang, texts in value.items():
        texts = [texts] if isinstance(texts, str) else texts
        if not isinstance(lang, str) or not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise BadRequest(f"collection {field}: {lang!r} must map to a list of texts")
        cleaned = [t.strip() for t in texts if t.strip()]
        if cleaned:
            result[lang] = cleaned
    if required and not result:
        raise BadRequest(f"collection {field} is required")
    return result or None


def ocr_model(value: str | None) -> str | None:
    """The collection's forced OCR model as ingest will use it, or None; an unknown name is refused."""
    from ocr.select import UnknownModel, check_forced  # one table of allowed names, in ocr/

    if value is None or not value.strip():
        return None
    try:
        return check_forced(value)
    except UnknownModel as exc:
        raise BadRequest(f"collection OCR model: {exc}") from None


def get_collection(session: Session, collection_id: str) -> Collection:
    check_collection_id(collection_id)
    collection = session.get(Collection, collection_id)
    if collection is None:
        raise NotFound(f"no collection {collection_id!r}")
    return collection


def list_collections(session: Session) -> list[Collection]:
    return list(session.scalars(select(Collection).order_by(Collection.sort, Collection.id)))


def state(collection: Collection) -> dict[str, Any]:
    return {
        "parent": collection.parent_id, "title": collection.title, "description": collection.description,
        "ocr_languages": collection.ocr_languages, "sort": collection.sort,
    }


def create_collection(
    services: Services,
    actor: str,
    collection_id: str,
    title: str | dict[str, Any],
    *,
    parent_id: str | None = None,
    description: str | dict[str, Any] | None = None,
    ocr_languages: str | None = None,
    sort: int = 0,
) -> Collection:
    check_collection_id(collection_id)
    with services.db.transaction() as session:
        if session.get(Collection, collection_id) is not None:
            raise Conflict(f"collection {collection_id!r} already exists")
        if parent_id is not None:
            get_collection(session, parent_id)
        now = utcnow()
        collection = Collection(
            id=collection_id, parent_id=parent_id, title=language_map(title, "title", required=True),
            description=language_map(description, "description", required=False),
            ocr_languages=ocr_model(ocr_languages), sort=sort, created=now, updated=now, datestamp=now,
        )
        session.add(collection)
        events.record(session, actor, "create", "collection", collection_id, None, state(collection))
    itemjson.write_collections(services)
    return collection


def update_collection(
    services: Services,
    actor: str,
    collection_id: str,
    *,
    title: Any = _UNSET,
    description: Any = _UNSET,
    parent_id: Any = _UNSET,
    ocr_languages: Any = _UNSET,
    sort: Any = _UNSET,
) -> Collection:
    """Change the given fields; moving under a new parent refuses cycles and re-dates the items below."""
    moved_items: list[str] = []
    with services.db.transaction() as session:
        collection = get_collection(session, collection_id)
        before = state(collection)
        if title is not _UNSET:
            collection.title = language_map(title, "title", required=True)
        if description is not _UNSET:
            collection.description = language_map(description, "description", required=False)
        if ocr_languages is not _UNSET:
            collection.ocr_languages = ocr_model(ocr_languages)
        if sort is not _UNSET:
            collection.sort = int(sort)
        if parent_id is not _UNSET and parent_id != collection.parent_id:
            if parent_id is not None:
                get_collection(session, parent_id)
            if would_cycle(session, collection_id, parent_id):
                raise Conflict(f"cannot move {collection_id!r} under {parent_id!r}: it would be inside itself")
            collection.parent_id = parent_id
            moved_items = _redate_items_below(session, collection_id)
        after = state(collection)
        changed = [k for k in after if before[k] != after[k]]
        if changed:
            now = utcnow()
            collection.updated = collection.datestamp = now
            events.record(
                session, actor, "update", "collection", collection_id,
                {k: before[k] for k in changed}, {k: after[k] for k in changed},
            )
    itemjson.write_collections(services)
    itemjson.write_items(services, moved_items)
    return collection


def _redate_items_below(session: Session, collection_id: str) -> list[str]:
    """Items below a moved collection changed set membership: new datestamps, reindex."""
    session.flush()
    now = utcnow()
    items = list(session.scalars(select(Item).where(Item.collection_id.in_(descendant_ids(session, collection_id)))))
    for item in items:
        item.datestamp = item.updated = now
        outbox.enqueue(session, item.id, "delete" if item.status == "withdrawn" else "upsert")
    return [item.id for item in items]


def delete_collection(services: Services, actor: str, collection_id: str) -> None:
    """Delete an empty collection; one with sub-collections or items is refused."""
    with services.db.transaction() as session:
        collection = get_collection(session, collection_id)
        if session.scalar(select(func.count()).select_from(Collection).where(Collection.parent_id == collection_id)):
            raise Conflict(f"collection {collection_id!r} has sub-collections; move or delete them first")
        if session.scalar(select(func.count()).select_from(Item).where(Item.collection_id == collection_id)):
            raise Conflict(f"collection {collection_id!r} has items; move them first")
        events.record(session, actor, "delete", "collection", collection_id, state(collection), None)
        session.delete(collection)
    itemjson.write_collections(services)
