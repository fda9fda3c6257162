"""Presentation 3 manifests and collections: content, language maps, access, and schema validity."""
from __future__ import annotations

import json

import pytest

from tests.viewer.conftest import IIIF_SCHEMA_DIR, PREZ_BASE

FIXTURES = IIIF_SCHEMA_DIR / "presentation3-fixtures"
MUST_FAIL = {
    "broken_choice",
    "broken_collection",
    "broken_embedded_annos",
    "broken_service",
    "broken_simple_image",
    "non_cc_license",
    "collection_of_canvases",
    "old_format_label",
    "rights_lang_issues",
}


# --- the oracle itself ---------------------------------------------------------------------------
@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.stem)
def test_schema_oracle_judges_validator_fixtures(path, prez_schema_errors):
    errors = prez_schema_errors(json.loads(path.read_text(encoding="utf-8")))
    if path.stem in MUST_FAIL:
        assert errors, f"{path.name} should be rejected by the schema"
    else:
        assert errors == [], f"{path.name} should validate: {errors[:3]}"


def test_fixture_set_is_complete():
    names = {p.stem for p in FIXTURES.glob("*.json")}
    assert MUST_FAIL <= names and len(names) > len(MUST_FAIL) + 10


# --- manifests -----------------------------------------------------------------------------------
def _get(client, url, **kw):
    response = client.get(url, **kw)
    return response, (response.get_json(force=True) if response.data else None)


def test_multipage_multilingual_manifest(prez_client, prez_schema_errors):
    response, m = _get(prez_client, "/iiif/manifest/book1")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert prez_schema_errors(m) == []

    assert m["id"] == f"{PREZ_BASE}/iiif/manifest/book1"
    assert m["@context"][-1] == "http://iiif.io/api/presentation/3/context.json"
    # kk-Cyrl/ru/en tags become the primary-language keys viewers match on
    assert m["label"] == {
        "kk": ["Шығыс Қазақстан тарихы"],
        "ru": ["История Восточного Казахстана"],
        "en": ["History of East Kazakhstan"],
    }
    assert m["summary"] == {"kk": ["Өлкетану жинағы"], "ru": ["Краеведческий сборник"]}
    meta = {e["label"]["en"][0]: e["value"] for e in m["metadata"]}
    assert meta["Creator"] == {"none": ["Бекмаханов, Е."]}  # untagged -> "none"
    assert meta["Subject"] == {"kk": ["Өскемен"], "ru": ["Усть-Каменогорск"]}
    assert all(set(e["label"]) == {"kk", "ru", "en"} for e in m["metadata"])

    assert m["rights"] == "http://creativecommons.org/licenses/by/4.0/"  # https normalised
    assert m["navDate"] == "1925-01-01T00:00:00Z"
    assert m["requiredStatement"]["value"]["ru"] == ["Областная библиотека"]
    (provider,) = m["provider"]
    assert provider["type"] == "Agent" and provider["id"] == "http://library.test/"
    assert provider["homepage"][0]["id"] == "http://library.test/"
    assert provider["logo"][0]["id"] == f"{PREZ_BASE}/static/logo.png"
    assert m["homepage"][0] == {
        "id": f"{PREZ_BASE}/items/book1",
        "type": "Text",
        "label": m["label"],
        "format": "text/html",
    }
    thumb = m["thumbnail"][0]
    assert thumb["id"] == f"{PREZ_BASE}/iiif/3/book1-p1/full/200,/0/default.jpg"
    assert (thumb["width"], thumb["height"]) == (200, 280)
    assert thumb["service"][0]["type"] == "ImageService3"

    assert m["seeAlso"] == [
        {
            "id": f"{PREZ_BASE}/api/items/book1/dc.xml",
            "type": "Dataset",
            "label": {"en": ["Dublin Core (oai_dc)"]},
            "format": "application/xml",
            "profile": "http://www.openarchives.org/OAI/2.0/oai_dc/",
        }
    ]
    assert {(r["id"], r["format"]) for r in m["rendering"]} == {
        (f"{PREZ_BASE}/api/items/book1/pdf", "application/pdf"),
        (f"{PREZ_BASE}/api/items/book1/text", "text/plain"),
    }
    search1, search2 = m["service"]
    assert search1 == {
        "@context": "http://iiif.io/api/search/1/context.json",
        "@id": f"{PREZ_BASE}/iiif/search/1/book1",
        "@type": "SearchService1",
        "profile": "http://iiif.io/api/search/1/search",
    }
    assert search2 == {"id": f"{PREZ_BASE}/iiif/search/2/book1", "type": "SearchService2"}


