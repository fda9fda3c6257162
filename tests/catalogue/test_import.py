"""Importing catalogue files into the database (SQLite and PostgreSQL): reports, incremental updates,
withdrawals, datestamps, outbox rows, links to digitised items, OAI listing."""
from __future__ import annotations

import dataclasses
import time

from sqlalchemy import select

from repository import catalogue
from repository.catalog_adapter import RepositoryCatalog
from repository.catalogue import import_files, link_item, linked_items, records_of_item, unlink_item
from repository.catalogue_oai import CatalogueSource
from repository.events import history
from repository.items import create_item
from repository.models import CatalogueRecord, SearchOutbox
from repository.oai.arguments import Window
from repository.oai.records import ListQuery
from repository.oai.settings import OAISettings
from repository.search.base import SearchRequest
from repository.search.service import attach
from tests.catalogue import records
from tests.repository.conftest import ingested, record

FIVE = (records.kazakh_book, records.russian_book, records.serial, records.map_record, records.linked_scripts)


def _file(tmp_path, name: str, *chunks: bytes):
    return records.write(tmp_path / name, b"".join(chunks))


def _stamps(services) -> dict[str, tuple]:
    with services.db.read() as session:
        return {r.id: (r.datestamp, r.status) for r in session.scalars(select(CatalogueRecord))}


def _outbox(services) -> list[tuple[str, str, str]]:
    with services.db.read() as session:
        return sorted((r.kind, r.target_id, r.op) for r in session.scalars(select(SearchOutbox)))


def _clear_outbox(services) -> None:
    with services.db.transaction() as session:
        session.execute(SearchOutbox.__table__.delete())


def test_marc21_file_with_a_broken_record(services, tmp_path):
    path = _file(tmp_path, "books.mrc", records.kazakh_book().as_marc(), records.russian_book().as_marc(),
                 records.bad_base_address(records.serial()), records.map_record().as_marc(),
                 records.linked_scripts().as_marc())
    report = import_files(services, "test", [path], batch_size=2)
    assert (report.created, report.updated, report.unchanged, report.deleted, report.failed) == (4, 0, 0, 0, 1)
    (failure,) = report.failures
    assert (failure.file, failure.number) == ("books.mrc", 3) and "base address" in failure.reason
    assert report.to_json()["failures"][0]["record"] == 3
    assert any("books.mrc record 3" in line for line in report.lines())
    with services.db.read() as session:
        kk = session.get(CatalogueRecord, "cat-KZ-001")
        assert kk.format == "marc21" and kk.status == "active" and kk.isbns == ["9785766783954"]
        assert kk.dc["title"][0] == {"value": "Тіл құралы : қазақ тілінің сарфы", "lang": "kk-Cyrl"}
        assert kk.raw == records.kazakh_book().as_marc() and kk.raw_syntax == "iso2709"
    assert _outbox(services) == sorted(("catalogue", f"cat-{c}", "upsert")
                                       for c in ("KZ-001", "RU-002", "MAP-004", "LNK-005"))


def test_unimarc_file_with_a_broken_record(services, tmp_path):
    second = records.unimarc_russian_book("RU-U-2")
    path = _file(tmp_path, "rusmarc.iso", records.unimarc_russian_book().as_marc(),
                 records.wrong_field_length(records.unimarc_russian_book("RU-U-3")), second.as_marc())
    report = import_files(services, "test", [path], fmt="unimarc")
    assert (report.created, report.failed) == (2, 1)
    assert report.failures[0].number == 2 and report.failures[0].control_number == "RU-U-3"
    with services.db.read() as session:
        rows = list(session.scalars(select(CatalogueRecord).order_by(CatalogueRecord.id)))
    assert [r.control_number for r in rows] == ["RU\\NLR\\bibl\\0006", "RU-U-2"]
    assert rows[0].id.startswith("cat-RU-NLR-bibl-0006-") and rows[0].format == "unimarc"
    assert rows[0].dc["title"] == [{"value": "История Казахстана", "lang": "ru"}]


