"""Paged IIIF Presentation 3 collections: a hierarchy of Collections, one per page of items.

A fake Source with a newspaper run of 7 issues and `ITEMS_PER_PAGE` set to 3: the collection lists its
sub-collection and three page Collections (3 + 3 + 1 issues), each page `partOf` the collection. Every
document validates against the IIIF Presentation 3 schema (tests/schemas/iiif).
"""
from __future__ import annotations

import json

import pytest

from metadata.dc import DCRecord, LangValue
from tests.viewer.conftest import PREZ_BASE
from viewer import collections as iiif_collections
from viewer.source import CollectionView, ItemView, PageView

PER_PAGE = 3
ISSUES = [f"issue{n:02d}" for n in range(1, 8)]  # the run's display order
RUN = f"{PREZ_BASE}/iiif/collection/run"


def _issue(item_id: str, n: int) -> ItemView:
    return ItemView(
        id=item_id,
        record=DCRecord({"title": [LangValue(f"Ертіс №{n}", "kk")], "date": [f"19{20 + n}"]}),
        pages=[PageView(1, "1", 1000, 1400, f"{item_id}-p1")],
        homepage=f"/items/{item_id}",
    )


@pytest.fixture
def paged(monkeypatch, prez_source):
    """prez_source plus `run` (7 visible issues, a sub-collection `supplements`) and `small` (2 items)."""
    monkeypatch.setattr(iiif_collections, "ITEMS_PER_PAGE", PER_PAGE)
    for n, item_id in enumerate(ISSUES, start=1):
        prez_source.items[item_id] = _issue(item_id, n)
    prez_source.collections["run"] = CollectionView(
        id="run", label={"kk": ["Ертіс газеті"], "ru": ["Газета «Иртыш»"]}, summary={"ru": ["Подшивка"]},
        item_ids=tuple(ISSUES), child_ids=("supplements",), homepage="/collections/run",
    )
    prez_source.collections["supplements"] = CollectionView(
        id="supplements", label={"kk": ["Қосымшалар"]}, summary=None, item_ids=("photo1",), child_ids=(),
        homepage="/collections/supplements",
    )
    prez_source.collections["small"] = CollectionView(
        id="small", label={"none": ["Small"]}, summary=None, item_ids=("book1", "photo1"), child_ids=(),
        homepage="/collections/small",
    )
    return prez_source


def _get(client, url):
    response = client.get(url)
    return response, response.get_json()


def _manifest_ids(document) -> list[str]:
    return [m["id"].rsplit("/", 1)[1] for m in document["items"] if m["type"] == "Manifest"]


def test_large_collection_links_its_pages(prez_client, paged, prez_schema_errors):
    response, run = _get(prez_client, "/iiif/collection/run")
    assert response.status_code == 200 and prez_schema_errors(run) == []
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert run["id"] == RUN and run["type"] == "Collection"
    assert run["label"] == {"kk": ["Ертіс газеті"], "ru": ["Газета «Иртыш»"]}
    assert run["summary"] == {"ru": ["Подшивка"]} and run["homepage"][0]["id"] == f"{PREZ_BASE}/collections/run"
    # sub-collections first, then one Collection per page, and no Manifest in the collection itself
    assert [(m["type"], m["id"]) for m in run["items"]] == [
        ("Collection", f"{PREZ_BASE}/iiif/collection/supplements"),
        ("Collection", f"{RUN}/page/1"),
        ("Collection", f"{RUN}/page/2"),
        ("Collection", f"{RUN}/page/3"),
    ]
    # page labels: the collection's label in each of its languages, with the page's positions
    assert run["items"][1]["label"] == {"kk": ["Ертіс газеті, 1–3"], "ru": ["Газета «Иртыш», 1–3"]}
    assert run["items"][2]["label"]["kk"] == ["Ертіс газеті, 4–6"]
    assert run["items"][3]["label"]["kk"] == ["Ертіс газеті, 7"]


