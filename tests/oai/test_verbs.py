"""Each verb's normal and error responses, all validated against the OAI-PMH schema (and the oai_dc,
MODS and oai-identifier schemas for what they carry)."""
from __future__ import annotations

import pytest

from metadata.dc import DCRecord
from repository import collections as collection_services
from repository import items as item_services
from tests.oai.conftest import BASE_URL, NS, OAI, error_code, make_oai_app


@pytest.fixture
def shelf(library, services, clock):
    """news (Газеттер) > east; photos. Items: a1 public in east, a2 public in news, a3 restricted,
    a4 withdrawn, a5 draft, a6 public without collection."""
    collection_services.create_collection(services, "t", "news", {"kk-Cyrl": ["Газеттер"], "ru": ["Газеты"]})
    collection_services.create_collection(
        services, "t", "east", {"ru": ["Восток"], "kk-Cyrl": ["Шығыс"]}, parent_id="news",
        description={"kk-Cyrl": ["Шығыс Қазақстан газеттері"]},
    )
    collection_services.create_collection(services, "t", "photos", "Photographs")
    library.add("a1", collection="east")
    clock.advance(seconds=1)
    library.add("a2", collection="news")
    library.add("a3", collection="photos")
    item_services.set_access(services, "t", "a3", "reading-room")
    library.add("a4")
    item_services.withdraw(services, "t", "a4")
    library.add("a5", publish=False)
    library.add("a6")
    return library


def ids(root, path=".//oai:header/oai:identifier"):
    return [e.text.rsplit(":", 1)[-1] for e in root.iterfind(path, NS)]


