"""Catalogue records as search documents (`ItemDoc(source="catalogue")`), for the outbox drain and reindex.

A catalogue record is public metadata: every active record is a document; a withdrawn or missing one is
a deletion. Its fields come from its Dublin Core by the same element groups as archive items use, so
a title search finds a book's catalogue record and its digitised copy side by side.
"""
from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from metadata.dc import DCRecord
from repository.models import CatalogueRecord
from repository.search.base import ItemDoc, LangText
from repository.search.documents import CREATOR, DATE, OTHER, PLACE, TITLE, year_range

BATCH = 500


def _values(record: DCRecord, names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v for name in names for v in record.values(name))


def catalogue_doc(record: CatalogueRecord) -> ItemDoc:
    dc = DCRecord.from_json(record.dc)
    low, high = year_range(dc)
    other = _values(dc, OTHER) + ((record.control_number,) if record.control_number else ())
    return ItemDoc(
        id=record.id, source="catalogue",
        titles=tuple(LangText(v.value, v.lang) for name in TITLE for v in dc.get(name)),
        creators=_values(dc, CREATOR), subjects=_values(dc, ("subject",)), places=_values(dc, PLACE),
        dates=_values(dc, DATE), year_from=low, year_to=high,
        types=_values(dc, ("type",)), languages=_values(dc, ("language",)),
        collections=(), access="public", status="published",
        descriptions=_values(dc, ("description",)), other=other,
    )


def catalogue_builder(session: Session, record_id: str) -> ItemDoc | None:
    """The outbox builder for kind "catalogue": the document, or None to remove it from the index."""
    record = session.get(CatalogueRecord, record_id)
    if record is None or record.status != "active":
        return None
    return catalogue_doc(record)


def catalogue_batches(sessions, batch: int = BATCH) -> Iterator[list[ItemDoc]]:  # noqa: ANN001 - a sessionmaker
    """Documents of every active record in keyset batches (for reindex)."""
    after = ""
    while True:
        with sessions() as session:
            records = list(session.scalars(
                select(CatalogueRecord).where(CatalogueRecord.status == "active", CatalogueRecord.id > after)
                .order_by(CatalogueRecord.id).limit(batch)))
            if not records:
                return
            yield [catalogue_doc(r) for r in records]
            after = records[-1].id


def active_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(CatalogueRecord)
                          .where(CatalogueRecord.status == "active")) or 0
