"""Storage's self-description: `items/<id>/item.json` per item and `collections.json` at the root.

Written after every committed item or collection write, so that storage alone can rebuild the
database (`olketanu rebuild-db`, repository/rebuild.py). Write errors propagate to the caller: the
database change stands, and the next write of the same item rewrites the whole file.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from repository.errors import RepositoryError
from repository.hierarchy import ancestor_ids
from repository.models import Collection, Item, Page
from repository.services import Services

ITEM_SCHEMA = "olketanu-item/1"
COLLECTIONS_SCHEMA = "olketanu-collections/1"
COLLECTIONS_KEY = "collections.json"


class BadItemJson(RepositoryError):
    """A stored item.json or collections.json cannot be read back."""


def item_key(item_id: str) -> str:
    return f"items/{item_id}/item.json"


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def page_document(page: Page) -> dict[str, Any]:
    return {
        "seq": page.seq,
        "label": page.label,
        "source_name": page.source_name,
        "master": {
            "key": page.master_key, "sha256": page.master_sha256, "mime": page.master_mime,
            "size": page.master_size,
        },
        "access_key": page.access_key,
        "thumb_key": page.thumb_key,
        "width": page.width,
        "height": page.height,
        "alto_key": page.alto_key,
        "text_key": page.text_key,
        "pdf_key": page.pdf_key,
        "ocr": {
            "confidence": page.ocr_confidence, "flagged": page.ocr_flagged, "model": page.ocr_model,
            "evidence": page.ocr_evidence,
        },
    }


def item_document(item: Item, collection_path: list[str]) -> dict[str, Any]:
    return {
        "schema": ITEM_SCHEMA,
        "id": item.id,
        "status": item.status,
        "access": item.access,
        "collection": item.collection_id,
        "collection_path": collection_path,
        "dc": item.dc,
        "source_key": item.source_key,
        "ocr_languages": item.ocr_languages,
        "catalogue_ref": item.catalogue_ref,
        "pdf_key": item.pdf_key,
        "text_key": item.text_key,
        "created": _time(item.created),
        "updated": _time(item.updated),
        "datestamp": _time(item.datestamp),
        "withdrawn_at": _time(item.withdrawn_at),
        "first_published_at": _time(item.first_published_at),  # OAI reports once-published drafts as deleted
        "pages": [page_document(p) for p in item.pages],
    }


def collection_document(collection: Collection) -> dict[str, Any]:
    return {
        "id": collection.id,
        "parent": collection.parent_id,
        "title": collection.title,
        "description": collection.description,
        "ocr_languages": collection.ocr_languages,
        "sort": collection.sort,
        "created": _time(collection.created),
        "updated": _time(collection.updated),
        "datestamp": _time(collection.datestamp),
    }


def _dump(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def write_items(services: Services, item_ids: list[str]) -> None:
    """Rewrite item.json of each item from the committed database state."""
    with services.db.read() as session:
        for item_id in item_ids:
            item = session.scalar(select(Item).where(Item.id == item_id).options(selectinload(Item.pages)))
            if item is None:
                continue  # deleted in the meantime: nothing to describe
            document = item_document(item, ancestor_ids(session, item.collection_id))
            services.store.put_bytes(item_key(item_id), _dump(document))


def write_collections(services: Services) -> None:
    """Rewrite collections.json with the whole tree, parents before children."""
    with services.db.read() as session:
        documents = [collection_document(c) for c in _parents_first(session)]
    services.store.put_bytes(COLLECTIONS_KEY, _dump({"schema": COLLECTIONS_SCHEMA, "collections": documents}))


def _parents_first(session: Session) -> list[Collection]:
    remaining = list(session.scalars(select(Collection).order_by(Collection.id)))
    ordered: list[Collection] = []
    placed: set[str] = set()
    while remaining:
        ready = [c for c in remaining if c.parent_id is None or c.parent_id in placed]
        if not ready:
            raise RepositoryError("the collection tree has a cycle; fix parent_id in the database")
        ordered.extend(ready)
        placed.update(c.id for c in ready)
        remaining = [c for c in remaining if c.id not in placed]
    return ordered


def parse_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def load(data: bytes, schema: str, key: str) -> dict[str, Any]:
    """A stored document, checked for its schema version."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadItemJson(f"{key}: not valid UTF-8 JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("schema") != schema:
        found = document.get("schema") if isinstance(document, dict) else None
        raise BadItemJson(f"{key}: expected schema {schema!r}, found {found!r}")
    return document
