"""GET /api/search through the Flask app (SQLite backend; the web layer is the same for every backend)."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from repository import create_app
from repository.search.api import OPENAPI_PATHS
from repository.search.service import EXTENSION, init_app
from tests.search.db import ingest, make_config


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = create_app(make_config(tmp_path_factory.mktemp("app")))
    app.config["TESTING"] = True
    if EXTENSION not in app.extensions:  # until create_app calls init_app itself
        init_app(app, app.extensions["olketanu"])
    services = app.extensions["olketanu"]
    ingest(services, "kzapi001", "Өскемен тарихы", ["Бірінші бет", "Ертіс өзені жағасы"])
    ingest(services, "kzapi002", "Өскемен құпия", ["Ертіс"], access="staff")
    ingest(services, "kzapi003", "Өскемен жобасы", ["Ертіс"], publish=False)
    yield app
    app.extensions[EXTENSION].close()
    services.close()


def test_search_answers_json_with_hits_facets_and_paging(app):
    response = app.test_client().get("/api/search", query_string={"q": "Oskemen Ертіс", "per_page": 5})
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 1 and body["page"] == 1 and body["per_page"] == 5 and body["pages"] == 1
    hit = body["hits"][0]
    assert hit["id"] == "kzapi001" and hit["pages"] == [2] and hit["title_html"] == "<mark>Өскемен</mark> тарихы"
    assert {"field": "text", "page": 2, "html": "<mark>Ертіс</mark> өзені жағасы"} in hit["snippets"]
    assert body["facets"]["source"] == [{"value": "archive", "count": 1}]
    assert body["facets"]["decade"] == [{"value": "1920", "count": 1}]


def test_filters_and_fulltext_parameters(app):
    client = app.test_client()
    assert client.get("/api/search?q=Ертіс&decade=1920&language=kk&fulltext=1").get_json()["total"] == 1
    assert client.get("/api/search?q=Ертіс&decade=1930").get_json()["total"] == 0
    assert client.get("/api/search?q=Ертіс&date_from=1900&date_to=1930&sort=date").get_json()["total"] == 1
    assert client.get("/api/search?source=catalogue").get_json()["total"] == 0


@pytest.mark.parametrize("query, message", [
    ({"q": '"Өскемен'}, "never closed"),
    ({"q": "Өскемен NOT"}, "NOT must be followed"),
    ({"q": "x", "page": "abc"}, "page must be a whole number"),
    ({"q": "x", "per_page": "1000"}, "per_page must be between"),
    ({"q": "x", "sort": "colour"}, "sort must be one of"),
    ({"q": "x", "fulltext": "maybe"}, "fulltext must be"),
    ({"q": "x", "date_from": "soon"}, "date_from must be a year"),
])
def test_bad_queries_are_400_with_the_reason(app, query, message):
    response = app.test_client().get("/api/search", query_string=query)
    assert response.status_code == 400
    assert message in response.get_json()["error"]["message"]


def test_restricted_and_draft_items_are_not_shown_to_anonymous_callers(app):
    body = app.test_client().get("/api/search?q=Ертіс").get_json()
    assert [h["id"] for h in body["hits"]] == ["kzapi001"]
    assert sum(v["count"] for v in body["facets"]["source"]) == body["total"] == 1


def test_staff_see_restricted_items(app):
    from repository.users import create_user

    user = create_user(app.extensions["olketanu"], "test", "editor", "a long enough password 1", "staff")
    client = app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = user.id
    body = client.get("/api/search?q=Ертіс").get_json()
    assert sorted(h["id"] for h in body["hits"]) == ["kzapi001", "kzapi002"]  # drafts are never indexed


def test_openapi_description_covers_the_parameters():
    parameters = {p["name"] for p in OPENAPI_PATHS["/api/search"]["get"]["parameters"]}
    assert {"q", "collection", "type", "language", "decade", "date_from", "date_to", "subject", "place", "creator",
            "source", "fulltext", "sort", "page", "per_page"} <= parameters


def test_reindex_command_rebuilds_the_index(app):
    from repository.cli import build_cli
    from repository.search.sqlite import SqliteBackend

    config = app.extensions["olketanu"].config
    index = SqliteBackend(config.search_path)
    index.clear()
    assert app.test_client().get("/api/search?q=Oskemen").get_json()["total"] == 0
    result = CliRunner().invoke(build_cli(), ["--config", str(config.source), "reindex"],
                                env={"OLKETANU_REPOSITORY_DATA_DIR": str(config.data_dir)})
    assert result.exit_code == 0, result.output
    assert "indexed 2 published items" in result.output
    body = app.test_client().get("/api/search?q=Oskemen").get_json()
    assert [h["id"] for h in body["hits"]] == ["kzapi001"]
