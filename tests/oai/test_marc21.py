"""The `marc21` format: MARCXML of the catalogue's MARC 21 records, built from the stored raw record.

Every response here is validated against OAI-PMH.xsd with the MARC 21 slim schema imported (the
`metadata` wildcard is strict), and every `marc:record` again against MARC21slim.xsd alone. UNIMARC
records and digitised items have no marc21: GetRecord says cannotDisseminateFormat, lists leave them
out, ListMetadataFormats for their identifier does not name it. Runs on SQLite and PostgreSQL.
"""
from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from lxml import etree
from pymarc import Record, parse_xml_to_array
from sickle import Sickle
from sqlalchemy import select
from werkzeug.serving import make_server

from repository.catalogue import import_files
from repository.models import CatalogueRecord
from tests.catalogue import records
from tests.oai.conftest import NS, error_code

MARC = "http://www.loc.gov/MARC21/slim"
MARC_SCHEMA_URL = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"
M = {**NS, "marc": MARC}
ID = "oai:olketanu.kz:"
SAMPLES = Path("/work/shared/samples/marc")

# The MARC 21 records of the catalogue below, by record id, as the tests built them.
MARC21_RECORDS = {
    "cat-KZ-001": records.kazakh_book,  # ISO 2709, UTF-8
    "cat-KZ-1048": lambda: records.kazakh_book("KZ-1048"),  # ISO 2709, KZ-1048 (Kazakh Windows code page)
    "cat-LNK-005": records.linked_scripts,  # ISO 2709, UTF-8, 880 fields
    "cat-RU-002": records.russian_book,  # ISO 2709, Windows-1251 (recognised by its bytes)
    "cat-SER-003": records.serial,  # MARCXML
}
WITHDRAWN_MARC21 = "cat-MAP-004"
UNIMARC = ("cat-UNI-006", "cat-UNI-007")  # one active, one withdrawn


# -- requests (validated by conftest.validate, MARC 21 slim included) ---------------------------------

@pytest.fixture
def get(client, validate) -> Callable[..., etree._Element]:
    """GET /oai with the arguments; the validated response root."""

    def get(**args: str) -> etree._Element:
        response = client.get("/oai", query_string=args)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
        return validate(response.data)

    return get


# -- the catalogue ---------------------------------------------------------------------------------------

@pytest.fixture
def catalogue(services, library, tmp_path) -> dict[str, Record]:
    """MARC 21 records in four encodings and two syntaxes, a withdrawn MARC 21 record, two UNIMARC records
    (one withdrawn) and two digitised items; returns the active MARC 21 records by id."""
    w = records.write
    assert import_files(services, "t", [w(tmp_path / "utf8.mrc", records.iso2709(
        records.kazakh_book(), records.linked_scripts(), records.map_record(),
        records.unimarc_russian_book("UNI-006"), records.unimarc_russian_book("UNI-007")))]).failed == 0
    assert import_files(services, "t", [w(tmp_path / "1251.mrc", records.iso2709(
        records.russian_book(), encoding="cp1251"))]).created == 1
    assert import_files(services, "t", [w(tmp_path / "kz.mrc", records.iso2709(
        records.kazakh_book("KZ-1048"), encoding="kz1048"))], encoding="kz1048").created == 1
    assert import_files(services, "t", [w(tmp_path / "serial.xml", records.marcxml(records.serial()))]).created == 1
    gone = records.iso2709(records.deleted(records.map_record()),
                           records.deleted(records.unimarc_russian_book("UNI-007")))
    assert import_files(services, "t", [w(tmp_path / "gone.mrc", gone)]).deleted == 2
    library.add("item-a")
    library.add("item-b")
    with services.db.read() as session:
        stored = {r.id: (r.format, r.raw_syntax, r.raw_encoding, r.status)
                  for r in session.scalars(select(CatalogueRecord))}
    assert stored == {
        "cat-KZ-001": ("marc21", "iso2709", "utf-8", "active"),
        "cat-KZ-1048": ("marc21", "iso2709", "kz1048", "active"),
        "cat-LNK-005": ("marc21", "iso2709", "utf-8", "active"),
        "cat-RU-002": ("marc21", "iso2709", "cp1251", "active"),
        "cat-SER-003": ("marc21", "marcxml", "utf-8", "active"),
        "cat-MAP-004": ("marc21", "iso2709", "utf-8", "withdrawn"),
        "cat-UNI-006": ("unimarc", "iso2709", "utf-8", "active"),
        "cat-UNI-007": ("unimarc", "iso2709", "utf-8", "withdrawn"),
    }
    return {record_id: build() for record_id, build in MARC21_RECORDS.items()}