def test_canvases_images_and_alto(prez_client):
    _, m = _get(prez_client, "/iiif/manifest/book1")
    assert len(m["items"]) == 3
    c1 = m["items"][0]
    assert c1["id"] == f"{PREZ_BASE}/iiif/manifest/book1/canvas/1"
    assert (c1["width"], c1["height"]) == (1000, 1400)
    anno = c1["items"][0]["items"][0]
    assert anno["motivation"] == "painting" and anno["target"] == c1["id"]
    body = anno["body"]
    assert body["id"] == f"{PREZ_BASE}/iiif/3/book1-p1/full/max/0/default.jpg"
    assert (body["type"], body["format"], body["width"], body["height"]) == ("Image", "image/jpeg", 1000, 1400)
    assert body["service"] == [{"id": f"{PREZ_BASE}/iiif/3/book1-p1", "type": "ImageService3", "profile": "level2"}]
    assert c1["seeAlso"] == [
        {
            "id": f"{PREZ_BASE}/api/items/book1/pages/1/alto",
            "type": "Dataset",
            "label": {"en": ["ALTO XML"]},
            "format": "application/xml",
            "profile": "http://www.loc.gov/standards/alto/",
        }
    ]
    assert "seeAlso" not in m["items"][2]  # page 3 has no OCR


def test_item_without_date_rights_or_text(prez_client, prez_schema_errors):
    _, m = _get(prez_client, "/iiif/manifest/photo1")
    assert prez_schema_errors(m) == []
    assert m["label"] == {"none": ["Өскемен көшесі"]}
    for absent in ("navDate", "rights", "summary", "service", "rendering"):
        assert absent not in m
    assert m["@context"] == "http://iiif.io/api/presentation/3/context.json"
    assert m["homepage"][0]["id"] == f"{PREZ_BASE}/items/photo1"
    # thumbnails never ask for more than the page has
    assert m["items"][0]["thumbnail"][0]["width"] == 200


def test_free_text_date_and_non_vocabulary_rights(prez_source, prez_options, prez_schema_errors):
    from dataclasses import replace

    from metadata.dc import DCRecord
    from viewer.manifest import build_manifest

    item = replace(
        prez_source.item("photo1"),
        record=DCRecord({"title": ["X"], "date": ["1930-е жылдар"], "rights": ["Барлық құқықтар қорғалған"]}),
    )
    m = build_manifest(item, prez_options)
    assert "navDate" not in m and "rights" not in m
    assert prez_schema_errors(m) == []


def test_html_like_values_are_escaped(prez_source, prez_options):
    from dataclasses import replace

    from metadata.dc import DCRecord
    from viewer.manifest import build_manifest

    item = replace(prez_source.item("photo1"), record=DCRecord({"title": ["<script>alert(1)</script>"]}))
    assert build_manifest(item, prez_options)["label"] == {"none": ["&lt;script&gt;alert(1)&lt;/script&gt;"]}


def test_json_ld_content_negotiation(prez_client):
    response = prez_client.get("/iiif/manifest/book1", headers={"Accept": "application/ld+json"})
    assert response.headers["Content-Type"] == (
        'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'
    )
    assert prez_client.get("/iiif/manifest/book1").headers["Content-Type"] == "application/json"


def test_restricted_item_is_403_and_leaks_nothing(prez_client):
    for url in ("/iiif/manifest/secret", "/iiif/search/1/secret?q=Өскемен", "/iiif/search/2/secret?q=x",
                "/iiif/viewer/secret"):
        response = prez_client.get(url)
        assert response.status_code == 403, url
        assert "Құпия" not in response.get_data(as_text=True)
        assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_unknown_item_and_collection_are_404(prez_client):
    assert prez_client.get("/iiif/manifest/nope").status_code == 404
    assert prez_client.get("/iiif/collection/nope").status_code == 404
    assert prez_client.get("/iiif/search/1/nope?q=a").status_code == 404


# --- collections ---------------------------------------------------------------------------------
def test_collection_tree(prez_client, prez_schema_errors):
    response, top = _get(prez_client, "/iiif/collection/top")
    assert response.status_code == 200 and prez_schema_errors(top) == []
    assert top["type"] == "Collection" and top["label"] == {"none": ["Ölketanu"]}
    assert [(i["id"], i["type"]) for i in top["items"]] == [(f"{PREZ_BASE}/iiif/collection/kraeved", "Collection")]

    _, kraeved = _get(prez_client, "/iiif/collection/kraeved")
    assert prez_schema_errors(kraeved) == []
    assert kraeved["label"] == {"kk": ["Өлкетану"], "ru": ["Краеведение"]}
    members = [(i["type"], i["id"]) for i in kraeved["items"]]
    # sub-collection first; the restricted item is not listed at all
    assert members == [
        ("Collection", f"{PREZ_BASE}/iiif/collection/newspapers"),
        ("Manifest", f"{PREZ_BASE}/iiif/manifest/book1"),
    ]
    book = kraeved["items"][1]
    assert book["label"]["kk"] == ["Шығыс Қазақстан тарихы"]
    assert book["thumbnail"][0]["id"].endswith("/iiif/3/book1-p1/full/200,/0/default.jpg")
    assert "secret" not in json.dumps(kraeved) and "Құпия" not in json.dumps(kraeved, ensure_ascii=False)

    _, papers = _get(prez_client, "/iiif/collection/newspapers")
    assert prez_schema_errors(papers) == []
    assert [i["id"] for i in papers["items"]] == [f"{PREZ_BASE}/iiif/manifest/photo1"]
