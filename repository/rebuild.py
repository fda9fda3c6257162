"""`olketanu rebuild-db`: recreate the database's items and collections from storage alone.

Reads `collections.json` (the tree) and every `items/<id>/item.json` into an EMPTY database (refuses
otherwise), keeping ids, records, statuses, access levels, datestamps and pages. Every rebuilt item
gets a SearchOutbox row so search catches up. Audit events and user accounts are not in storage and
are not restored.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from repository import events, outbox
from repository.errors import Conflict
from repository.itemjson import COLLECTIONS_KEY, COLLECTIONS_SCHEMA, ITEM_SCHEMA, BadItemJson, load, parse_time
from repository.models import Collection, Item, Page
from repository.services import Services

BATCH = 200  # items per transaction: bounded memory and lock time for large archives


@dataclass
class RebuildReport:
    collections: int = 0
    items: int = 0
    pages: int = 0


def rebuild(services: Services, actor: str = "rebuild-db", progress: Callable[[str], None] | None = None) -> RebuildReport:
    report = RebuildReport()
    with services.db.transaction() as session:
        existing = session.scalar(select(func.count()).select_from(Item)) or 0
        existing += session.scalar(select(func.count()).select_from(Collection)) or 0
        if existing:
            raise Conflict("the database already holds items or collections; rebuild-db needs an empty database")
        if services.store.exists(COLLECTIONS_KEY):
            document = load(services.store.get_bytes(COLLECTIONS_KEY), COLLECTIONS_SCHEMA, COLLECTIONS_KEY)
            for entry in document.get("collections", []):  # written parents first
                try:
                    session.add(_collection(entry))
                except (KeyError, TypeError, ValueError) as exc:
                    raise BadItemJson(f"{COLLECTIONS_KEY}: missing or malformed field: {exc}") from exc
                report.collections += 1
                session.flush()  # parents are in the database before their children
    batch: list[tuple[str, dict[str, Any]]] = []
    for key in item_json_keys(services):
        batch.append((key, load(services.store.get_bytes(key), ITEM_SCHEMA, key)))
        if len(batch) >= BATCH:
            _insert(services, actor, batch, report)
            batch = []
            if progress:
                progress(f"{report.items} items")
    _insert(services, actor, batch, report)
    return report


def item_json_keys(services: Services) -> list[str]:
    """Keys `items/<id>/item.json` (not deeper: a page folder never holds one)."""
    return [
        info.key for info in services.store.list("items/")
        if info.key.endswith("/item.json") and info.key.count("/") == 2
    ]


def _insert(
    services: Services, actor: str, documents: list[tuple[str, dict[str, Any]]], report: RebuildReport,
) -> None:
    if not documents:
        return
    with services.db.transaction() as session:
        for key, document in documents:
            try:
                item = _item(document)
            except (KeyError, TypeError, ValueError) as exc:
                raise BadItemJson(f"{key}: missing or malformed field: {exc}") from exc
            session.add(item)
            events.record(session, actor, "rebuild", "item", item.id, None, {"status": item.status})
            outbox.enqueue(session, item.id, "delete" if item.status == "withdrawn" else "upsert")
            report.items += 1
            report.pages += len(item.pages)


def _collection(entry: dict[str, Any]) -> Collection:
    return Collection(
        id=entry["id"], parent_id=entry["parent"], title=entry["title"], description=entry["description"],
        ocr_languages=entry["ocr_languages"], sort=entry["sort"], created=parse_time(entry["created"]),
        updated=parse_time(entry["updated"]), datestamp=parse_time(entry["datestamp"]),
    )


def _item(document: dict[str, Any]) -> Item:
    item = Item(
        id=document["id"], status=document["status"], access=document["access"], dc=document["dc"],
        collection_id=document["collection"], source_key=document["source_key"],
        ocr_languages=document["ocr_languages"], catalogue_ref=document["catalogue_ref"],
        pdf_key=document["pdf_key"], text_key=document["text_key"],
        created=parse_time(document["created"]), updated=parse_time(document["updated"]),
        datestamp=parse_time(document["datestamp"]), withdrawn_at=parse_time(document["withdrawn_at"]),
        first_published_at=parse_time(document.get("first_published_at")),
    )
    item.pages = [_page(document["id"], p) for p in document["pages"]]
    return item


def _page(item_id: str, p: dict[str, Any]) -> Page:
    master, ocr = p["master"], p["ocr"]
    return Page(
        item_id=item_id, seq=p["seq"], label=p["label"], source_name=p["source_name"],
        master_key=master["key"], master_sha256=master["sha256"], master_mime=master["mime"],
        master_size=master["size"], access_key=p["access_key"], thumb_key=p["thumb_key"],
        width=p["width"], height=p["height"], alto_key=p["alto_key"], text_key=p["text_key"],
        pdf_key=p["pdf_key"], ocr_confidence=ocr["confidence"], ocr_flagged=ocr["flagged"],
        ocr_model=ocr["model"], ocr_evidence=ocr["evidence"],
    )