@pytest.mark.parametrize("page, expected", [(1, ISSUES[0:3]), (2, ISSUES[3:6]), (3, ISSUES[6:7])],
                         ids=["first", "middle", "last"])
def test_each_page_lists_its_items_in_order(prez_client, paged, prez_schema_errors, page, expected):
    response, document = _get(prez_client, f"/iiif/collection/run/page/{page}")
    assert response.status_code == 200 and prez_schema_errors(document) == []
    assert document["id"] == f"{RUN}/page/{page}" and document["type"] == "Collection"
    assert document["partOf"] == [{"id": RUN, "type": "Collection",
                                   "label": {"kk": ["Ертіс газеті"], "ru": ["Газета «Иртыш»"]}}]
    assert _manifest_ids(document) == expected
    assert all(m["type"] == "Manifest" for m in document["items"])  # sub-collections only in the parent
    first = document["items"][0]
    assert first["thumbnail"][0]["id"].endswith(f"/iiif/3/{expected[0]}-p1/full/200,/0/default.jpg")
    assert "navDate" in first and document["requiredStatement"] and document["provider"]


def test_pages_together_list_every_item_once_in_collection_order(prez_client, paged):
    _, run = _get(prez_client, "/iiif/collection/run")
    listed = []
    for ref in run["items"]:
        if "/page/" in ref["id"]:
            listed += _manifest_ids(_get(prez_client, ref["id"].removeprefix(PREZ_BASE))[1])
    assert listed == ISSUES
    # the same answer twice: stable
    assert _get(prez_client, "/iiif/collection/run/page/2")[1] == _get(prez_client, "/iiif/collection/run/page/2")[1]


@pytest.mark.parametrize("page", ["4", "99", "999999999"])
def test_a_page_past_the_last_is_404(prez_client, paged, page):
    response = prez_client.get(f"/iiif/collection/run/page/{page}")
    assert response.status_code == 404
    assert response.get_json()["status"] == 404 and "pages 1 to 3" in response.get_json()["error"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("page", ["0", "00", "-1", "abc", "1.5", "+2", "1e3", "２", "1234567890"])
def test_a_page_that_is_not_a_number_from_1_is_400(prez_client, paged, page):
    response = prez_client.get(f"/iiif/collection/run/page/{page}")
    assert response.status_code == 400 and response.get_json()["status"] == 400


def test_unknown_collection_pages_are_404(prez_client, paged):
    assert prez_client.get("/iiif/collection/nope/page/1").status_code == 404
    assert prez_client.get("/iiif/collection/top/page/1").status_code == 404


def test_a_collection_that_fits_lists_its_items_itself_and_has_no_pages(prez_client, paged, prez_schema_errors):
    response, small = _get(prez_client, "/iiif/collection/small")
    assert response.status_code == 200 and prez_schema_errors(small) == []
    assert _manifest_ids(small) == ["book1", "photo1"]
    assert prez_client.get("/iiif/collection/small/page/1").status_code == 404
    # exactly the page size: still one document
    paged.collections["small"] = CollectionView(
        id="small", label={"none": ["Small"]}, summary=None, item_ids=tuple(ISSUES[:PER_PAGE]), child_ids=(),
        homepage="/collections/small",
    )
    assert _manifest_ids(_get(prez_client, "/iiif/collection/small")[1]) == ISSUES[:PER_PAGE]
    assert prez_client.get("/iiif/collection/small/page/1").status_code == 404


def test_an_item_the_caller_may_not_see_is_not_listed_on_its_page(prez_client, paged, prez_schema_errors):
    # The Source promises visible item_ids; if one slipped through, its page still does not show it.
    paged.hidden.add("issue05")
    _, page2 = _get(prez_client, "/iiif/collection/run/page/2")
    assert prez_schema_errors(page2) == []
    assert _manifest_ids(page2) == ["issue04", "issue06"]
    assert "issue05" not in json.dumps(page2) and "№5" not in json.dumps(page2, ensure_ascii=False)