def test_reimporting_a_changed_file_touches_exactly_the_changed_records(services, tmp_path):
    first = _file(tmp_path, "v1.mrc", *(build().as_marc() for build in FIVE))
    assert import_files(services, "test", [first]).created == 5
    before = _stamps(services)
    _clear_outbox(services)
    time.sleep(0.01)
    changed = records.russian_book()
    changed["245"]["a"] = "Россия (2-е изд.) :"
    second = _file(tmp_path, "v2.mrc", records.kazakh_book().as_marc(), changed.as_marc(),
                   records.deleted(records.serial()).as_marc(), records.map_record().as_marc(),
                   records.linked_scripts().as_marc())
    report = import_files(services, "test", [second])
    assert (report.created, report.updated, report.unchanged, report.deleted, report.failed) == (0, 1, 3, 1, 0)
    after = _stamps(services)
    moved = {rid for rid in after if after[rid][0] != before[rid][0]}
    assert moved == {"cat-RU-002", "cat-SER-003"}
    assert after["cat-SER-003"][1] == "withdrawn" and after["cat-RU-002"][1] == "active"
    assert _outbox(services) == [("catalogue", "cat-RU-002", "upsert"), ("catalogue", "cat-SER-003", "delete")]

    # The same file again changes nothing at all.
    assert import_files(services, "test", [second]).unchanged == 5
    assert _stamps(services) == after

    # OAI: an incremental harvest from just before the second import sees the two, the withdrawn one deleted.
    since = min(after[rid][0] for rid in moved)
    source = CatalogueSource(_oai_settings())
    with services.db.read() as session:
        page = source.page(session, ListQuery(Window(start=since), "catalogue"), None, 10, True)
        assert [(r.local_id, r.deleted) for r in page] == [("catalogue/cat-RU-002", False),
                                                           ("catalogue/cat-SER-003", True)]
        assert page[0].dc.first("title").startswith("Россия (2-е изд.)")
        assert source.count(session, ListQuery(Window(), None)) == 5
        assert source.count(session, ListQuery(Window(), "archive")) == 0
        everything = source.page(session, ListQuery(Window(), None), "catalogue/cat-LNK-005", 2, False)
        assert [r.local_id for r in everything] == ["catalogue/cat-MAP-004", "catalogue/cat-RU-002"]
        assert source.get(session, "catalogue/cat-KZ-001").page_url.endswith("/catalogue/cat-KZ-001")
        assert source.get(session, "cat-KZ-001") is None


def test_a_record_deleted_again_and_revived(services, tmp_path):
    import_files(services, "test", [_file(tmp_path, "a.mrc", records.deleted(records.serial()).as_marc())])
    assert _stamps(services)["cat-SER-003"][1] == "withdrawn"  # a tombstone even for a record never seen
    report = import_files(services, "test", [_file(tmp_path, "b.mrc", records.serial().as_marc())])
    assert report.updated == 1 and _stamps(services)["cat-SER-003"][1] == "active"


def _row(services, record_id: str) -> CatalogueRecord:
    with services.db.read() as session:
        return session.get(CatalogueRecord, record_id)


def test_the_same_record_several_times_in_one_batch(services, tmp_path):
    """Each version is compared with the one before it, as if written one by one; the last one stays."""
    other_isbn = records.kazakh_book()
    other_isbn["020"]["a"] = "978-5-93093-342-0"
    path = _file(tmp_path, "dup.mrc", records.kazakh_book().as_marc(), records.kazakh_book().as_marc(),
                 other_isbn.as_marc(), records.deleted(other_isbn).as_marc())
    report = import_files(services, "test", [path])
    assert (report.created, report.unchanged, report.updated, report.deleted) == (1, 1, 1, 1)
    row = _row(services, "cat-KZ-001")
    assert row.status == "withdrawn" and row.withdrawn_at == row.datestamp and row.isbns == ["9785930933420"]
    with services.db.read() as session:  # one outbox row per write, in file order
        ops = [(r.target_id, r.op) for r in session.scalars(select(SearchOutbox).order_by(SearchOutbox.id))]
    assert ops == [("cat-KZ-001", "upsert"), ("cat-KZ-001", "upsert"), ("cat-KZ-001", "delete")]
    with services.db.read() as session:
        # the ISBN index holds the last version's ISBN only
        assert catalogue.find_record_for_ref(session, "978-5-93093-342-0").id == "cat-KZ-001"
        assert catalogue.find_record_for_ref(session, "9785766783954") is None


