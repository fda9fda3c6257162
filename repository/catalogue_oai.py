"""The OAI-PMH record source of the general catalogue: the set `catalogue`.

Implements `repository.oai.records.RecordSource`. Local ids are `catalogue/<record id>` (item ids cannot
contain `/`, so the two sources never collide); lists walk records in keyset order by id, within the
request's datestamp window. A withdrawn record (deleted in the catalogue) is a deletion.
MARC 21 records also offer their own record in the `marc21` format (repository/oai/marc21.py):
`ListQuery.requires == "marc21"` selects only those, in the same query, so counts and cursors agree.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from metadata.dc import DCRecord
from repository.models import CatalogueRecord
from repository.oai.marc21 import MARC21
from repository.oai.records import ListQuery, OAIRecord, SetInfo, StoredMarc
from repository.oai.settings import OAISettings

PREFIX = "catalogue/"


class CatalogueSource:
    kind = "catalogue"
    top_set = "catalogue"

    def __init__(self, settings: OAISettings) -> None:
        self.settings = settings

    def sets(self, session: Session) -> list[SetInfo]:
        return []  # the top-level set alone; verbs name it from TOP_SET_NAMES

    def earliest(self, session: Session) -> datetime | None:
        return session.scalar(select(func.min(CatalogueRecord.datestamp)))

    def count(self, session: Session, query: ListQuery) -> int:
        selected = self._select(query, select(func.count()).select_from(CatalogueRecord))
        return 0 if selected is None else int(session.scalar(selected) or 0)

    def page(
        self, session: Session, query: ListQuery, after: str | None, limit: int, with_metadata: bool
    ) -> list[OAIRecord]:
        columns: list[Any] = [CatalogueRecord.id, CatalogueRecord.status, CatalogueRecord.datestamp]
        if with_metadata:
            columns.append(CatalogueRecord.dc)
        selected = self._select(query, select(*columns))
        if selected is None:
            return []
        if after is not None:
            selected = selected.where(CatalogueRecord.id > after.removeprefix(PREFIX))
        rows = session.execute(selected.order_by(CatalogueRecord.id).limit(limit)).all()
        found = [self._record(row, with_metadata) for row in rows]
        if query.requires is None:
            return found
        if not with_metadata:  # headers only: the query selected MARC 21 records alone
            return [replace(r, offers=r.offers | {MARC21}) for r in found]
        return with_marc(session, found)

    def get(self, session: Session, local_id: str) -> OAIRecord | None:
        if not local_id.startswith(PREFIX):
            return None
        row = session.execute(
            select(CatalogueRecord.id, CatalogueRecord.status, CatalogueRecord.datestamp, CatalogueRecord.dc)
            .where(CatalogueRecord.id == local_id[len(PREFIX):])
        ).first()
        return None if row is None else with_marc(session, [self._record(row, with_metadata=True)])[0]

    def _select(self, query: ListQuery, selected: Select[Any]) -> Select[Any] | None:
        if query.set_spec is not None and query.set_spec != self.top_set:
            return None
        if query.window.start is not None:
            selected = selected.where(CatalogueRecord.datestamp >= query.window.start)
        if query.window.end is not None:
            selected = selected.where(CatalogueRecord.datestamp < query.window.end)
        if query.requires is None:
            return selected
        if query.requires != MARC21:
            return None
        return selected.where(CatalogueRecord.format == MARC21)

    def _record(self, row: Any, with_metadata: bool) -> OAIRecord:
        local_id = PREFIX + row.id
        if row.status == "withdrawn":
            return OAIRecord(self.kind, local_id, row.datestamp, True, (self.top_set,), None)
        return OAIRecord(
            self.kind, local_id, row.datestamp, False, (self.top_set,),
            DCRecord.from_json(row.dc) if with_metadata else None,
            page_url=f"{self.settings.base_url}/catalogue/{row.id}",
        )


def with_marc(session: Session, records: list[OAIRecord]) -> list[OAIRecord]:
    """The records with what their MARC format offers and (not deleted) their stored MARC record.

    One query for the page, by primary key, in the same read transaction as the page itself."""
    if not records:
        return records
    ids = [r.local_id.removeprefix(PREFIX) for r in records]
    columns = [CatalogueRecord.id, CatalogueRecord.format, CatalogueRecord.raw, CatalogueRecord.raw_syntax,
               CatalogueRecord.raw_encoding]
    rows = {row.id: row for row in session.execute(select(*columns).where(CatalogueRecord.id.in_(ids)))}
    out = []
    for record, record_id in zip(records, ids):
        row = rows.get(record_id)
        if row is None or row.format != MARC21:
            out.append(record)
            continue
        stored = None
        if not record.deleted:
            stored = StoredMarc(row.format, bytes(row.raw), row.raw_syntax, row.raw_encoding)
        out.append(replace(record, offers=record.offers | {MARC21}, marc=stored))
    return out
