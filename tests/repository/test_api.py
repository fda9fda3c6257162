"""REST API: payloads, paging, access rules, bad identifiers, errors as JSON, and OpenAPI coverage."""
from __future__ import annotations

import re
import shutil

import pytest
from openapi_spec_validator import validate as validate_openapi

from repository import collections, items, users
from repository.catalog_adapter import RepositoryCatalog
from repository import create_app
from tests.repository.conftest import ingested, make_config


@pytest.fixture(scope="module")
def archive_app(tmp_path_factory):
    """One app for the read-only tests: a public published item in a sub-collection, a reading-room
    one, a draft, a withdrawn one, and a staff account."""
    app = create_app(make_config(tmp_path_factory.mktemp("api")))
    services = app.extensions["olketanu"]
    collections.create_collection(services, "t", "newspapers", {"kk-Cyrl": ["Газеттер"]})
    collections.create_collection(services, "t", "east", "Шығыс", parent_id="newspapers")
    catalog = RepositoryCatalog(services)
    catalog.register_item(ingested("kzpublic1", publish=True, collection_id="east", store=services.store))
    catalog.register_item(ingested("kzroom1", publish=True, store=services.store))
    items.set_access(services, "t", "kzroom1", "reading-room")
    catalog.register_item(ingested("kzdraft1", store=services.store))
    catalog.register_item(ingested("kzgone1", publish=True, store=services.store))
    items.withdraw(services, "t", "kzgone1")
    app.staff_id = users.create_user(services, "t", "staff1", "a long enough password", "staff").id
    yield app
    services.close()


@pytest.fixture
def client(archive_app):
    return archive_app.test_client()


@pytest.fixture
def app(archive_app):
    return archive_app


@pytest.fixture
def archive(archive_app):
    return archive_app.extensions["olketanu"]


def login(client):
    with client.session_transaction() as session:
        session["user_id"] = client.application.staff_id


def test_item_payload(client, archive):
    body = client.get("/api/items/kzpublic1").get_json()
    assert body["status"] == "published" and body["access"] == "public"
    assert body["dc"]["title"][0] == {"value": "Өскемен хабары", "lang": "kk-Cyrl"}
    assert body["collection"] == {"id": "east", "set_spec": "newspapers:east"}
    assert body["manifest"].endswith("/iiif/manifest/kzpublic1")
    page = body["pages"][0]
    assert page["image_service"].endswith("/iiif/3/kzpublic1~1")
    assert page["thumbnail"].endswith("/iiif/3/kzpublic1~1/full/!200,200/0/default.jpg")
    assert page["text"].endswith("/api/items/kzpublic1/pages/1/text")
    assert page["alto"].endswith("/api/items/kzpublic1/pages/1/alto")
    assert body["oai_identifier"] == "oai:olketanu.kz:kzpublic1"


def test_files(client, archive):
    text = client.get("/api/items/kzpublic1/pages/2/text")
    assert text.status_code == 200 and text.mimetype == "text/plain" and text.mimetype_params["charset"] == "utf-8"
    assert text.get_data(as_text=True) == "Бет 2: Өскемен"
    alto = client.get("/api/items/kzpublic1/pages/1/alto")
    assert alto.status_code == 200 and alto.mimetype == "application/xml"
    assert client.get("/api/items/kzpublic1/pdf").data.startswith(b"%PDF")
    assert client.get("/api/items/kzpublic1/text").get_data(as_text=True) == "Өскемен"
    dc = client.get("/api/items/kzpublic1/dc.xml")
    assert dc.status_code == 200 and b"oai_dc:dc" in dc.data and "Өскемен хабары".encode() in dc.data
    assert client.get("/api/items/kzpublic1/pages/9/text").status_code == 404


RESTRICTED = ["kzroom1", "kzdraft1", "kzgone1"]
CHANNELS = ["", "/pages/1/text", "/pages/1/alto", "/pdf", "/text", "/dc.xml"]


@pytest.mark.parametrize("item_id", RESTRICTED)
def test_restricted_items_are_404_without_data_for_anonymous(client, archive, item_id):
    for channel in CHANNELS:
        response = client.get(f"/api/items/{item_id}{channel}")
        assert response.status_code == 404, channel
        assert item_id in response.get_json()["error"]["message"]
        assert "Өскемен" not in response.get_data(as_text=True)


@pytest.mark.parametrize("item_id", RESTRICTED)
def test_staff_see_restricted_items(client, archive, item_id):
    login(client)
    for channel in CHANNELS:
        assert client.get(f"/api/items/{item_id}{channel}").status_code == 200, channel