def test_a_stored_record_changed_several_times_in_one_batch(services, tmp_path):
    import_files(services, "test", [_file(tmp_path, "a.mrc", records.russian_book().as_marc(),
                                          records.deleted(records.serial()).as_marc())])
    before = {rid: _row(services, rid) for rid in ("cat-RU-002", "cat-SER-003")}
    time.sleep(0.01)
    changed = records.russian_book()
    changed["245"]["a"] = "Россия (2-е изд.) :"
    renamed_serial = records.deleted(records.serial())
    renamed_serial["245"]["a"] = "Қазақ газеті :"
    path = _file(tmp_path, "b.mrc", changed.as_marc(), records.deleted(records.russian_book()).as_marc(),
                 records.russian_book().as_marc(), renamed_serial.as_marc())
    report = import_files(services, "test", [path])
    assert (report.created, report.updated, report.deleted, report.unchanged) == (0, 3, 1, 0)
    russian, serial = _row(services, "cat-RU-002"), _row(services, "cat-SER-003")
    assert russian.status == "active" and russian.withdrawn_at is None
    assert russian.created == before["cat-RU-002"].created and russian.datestamp > before["cat-RU-002"].datestamp
    assert russian.dc == before["cat-RU-002"].dc and russian.isbns == ["9785930933420"]
    # withdrawn before and still: its withdrawal time stays, its datestamp moves
    assert serial.status == "withdrawn" and serial.withdrawn_at == before["cat-SER-003"].withdrawn_at
    assert serial.datestamp > before["cat-SER-003"].datestamp
    assert serial.dc["title"][0]["value"].startswith("Қазақ газеті")


def test_each_import_commit_drains_the_outbox_into_the_search_index(services, tmp_path):
    search = attach(services)
    try:
        path = _file(tmp_path, "g.mrc", records.kazakh_book().as_marc(), records.russian_book().as_marc(),
                     records.map_record().as_marc())
        import_files(services, "test", [path], batch_size=2)
        assert _outbox(services) == []
        found = search.search(SearchRequest.from_text("Карта"))
        assert [(h.id, h.source) for h in found.hits] == [("cat-MAP-004", "catalogue")]
    finally:
        search.close()


def test_items_are_linked_by_control_number_on_import_and_by_isbn_on_registration(services, tmp_path):
    early = create_item(services, "staff", record("Тіл құралы"), item_id="kzearly", catalogue_ref="KZ-001")
    report = import_files(services, "test", [_file(tmp_path, "c.mrc", records.kazakh_book().as_marc(),
                                                   records.russian_book().as_marc())])
    assert report.linked == 1
    late = dataclasses.replace(ingested("kzlate", title="Россия"), catalogue_ref="978-5-93093-342-0")
    RepositoryCatalog(services).register_item(late)
    with services.db.read() as session:
        assert [i.id for i in linked_items(session, "cat-KZ-001")] == [early.id]
        assert [r.id for r in records_of_item(session, "kzlate")] == ["cat-RU-002"]
        # the ISBN-10 form of the same book finds it as well
        assert catalogue.find_record_for_ref(session, "5-93093-342-1").id == "cat-RU-002"


def test_an_isbn_change_moves_the_automatic_link(services, tmp_path):
    create_item(services, "staff", record("Тіл құралы"), item_id="kzisbn", catalogue_ref="9785766783954")
    import_files(services, "test", [_file(tmp_path, "d.mrc", records.kazakh_book().as_marc())])
    changed = records.kazakh_book()
    changed["020"]["a"] = "978-5-93093-342-0"
    import_files(services, "test", [_file(tmp_path, "e.mrc", changed.as_marc())])
    with services.db.read() as session:
        assert linked_items(session, "cat-KZ-001") == []


def test_staff_link_by_hand_with_an_audit_event(services, tmp_path):
    import_files(services, "test", [_file(tmp_path, "f.mrc", records.map_record().as_marc())])
    create_item(services, "staff", record("Карта"), item_id="kzmap")
    _clear_outbox(services)
    link = link_item(services, "anna", "kzmap", "cat-MAP-004")
    assert link.how == "manual"
    with services.db.read() as session:
        (event,) = history(session, "catalogue", "cat-MAP-004")
        assert (event.actor, event.action, event.after) == ("anna", "link-catalogue", {"item": "kzmap", "how": "manual"})
        assert [i.id for i in linked_items(session, "cat-MAP-004")] == ["kzmap"]
    assert _outbox(services) == [("catalogue", "cat-MAP-004", "upsert")]
    unlink_item(services, "anna", "kzmap", "cat-MAP-004")
    with services.db.read() as session:
        assert linked_items(session, "cat-MAP-004") == []


def _oai_settings() -> OAISettings:
    return OAISettings("Test", "http://example.org", "example.org", "a@example.org", 100, "visible", 60,
                       b"k" * 32, "kk")
