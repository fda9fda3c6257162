"""Catalogue records in the `catalogue` set list in byte order of their ids on every database, as items
do (tests/oai/test_exposure.py): on PostgreSQL migration 0004 gives the record id `COLLATE "C"`, and the
module's PostgreSQL database has an ICU en-US collation that would order them otherwise."""
from __future__ import annotations

from alembic import command
from sqlalchemy import text

from repository.catalogue import import_files
from repository.db import alembic_config, upgrade
from tests.catalogue import records
from tests.oai.conftest import NS

# Control numbers as in tests/oai/test_exposure.py: byte order puts `-` first, then digits, upper case,
# `_`, lower case; en-US would give 9x a-z a0 A1 b_1 b-2 B3 Z9 (case and punctuation ignored at first).
MIXED_CONTROLS = ["b_1", "a0", "Z9", "A1", "b-2", "9x", "B3", "a-z"]


def listed(oai_get, verb: str, **args: str) -> list[str]:
    """Local ids of every header of a list, following resumption tokens."""
    root = oai_get(verb=verb, **args)
    seen = [h.findtext("oai:identifier", namespaces=NS).rsplit(":", 1)[-1] for h in root.iterfind(".//oai:header", NS)]
    token = root.findtext(".//oai:resumptionToken", namespaces=NS)
    while token:  # pages of three: the keyset cursor crosses case and punctuation boundaries
        root = oai_get(verb=verb, resumptionToken=token)
        seen += [h.findtext("oai:identifier", namespaces=NS).rsplit(":", 1)[-1]
                 for h in root.iterfind(".//oai:header", NS)]
        token = root.findtext(".//oai:resumptionToken", namespaces=NS)
    return seen


def test_catalogue_ids_list_in_byte_order_on_every_database(oai_get, services, tmp_path):
    path = records.write(tmp_path / "mixed.mrc", b"".join(records.kazakh_book(c).as_marc() for c in MIXED_CONTROLS))
    assert import_files(services, "test", [path]).created == len(MIXED_CONTROLS)
    expected = [f"catalogue/cat-{c}" for c in sorted(MIXED_CONTROLS)]  # Python compares ASCII byte by byte
    assert expected[:4] == ["catalogue/cat-9x", "catalogue/cat-A1", "catalogue/cat-B3", "catalogue/cat-Z9"]
    for verb, prefix in (("ListIdentifiers", "oai_dc"), ("ListRecords", "mods")):
        assert listed(oai_get, verb, metadataPrefix=prefix, set="catalogue") == expected
    # Without a set the catalogue follows the archive, in the same order.
    assert listed(oai_get, "ListIdentifiers", metadataPrefix="oai_dc") == expected


def test_the_database_would_order_them_otherwise(services):
    """Guards the test above: on PostgreSQL the database's own collation is not byte order."""
    if services.db.is_sqlite:
        return  # SQLite compares text byte by byte (BINARY) whatever the column says
    with services.db.read() as session:
        by_locale = list(session.scalars(text(
            "SELECT c FROM unnest(CAST(:cs AS text[])) AS c ORDER BY c"), {"cs": MIXED_CONTROLS}))
    assert by_locale != sorted(MIXED_CONTROLS)


RECORD_ID_COLUMNS = {("catalogue_record", "id"), ("catalogue_isbn", "record_id"), ("catalogue_link", "record_id")}


def _collations(services) -> set[tuple[str, str, str | None]]:
    with services.db.read() as session:
        rows = session.execute(text(
            "SELECT table_name, column_name, collation_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name LIKE 'catalogue_%' "
            "AND column_name IN ('id', 'record_id')"))
        return {tuple(row) for row in rows}


def test_migration_0004_sets_and_removes_byte_order(services, database_url):
    """On PostgreSQL: the record id and the columns referring to it are `C`; downgrading gives them the
    database's collation back (no explicit one), upgrading again restores `C`."""
    if services.db.is_sqlite:
        return
    assert _collations(services) == {(table, column, "C") for table, column in RECORD_ID_COLUMNS}
    services.close()
    command.downgrade(alembic_config(database_url), "0003")
    assert _collations(services) == {(table, column, None) for table, column in RECORD_ID_COLUMNS}
    upgrade(database_url)
    assert _collations(services) == {(table, column, "C") for table, column in RECORD_ID_COLUMNS}