def test_reading_room_network_sees_reading_room_items(tmp_path):
    app = create_app(make_config(tmp_path, **{"web.reading_room_networks": "10.1.2.0/24"}))
    services = app.extensions["olketanu"]
    RepositoryCatalog(services).register_item(ingested("kzroom1", publish=True))
    items.set_access(services, "t", "kzroom1", "reading-room")
    client = app.test_client()
    assert client.get("/api/items/kzroom1", environ_base={"REMOTE_ADDR": "10.1.2.7"}).status_code == 200
    assert client.get("/api/items/kzroom1", environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 404
    services.close()


def test_list_shows_only_what_the_caller_may_see(client, archive):
    anonymous = client.get("/api/items").get_json()
    assert [i["id"] for i in anonymous["items"]] == ["kzpublic1"] and anonymous["total"] == 1
    assert client.get("/api/items?status=draft").status_code == 403
    login(client)
    staff = client.get("/api/items").get_json()
    assert sorted(i["id"] for i in staff["items"]) == sorted(["kzpublic1", "kzroom1", "kzdraft1", "kzgone1"])
    assert [i["id"] for i in client.get("/api/items?status=withdrawn").get_json()["items"]] == ["kzgone1"]


def test_list_filters_and_paging(client, archive):
    login(client)
    assert [i["id"] for i in client.get("/api/items?collection=newspapers").get_json()["items"]] == ["kzpublic1"]
    assert client.get("/api/items?collection=nope").status_code == 404
    everything = client.get("/api/items?per_page=100").get_json()["items"]
    stamps = [i["datestamp"] for i in everything]
    assert stamps == sorted(stamps)
    since = client.get(f"/api/items?changed_since={stamps[-1]}").get_json()["items"]
    assert [i["id"] for i in since] == [everything[-1]["id"]]
    by_page = [client.get(f"/api/items?per_page=1&page={n}").get_json()["items"][0]["id"] for n in range(1, 5)]
    by_cursor, url = [], "/api/items?per_page=3"
    while url:
        body = client.get(url).get_json()
        by_cursor += [i["id"] for i in body["items"]]
        url = body["next_cursor"] and f"/api/items?per_page=3&cursor={body['next_cursor']}"
    assert by_page == by_cursor == [i["id"] for i in everything]


@pytest.mark.parametrize("query", ["per_page=0", "per_page=201", "page=-1", "page=x", "status=lost",
                                   "changed_since=yesterday", "cursor=!!!"])
def test_bad_list_parameters_are_400(client, archive, query):
    response = client.get(f"/api/items?{query}")
    assert response.status_code == 400 and response.get_json()["error"]["message"]


@pytest.mark.parametrize("path", ["/api/items/..", "/api/items/%2e%2e", "/api/items/%2e%2e%2fetc",
                                  "/api/items/a%00b", "/api/items/..%2F..%2Fetc%2Fpasswd/pdf",
                                  "/api/collections/%2e%2e", "/api/items/kz%00/pages/1/text"])
def test_bad_identifiers_are_refused(client, archive, path):
    response = client.get(path)
    assert response.status_code in (400, 404)
    assert response.is_json and "error" in response.get_json()


def test_collections(client, archive):
    body = client.get("/api/collections").get_json()["collections"]
    by_id = {c["id"]: c for c in body}
    assert by_id["east"]["set_spec"] == "newspapers:east" and by_id["newspapers"]["children"] == ["east"]
    assert by_id["east"]["item_count"] == 1
    one = client.get("/api/collections/east").get_json()
    assert one["title"] == {"none": ["Шығыс"]}
    assert client.get("/api/collections/nope").status_code == 404


def test_jobs_need_staff(client, archive):
    assert client.get("/api/jobs/abc").status_code == 403


def test_health(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and {c["name"].split()[0] for c in body["components"]} == {"database", "storage", "search"}


def test_health_is_503_when_storage_is_gone(tmp_path):
    app = create_app(make_config(tmp_path))
    shutil.rmtree(app.extensions["olketanu"].config.storage_root)
    response = app.test_client().get("/api/health")
    assert response.status_code == 503 and response.get_json()["status"] == "failing"
    app.extensions["olketanu"].close()


def test_errors_are_json_under_api(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404 and response.get_json()["error"]["status"] == 404
    response = client.post("/api/items")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_openapi_describes_every_api_route_and_nothing_else(client, app):
    document = client.get("/api/openapi.json").get_json()
    validate_openapi(document)
    routes = {
        (_openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    described = {(path, method) for path, operations in document["paths"].items() for method in operations}
    assert routes == described


EVIDENCE = {"reason": "Latin script (92% of letters)", "profile": "kk_latn", "letters": 500,
            "restored_pre1918": {"Ъ→ѣ": 2},
            "doubtful_years": [{"token": "1956", "word": "1956.", "box": [10, 20, 30, 40], "confidence": 0.81}]}


def test_page_ocr_model_for_all_and_its_evidence_for_staff_only(tmp_path):
    import dataclasses

    app = create_app(make_config(tmp_path))
    services = app.extensions["olketanu"]
    try:
        item = ingested("kzocr1", publish=True)
        pages = [dataclasses.replace(p, ocr_model="Latin", ocr_evidence=EVIDENCE) for p in item.pages]
        RepositoryCatalog(services).register_item(dataclasses.replace(item, pages=pages))
        staff_id = users.create_user(services, "t", "staff1", "a long enough password", "staff").id
        client = app.test_client()
        public = client.get("/api/items/kzocr1").get_json()["pages"][0]["ocr"]
        assert public == {"confidence": 88.5, "flagged": False, "model": "Latin"}
        with client.session_transaction() as session:
            session["user_id"] = staff_id
        staff = client.get("/api/items/kzocr1").get_json()["pages"][0]["ocr"]
        assert staff["model"] == "Latin" and staff["reason"] == "Latin script (92% of letters)"
        assert staff["profile"] == "kk_latn" and staff["restored_pre1918"] == 2
        assert staff["doubtful_years"] == [{"token": "1956", "confidence": 0.81, "box": [10, 20, 30, 40]}]
    finally:
        services.close()
