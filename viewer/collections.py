"""IIIF Presentation 3 Collections: the top collection and one per repository collection.

Members are references (id, type, label, thumbnail), never embedded manifests, so a collection
stays small. Items are filtered through `source.can_view` again even though `CollectionView`
promises visible items only: a restricted item must not leak even its title through a collection.

Paging. A collection can hold tens of thousands of items (a newspaper run). Presentation 3 has no
paging properties: 3.0 removed Presentation 2's `first`/`last`/`next`/`startIndex` because paging was
"not especially different from simply having a hierarchy of Collections" (3.0 change log, 1.4.4). So a
collection with more than `ITEMS_PER_PAGE` visible items is a hierarchy:

    /iiif/collection/<id>            its sub-collections, then one child Collection per page
    /iiif/collection/<id>/page/<n>   page n (1-based): a Collection of those items' Manifests,
                                     `partOf` the collection

A collection that fits on one page lists its items itself and has no page documents (404), so there
is exactly one document listing each item. Pages keep the collection's order (`CollectionView.item_ids`);
page boundaries are computed from `item_ids`, which the Source already restricted to what the caller
may see, so hidden items are neither listed nor counted in the page labels.
"""
from __future__ import annotations

from typing import Any, Sequence

from iiif_prezi3 import Collection

from viewer.errors import BadRequest, NotFound
from viewer.manifest import item_label, nav_date, provider, required_statement, thumbnail, to_dict
from viewer.options import ViewerOptions
from viewer.source import CollectionView, Source

# Items per page document. Each member costs two Source look-ups (access, then the item with its pages
# for label, thumbnail and navDate), so 100 keeps a page quick to build and about 50 kB, and a run of
# 20 000 newspaper issues still fits in 200 page links. Clients never compute page URLs (they follow the
# links), so changing it breaks nobody; a constant rather than a setting because no deployment has a
# reason to tune it.
ITEMS_PER_PAGE = 100
# Longest page number accepted in a URL; anything longer is a 400 before any arithmetic.
_MAX_PAGE_DIGITS = 9


def manifest_reference(source: Source, options: ViewerOptions, item_id: str) -> dict[str, Any] | None:
    """A Manifest reference for a collection's `items`, or None when the item is gone or hidden."""
    if not source.can_view(item_id):
        return None
    item = source.item(item_id)
    if item is None:
        return None
    ref: dict[str, Any] = {
        "id": options.manifest_url(item.id),
        "type": "Manifest",
        "label": item_label(item.record),
    }
    if item.pages:
        ref["thumbnail"] = [thumbnail(options, min(item.pages, key=lambda p: p.seq))]
    date = nav_date(item.record)
    if date:
        # navDate on members lets viewers lay a newspaper run out on a timeline (cookbook 0230)
        ref["navDate"] = date
    return ref


def collection_reference(source: Source, options: ViewerOptions, collection_id: str) -> dict[str, Any] | None:
    child = source.collection(collection_id)
    if child is None:
        return None
    return {"id": options.collection_url(child.id), "type": "Collection", "label": dict(child.label)}


def _members(source: Source, options: ViewerOptions, child_ids: Sequence[str], item_ids: Sequence[str]) -> list:
    refs = [collection_reference(source, options, cid) for cid in child_ids]
    refs += [manifest_reference(source, options, iid) for iid in item_ids]
    return [r for r in refs if r is not None]


