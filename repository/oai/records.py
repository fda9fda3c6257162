"""Where OAI records come from: record sources, and the archive's items as the first of them.

A `RecordSource` serves one kind of record under one top-level set (`archive` here; issue 8 adds a
`catalogue` source of catalogue records beside it). Lists run over the sources in order with the sort
key `(source index, local id)`, so a resumption token stays a plain keyset cursor however many
sources there are. A source's local ids must not collide with another's: items use their item id;
another source should use a form item ids cannot take (item ids have no `/` or `.`), e.g.
`catalogue/<control number>`.

Why the list is ordered by id and not by datestamp: an id never changes, so a record's place in the
list never moves while a harvest runs. A record changed mid-harvest keeps its place: if the harvester
has passed it, it is not sent again (the next incremental harvest brings its new version, by its new
datestamp); if not, it comes once, in its new version. A record added mid-harvest comes if its id is
after the cursor (and otherwise in the next incremental harvest). Ordering by datestamp would move a
changed record behind the cursor and send it twice, or skip others when datestamps tie.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from metadata import langtag
from metadata.dc import DCRecord
from repository.models import Collection, Item
from repository.oai.arguments import Window
from repository.oai.settings import OAISettings


@dataclass(frozen=True)
class StoredMarc:
    """A record's own MARC record as the catalogue stored it (`CatalogueRecord.raw` and how it was read)."""

    fmt: str  # marc21 | unimarc
    raw: bytes  # ISO 2709 bytes in `encoding`, or the MARCXML <record> element
    syntax: str  # iso2709 | marcxml
    encoding: str  # what the importer read it with: utf-8, cp1251, kz1048, marc8, latin-1 …


@dataclass(frozen=True)
class OAIRecord:
    kind: str  # "item" or "catalogue" (a format declares the kinds it can describe)
    local_id: str
    datestamp: datetime
    deleted: bool
    set_specs: tuple[str, ...]
    dc: DCRecord | None  # None for deleted records and for header-only lists
    page_url: str | None = None  # the library's page for the record
    manifest_url: str | None = None  # IIIF manifest; only when the images are public
    # What the record has that some formats require (`MetadataFormat.requires`): "marc21" = a MARC 21
    # record of its own. Set by `get` always (ListMetadataFormats and GetRecord decide by it), and by
    # `page` when the list asks for it (`ListQuery.requires`); a deleted record keeps it.
    offers: frozenset[str] = frozenset()
    marc: StoredMarc | None = None  # that MARC record, when the record is not deleted and metadata is wanted


@dataclass(frozen=True)
class SetInfo:
    spec: str
    name: str
    description: str | None = None
    description_lang: str | None = None


@dataclass(frozen=True)
class ListQuery:
    window: Window
    set_spec: str | None
    # Only records that offer this (the list's format `requires` it, e.g. "marc21"): a source selects
    # them in its query, so that counts, pages and the keyset cursor all see the same list. A source
    # whose records never offer it selects nothing.
    requires: str | None = None


class RecordSource(Protocol):
    """Lists honour `ListQuery.requires`; `get` returns the record with its `offers` (see OAIRecord)."""

    kind: str
    top_set: str  # the set every record of this source is in

    def sets(self, session: Session) -> list[SetInfo]: ...

    def earliest(self, session: Session) -> datetime | None: ...

    def count(self, session: Session, query: ListQuery) -> int: ...

    def page(
        self, session: Session, query: ListQuery, after: str | None, limit: int, with_metadata: bool
    ) -> list[OAIRecord]: ...

    def get(self, session: Session, local_id: str) -> OAIRecord | None: ...


# Names of the top-level sets, per interface language.
TOP_SET_NAMES = {
    "archive": {"kk": "Цифрлық мұрағат", "ru": "Цифровой архив", "en": "Digital archive"},
    "catalogue": {"kk": "Жалпы каталог", "ru": "Общий каталог", "en": "General catalogue"},
}