def test_identify(oai_get, shelf):
    root = oai_get(verb="Identify")
    identify = root.find("oai:Identify", NS)
    assert identify.findtext("oai:baseURL", namespaces=NS) == f"{BASE_URL}/oai"
    assert identify.findtext("oai:protocolVersion", namespaces=NS) == "2.0"
    assert identify.findtext("oai:earliestDatestamp", namespaces=NS) == "2024-05-01T10:00:00Z"
    assert identify.findtext("oai:deletedRecord", namespaces=NS) == "persistent"
    assert identify.findtext("oai:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    sample = identify.findtext(".//{http://www.openarchives.org/OAI/2.0/oai-identifier}sampleIdentifier")
    assert sample.startswith("oai:olketanu.kz:")
    assert root.find("oai:request", NS).attrib == {"verb": "Identify"}


def test_list_metadata_formats(oai_get, shelf):
    root = oai_get(verb="ListMetadataFormats")
    assert [e.text for e in root.iterfind(".//oai:metadataPrefix", NS)] == ["oai_dc", "mods", "marc21"]
    for identifier in ("oai:olketanu.kz:a1", "oai:olketanu.kz:a4"):  # a deleted record too
        root = oai_get(verb="ListMetadataFormats", identifier=identifier)
        assert len(root.findall(".//oai:metadataFormat", NS)) == 2
    for unknown in ("oai:olketanu.kz:a5", "oai:olketanu.kz:nope", "oai:elsewhere.org:a1"):
        assert error_code(oai_get(verb="ListMetadataFormats", identifier=unknown)) == "idDoesNotExist"


def test_no_metadata_formats(shelf, validate):
    from repository.oai.arguments import OAIRequest
    from repository.oai.errors import OAIError
    from repository.oai.formats import FORMATS
    from repository.oai.verbs import list_metadata_formats
    from dataclasses import replace
    from tests.oai.conftest import SECRET
    from repository.oai.records import default_sources
    from repository.oai.settings import OAISettings
    from repository.oai.verbs import Provider

    settings = OAISettings.from_config(shelf.services.config, SECRET)
    only_catalogue = {k: replace(f, kinds=frozenset({"catalogue"})) for k, f in FORMATS.items()}
    provider = Provider(settings, default_sources(settings), only_catalogue)
    with shelf.services.db.read() as session, pytest.raises(OAIError) as raised:
        list_metadata_formats(provider, session, OAIRequest("ListMetadataFormats", {"identifier": "oai:olketanu.kz:a1"}), None)
    assert raised.value.code == "noMetadataFormats"


def test_list_sets(oai_get, shelf):
    root = oai_get(verb="ListSets")
    sets = {e.findtext("oai:setSpec", namespaces=NS): e.findtext("oai:setName", namespaces=NS)
            for e in root.iterfind(".//oai:set", NS)}
    assert list(sets) == ["archive", "news", "news:east", "photos", "catalogue"]
    assert sets["news"] == "Газеттер" and sets["news:east"] == "Шығыс"  # the default language, kk
    assert sets["photos"] == "Photographs"
    east = root.xpath(".//oai:set[oai:setSpec='news:east']//dc:description", namespaces=NS)
    assert east[0].text == "Шығыс Қазақстан газеттері"
    assert error_code(oai_get(verb="ListSets", resumptionToken="x")) == "badResumptionToken"


def test_get_record_links_and_restrictions(oai_get, shelf):
    root = oai_get(verb="GetRecord", identifier="oai:olketanu.kz:a1", metadataPrefix="oai_dc")
    assert [e.text for e in root.iterfind(".//oai:setSpec", NS)] == ["archive", "news", "news:east"]
    assert f"{BASE_URL}/items/a1" in [e.text for e in root.iterfind(".//dc:identifier", NS)]
    assert f"{BASE_URL}/iiif/manifest/a1" in [e.text for e in root.iterfind(".//dc:relation", NS)]
    assert root.find(".//dc:title", NS).get("{http://www.w3.org/XML/1998/namespace}lang") == "kk-Cyrl"

    restricted = oai_get(verb="GetRecord", identifier="oai:olketanu.kz:a3", metadataPrefix="oai_dc")
    assert [e.text for e in restricted.iterfind(".//dc:identifier", NS)] == [f"{BASE_URL}/items/a3"]
    assert "manifest" not in restricted.find(".//oai:metadata", NS).xpath("string()")
    mods = oai_get(verb="GetRecord", identifier="oai:olketanu.kz:a3", metadataPrefix="mods")
    assert "manifest" not in "".join(mods.find(".//oai:metadata", NS).itertext())

    deleted = oai_get(verb="GetRecord", identifier="oai:olketanu.kz:a4", metadataPrefix="mods")
    assert deleted.find(".//oai:header", NS).get("status") == "deleted"
    assert deleted.find(".//oai:metadata", NS) is None


def test_hidden_restricted_items_look_deleted(tmp_path, database_url, clock, validate):
    app = make_oai_app(tmp_path, database_url, **{"oai.restricted_metadata": "hidden"})
    services = app.extensions["olketanu"]
    from tests.oai.conftest import Library
    lib = Library(services, clock)
    lib.add("b1")
    lib.add("b2")
    item_services.set_access(services, "t", "b2", "staff")
    root = validate(app.test_client().get("/oai?verb=ListRecords&metadataPrefix=oai_dc").data)
    headers = {h.findtext("oai:identifier", namespaces=NS)[-2:]: h.get("status") for h in root.iterfind(".//oai:header", NS)}
    assert headers == {"b1": None, "b2": "deleted"}
    services.close()


def test_get_record_errors(oai_get, shelf):
    assert error_code(oai_get(verb="GetRecord", identifier="oai:olketanu.kz:a5", metadataPrefix="oai_dc")) == "idDoesNotExist"
    root = oai_get(verb="GetRecord", identifier="oai:olketanu.kz:a1", metadataPrefix="marc21")
    assert error_code(root) == "cannotDisseminateFormat"
    # Not badVerb/badArgument: the request is echoed with its arguments.
    assert root.find("oai:request", NS).get("metadataPrefix") == "marc21"


def test_list_records_mods_and_sets(oai_get, shelf):
    root = oai_get(verb="ListRecords", metadataPrefix="mods", set="news")
    assert ids(root) == ["a1", "a2"]  # news includes its sub-collection east
    assert ids(oai_get(verb="ListIdentifiers", metadataPrefix="oai_dc", set="news:east")) == ["a1"]
    assert error_code(oai_get(verb="ListRecords", metadataPrefix="oai_dc", set="east")) == "noRecordsMatch"
    assert error_code(oai_get(verb="ListRecords", metadataPrefix="oai_dc", set="catalogue")) == "noRecordsMatch"
    assert error_code(oai_get(verb="ListRecords", metadataPrefix="oai_dc", set="nowhere")) == "noRecordsMatch"


def test_drafts_never_appear_and_deletions_do(oai_get, shelf):
    first = oai_get(verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = first.findtext(".//oai:resumptionToken", namespaces=NS)
    second = oai_get(verb="ListIdentifiers", resumptionToken=token)
    assert ids(first) + ids(second) == ["a1", "a2", "a3", "a4", "a6"]
    deleted = [h.findtext("oai:identifier", namespaces=NS) for h in second.iterfind(".//oai:header[@status='deleted']", NS)]
    assert deleted == ["oai:olketanu.kz:a4"]
    last = second.find(".//oai:resumptionToken", NS)
    assert (last.text, last.get("cursor"), last.get("completeListSize")) == (None, "3", "5")
    assert first.find(".//oai:resumptionToken", NS).get("cursor") == "0"


def test_date_windows(oai_get, shelf):
    # a1 at 10:00:00; everything else at 10:00:01.
    def listed(**window):
        root = oai_get(verb="ListIdentifiers", metadataPrefix="oai_dc", **window)
        return error_code(root) or sorted(ids(root) + _rest(root, oai_get))

    assert listed(until="2024-05-01T10:00:00Z") == ["a1"]
    assert listed(from_="2024-05-01T10:00:01Z") == ["a2", "a3", "a4", "a6"]
    assert listed(from_="2024-05-01", until="2024-05-01") == ["a1", "a2", "a3", "a4", "a6"]  # until: whole day
    assert listed(until="2024-04-30") == "noRecordsMatch"
    assert listed(from_="2024-05-02") == "noRecordsMatch"


def _rest(root, oai_get):
    found = []
    token = root.findtext(".//oai:resumptionToken", namespaces=NS)
    while token:
        page = oai_get(verb="ListIdentifiers", resumptionToken=token)
        found += ids(page)
        token = page.findtext(".//oai:resumptionToken", namespaces=NS)
    return found


ERRORS = [
    ({}, "badVerb"),
    ({"verb": "Frobnicate"}, "badVerb"),
    ("verb=Identify&verb=Identify", "badVerb"),
    ({"verb": "Identify", "metadataPrefix": "oai_dc"}, "badArgument"),
    ({"verb": "ListRecords"}, "badArgument"),
    ({"verb": "GetRecord", "identifier": "oai:olketanu.kz:a1"}, "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=mods", "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2024-13-01"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2024-05-01T10:00:00"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2024-05-01T10:00:00.5Z"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2024-05-02", "until": "2024-05-01"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2024-05-01", "until": "2024-05-01T10:00:00Z"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "resumptionToken": "abc"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "bad set"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": ""}, "badArgument"),
    ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "foo": "bar"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "dc"}, "cannotDisseminateFormat"),
    ({"verb": "ListIdentifiers", "resumptionToken": "garbage"}, "badResumptionToken"),
]


@pytest.fixture(scope="module")
def bare_client(tmp_path_factory):
    """One app for all the error cases: none of them needs records."""
    app = make_oai_app(tmp_path_factory.mktemp("errors"))
    yield app.test_client()
    app.extensions["olketanu"].close()


@pytest.mark.parametrize(("args", "code"), ERRORS)
def test_errors(bare_client, validate, args, code):
    client = bare_client
    response = client.get("/oai?" + args) if isinstance(args, str) else client.get("/oai", query_string=args)
    root = validate(response.data)
    assert error_code(root) == code
    echoed = root.find(f"{OAI}request")
    assert echoed.text == f"{BASE_URL}/oai"
    if code in ("badVerb", "badArgument"):
        assert echoed.attrib == {}  # nothing of a request that was not understood is echoed
    else:
        assert echoed.get("verb") == args["verb"]


def test_post_answers_like_get(client, validate, shelf):
    form = {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "news"}
    by_post = validate(client.post("/oai", data=form).data)
    by_get = validate(client.get("/oai", query_string=form).data)
    assert ids(by_post) == ids(by_get) == ["a1", "a2"]
    assert by_post.find(f"{OAI}request").attrib == form


def test_datestamp_moves_when_the_collection_moves(oai_get, shelf, services, clock):
    clock.advance(seconds=10)
    collection_services.update_collection(services, "t", "east", parent_id="photos")
    root = oai_get(verb="ListIdentifiers", metadataPrefix="oai_dc", from_="2024-05-01T10:00:11Z")
    assert ids(root) == ["a1"]
    assert [e.text for e in root.iterfind(".//oai:setSpec", NS)] == ["archive", "photos", "photos:east"]


def test_mods_block_carries_the_structure(oai_get, library):
    dc = DCRecord.from_json({
        "title": [{"value": "Өскемен шежіресі", "lang": "kk-Cyrl"}, {"value": "Летопись", "lang": "ru"}],
        "alternative": [{"value": "Шежіре", "lang": "kk-Cyrl"}],
        "creator": ["Әбдіхалықов, Қ."], "contributor": ["Иванов, И."], "publisher": ["Облыстық баспа"],
        "issued": ["1930/1931"], "created": ["1920~"], "date": ["1928-03-12"],
        "subject": [{"value": "өлкетану", "lang": "kk-Cyrl"}], "spatial": ["Өскемен"], "temporal": ["1920/1930"],
        "description": [{"value": "Қолжазба & <тізім>", "lang": "kk-Cyrl"}], "provenance": ["Gift, 1978"],
        "type": ["Text"], "format": ["image/tiff"], "extent": ["34 p."], "medium": ["paper"],
        "identifier": ["ISBN 978-3-16-148410-0", "urn:olketanu:item:abc"], "language": ["kk-Cyrl", "ru"],
        "isPartOf": ["Шығыс Қазақстан газеттері"], "hasPart": ["http://example.org/part"],
        "rights": ["https://rightsstatements.org/vocab/InC/1.0"], "rightsHolder": ["Облыстық кітапхана"],
    })
    library.add("m1", dc=dc)
    root = oai_get(verb="GetRecord", identifier="oai:olketanu.kz:m1", metadataPrefix="mods")
    mods = root.find(".//mods:mods", NS)
    assert mods.get("version") == "3.7"
    assert mods.find("mods:titleInfo[@usage='primary']/mods:title", NS).text == "Өскемен шежіресі"
    assert mods.find("mods:titleInfo[@type='translated']/mods:title", NS).text == "Летопись"
    assert mods.find("mods:name/mods:role/mods:roleTerm[@type='code']", NS).text == "cre"
    assert mods.find("mods:typeOfResource", NS).text == "text"
    assert mods.find("mods:originInfo/mods:dateIssued[@keyDate='yes']", NS).get("encoding") == "edtf"
    assert {e.text for e in mods.iterfind("mods:language/mods:languageTerm[@authority='iso639-2b']", NS)} == {"kaz", "rus"}
    assert mods.find("mods:language/mods:scriptTerm", NS).text == "Cyrl"
    assert mods.find("mods:subject/mods:geographic", NS).text == "Өскемен"
    assert mods.find("mods:subject/mods:temporal", NS).get("encoding") == "edtf"
    assert mods.find("mods:physicalDescription/mods:internetMediaType", NS).text == "image/tiff"
    assert mods.find("mods:relatedItem[@type='host']/mods:titleInfo/mods:title", NS).text == "Шығыс Қазақстан газеттері"
    assert mods.find("mods:identifier[@type='isbn']", NS) is not None
    access = mods.find("mods:accessCondition[@type='use and reproduction']", NS)
    assert access.get("{http://www.w3.org/1999/xlink}href") == "http://rightsstatements.org/vocab/InC/1.0/"
    urls = {u.get("access") or u.get("note"): u.text for u in mods.iterfind("mods:location/mods:url", NS)}
    assert urls == {"object in context": f"{BASE_URL}/items/m1", "iiif-manifest": f"{BASE_URL}/iiif/manifest/m1"}