def marc_of(root: etree._Element) -> Record:
    """The pymarc Record of the response's only marc:record (pymarc's own MARCXML parser)."""
    (block,) = root.iterfind(".//oai:metadata/marc:record", M)
    (record,) = parse_xml_to_array(io.BytesIO(etree.tostring(block, encoding="utf-8")))
    return record


def fields(record: Record) -> list[tuple]:
    return [(f.tag, f.data) if f.is_control_field() else
            (f.tag, f.indicator1, f.indicator2, [(sf.code, sf.value) for sf in f.subfields])
            for f in record.fields]


def headers(root: etree._Element) -> list[tuple[str, bool]]:
    return [(h.findtext("oai:identifier", namespaces=M).removeprefix(ID), h.get("status") == "deleted")
            for h in root.iterfind(".//oai:header", M)]


def walk(get, verb: str, **args: str) -> tuple[list[etree._Element], list[tuple[str, bool]]]:
    """Every page of a list (following resumption tokens) and every header in it."""
    pages = [get(verb=verb, **args)]
    while token := pages[-1].findtext(".//oai:resumptionToken", namespaces=M):
        pages.append(get(verb=verb, resumptionToken=token))
    return pages, [h for page in pages for h in headers(page)]


# -- ListMetadataFormats -----------------------------------------------------------------------------------

def formats_of(root: etree._Element) -> dict[str, tuple[str, str]]:
    return {f.findtext("oai:metadataPrefix", namespaces=M): (f.findtext("oai:schema", namespaces=M),
                                                             f.findtext("oai:metadataNamespace", namespaces=M))
            for f in root.iterfind(".//oai:metadataFormat", M)}


def test_marc21_is_listed_for_the_repository_and_only_for_records_that_have_it(get, catalogue):
    everywhere = formats_of(get(verb="ListMetadataFormats"))
    assert list(everywhere) == ["oai_dc", "mods", "marc21"]
    assert everywhere["marc21"] == (MARC_SCHEMA_URL, MARC)
    for record_id in (*MARC21_RECORDS, WITHDRAWN_MARC21):
        assert list(formats_of(get(verb="ListMetadataFormats", identifier=f"{ID}catalogue/{record_id}"))) == \
            ["oai_dc", "mods", "marc21"]
    for local_id in (*(f"catalogue/{u}" for u in UNIMARC), "item-a"):
        assert list(formats_of(get(verb="ListMetadataFormats", identifier=ID + local_id))) == ["oai_dc", "mods"]


# -- GetRecord ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("record_id", list(MARC21_RECORDS))
def test_get_record_gives_the_stored_record_field_for_field(get, catalogue, record_id):
    root = get(verb="GetRecord", identifier=f"{ID}catalogue/{record_id}", metadataPrefix="marc21")
    (block,) = root.iterfind(".//oai:metadata/marc:record", M)
    assert block.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation") == f"{MARC} {MARC_SCHEMA_URL}"
    got, original = marc_of(root), catalogue[record_id]
    assert fields(got) == fields(original)
    leader, was = str(got.leader), str(original.leader)
    # Type, level, control, encoding level … as catalogued; 09 is 'a' (UCS/Unicode) whatever the source was.
    assert leader[5:9] + leader[10:12] + leader[17:] == was[5:9] + was[10:12] + was[17:]
    assert leader[9] == "a"