def pick_language(values: dict[str, list[str]] | None, locale: str) -> tuple[str | None, str | None]:
    """(text, language) from a IIIF-style language map: `locale` first, then untagged, then any."""
    if not values:
        return None, None
    for lang, texts in values.items():
        if lang != "none" and texts and langtag.matches(lang, locale):
            return texts[0], lang
    if values.get("none"):
        return values["none"][0], None
    lang, texts = next(iter(values.items()))
    return (texts[0] if texts else None), (None if lang == "none" else lang)


class CollectionTree:
    """The collection table in memory (it is small): set specs and sub-collections without queries."""

    def __init__(self, session: Session) -> None:
        rows = session.execute(
            select(Collection.id, Collection.parent_id, Collection.title, Collection.description)
            .order_by(Collection.sort, Collection.id)
        ).all()
        self.rows = rows
        self.parent = {row.id: row.parent_id for row in rows}
        self._specs: dict[str, tuple[str, ...]] = {}

    def chain(self, collection_id: str) -> tuple[str, ...]:
        """Ids from the root down to `collection_id` (the repository refuses cycles; we guard anyway)."""
        path: list[str] = []
        current: str | None = collection_id
        while current is not None and current not in path:
            path.append(current)
            current = self.parent.get(current)
        return tuple(reversed(path))

    def spec(self, collection_id: str) -> str:
        return ":".join(self.chain(collection_id))

    def member_specs(self, collection_id: str | None) -> tuple[str, ...]:
        """The specs of every set a record in the collection is in: each ancestor's, then its own."""
        if collection_id is None:
            return ()
        if collection_id not in self._specs:
            chain = self.chain(collection_id)
            self._specs[collection_id] = tuple(":".join(chain[: i + 1]) for i in range(len(chain)))
        return self._specs[collection_id]

    def find(self, spec: str) -> str | None:
        """The collection whose set spec is `spec` (the last part is its id; the path must match)."""
        collection_id = spec.rsplit(":", 1)[-1]
        return collection_id if collection_id in self.parent and self.spec(collection_id) == spec else None

    def below(self, collection_id: str) -> list[str]:
        found, frontier = [collection_id], [collection_id]
        while frontier:
            frontier = [c for c, p in self.parent.items() if p in frontier and c not in found]
            found.extend(frontier)
        return found


def exposed_items() -> ColumnElement[bool]:
    """Items OAI-PMH reports: every item not in draft, and a draft that was once published.

    A published item sent back to draft is a deletion, not an absence: a harvester that took it keeps
    a record that is simply left out for ever (deletedRecord is `persistent`). A draft never published
    was never exposed and stays out. Published items count whatever `first_published_at` says, so an
    item restored without it (a rebuild from item.json) is still listed.
    """
    return or_(Item.status != "draft", Item.first_published_at.is_not(None))


