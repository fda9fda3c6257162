"""From the database to `ItemDoc`: an item's Dublin Core, collection path and its pages' text.

Only published items are documents (with their access level, which the search filters on); a draft,
withdrawn or missing item is a deletion. Page text comes from storage (`page.text_key`).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Optional

from sqlalchemy.orm import Session

from metadata.dc import DCRecord
from metadata.edtf import parse_edtf
from metadata.errors import MetadataError
from repository.hierarchy import ancestor_ids
from repository.models import Item
from repository.search.base import ItemDoc, LangText, PageDoc
from repository.search.errors import SearchError
from storage.base import ObjectStore
from storage.errors import ObjectNotFound

log = logging.getLogger(__name__)

# Dublin Core elements behind each document field.
TITLE = ("title", "alternative")
CREATOR = ("creator", "contributor")
PLACE = ("spatial", "coverage")
DATE = ("date", "created", "issued")
OTHER = ("publisher", "identifier", "source", "relation", "isPartOf", "temporal", "medium", "provenance", "extent")

# kind of outbox row -> builder(session, target_id) -> ItemDoc | None (None: remove from the index).
# Issue 8 (catalogue records) adds "catalogue" here.
Builder = Callable[[Session, str], Optional[ItemDoc]]


def year_range(record: DCRecord) -> tuple[int | None, int | None]:
    """Years of the first parseable date (date, then created, then issued)."""
    for name in DATE:
        for value in record.values(name):
            try:
                parsed = parse_edtf(value, name)
            except MetadataError:
                continue  # an unparseable date is still searchable as text; it just has no facet
            return parsed.lower_year, parsed.upper_year
    return None, None


def _values(record: DCRecord, names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v for name in names for v in record.values(name))


def item_doc(session: Session, item: Item, page_texts: list[tuple[int, str]]) -> ItemDoc:
    record = DCRecord.from_json(item.dc)
    low, high = year_range(record)
    return ItemDoc(
        id=item.id, source="archive",
        titles=tuple(LangText(v.value, v.lang) for name in TITLE for v in record.get(name)),
        creators=_values(record, CREATOR), subjects=_values(record, ("subject",)), places=_values(record, PLACE),
        dates=_values(record, DATE), year_from=low, year_to=high,
        types=_values(record, ("type",)), languages=_values(record, ("language",)),
        collections=tuple(ancestor_ids(session, item.collection_id)),
        access=item.access, status=item.status,
        descriptions=_values(record, ("description",)), other=_values(record, OTHER),
        pages=tuple(PageDoc(seq, text) for seq, text in page_texts),
    )


def page_texts(store: ObjectStore, item: Item) -> list[tuple[int, str]]:
    texts = []
    for page in item.pages:
        if not page.text_key:
            continue
        try:
            data = store.get_bytes(page.text_key)
        except ObjectNotFound:
            # The item is still findable by its metadata; `olketanu check`/reindex will show it again.
            log.warning("search: item %s page %s: text %s is missing from storage", item.id, page.seq, page.text_key)
            continue
        texts.append((page.seq, data.decode("utf-8", errors="replace")))
    return texts


def item_builder(store: ObjectStore) -> Builder:
    def build(session: Session, item_id: str) -> ItemDoc | None:
        item = session.get(Item, item_id)
        if item is None or item.status != "published":
            return None
        return item_doc(session, item, page_texts(store, item))
    return build


def builders(store: ObjectStore) -> dict[str, Builder]:
    from repository.catalogue_search import catalogue_builder  # issue 8; imported here: it imports this module

    return {"item": item_builder(store), "catalogue": catalogue_builder}


def build_doc(store: ObjectStore) -> Callable[[Session, str, str], Optional[ItemDoc]]:
    """One function for the outbox: (session, kind, target id) -> document or None."""
    table = builders(store)

    def build(session: Session, kind: str, target_id: str) -> ItemDoc | None:
        try:
            builder = table[kind]
        except KeyError:
            raise SearchError(f"search outbox: no document builder for kind {kind!r}") from None
        return builder(session, target_id)
    return build