def test_kazakh_and_russian_records_come_out_as_utf8_whatever_their_source_encoding(client, validate, catalogue):
    with client.application.extensions["olketanu"].db.read() as session:
        russian = session.get(CatalogueRecord, "cat-RU-002").raw
    assert "Россия".encode("cp1251") in russian  # stored as it came …
    for record_id, text in (("cat-KZ-1048", "Тіл құралы :"), ("cat-KZ-001", "қазақ тілінің сарфы /"),
                            ("cat-RU-002", "полное географическое описание нашего отечества."),
                            ("cat-LNK-005", "Әуезов, Мұхтар.")):
        data = client.get("/oai", query_string={"verb": "GetRecord", "metadataPrefix": "marc21",
                                                "identifier": f"{ID}catalogue/{record_id}"}).data
        validate(data)
        assert text.encode("utf-8") in data, record_id
        data.decode("utf-8")  # the whole document is UTF-8
        assert "Россия".encode("cp1251") not in data  # … and never sent so
        assert str(marc_of(etree.fromstring(data)).leader)[9] == "a"
    root = etree.fromstring(data)
    assert root.findtext(".//marc:datafield[@tag='880']/marc:subfield[@code='6']", namespaces=M) == "100-01/(N"


def test_a_withdrawn_marc21_record_is_a_deleted_record(get, catalogue):
    root = get(verb="GetRecord", identifier=f"{ID}catalogue/{WITHDRAWN_MARC21}", metadataPrefix="marc21")
    assert headers(root) == [(f"catalogue/{WITHDRAWN_MARC21}", True)]
    assert root.find(".//oai:metadata", M) is None


@pytest.mark.parametrize("local_id", ["item-a", "catalogue/cat-UNI-006", "catalogue/cat-UNI-007"])
def test_items_and_unimarc_records_cannot_be_disseminated_in_marc21(get, catalogue, local_id):
    root = get(verb="GetRecord", identifier=ID + local_id, metadataPrefix="marc21")
    assert error_code(root) == "cannotDisseminateFormat"
    assert root.find("oai:request", M).get("metadataPrefix") == "marc21"  # the arguments are echoed
    # … while their other formats still work.
    assert error_code(get(verb="GetRecord", identifier=ID + local_id, metadataPrefix="oai_dc")) is None


def test_an_unknown_identifier_is_still_id_does_not_exist(get, catalogue):
    root = get(verb="GetRecord", identifier=f"{ID}catalogue/cat-NOPE", metadataPrefix="marc21")
    assert error_code(root) == "idDoesNotExist"


# -- lists -------------------------------------------------------------------------------------------------

EXPECTED = sorted([*(f"catalogue/{r}" for r in MARC21_RECORDS), f"catalogue/{WITHDRAWN_MARC21}"])


@pytest.mark.parametrize("args", [{}, {"set": "catalogue"}])
def test_lists_hold_the_marc21_records_alone_page_by_page(get, catalogue, args):
    for verb in ("ListIdentifiers", "ListRecords"):
        pages, found = walk(get, verb, metadataPrefix="marc21", **args)
        assert [local_id for local_id, _ in found] == EXPECTED
        assert [local_id for local_id, deleted in found if deleted] == [f"catalogue/{WITHDRAWN_MARC21}"]
        # Pages of three with resumption tokens; completeListSize counts the marc21 records only.
        assert len(pages) == 2
        first, last = (p.find(".//oai:resumptionToken", M) for p in pages)
        assert (first.get("completeListSize"), first.get("cursor")) == ("6", "0")
        assert (last.get("completeListSize"), last.get("cursor"), last.text) == ("6", "3", None)
        if verb == "ListRecords":
            blocks = [b for p in pages for b in p.iterfind(".//oai:metadata/marc:record", M)]
            assert len(blocks) == 5  # the deleted record is its header alone
            assert [b.findtext("marc:controlfield[@tag='001']", namespaces=M) for b in blocks] == \
                ["KZ-001", "KZ-1048", "LNK-005", "RU-002", "SER-003"]