# --- paging --------------------------------------------------------------------------------------
def page_count(view: CollectionView, per_page: int | None = None) -> int:
    """How many page documents the collection has: 0 when its items fit in the collection itself."""
    per_page = per_page or ITEMS_PER_PAGE
    total = len(view.item_ids)
    return 0 if total <= per_page else -(-total // per_page)


def collection_page_url(options: ViewerOptions, collection_id: str, page: int) -> str:
    return f"{options.collection_url(collection_id)}/page/{page}"


def parse_page_number(raw: str) -> int:
    """A page number from a URL segment: 1, 2, …; BadRequest (400) for anything else."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > _MAX_PAGE_DIGITS or int(raw) < 1:
        raise BadRequest(f"page must be a whole number from 1, not {raw!r}")
    return int(raw)


def _page_bounds(view: CollectionView, page: int, per_page: int) -> tuple[int, int]:
    """0-based start and end (exclusive) of `page` in `view.item_ids`."""
    start = (page - 1) * per_page
    return start, min(start + per_page, len(view.item_ids))


def _page_label(view: CollectionView, page: int, per_page: int) -> dict[str, list[str]]:
    """The collection's label with the page's item range, in each of the label's languages."""
    start, end = _page_bounds(view, page, per_page)
    span = f"{start + 1}–{end}" if end - start > 1 else f"{end}"
    return {lang: [f"{text}, {span}" for text in texts] for lang, texts in view.label.items()} or {"none": [span]}


def _page_reference(view: CollectionView, options: ViewerOptions, page: int, per_page: int) -> dict[str, Any]:
    return {
        "id": collection_page_url(options, view.id, page),
        "type": "Collection",
        "label": _page_label(view, page, per_page),
    }


def _common_fields(view: CollectionView, options: ViewerOptions) -> dict[str, Any]:
    return {
        "requiredStatement": required_statement(options),
        "provider": [provider(options)],
        "homepage": [
            {"id": options.absolute(view.homepage), "type": "Text", "label": dict(view.label), "format": "text/html"}
        ],
    }


# --- documents -----------------------------------------------------------------------------------
def build_collection(
    view: CollectionView, source: Source, options: ViewerOptions, per_page: int | None = None
) -> dict[str, Any]:
    """The Collection for one repository collection: sub-collections first, then its items.

    With more items than fit on one page, the items are replaced by references to the page documents.
    """
    per_page = per_page or ITEMS_PER_PAGE
    pages = page_count(view, per_page)
    if pages:
        members = _members(source, options, view.child_ids, ())
        members += [_page_reference(view, options, n, per_page) for n in range(1, pages + 1)]
    else:
        members = _members(source, options, view.child_ids, view.item_ids)
    fields: dict[str, Any] = {
        "id": options.collection_url(view.id),
        "label": dict(view.label),
        **_common_fields(view, options),
        "items": members,
    }
    if view.summary:
        fields["summary"] = dict(view.summary)
    return to_dict(Collection(**fields))


def build_collection_page(
    view: CollectionView, source: Source, options: ViewerOptions, page: int, per_page: int | None = None
) -> dict[str, Any]:
    """Page `page` (1-based) of a paged collection's items; NotFound when there is no such page."""
    per_page = per_page or ITEMS_PER_PAGE
    pages = page_count(view, per_page)
    if not pages:
        raise NotFound(f"collection {view.id!r} lists its items itself: it has no pages")
    if not 1 <= page <= pages:
        raise NotFound(f"collection {view.id!r} has pages 1 to {pages}, not {page}")
    start, end = _page_bounds(view, page, per_page)
    fields: dict[str, Any] = {
        "id": collection_page_url(options, view.id, page),
        "label": _page_label(view, page, per_page),
        **_common_fields(view, options),
        "partOf": [{"id": options.collection_url(view.id), "type": "Collection", "label": dict(view.label)}],
        "items": _members(source, options, (), view.item_ids[start:end]),
    }
    return to_dict(Collection(**fields))


def build_top_collection(source: Source, options: ViewerOptions) -> dict[str, Any]:
    """The repository's root Collection, listing the top-level collections."""
    label = {"none": [options.repository_name]}
    fields: dict[str, Any] = {
        "id": options.top_collection_url(),
        "label": label,
        "requiredStatement": required_statement(options),
        "provider": [provider(options)],
        "homepage": [{"id": options.absolute("/"), "type": "Text", "label": label, "format": "text/html"}],
        "items": _members(source, options, source.top_collection_ids(), ()),
    }
    return to_dict(Collection(**fields))
