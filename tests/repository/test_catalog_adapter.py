"""ingest.catalog.Catalog as the repository implements it (SQLite and PostgreSQL)."""
from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from ingest.catalog import Catalog
from repository import events, items
from repository.catalog_adapter import RepositoryCatalog
from repository.errors import BadRequest, Conflict, NotFound
from repository.models import Item, Page
from tests.repository.conftest import ingested, record


def pages(services, item_id):
    with services.db.read() as session:
        return list(session.scalars(select(Page).where(Page.item_id == item_id).order_by(Page.seq)))


def test_it_is_a_catalog(services):
    catalog: Catalog = RepositoryCatalog(services)
    assert catalog.item_status("kzabc234") is None


def test_register_draft_then_publish_on_request(services):
    catalog = RepositoryCatalog(services)
    assert catalog.register_item(ingested()) == "draft"
    assert catalog.item_status("kzabc234") == "draft"
    assert catalog.register_item(ingested(publish=True)) == "published"
    with services.db.read() as session:
        actions = [e.action for e in events.history(session, "item", "kzabc234")]
    assert actions == ["ingest", "ingest"]


def test_reregister_replaces_pages_in_one_transaction(services):
    catalog = RepositoryCatalog(services)
    catalog.register_item(ingested(pages=3))
    catalog.register_item(ingested(pages=2))
    assert [p.seq for p in pages(services, "kzabc234")] == [1, 2]


def test_invalid_record_stays_draft_even_when_publish_asked(services):
    bad = record(language=[{"value": "not a tag!"}])
    assert RepositoryCatalog(services).register_item(ingested(record_=bad, publish=True)) == "draft"


def test_published_item_stays_published_on_reingest_and_withdrawn_stays_withdrawn(services):
    catalog = RepositoryCatalog(services)
    catalog.register_item(ingested(publish=True))
    assert catalog.register_item(ingested()) == "published"
    items.withdraw(services, "staff", "kzabc234")
    assert catalog.register_item(ingested()) == "withdrawn"


def test_unknown_collection_rolls_back_everything(services):
    with pytest.raises(NotFound):
        RepositoryCatalog(services).register_item(ingested(collection_id="nope"))
    with services.db.read() as session:
        assert session.get(Item, "kzabc234") is None


def test_same_pages_under_another_id_conflict(services):
    catalog = RepositoryCatalog(services)
    catalog.register_item(ingested())
    other = dataclasses.replace(ingested(item_id="kzother22"), source_key="src-kzabc234")
    with pytest.raises(Conflict):
        catalog.register_item(other)


def test_access_from_the_sheet_and_kept_otherwise(services):
    catalog = RepositoryCatalog(services)
    catalog.register_item(dataclasses.replace(ingested(), access="reading-room"))
    catalog.register_item(ingested())
    with services.db.read() as session:
        assert session.get(Item, "kzabc234").access == "reading-room"
    with pytest.raises(BadRequest):
        catalog.register_item(dataclasses.replace(ingested(), access="everyone"))


def test_collection_languages_force_ingest_and_are_checked_on_the_form(services):
    from repository import collections

    catalog = RepositoryCatalog(services)
    collections.create_collection(services, "t", "latin", "Latin papers", ocr_languages=" Latin ")
    collections.create_collection(services, "t", "plain", "Plain")
    assert catalog.collection_languages("latin") == "Latin"  # stored as ingest uses it
    assert catalog.collection_languages("plain") is None and catalog.collection_languages("nope") is None
    with pytest.raises(BadRequest, match="unknown OCR model 'latin'.*'Latin'"):
        collections.update_collection(services, "t", "plain", ocr_languages="latin")
    collections.update_collection(services, "t", "plain", ocr_languages="ru_prereform")
    assert catalog.collection_languages("plain") == "ru_prereform"
    collections.update_collection(services, "t", "plain", ocr_languages="")
    assert catalog.collection_languages("plain") is None


def test_sub_collections_inherit_the_nearest_ocr_languages(services):
    from repository import collections

    catalog = RepositoryCatalog(services)
    collections.create_collection(services, "t", "gazette", "Gazette", ocr_languages="ru_prereform")
    collections.create_collection(services, "t", "g1900", "1900s", parent_id="gazette")
    collections.create_collection(services, "t", "g1905", "1905", parent_id="g1900")
    collections.create_collection(services, "t", "g1906", "1906", parent_id="g1900", ocr_languages="kaz+rus")
    assert catalog.collection_languages("g1905") == "ru_prereform"  # from the grandparent
    assert catalog.collection_languages("g1906") == "kaz+rus"  # its own setting wins
    collections.update_collection(services, "t", "g1900", ocr_languages="Cyrillic")
    assert catalog.collection_languages("g1905") == "Cyrillic"  # the nearest ancestor wins