def test_list_records_carries_the_same_fields_as_get_record(get, catalogue):
    pages, _ = walk(get, "ListRecords", metadataPrefix="marc21", set="catalogue")
    for page in pages:
        for record in page.iterfind(".//oai:record", M):
            if record.find("oai:header", M).get("status") == "deleted":
                continue
            record_id = record.findtext(".//oai:identifier", namespaces=M).rsplit("/", 1)[-1]
            (block,) = record.iterfind(".//marc:record", M)
            (parsed,) = parse_xml_to_array(io.BytesIO(etree.tostring(block)))
            assert fields(parsed) == fields(catalogue[record_id])


def test_marc21_lists_of_the_archive_or_an_archive_only_repository_match_nothing(get, services, library):
    library.add("item-a")
    assert error_code(get(verb="ListRecords", metadataPrefix="marc21")) == "noRecordsMatch"
    assert error_code(get(verb="ListIdentifiers", metadataPrefix="marc21", set="archive")) == "noRecordsMatch"
    assert error_code(get(verb="ListRecords", metadataPrefix="oai_dc")) is None


def test_other_formats_still_list_every_record(get, catalogue):
    _, found = walk(get, "ListIdentifiers", metadataPrefix="oai_dc")
    assert [local_id for local_id, _ in found] == ["item-a", "item-b", *sorted(
        [*EXPECTED, *(f"catalogue/{u}" for u in UNIMARC)])]


def test_a_marc21_token_does_not_continue_another_list(get, catalogue):
    token = get(verb="ListIdentifiers", metadataPrefix="marc21").findtext(".//oai:resumptionToken", namespaces=M)
    assert error_code(get(verb="ListRecords", resumptionToken=token)) == "badResumptionToken"


# -- a real harvester ------------------------------------------------------------------------------------

@pytest.fixture
def server(oai_app) -> Iterator[str]:
    http = make_server("127.0.0.1", 0, oai_app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}/oai"
    http.shutdown()
    thread.join(10)


def test_sickle_harvests_every_marc21_catalogue_record(server, catalogue, validate):
    harvester = Sickle(server, max_retries=0)
    harvested = list(harvester.ListRecords(metadataPrefix="marc21", set="catalogue"))
    assert [r.header.identifier.removeprefix(ID) for r in harvested] == EXPECTED
    for record in harvested:
        if record.header.deleted:
            assert record.header.identifier == f"{ID}catalogue/{WITHDRAWN_MARC21}"
            continue
        (block,) = record.xml.iterfind(".//marc:record", M)
        (parsed,) = parse_xml_to_array(io.BytesIO(etree.tostring(block)))
        assert fields(parsed) == fields(catalogue[record.header.identifier.rsplit("/", 1)[-1]])
    assert [h.identifier.removeprefix(ID) for h in harvester.ListIdentifiers(metadataPrefix="marc21")] == EXPECTED


# -- MARC-8 (pymarc's sample file, when the shared samples are here) ----------------------------------

@pytest.mark.skipif(not (SAMPLES / "marc8.dat").is_file(), reason=f"{SAMPLES} is not here (a fresh clone)")
def test_a_marc8_record_comes_out_as_unicode(get, services):
    assert import_files(services, "t", [SAMPLES / "marc8.dat"]).created == 1
    with services.db.read() as session:
        (record_id, encoding) = session.execute(select(CatalogueRecord.id, CatalogueRecord.raw_encoding)).one()
    assert encoding == "marc8"
    root = get(verb="GetRecord", identifier=f"{ID}catalogue/{record_id}", metadataPrefix="marc21")
    text = etree.tostring(root, encoding="unicode")
    assert "De la solitude à la communauté" in text
    assert str(marc_of(root).leader)[9] == "a"
