"""The repository's side of `viewer.source.Source`: what the IIIF layer may know, for this request.

Image identifiers are `<item_id>~<seq>` (`~` is URL-safe and never part of an item id). Answers about
access use `access.may_view` with the logged-in user of the current request.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from metadata.dc import DCRecord
from repository.access import may_view, visible_items_query
from repository.auth import current_user, in_reading_room
from repository.ids import is_item_id
from repository.models import Collection, Item, Page
from repository.config import Config
from repository.services import Services
from viewer.options import ViewerOptions
from viewer.source import CollectionView, ImageRef, ItemView, PageView

SEPARATOR = "~"


def image_id(item_id: str, seq: int) -> str:
    return f"{item_id}{SEPARATOR}{seq}"


def parse_image_id(identifier: str) -> tuple[str, int] | None:
    item_id, sep, seq = identifier.partition(SEPARATOR)
    if not sep or not is_item_id(item_id) or not seq.isascii() or not seq.isdigit() or len(seq) > 6:
        return None
    return item_id, int(seq)


def viewer_options(config: Config) -> ViewerOptions:
    """The IIIF layer's settings, from the [repository] and [iiif] sections."""
    cache_mb = config.get("iiif", "tile_cache_mb")
    return ViewerOptions(
        base_url=config.get("repository", "base_url"),
        repository_name=config.get("repository", "name"),
        attribution={"kk": config.get("repository", "attribution")},
        tile_cache_dir=str(config.iiif_cache_dir) if cache_mb else None,
        tile_cache_max_mb=cache_mb,
        jpeg_quality=config.get("iiif", "jpeg_quality"),
        max_area=config.get("iiif", "max_area"),
    )


def item_homepage(base_url: str, item_id: str) -> str:
    return f"{base_url}/items/{item_id}"


def collection_homepage(base_url: str, collection_id: str) -> str:
    return f"{base_url}/collections/{collection_id}"


class RepositorySource:
    """Implements `viewer.source.Source`."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.base_url = services.config.get("repository", "base_url")
        self.oai_prefix = services.config.get("repository", "oai_identifier")

    def image(self, identifier: str) -> ImageRef | None:
        parsed = parse_image_id(identifier)
        if parsed is None:
            return None
        item_id, seq = parsed
        with self.services.db.read() as session:
            row = session.execute(
                select(Page, Item.dc, Item.status, Item.access).join(Item)
                .where(Page.item_id == item_id, Page.seq == seq)
            ).first()
        if row is None:
            return None
        page, dc, status, access = row
        rights = DCRecord.from_json(dc).first("rights")
        public = status == "published" and access == "public"
        return ImageRef(identifier, item_id, page.width, page.height, page.access_key, rights, public)

    def item(self, item_id: str) -> ItemView | None:
        if not is_item_id(item_id):
            return None
        with self.services.db.read() as session:
            item = session.scalar(select(Item).where(Item.id == item_id).options(selectinload(Item.pages)))
        if item is None:
            return None
        pages = [
            PageView(p.seq, p.label or str(p.seq), p.width, p.height, image_id(item.id, p.seq), p.alto_key, p.text_key)
            for p in item.pages
        ]
        return ItemView(
            id=item.id,
            record=DCRecord.from_json(item.dc),
            pages=pages,
            homepage=item_homepage(self.base_url, item.id),
            pdf_key=item.pdf_key,
            text_key=item.text_key,
            collection_ids=(item.collection_id,) if item.collection_id else (),
            oai_identifier=f"oai:{self.oai_prefix}:{item.id}",
        )

    def collection(self, collection_id: str) -> CollectionView | None:
        with self.services.db.read() as session:
            collection = session.get(Collection, collection_id)
            if collection is None:
                return None
            # Ids only: a newspaper run has tens of thousands of items, and the IIIF layer pages them
            # (viewer/collections.py) and looks up only the ones on the page it builds.
            query = (
                visible_items_query(current_user(), in_reading_room())
                .with_only_columns(Item.id)
                .where(Item.collection_id == collection_id, Item.status == "published")
                .order_by(Item.id)
            )
            item_ids = list(session.scalars(query))
            child_ids = [c.id for c in collection.children]
        return CollectionView(
            id=collection.id,
            label=collection.title,
            summary=collection.description,
            item_ids=item_ids,
            child_ids=child_ids,
            homepage=collection_homepage(self.base_url, collection.id),
        )

    def top_collection_ids(self) -> Sequence[str]:
        with self.services.db.read() as session:
            query = select(Collection.id).where(Collection.parent_id.is_(None)).order_by(Collection.sort, Collection.id)
            return list(session.scalars(query))

    def can_view(self, item_id: str) -> bool:
        if not is_item_id(item_id):
            return False
        with self.services.db.read() as session:
            item = session.get(Item, item_id)
            return item is not None and may_view(current_user(), item, in_reading_room())
