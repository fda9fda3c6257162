"""What the IIIF layer needs from the application, and nothing more.

The repository implements `Source`; the viewer never imports the repository. All answers are for
the current request: `can_view` applies the access rules to whoever is asking.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence

from metadata.dc import DCRecord


@dataclass(frozen=True)
class ImageRef:
    """One servable image: a page's pyramidal access copy."""

    identifier: str  # the IIIF image identifier, URL-safe
    item_id: str
    width: int
    height: int
    access_key: str  # storage key of the pyramidal TIFF
    rights: str | None = None
    # Anyone may see it (published, open access): its answers may sit in shared caches.
    public: bool = False


@dataclass(frozen=True)
class PageView:
    seq: int  # 1-based order in the item
    label: str
    width: int
    height: int
    image_id: str
    alto_key: str | None = None
    text_key: str | None = None


@dataclass(frozen=True)
class ItemView:
    id: str
    record: DCRecord
    pages: Sequence[PageView]
    homepage: str  # the item's public web page
    pdf_key: str | None = None
    text_key: str | None = None
    collection_ids: Sequence[str] = field(default_factory=tuple)
    oai_identifier: str | None = None


@dataclass(frozen=True)
class CollectionView:
    id: str
    label: dict[str, list[str]]  # IIIF language map, e.g. {"kk": ["…"], "ru": ["…"]}
    summary: dict[str, list[str]] | None
    item_ids: Sequence[str]  # published items the caller may see, in display order
    child_ids: Sequence[str]  # sub-collections
    homepage: str


class Source(Protocol):
    def image(self, identifier: str) -> ImageRef | None: ...

    def item(self, item_id: str) -> ItemView | None: ...

    def collection(self, collection_id: str) -> CollectionView | None: ...

    def top_collection_ids(self) -> Sequence[str]: ...

    def can_view(self, item_id: str) -> bool: ...
