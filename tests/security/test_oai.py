"""OAI-PMH gives harvesters what `oai.restricted_metadata` promises, and nothing more (issue 7, channel 5).

- `visible` (the default): a restricted item that is published is harvested with its metadata and the
  link to its item page, but with no image, thumbnail or manifest link (and never its OCR text);
- `hidden`: the same item is reported as deleted (a header, no metadata);
- a draft never published is never there (`idDoesNotExist`, absent from every list);
- a withdrawn item is a deletion: a header with status="deleted", no metadata, no title.
"""
from __future__ import annotations

import pytest
from lxml import etree

from repository.catalog_adapter import RepositoryCatalog
from repository.items import set_access
from tests.repository.conftest import ingested
from tests.security.conftest import ACTOR, RESTRICTED
from tests.web.conftest import dc

NS = {"oai": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/",
      "mods": "http://www.loc.gov/mods/v3"}
PREFIXES = ("oai_dc", "mods")


def oai(client, **args: str) -> etree._Element:
    response = client.get("/oai", query_string=args)
    assert response.status_code == 200 and response.mimetype == "text/xml", response.status_code
    return etree.fromstring(response.data)


def error_code(root: etree._Element) -> str | None:
    error = root.find("oai:error", NS)
    return None if error is None else error.get("code")


def record_for(root: etree._Element, item_id: str) -> etree._Element | None:
    for record in root.iterfind(".//oai:record", NS):
        if record.findtext("oai:header/oai:identifier", namespaces=NS).endswith(f":{item_id}"):
            return record
    return None


def text_of(element: etree._Element) -> str:
    return etree.tostring(element, encoding="unicode").lower()


def oai_id(item_id: str) -> str:
    return f"oai:olketanu.kz:{item_id}"


def check_visible_restricted(record: etree._Element, secret) -> None:
    """Metadata and the page link; no manifest, image or thumbnail link; no OCR text."""
    assert record.find("oai:header", NS).get("status") is None
    body = text_of(record.find("oai:metadata", NS))
    assert secret.title_marker.lower() in body
    assert f"/items/{secret.item_id}" in body
    assert "/iiif/" not in body and "manifest" not in body
    assert secret.ocr_word not in body


def check_deleted(record: etree._Element, secret) -> None:
    assert record.find("oai:header", NS).get("status") == "deleted"
    assert record.find("oai:metadata", NS) is None
    assert secret.title_marker.lower() not in text_of(record)


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("state", RESTRICTED)
def test_get_record(anonymous, site, state, prefix):
    secret = site.items[state]
    root = oai(anonymous, verb="GetRecord", identifier=oai_id(secret.item_id), metadataPrefix=prefix)
    if state == "draft":
        assert error_code(root) == "idDoesNotExist"
        assert secret.title_marker.lower() not in text_of(root)
    elif state == "withdrawn":
        check_deleted(record_for(root, secret.item_id), secret)
    else:
        check_visible_restricted(record_for(root, secret.item_id), secret)


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("state", RESTRICTED)
def test_list_records(anonymous, site, state, prefix):
    secret = site.items[state]
    root = oai(anonymous, verb="ListRecords", metadataPrefix=prefix)
    assert root.find(".//oai:resumptionToken", NS) is None or not root.findtext(".//oai:resumptionToken", namespaces=NS)
    record = record_for(root, secret.item_id)
    if state == "draft":
        assert record is None
        assert secret.item_id not in text_of(root) and secret.title_marker.lower() not in text_of(root)
    elif state == "withdrawn":
        check_deleted(record, secret)
    else:
        check_visible_restricted(record, secret)


def test_the_public_item_has_its_manifest_link(anonymous, site):
    """The control: a public item's record does carry the manifest, so its absence above means something."""
    public = site.public
    for prefix in PREFIXES:
        root = oai(anonymous, verb="GetRecord", identifier=oai_id(public.item_id), metadataPrefix=prefix)
        assert f"/iiif/manifest/{public.item_id}" in text_of(record_for(root, public.item_id)), prefix


def test_list_identifiers_never_shows_a_draft(anonymous, site):
    root = oai(anonymous, verb="ListIdentifiers", metadataPrefix="oai_dc")
    listed = {h.findtext("oai:identifier", namespaces=NS).rsplit(":", 1)[-1]: h.get("status")
              for h in root.iterfind(".//oai:header", NS)}
    items = site.items
    assert items["draft"].item_id not in listed
    assert listed[items["withdrawn"].item_id] == "deleted"
    assert listed[items["staff"].item_id] is None and listed[items["public"].item_id] is None


@pytest.mark.parametrize("access", ["staff", "reading-room"])
def test_hidden_restricted_metadata_looks_deleted(fresh_app, access):
    app = fresh_app(**{"oai.restricted_metadata": "hidden"})
    services = app.extensions["olketanu"]
    RepositoryCatalog(services).register_item(ingested("kzsecret01", pages=1, publish=True, store=services.store,
                                                       record_=dc("Hiddenmarker chronicle")))
    set_access(services, ACTOR, "kzsecret01", access)
    client = app.test_client()
    for prefix in PREFIXES:
        for root in (oai(client, verb="GetRecord", identifier=oai_id("kzsecret01"), metadataPrefix=prefix),
                     oai(client, verb="ListRecords", metadataPrefix=prefix)):
            record = record_for(root, "kzsecret01")
            assert record.find("oai:header", NS).get("status") == "deleted", prefix
            assert record.find("oai:metadata", NS) is None
            assert "hiddenmarker" not in text_of(root)
