"""Paging of a collection on the real app: the public HTML page (`?page=N`) and the IIIF Collections.

The `papers` collection holds seven public items (`run01`…`run07`, added in that order), a draft, an
item open to staff only and one open in the reading room. Page sizes are set to 3 for the test (HTML
and IIIF alike), so an anonymous reader gets pages of 3, 3 and 1 items, and a logged-in staff member,
who may also see the two restricted published items (never the draft), pages of 3, 3 and 3.
"""
from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import jsonschema
import pytest

from repository.users import create_user
from repository.web import public
from tests.staff.conftest import USERS, login
from tests.viewer.conftest import IIIF_SCHEMA_DIR
from viewer import collections as iiif_collections

PER_PAGE = 3
PUBLIC = [f"run{n:02d}" for n in range(1, 8)]
HIDDEN = ("draft1", "staff1", "room1")


@pytest.fixture
def papers(monkeypatch, collections, add_item):
    monkeypatch.setattr(public, "COLLECTION_PER_PAGE", PER_PAGE)
    monkeypatch.setattr(iiif_collections, "ITEMS_PER_PAGE", PER_PAGE)
    for item_id in PUBLIC:
        add_item(item_id, collection="papers", pages=1)
    add_item("draft1", collection="papers", pages=1, published=False)
    add_item("staff1", collection="papers", pages=1, access="staff")
    add_item("room1", collection="papers", pages=1, access="reading-room")
    return "papers"


@pytest.fixture
def staff(app, services):
    username, password, role = USERS["staff"]
    create_user(services, "test", username, password, role)
    client = app.test_client()
    assert login(client, "staff").status_code == 302
    return client


@pytest.fixture(scope="module")
def schema_errors():
    schema = json.loads((IIIF_SCHEMA_DIR / "iiif_3_0.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    return lambda document: [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                             for e in validator.iter_errors(document)]


def text_of(response) -> str:
    return response.get_data(as_text=True)


def listed(html: str) -> list[str]:
    """Item ids of the cards in the collection's item list, in page order."""
    section = html.split('id="items-title"', 1)[1]
    return re.findall(r'<li class="card">\s*<a href="/items/([^"]+)"', section)


# --- the HTML page --------------------------------------------------------------------------------


@pytest.mark.parametrize("page, expected", [(1, PUBLIC[0:3]), (2, PUBLIC[3:6]), (3, PUBLIC[6:7])],
                         ids=["first", "middle", "last"])
def test_html_pages_list_their_items_in_order(client, papers, page, expected):
    response = client.get(f"/collections/papers?page={page}&lang=en")
    assert response.status_code == 200
    html = text_of(response)
    assert listed(html) == expected
    assert "(7)" in html  # the total counts only what an anonymous reader may see
    first, last = (page - 1) * PER_PAGE + 1, (page - 1) * PER_PAGE + len(expected)
    assert f"Items {first}–{last} of 7" in html and f"Page {page} of 3" in html
    assert f"<title>Newspapers (Page {page} of 3)" in html


def test_first_page_is_the_default(client, papers):
    assert listed(text_of(client.get("/collections/papers"))) == PUBLIC[0:3]
    assert listed(text_of(client.get("/collections/papers?page="))) == PUBLIC[0:3]


def test_prev_and_next_links(client, papers):
    first = text_of(client.get("/collections/papers?page=1"))
    assert 'rel="prev"' not in first
    assert '<link rel="next" href="/collections/papers?page=2">' in first
    assert 'href="/collections/papers?page=2" rel="next"' in first
    middle = text_of(client.get("/collections/papers?page=2"))
    assert '<link rel="prev" href="/collections/papers?page=1">' in middle
    assert '<link rel="next" href="/collections/papers?page=3">' in middle
    assert 'href="/collections/papers?page=1" rel="prev"' in middle and 'href="/collections/papers?page=3" rel="next"' in middle
    last = text_of(client.get("/collections/papers?page=3"))
    assert 'rel="next"' not in last and '<link rel="prev" href="/collections/papers?page=2">' in last
    # the language choice and other parameters survive paging
    assert 'href="/collections/papers?lang=ru&amp;page=3" rel="next"' in text_of(
        client.get("/collections/papers?lang=ru&page=2"))


@pytest.mark.parametrize("lang, items_range, page_of", [
    ("kk", "7 материалдың 4–6 аралығы", "3 беттің 2-беті"),
    ("ru", "Материалы 4–6 из 7", "Страница 2 из 3"),
    ("en", "Items 4–6 of 7", "Page 2 of 3"),
])
def test_page_labels_are_translated(client, papers, lang, items_range, page_of):
    html = text_of(client.get(f"/collections/papers?page=2&lang={lang}"))
    assert f'<html lang="{lang}"' in html and items_range in html and page_of in html


def test_one_page_collections_show_no_pager(client, collections, add_item):
    add_item("item1", collection="photos")
    html = text_of(client.get("/collections/photos?lang=en"))
    assert listed(html) == ["item1"]
    assert "Page 1 of" not in html and 'rel="next"' not in html and 'class="pagination"' not in html
    empty = client.get("/collections/local?lang=en")  # no items of its own: page 1 exists, page 2 does not
    assert empty.status_code == 200 and "no items of its own" in text_of(empty)
    assert client.get("/collections/local?page=2").status_code == 404


@pytest.mark.parametrize("page", ["4", "50", "100000"])
def test_html_page_past_the_last_is_404(client, papers, page):
    response = client.get(f"/collections/papers?page={page}&lang=en")
    assert response.status_code == 404
    assert "text/html" in response.content_type and "Page not found" in text_of(response)


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "+2", "２", "1e3", "100001", "99999999999999999999"])
def test_html_page_that_is_not_a_page_number_is_400(client, papers, page):
    response = client.get("/collections/papers", query_string={"page": page, "lang": "en"})
    assert response.status_code == 400
    assert "text/html" in response.content_type and "must be a page number" in text_of(response)


