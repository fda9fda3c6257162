"""Item, collection, user and access services; each test runs on SQLite and on PostgreSQL."""
from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from repository import collections, events, items, users
from repository.access import may_view, visible_items_query
from repository.catalog_adapter import RepositoryCatalog
from repository.errors import BadRequest, Conflict, Forbidden, InvalidRecord, NotFound
from repository.models import Item, SearchOutbox, User
from tests.repository.conftest import ingested, record


def outbox(services) -> list[tuple[str, str]]:
    with services.db.read() as session:
        return [(r.target_id, r.op) for r in session.scalars(select(SearchOutbox).order_by(SearchOutbox.id))]


def load(services, item_id: str) -> Item:
    with services.db.read() as session:
        item = session.get(Item, item_id)
        item.pages  # noqa: B018 - loaded while the session is open
        return item


def test_create_item_writes_event_outbox_and_item_json(services):
    item = items.create_item(services, "aigul", record(), collection_id=None)
    assert item.id.startswith("kz") and item.status == "draft"
    with services.db.read() as session:
        history = events.history(session, "item", item.id)
    assert [e.action for e in history] == ["create"] and history[0].actor == "aigul"
    assert history[0].after["status"] == "draft"
    assert outbox(services) == [(item.id, "upsert")]
    assert services.store.exists(f"items/{item.id}/item.json")


def test_invalid_record_is_refused_with_its_problems(services):
    bad = record(date=[{"value": "sometime in the twenties"}])
    with pytest.raises(InvalidRecord) as caught:
        items.create_item(services, "aigul", bad)
    assert caught.value.status == 400
    assert [p["field"] for p in caught.value.problems] == ["date"]


def test_update_metadata_moves_datestamp_and_records_before_after(services):
    item = items.create_item(services, "aigul", record("Ескі атау"))
    time.sleep(0.01)
    updated = items.update_metadata(services, "bolat", item.id, record("Жаңа атау"))
    assert updated.datestamp > item.datestamp
    with services.db.read() as session:
        last = events.history(session, "item", item.id)[-1]
    assert last.action == "update-metadata" and last.actor == "bolat"
    assert last.before["dc"]["title"][0]["value"] == "Ескі атау"
    assert last.after["dc"]["title"][0]["value"] == "Жаңа атау"


def test_unchanged_save_records_nothing(services):
    item = items.create_item(services, "aigul", record())
    items.update_metadata(services, "aigul", item.id, record())
    with services.db.read() as session:
        assert len(events.history(session, "item", item.id)) == 1
    assert len(outbox(services)) == 1


def test_publish_refuses_item_without_pages(services):
    item = items.create_item(services, "aigul", record())
    with pytest.raises(BadRequest, match="no pages"):
        items.publish(services, "aigul", item.id)
    assert load(services, item.id).status == "draft"


def test_publish_refuses_invalid_record(services):
    catalog = RepositoryCatalog(services)
    bad = record(date=[{"value": "not a date"}])
    assert catalog.register_item(ingested(record_=bad, publish=True)) == "draft"
    with pytest.raises(InvalidRecord):
        items.publish(services, "staff1", "kzabc234")


def test_publish_withdraw_keeps_tombstone(services):
    RepositoryCatalog(services).register_item(ingested())
    published = items.publish(services, "aigul", "kzabc234")
    assert published.status == "published"
    time.sleep(0.01)
    withdrawn = items.withdraw(services, "aigul", "kzabc234")
    assert withdrawn.status == "withdrawn" and withdrawn.withdrawn_at is not None
    assert withdrawn.datestamp > published.datestamp
    item = load(services, "kzabc234")
    assert item.status == "withdrawn" and len(item.pages) == 2  # the tombstone keeps its id and pages
    assert outbox(services)[-1] == ("kzabc234", "delete")


def test_first_publication_is_recorded_once_and_unpublish_moves_the_datestamp(services):
    RepositoryCatalog(services).register_item(ingested())
    assert load(services, "kzabc234").first_published_at is None  # a draft
    published = items.publish(services, "aigul", "kzabc234")
    assert published.first_published_at == published.datestamp
    time.sleep(0.01)
    unpublished = items.unpublish(services, "aigul", "kzabc234")
    assert unpublished.status == "draft" and unpublished.datestamp > published.datestamp
    time.sleep(0.01)
    again = items.publish(services, "aigul", "kzabc234")
    assert load(services, "kzabc234").first_published_at == published.first_published_at < again.datestamp
    # Ingest publishing counts too: it goes through the same change recording.
    RepositoryCatalog(services).register_item(ingested(item_id="kzingest2", publish=True))
    assert load(services, "kzingest2").first_published_at is not None


@pytest.mark.parametrize("reserved", ["archive", "catalogue", "top"])
def test_reserved_collection_ids_are_refused(services, reserved):
    # OAI set names (`archive`, `catalogue`) and the IIIF top collection's route (`top`).
    with pytest.raises(BadRequest, match="reserved"):
        collections.create_collection(services, "aigul", reserved, "x")
    collections.create_collection(services, "aigul", f"{reserved}-1", "x")  # only the exact names


