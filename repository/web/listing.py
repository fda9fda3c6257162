"""What the public pages list: collections with counts and thumbnails, recent items, item cards.

Everything here goes through `access.visible_items_query`, so a page never counts or shows an item
its reader may not see. The public pages list published items only, even for staff (drafts are the
staff pages' business).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from metadata.dc import DCRecord
from repository.access import visible_items_query
from repository.auth import current_user, in_reading_room
from repository.models import Collection, Item, Page
from repository.viewer_adapter import image_id
from repository.web.display import map_text, title_of

IIIF_MOUNT = "/iiif"
THUMB_SIZE = 200


def image_url(item_id: str, seq: int, size: str) -> str:
    """Site-relative IIIF Image API URL of a page at `size` (e.g. `!200,200`, `1000,`, `max`)."""
    return f"{IIIF_MOUNT}/3/{quote(image_id(item_id, seq), safe='')}/full/{size}/0/default.jpg"


def thumb_url(item_id: str, seq: int) -> str:
    return image_url(item_id, seq, f"!{THUMB_SIZE},{THUMB_SIZE}")


@dataclass(frozen=True)
class ItemCard:
    id: str
    title: str
    title_lang: str
    date: str | None
    thumbnail: str | None
    created: datetime


@dataclass(frozen=True)
class CollectionCard:
    id: str
    title: str
    title_lang: str
    count: int
    thumbnail: str | None


def visible_published():
    """`select(Item)` of published items the caller may see."""
    return visible_items_query(current_user(), in_reading_room()).where(Item.status == "published")


def first_pages(session: Session, item_ids: list[str]) -> dict[str, int]:
    if not item_ids:
        return {}
    query = select(Page.item_id, func.min(Page.seq)).where(Page.item_id.in_(item_ids)).group_by(Page.item_id)
    return dict(session.execute(query).tuples().all())


def item_cards(session: Session, items: list[Item], locale: str) -> list[ItemCard]:
    firsts = first_pages(session, [i.id for i in items])
    cards = []
    for item in items:
        record = DCRecord.from_json(item.dc)
        title = title_of(record, locale, item.id)
        seq = firsts.get(item.id)
        cards.append(ItemCard(item.id, title.value, title.lang or "", record.first("date"),
                              thumb_url(item.id, seq) if seq is not None else None, item.created))
    return cards


def recent_items(session: Session, locale: str, limit: int = 8) -> list[ItemCard]:
    query = visible_published().order_by(Item.created.desc(), Item.id).limit(limit)
    return item_cards(session, list(session.scalars(query)), locale)


def collection_tree(session: Session) -> tuple[dict[str, Collection], dict[str | None, list[str]]]:
    collections = {c.id: c for c in session.scalars(select(Collection).order_by(Collection.sort, Collection.id))}
    children: dict[str | None, list[str]] = {}
    for c in collections.values():
        children.setdefault(c.parent_id, []).append(c.id)
    return collections, children


def _below(children: dict[str | None, list[str]], root: str) -> list[str]:
    found, frontier = [root], [root]
    while frontier:
        frontier = [c for parent in frontier for c in children.get(parent, []) if c not in found]
        found.extend(frontier)
    return found


def collection_cards(session: Session, parent_id: str | None, locale: str) -> list[CollectionCard]:
    """The sub-collections of `parent_id` (None: the top level), each counting every visible item below it."""
    collections, children = collection_tree(session)
    visible = visible_published().subquery()
    direct = dict(session.execute(
        select(visible.c.collection_id, func.count()).group_by(visible.c.collection_id)).tuples().all())
    cards = []
    for cid in children.get(parent_id, []):
        below = _below(children, cid)
        count = sum(direct.get(c, 0) for c in below)
        title, lang = map_text(collections[cid].title, locale)
        cards.append(CollectionCard(cid, title or cid, lang, count, _collection_thumb(session, below)))
    return cards


def _collection_thumb(session: Session, collection_ids: list[str]) -> str | None:
    """The first page of the first visible item in the collection or below it."""
    query = (visible_published().where(Item.collection_id.in_(collection_ids))
             .order_by(Item.created, Item.id).limit(1))
    item = session.scalars(query).first()
    if item is None:
        return None
    seq = first_pages(session, [item.id]).get(item.id)
    return thumb_url(item.id, seq) if seq is not None else None


def collection_titles(session: Session, ids: list[str], locale: str) -> dict[str, tuple[str, str]]:
    if not ids:
        return {}
    rows = session.scalars(select(Collection).where(Collection.id.in_(ids)))
    return {c.id: map_text(c.title, locale) for c in rows}


def items_in_collection(session: Session, collection_id: str, locale: str, page: int,
                        per_page: int) -> tuple[int, list[ItemCard]]:
    """Visible items directly in the collection, in the order they were added (stable for paging)."""
    query = visible_published().where(Item.collection_id == collection_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(session.scalars(query.order_by(Item.created, Item.id).offset((page - 1) * per_page).limit(per_page)))
    return total, item_cards(session, rows, locale)