def test_html_pages_have_no_inline_script(client, papers):
    response = client.get("/collections/papers?page=2")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src" in policy and "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";")[0]
    for tag in re.findall(r"<script\b[^>]*>", text_of(response)):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def test_html_pages_neither_count_nor_list_hidden_items(client, staff, papers):
    seen = []
    for page in (1, 2, 3):
        html = text_of(client.get(f"/collections/papers?page={page}&lang=en"))
        seen += listed(html)
        assert not any(hidden in html for hidden in HIDDEN)
    assert seen == PUBLIC
    assert client.get("/collections/papers?page=4").status_code == 404
    # staff see the restricted published items on the public pages (in the order they were added), never the draft
    staff_seen = []
    for page in (1, 2, 3):
        html = text_of(staff.get(f"/collections/papers?page={page}&lang=en"))
        assert "(9)" in html and "Page %d of 3" % page in html and "draft1" not in html
        staff_seen += listed(html)
    assert staff_seen == PUBLIC + ["staff1", "room1"]


# --- the IIIF Collections on the real repository Source ------------------------------------------


def _iiif(client, url: str) -> dict:
    response = client.get(urlsplit(url).path)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_json()


def _walk(client, schema_errors) -> tuple[dict, list[dict], list[str]]:
    """The collection, its page documents (each schema-checked) and the item ids they list, in order."""
    top = _iiif(client, "/iiif/collection/papers")
    assert schema_errors(top) == []
    pages, ids = [], []
    for ref in top["items"]:
        if "/page/" not in ref["id"]:
            continue
        document = _iiif(client, ref["id"])
        assert schema_errors(document) == [], ref["id"]
        assert document["partOf"][0]["id"] == top["id"] and document["label"] == ref["label"]
        pages.append(document)
        ids += [m["id"].rsplit("/", 1)[1] for m in document["items"]]
    return top, pages, ids


def test_iiif_pages_for_anonymous_readers(client, papers, schema_errors):
    top, pages, ids = _walk(client, schema_errors)
    assert ids == PUBLIC  # ordered by id, every visible item once
    assert [len(p["items"]) for p in pages] == [3, 3, 1]
    assert [ref["label"]["en"] for ref in top["items"]] == [["Newspapers, 1–3"], ["Newspapers, 4–6"], ["Newspapers, 7"]]
    everything = json.dumps([top, *pages])
    assert not any(hidden in everything for hidden in HIDDEN)
    assert client.get("/iiif/collection/papers/page/4").status_code == 404
    assert client.get("/iiif/collection/papers/page/x").status_code == 400


def test_iiif_pages_for_staff_include_restricted_published_items(staff, papers, schema_errors):
    top, pages, ids = _walk(staff, schema_errors)
    assert ids == sorted(PUBLIC + ["staff1", "room1"]) and "draft1" not in ids
    assert [len(p["items"]) for p in pages] == [3, 3, 3]
    assert top["items"][-1]["label"]["en"] == ["Newspapers, 7–9"]


def test_iiif_small_collection_stays_one_document(client, collections, add_item, schema_errors):
    add_item("item1", collection="photos")
    add_item("item2", collection="photos", published=False)
    photos = _iiif(client, "/iiif/collection/photos")
    assert schema_errors(photos) == []
    assert [m["id"].rsplit("/", 1)[1] for m in photos["items"]] == ["item1"]
    assert client.get("/iiif/collection/photos/page/1").status_code == 404