def test_set_access_and_may_view(services):
    RepositoryCatalog(services).register_item(ingested(publish=True))
    staff = User(username="s", password_hash="x", role="staff")
    item = load(services, "kzabc234")
    assert may_view(None, item)
    item = items.set_access(services, "aigul", "kzabc234", "reading-room")
    assert not may_view(None, item) and may_view(None, item, in_reading_room=True) and may_view(staff, item)
    item = items.set_access(services, "aigul", "kzabc234", "staff")
    assert not may_view(None, item, in_reading_room=True) and may_view(staff, item)
    with pytest.raises(BadRequest):
        items.set_access(services, "aigul", "kzabc234", "secret")
    with services.db.read() as session:
        assert list(session.scalars(visible_items_query(None))) == []
        assert [i.id for i in session.scalars(visible_items_query(staff))] == ["kzabc234"]


def test_drafts_are_visible_to_staff_only(services):
    item = items.create_item(services, "aigul", record())
    admin = User(username="a", password_hash="x", role="admin")
    assert not may_view(None, item, in_reading_room=True) and may_view(admin, item)


def test_collections_tree_set_specs_and_cycles(services):
    collections.create_collection(services, "aigul", "newspapers", {"kk-Cyrl": ["Газеттер"], "ru": ["Газеты"]})
    collections.create_collection(services, "aigul", "east", "Шығыс", parent_id="newspapers")
    collections.create_collection(services, "aigul", "oskemen", "Өскемен", parent_id="east")
    from repository.hierarchy import set_spec

    with services.db.read() as session:
        assert set_spec(session, "oskemen") == "newspapers:east:oskemen"
    with pytest.raises(Conflict, match="inside itself"):
        collections.update_collection(services, "aigul", "newspapers", parent_id="oskemen")
    with pytest.raises(Conflict):
        collections.create_collection(services, "aigul", "east", "again")
    with pytest.raises(BadRequest):
        collections.create_collection(services, "aigul", "Bad:Id", "x")
    with pytest.raises(NotFound):
        collections.create_collection(services, "aigul", "orphan", "x", parent_id="missing")


def test_moving_a_collection_redates_items_below(services):
    collections.create_collection(services, "aigul", "a", "A")
    collections.create_collection(services, "aigul", "b", "B")
    collections.create_collection(services, "aigul", "a1", "A1", parent_id="a")
    RepositoryCatalog(services).register_item(ingested(collection_id="a1"))
    before = load(services, "kzabc234").datestamp
    time.sleep(0.01)
    collections.update_collection(services, "aigul", "a", parent_id="b")
    assert load(services, "kzabc234").datestamp > before
    document = json.loads(services.store.get_bytes("items/kzabc234/item.json"))
    assert document["collection_path"] == ["b", "a", "a1"]


def test_delete_collection_refuses_non_empty(services):
    collections.create_collection(services, "aigul", "a", "A")
    collections.create_collection(services, "aigul", "a1", "A1", parent_id="a")
    with pytest.raises(Conflict, match="sub-collections"):
        collections.delete_collection(services, "aigul", "a")
    RepositoryCatalog(services).register_item(ingested(collection_id="a1"))
    with pytest.raises(Conflict, match="items"):
        collections.delete_collection(services, "aigul", "a1")
    items.set_collection(services, "aigul", "kzabc234", None)
    collections.delete_collection(services, "aigul", "a1")
    with services.db.read() as session:
        assert [c.id for c in collections.list_collections(session)] == ["a"]


def test_reorder_and_relabel_pages(services):
    RepositoryCatalog(services).register_item(ingested(pages=3))
    item = items.reorder_pages(services, "aigul", "kzabc234", [3, 1, 2])
    assert [(p.seq, p.source_name) for p in load(services, "kzabc234").pages] == [
        (1, "p3.tif"), (2, "p1.tif"), (3, "p2.tif")]
    with pytest.raises(BadRequest):
        items.reorder_pages(services, "aigul", "kzabc234", [1, 1, 2])
    items.relabel_page(services, "aigul", "kzabc234", 1, "Мұқаба")
    assert load(services, "kzabc234").pages[0].label == "Мұқаба"
    assert item.id == "kzabc234"


def test_unknown_and_bad_item_ids(services):
    with pytest.raises(NotFound):
        items.publish(services, "aigul", "kznothere")
    with pytest.raises(BadRequest):
        items.publish(services, "aigul", "../etc")


def test_users_hash_and_lock_out(services):
    services.config = services.config.replace(web__login_max_failures=2)  # argon2 is slow on purpose
    user = users.create_user(services, "cli", "aigul", "correct horse battery", "staff")
    assert user.password_hash.startswith("$argon2id$")
    assert users.authenticate(services, "aigul", "correct horse battery").username == "aigul"
    for _ in range(services.config.get("web", "login_max_failures")):
        with pytest.raises(Forbidden):
            users.authenticate(services, "aigul", "wrong password!")
    with pytest.raises(Forbidden):  # locked now, even with the right password
        users.authenticate(services, "aigul", "correct horse battery")
    with pytest.raises(Conflict):
        users.create_user(services, "cli", "aigul", "another password", "staff")
    with pytest.raises(BadRequest):
        users.create_user(services, "cli", "bolat", "short", "staff")
    with pytest.raises(BadRequest):
        users.create_user(services, "cli", "bolat", "long enough password", "superuser")
