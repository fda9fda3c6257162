"""Which items OAI-PMH exposes and in which order: an unpublished item becomes a deletion, a draft never
published stays out, ids list in byte order on every database, and migration 0003 fills
`first_published_at` for items published before it existed."""
from __future__ import annotations

from datetime import timedelta

from alembic import command
from sqlalchemy import select, update

from repository import events
from repository import items as item_services
from repository.db import alembic_config, upgrade
from repository.models import Event, Item
from tests.oai.conftest import NS, error_code


def headers(root) -> list[tuple[str, str | None, str]]:
    """(local id, status, datestamp) of each header of a response."""
    return [
        (h.findtext("oai:identifier", namespaces=NS).rsplit(":", 1)[-1], h.get("status"),
         h.findtext("oai:datestamp", namespaces=NS))
        for h in root.iterfind(".//oai:header", NS)
    ]


def test_an_unpublished_item_becomes_a_deletion(oai_get, library, services, clock):
    library.add("u1")
    library.add("u2")
    clock.advance(minutes=5)
    since = clock.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    item_services.unpublish(services, "t", "u1")
    # The datestamp moved: an incremental harvest from before the change brings the deletion.
    changed = oai_get(verb="ListIdentifiers", metadataPrefix="oai_dc", from_=since)
    assert headers(changed) == [("u1", "deleted", since)]
    record = oai_get(verb="GetRecord", identifier="oai:olketanu.kz:u1", metadataPrefix="mods")
    assert record.find(".//oai:header", NS).get("status") == "deleted"
    assert record.find(".//oai:metadata", NS) is None
    everything = oai_get(verb="ListRecords", metadataPrefix="oai_dc")
    assert [(i, s) for i, s, _ in headers(everything)] == [("u1", "deleted"), ("u2", None)]
    # Published again: a record again, with a newer datestamp; the first publication is kept.
    first_published = clock.now - timedelta(minutes=5)
    clock.advance(minutes=5)
    item_services.publish(services, "t", "u1")
    again = oai_get(verb="ListIdentifiers", metadataPrefix="oai_dc", from_=clock.now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert [(i, s) for i, s, _ in headers(again)] == [("u1", None)]
    with services.db.read() as session:
        assert session.get(Item, "u1").first_published_at == first_published


def test_a_withdrawn_item_sent_back_to_draft_stays_deleted(oai_get, library, services):
    library.add("w1")
    item_services.withdraw(services, "t", "w1")
    item_services.unpublish(services, "t", "w1")
    root = oai_get(verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert [(i, s) for i, s, _ in headers(root)] == [("w1", "deleted")]


def test_a_draft_never_published_stays_out(oai_get, library, services, clock):
    library.add("d1", publish=False)
    clock.advance(minutes=1)
    library.retitle("d1", "Жаңа")
    item_services.unpublish(services, "t", "d1")  # already a draft: nothing changes
    assert error_code(oai_get(verb="ListIdentifiers", metadataPrefix="oai_dc")) == "noRecordsMatch"
    for verb in ("GetRecord", "ListMetadataFormats"):
        args = {"metadataPrefix": "oai_dc"} if verb == "GetRecord" else {}
        assert error_code(oai_get(verb=verb, identifier="oai:olketanu.kz:d1", **args)) == "idDoesNotExist"
    with services.db.read() as session:
        assert session.get(Item, "d1").first_published_at is None


# Byte order: digits, upper case, `_`, lower case; `-` before all of them. An en-US collation would
# give 9x a-z a0 A1 b_1 b-2 B3 Z9 instead (case and punctuation ignored at first).
MIXED_IDS = ["b_1", "a0", "Z9", "A1", "b-2", "9x", "B3", "a-z"]


def test_ids_list_in_byte_order_on_every_database(oai_get, library):
    for item_id in MIXED_IDS:
        library.add(item_id)
    expected = sorted(MIXED_IDS)  # Python compares ASCII strings byte by byte, as SQLite does
    assert expected == ["9x", "A1", "B3", "Z9", "a-z", "a0", "b-2", "b_1"]
    for verb, prefix in (("ListIdentifiers", "oai_dc"), ("ListRecords", "mods")):
        root = oai_get(verb=verb, metadataPrefix=prefix)
        seen = [i for i, _, _ in headers(root)]
        token = root.findtext(".//oai:resumptionToken", namespaces=NS)
        while token:  # pages of three: the keyset cursor crosses case and punctuation boundaries
            root = oai_get(verb=verb, resumptionToken=token)
            seen += [i for i, _, _ in headers(root)]
            token = root.findtext(".//oai:resumptionToken", namespaces=NS)
        assert seen == expected


def test_migration_fills_first_published_at_from_the_audit_trail(library, services, database_url, oai_app):
    """Items changed by the services, then the column dropped (downgrade to 0002) and rebuilt (0003)."""
    library.add("p1")  # published by ingest
    library.add("p2", publish=False)
    item_services.publish(services, "t", "p2")  # published by the publish service
    library.add("x1")
    item_services.unpublish(services, "t", "x1")  # published once, a draft now
    library.add("n1", publish=False)  # never published
    library.add("r1")  # published, but its events are gone (as after a rebuild from item.json)
    with services.db.transaction() as session:
        session.execute(update(Event).where(Event.target_id == "r1").values(target_id="elsewhere"))
        published_at = {
            item_id: min(e.at for e in events.history(session, "item", item_id)
                         if (e.after or {}).get("status") == "published")
            for item_id in ("p1", "p2", "x1")
        }
        r1_datestamp = session.get(Item, "r1").datestamp
    url = database_url or services.config.database_url
    services.close()
    command.downgrade(alembic_config(url), "0002")
    upgrade(url)
    with services.db.read() as session:
        found = {row.id: row.first_published_at for row in session.execute(select(Item.id, Item.first_published_at))}
    assert found == {**published_at, "n1": None, "r1": r1_datestamp}
