"""The repository's side of `ingest.catalog.Catalog`: ingest hands finished items over here."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.catalog import IngestedItem, IngestedPage
from metadata.dc import DCRecord
from metadata.validate import validate
from repository import itemjson
from repository.catalogue import relink_item
from repository.errors import Conflict
from repository.hierarchy import ancestor_ids
from repository.ids import check_item_id
from repository.items import check_access, check_collection, record_change, state
from repository.models import Collection, Item, Page, utcnow
from repository.services import Services


class RepositoryCatalog:
    """Implements `ingest.catalog.Catalog` on the repository's database and storage."""

    def __init__(self, services: Services, actor: str = "ingest") -> None:
        self.services = services
        self.actor = actor

    def item_status(self, item_id: str) -> str | None:
        with self.services.db.read() as session:
            return session.scalar(select(Item.status).where(Item.id == item_id))

    def collection_languages(self, collection_id: str) -> str | None:
        """The `ocr_languages` set on the collection (staff collection form) or, when unset there, on
        its nearest ancestor that has one: a sub-collection of a newspaper's pre-1918 volumes reads
        them as the newspaper does. None when no collection up the tree sets it, or it is unknown."""
        with self.services.db.read() as session:
            if session.get(Collection, collection_id) is None:
                return None
            for ancestor in reversed(ancestor_ids(session, collection_id)):
                value = session.scalar(select(Collection.ocr_languages).where(Collection.id == ancestor))
                if value:
                    return value
        return None

    def register_item(self, ingested: IngestedItem) -> str:
        """Create or replace the item and all its pages in one transaction; returns its status.

        Status: published when publication was asked for (or the item already was published) and the
        record is valid and there are pages; a withdrawn item stays withdrawn unless publication is
        asked for; otherwise draft. An empty record keeps the record already stored.
        """
        item_id = check_item_id(ingested.item_id)
        with self.services.db.transaction() as session:
            item = session.get(Item, item_id, with_for_update=True)
            before = state(session, item) if item is not None else None
            if item is None:
                item = self._new_item(item_id)
                session.add(item)
            self._check_source_key(session, item_id, ingested.source_key)
            if ingested.collection_id is not None:
                check_collection(session, ingested.collection_id)
                item.collection_id = ingested.collection_id
            if before is None or not ingested.record.is_empty():
                item.dc = ingested.record.to_json()
            item.source_key = ingested.source_key
            # Access from the sheet when given; otherwise a new item is public and an old one keeps its own.
            if ingested.access is not None:
                item.access = check_access(ingested.access)
            item.ocr_languages = ingested.ocr_languages or item.ocr_languages
            item.catalogue_ref = ingested.catalogue_ref or item.catalogue_ref
            item.pdf_key, item.text_key = ingested.pdf_key, ingested.text_key
            # Old pages go first: the new ones reuse their (item_id, seq) pairs.
            item.pages.clear()
            session.flush()
            item.pages.extend(_page(item_id, p) for p in ingested.pages)
            item.status = self._status(item, ingested, before)
            session.flush()
            relink_item(session, item)  # issue 8: the sheet's catalogue reference links the catalogue record
            record_change(session, self.actor, "ingest", item, before, state(session, item))
            status = item.status
        itemjson.write_items(self.services, [item_id])
        return status

    @staticmethod
    def _new_item(item_id: str) -> Item:
        now = utcnow()
        return Item(id=item_id, status="draft", access="public", dc={}, created=now, updated=now, datestamp=now)

    @staticmethod
    def _check_source_key(session: Session, item_id: str, source_key: str) -> None:
        other = session.scalar(select(Item.id).where(Item.source_key == source_key, Item.id != item_id))
        if other is not None:
            raise Conflict(f"item {other!r} already holds the same pages (source key {source_key[:12]}…)")

    @staticmethod
    def _status(item: Item, ingested: IngestedItem, before: dict[str, Any] | None) -> str:
        was = before["status"] if before else None
        valid = not validate(DCRecord.from_json(item.dc)) and bool(ingested.pages)
        if (ingested.publish or was == "published") and valid:
            item.withdrawn_at = None
            return "published"
        if was == "withdrawn" and not ingested.publish:
            return "withdrawn"
        item.withdrawn_at = None
        return "draft"


def _page(item_id: str, p: IngestedPage) -> Page:
    return Page(
        item_id=item_id, seq=p.seq, label=p.label, source_name=p.source_name,
        master_key=p.master_key, master_sha256=p.master_sha256, master_mime=p.master_mime,
        master_size=p.master_size, access_key=p.access_key, thumb_key=p.thumb_key,
        width=p.width, height=p.height, alto_key=p.alto_key, text_key=p.text_key, pdf_key=p.pdf_key,
        ocr_confidence=p.ocr_confidence, ocr_flagged=p.ocr_flagged, ocr_model=p.ocr_model,
        ocr_evidence=dict(p.ocr_evidence),
    )