class ItemSource:
    """The archive's items: published ones with their metadata, withdrawn ones as deletions.

    Drafts never published never appear; drafts once published are deletions. Restricted items (access
    other than public): with `restricted_metadata = visible` their metadata is shown with the item page
    link only — no manifest, no image links; with `hidden` they are reported as deleted. Hidden items must look deleted rather than be left out:
    access changes move the datestamp, and a harvester that took the record while it was public learns
    only from a deletion that it must drop it (a record that is simply absent stays in its copy forever).
    """

    kind = "item"
    top_set = "archive"

    def __init__(self, settings: OAISettings) -> None:
        self.settings = settings

    def sets(self, session: Session) -> list[SetInfo]:
        tree = CollectionTree(session)
        found = []
        for row in tree.rows:
            name, _ = pick_language(row.title, self.settings.default_locale)
            text, lang = pick_language(row.description, self.settings.default_locale)
            found.append(SetInfo(tree.spec(row.id), name or row.id, text, lang))
        return sorted(found, key=lambda s: s.spec)

    def earliest(self, session: Session) -> datetime | None:
        return session.scalar(select(func.min(Item.datestamp)).where(exposed_items()))

    def count(self, session: Session, query: ListQuery) -> int:
        selected = self._select(session, query, select(func.count()).select_from(Item))
        return 0 if selected is None else int(session.scalar(selected) or 0)

    def page(
        self, session: Session, query: ListQuery, after: str | None, limit: int, with_metadata: bool
    ) -> list[OAIRecord]:
        columns: list[Any] = [Item.id, Item.status, Item.access, Item.collection_id, Item.datestamp]
        if with_metadata:
            columns.append(Item.dc)
        selected = self._select(session, query, select(*columns))
        if selected is None:
            return []
        if after is not None:
            selected = selected.where(Item.id > after)
        rows = session.execute(selected.order_by(Item.id).limit(limit)).all()
        tree = CollectionTree(session)
        return [self._record(row, tree, with_metadata) for row in rows]

    def get(self, session: Session, local_id: str) -> OAIRecord | None:
        row = session.execute(
            select(Item.id, Item.status, Item.access, Item.collection_id, Item.datestamp, Item.dc)
            .where(Item.id == local_id, exposed_items())
        ).first()
        return None if row is None else self._record(row, CollectionTree(session), with_metadata=True)

    def _select(self, session: Session, query: ListQuery, selected: Select[Any]) -> Select[Any] | None:
        """The list's filters, or None when the set is not one of ours (no records from this source).

        `exposed_items()` is a condition no index can serve (`!=`, and an OR with an unindexed
        column): that leaves the planner with the primary key for `ORDER BY id`, which is what keeps
        every page equally cheap.
        """
        if query.requires is not None:
            return None  # items have no MARC record of their own (a linked catalogue record is listed apart)
        selected = selected.where(exposed_items())
        if query.window.start is not None:
            selected = selected.where(Item.datestamp >= query.window.start)
        if query.window.end is not None:
            selected = selected.where(Item.datestamp < query.window.end)
        if query.set_spec is None or query.set_spec == self.top_set:
            return selected
        tree = CollectionTree(session)
        collection_id = tree.find(query.set_spec)
        if collection_id is None:
            return None
        return selected.where(Item.collection_id.in_(tree.below(collection_id)))

    def _record(self, row: Any, tree: CollectionTree, with_metadata: bool) -> OAIRecord:
        specs = (self.top_set, *tree.member_specs(row.collection_id))
        restricted = row.access != "public"
        # Only exposed items get here, so a draft is one that was published once.
        gone = row.status in ("withdrawn", "draft")
        deleted = gone or (restricted and self.settings.restricted_metadata == "hidden")
        if deleted:
            return OAIRecord(self.kind, row.id, row.datestamp, True, specs, None)
        return OAIRecord(
            self.kind, row.id, row.datestamp, False, specs,
            DCRecord.from_json(row.dc) if with_metadata else None,
            page_url=self.settings.item_page(row.id),
            manifest_url=None if restricted else self.settings.manifest(row.id),
        )


class ReservedSource:
    """A top-level set announced before its records exist: `catalogue` until issue 8 fills it.

    It is listed by ListSets and selects nothing, so harvesters can already subscribe to it.
    """

    def __init__(self, kind: str, top_set: str) -> None:
        self.kind, self.top_set = kind, top_set

    def sets(self, session: Session) -> list[SetInfo]:
        return []

    def earliest(self, session: Session) -> datetime | None:
        return None

    def count(self, session: Session, query: ListQuery) -> int:
        return 0

    def page(
        self, session: Session, query: ListQuery, after: str | None, limit: int, with_metadata: bool
    ) -> list[OAIRecord]:
        return []

    def get(self, session: Session, local_id: str) -> OAIRecord | None:
        return None


def default_sources(settings: OAISettings) -> Sequence[RecordSource]:
    from repository.catalogue_oai import CatalogueSource  # issue 8; imported here: it imports this module

    return (ItemSource(settings), CatalogueSource(settings))
