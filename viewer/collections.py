"""IIIF Presentation 3 Collections: the top collection and one per repository collection.

Members are references (id, type, label, thumbnail), never embedded manifests, so a collection
stays small. Items are filtered through `source.can_view` again even though `CollectionView`
promises visible items only: a restricted item must not leak even its title through a collection.
"""
from __future__ import annotations

from typing import Any, Sequence

from iiif_prezi3 import Collection

from viewer.manifest import item_label, nav_date, provider, required_statement, thumbnail, to_dict
from viewer.options import ViewerOptions
from viewer.source import CollectionView, Source


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


def build_collection(view: CollectionView, source: Source, options: ViewerOptions) -> dict[str, Any]:
    """The Collection for one repository collection: sub-collections first, then its items."""
    fields: dict[str, Any] = {
        "id": options.collection_url(view.id),
        "label": dict(view.label),
        "requiredStatement": required_statement(options),
        "provider": [provider(options)],
        "homepage": [
            {"id": options.absolute(view.homepage), "type": "Text", "label": dict(view.label), "format": "text/html"}
        ],
        "items": _members(source, options, view.child_ids, view.item_ids),
    }
    if view.summary:
        fields["summary"] = dict(view.summary)
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
