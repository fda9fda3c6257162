"""rebuild-db: storage alone gives back the same items and collections (SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from repository import collections, items
from repository.catalog_adapter import RepositoryCatalog
from repository.errors import Conflict
from repository.models import Base, Collection, Item
from repository.rebuild import rebuild
from tests.repository.conftest import ingested


def snapshot(services):
    with services.db.read() as session:
        found = session.scalars(select(Item).options(selectinload(Item.pages)).order_by(Item.id))
        item_rows = [
            (i.id, i.status, i.access, i.dc, i.collection_id, i.source_key, i.datestamp, i.withdrawn_at, i.first_published_at,
             [(p.seq, p.label, p.master_key, p.master_sha256, p.width, p.height, p.alto_key, p.ocr_confidence,
               p.ocr_evidence) for p in i.pages])
            for i in found
        ]
        collection_rows = [(c.id, c.parent_id, c.title, c.description, c.datestamp)
                           for c in session.scalars(select(Collection).order_by(Collection.id))]
    return item_rows, collection_rows


def test_rebuild_from_storage_gives_the_same_items(services):
    collections.create_collection(services, "a", "newspapers", {"kk-Cyrl": ["Газеттер"]}, description="Мерзімді")
    collections.create_collection(services, "a", "east", "Шығыс", parent_id="newspapers")
    catalog = RepositoryCatalog(services)
    catalog.register_item(ingested("kzaaaa22", publish=True, collection_id="east"))
    catalog.register_item(ingested("kzbbbb33", pages=3))
    catalog.register_item(ingested("kzcccc44", publish=True))
    items.set_access(services, "a", "kzaaaa22", "reading-room")
    items.withdraw(services, "a", "kzcccc44")
    items.relabel_page(services, "a", "kzbbbb33", 2, "ii")
    before = snapshot(services)

    with services.db.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
    report = rebuild(services)

    assert (report.collections, report.items, report.pages) == (2, 3, 7)
    assert snapshot(services) == before


def test_rebuild_refuses_a_database_with_items(services):
    RepositoryCatalog(services).register_item(ingested())
    with pytest.raises(Conflict, match="empty database"):
        rebuild(services)
