"""The public pages through Flask's test client: status codes, languages, access, escaping, headers."""
from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from metadata.dc import DCRecord
from tests.web.conftest import csrf_from, dc


def text_of(response) -> str:
    return response.get_data(as_text=True)


# --- pages and status codes ---------------------------------------------------------------------


def test_home_lists_collections_with_counts_and_recent_items(client, collections, add_item):
    add_item("item1", collection="papers")
    add_item("item2", collection="photos")
    add_item("draft1", collection="papers", published=False)
    response = client.get("/")
    assert response.status_code == 200
    html = text_of(response)
    assert '<html lang="kk"' in html
    assert "Өлкетану" in html and "2 материал" in html  # the root collection counts the items below it
    assert "/iiif/3/item1~1/full/!200,200/0/default.jpg" in html  # thumbnails through IIIF
    assert "Өскемен хабары item2" in html and "draft1" not in html
    assert 'role="search"' in html and '<main id="content"' in html and 'href="#content"' in html


def test_collection_pages_are_hierarchical(client, collections, add_item):
    add_item("item1", collection="papers")
    index = text_of(client.get("/collections?lang=en"))
    assert "Local history" in index
    root = text_of(client.get("/collections/local"))
    assert "Newspapers" in root and "Sub-collections" in root
    page = client.get("/collections/papers")
    html = text_of(page)
    assert page.status_code == 200
    assert 'href="/collections/local"' in html  # breadcrumbs up to the parent
    assert "Өскемен хабары item1" in html
    assert client.get("/collections/papers?page=9").status_code == 404
    assert client.get("/collections/nothing").status_code == 404


def test_item_page_shows_viewer_metadata_downloads_citations(client, collections, add_item):
    add_item("item1", collection="papers", pages=3)
    response = client.get("/items/item1?page=2&q=Өскемен")
    assert response.status_code == 200
    html = text_of(response)
    config = re.search(r'<script type="application/json" id="mirador-config">(.*?)</script>', html, re.S)
    assert config and '"canvasIndex": 1' in config.group(1)  # page 2 is canvas index 1
    assert '"search": {"query": "Өскемен", "url": "http://127.0.0.1:5000/iiif/search/1/item1"}' in config.group(1)
    assert "/static/mirador/mirador.min.js" in html and "/iiif/static/js/viewer.js" in html
    assert "/api/items/item1/pdf" in html and "/api/items/item1/text" in html
    assert "/iiif/3/item1~2/full/800,/0/default.jpg" in html and "/iiif/3/item1~2/full/max/0/default.jpg" in html
    assert "oai:olketanu.kz:item1" in html
    assert "/iiif/manifest/item1?manifest=http://127.0.0.1:5000/iiif/manifest/item1" in html
    assert "/items/item1/cite.bib" in html and "/items/item1/cite.ris" in html
    assert 'name="csrf_token"' in html


def test_item_metadata_prefers_the_readers_language(client, add_item):
    record = dc("Кітапхана шежіресі", title=[{"value": "Кітапхана шежіресі", "lang": "kk-Cyrl"},
                                             {"value": "Летопись библиотеки", "lang": "ru"}])
    add_item("item1", record=record)
    kk = text_of(client.get("/items/item1?lang=kk"))
    assert '<h1 id="item-title" lang="kk-Cyrl">Кітапхана шежіресі</h1>' in kk
    assert '<span lang="ru">Летопись библиотеки</span> <span class="lang-label">(орыс тілі)</span>' in kk
    ru = text_of(client.get("/items/item1?lang=ru"))
    assert '<h1 id="item-title" lang="ru">Летопись библиотеки</h1>' in ru
    assert "(казахский" in ru  # the Kazakh title, labelled with its language in Russian


def test_search_page_shows_facets_snippets_and_pages(client, collections, add_item):
    add_item("item1", collection="papers")
    add_item("item2", collection="photos", record=dc("Сурет", type=[{"value": "StillImage"}]))
    response = client.get("/search?q=Өскемен")
    assert response.status_code == 200
    html = text_of(response)
    assert "<mark>Өскемен</mark>" in html  # the page text "Бет 1: Өскемен", marked
    assert 'type="checkbox" id="f-collection-' in html and 'name="collection" value="papers"' in html
    assert "/items/item1?page=1&amp;q=" in html  # matched page links carry the query
    narrowed = text_of(client.get("/search?q=Өскемен&collection=photos"))
    assert "item2" in narrowed and "/items/item1" not in narrowed
    assert re.search(r'name="collection" value="photos" checked', narrowed)


def test_empty_search_suggests_looser_and_other_script(client, add_item):
    add_item("item1")
    html = text_of(client.get("/search?q=Семипалатинскому+уезду&collection=papers"))
    assert "/search?q=" in html
    assert "Семипалатинскому OR уезду" in html  # any of the words
    assert "semipalatinskomu uezdu" in html  # the query in Latin letters (metadata.folding)


def test_bad_query_is_a_400_page_not_a_crash(client):
    response = client.get('/search?q="unclosed')
    assert response.status_code == 400
    assert "role=\"alert\"" in text_of(response)


def test_language_switch_sets_cookie_and_changes_interface(client):
    kk = text_of(client.get("/"))
    assert '<html lang="kk"' in kk and "Іздеу" in kk
    response = client.get("/?lang=ru")
    assert "olketanu_lang=ru" in response.headers["Set-Cookie"]
    assert '<html lang="ru"' in text_of(response) and "Поиск" in text_of(response)
    again = text_of(client.get("/collections"))  # the cookie remembers the choice
    assert '<html lang="ru"' in again and "Коллекции" in again
    en = text_of(client.get("/collections?lang=en"))
    assert '<html lang="en"' in en and "Collections" in en
    assert text_of(client.get("/?lang=xx")).count('<html lang="en"') == 1  # unknown: the remembered one


def test_numbers_are_localised(client, collections, add_item, services):
    add_item("item1", collection="papers")
    html = text_of(client.get("/items/item1?lang=ru"))
    assert re.search(r"<time datetime=\"\d{4}-\d{2}-\d{2}\">\d{1,2} [а-я]+ \d{4}", html)  # "5 мая 2025 г."


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("access", ["staff", "reading-room"])
def test_restricted_item_is_a_plain_404(client, add_item, access):
    add_item("secret1", record=dc("Құпия хат"), access=access)
    for tail in ("", "?page=2", "/cite.bib", "/copy"):
        response = client.get(f"/items/secret1{tail}")
        missing = client.get(f"/items/nothing1{tail}")
        assert response.status_code == missing.status_code == 404, tail
        # Exactly the answer a missing item gets (the only difference is the id in the address itself).
        assert text_of(response).replace("secret1", "ID") == text_of(missing).replace("nothing1", "ID")
        assert "Құпия" not in text_of(response)
    found = text_of(client.get("/search?q=Құпия"))
    assert "secret1" not in found and "<mark>" not in found  # the query is echoed; nothing about the item
    assert "Құпия" not in text_of(client.get("/"))


def test_draft_item_is_a_404(client, add_item):
    add_item("draft1", record=dc("Жоба"), published=False)
    assert client.get("/items/draft1").status_code == 404


@pytest.mark.parametrize("path", ["/items/..%2F..%2Fetc", "/items/%2e%2e", "/items/a%00b", "/items/..",
                                  "/collections/%2e%2e", "/collections/a%00b", "/items/a%00b/cite.txt"])
def test_hostile_identifiers_are_rejected(client, path):
    response = client.get(path)
    assert response.status_code in (400, 404), path
    assert "Traceback" not in text_of(response)


# --- escaping -----------------------------------------------------------------------------------


def test_hostile_metadata_renders_inert(client, collections, add_item):
    record = DCRecord.from_json({
        "title": [{"value": "<script>alert('t')</script>Газет", "lang": "kk"}],
        "description": [{"value": '<img src=x onerror="alert(1)">'}],
        "relation": [{"value": "javascript:alert(document.cookie)"}, {"value": "https://example.org/a?b=1&c=2"}],
        "identifier": [{"value": "JAVASCRIPT:alert(2)"}, {"value": " javascript:alert(3)"}],
        "date": [{"value": "1928"}], "type": [{"value": "Text"}], "language": [{"value": "kk"}],
    })
    add_item("evil1", record=record, collection="papers")
    for url in ("/items/evil1", "/search?q=Газет", "/", "/collections/papers"):
        html = text_of(client.get(url))
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert 'href="javascript:' not in html.lower() and "href=\" javascript" not in html.lower(), url
    item_html = text_of(client.get("/items/evil1"))
    assert "&lt;script&gt;alert(" in item_html
    assert 'href="https://example.org/a?b=1&amp;c=2"' in item_html


def test_search_snippets_are_checked_before_inserted():
    from repository.web.search_page import trusted_marks

    assert str(trusted_marks("a <mark>b</mark> &amp; c")) == "a <mark>b</mark> &amp; c"
    assert str(trusted_marks("<b>x</b>")) == "&lt;b&gt;x&lt;/b&gt;"
    assert str(trusted_marks("<mark>x</mark><script>")) == "&lt;mark&gt;x&lt;/mark&gt;&lt;script&gt;"
    assert str(trusted_marks("a & b")) == "a &amp; b"


# --- security headers, error pages, CSRF --------------------------------------------------------


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("style-src")[0]
    assert "frame-ancestors 'self'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert client.get("/api/items").headers["X-Content-Type-Options"] == "nosniff"


def test_error_pages_are_html_for_pages_and_json_for_the_api(client):
    page = client.get("/no/such/page?lang=ru")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "Страница не найдена" in text_of(page) and '<main id="content"' in text_of(page)
    api = client.get("/api/items/nothing")
    assert api.status_code == 404 and api.json["error"]["status"] == 404
    assert client.post("/").status_code in (400, 405)


def test_copy_request_needs_the_csrf_token(client, add_item):
    add_item("item1", pages=3)
    form = text_of(client.get("/items/item1/copy"))
    token = csrf_from(form)
    refused = client.post("/items/item1/copy", data={"pages": ["1"]})
    assert refused.status_code == 400 and refused.mimetype == "text/html"
    forged = client.post("/items/item1/copy", data={"pages": ["1"], "csrf_token": "x" * 43})
    assert forged.status_code == 400
    ok = client.post("/items/item1/copy", data={"pages": ["1"], "ranges": "3", "csrf_token": token})
    assert ok.status_code == 200 and ok.mimetype == "application/pdf"
    assert 'filename="item1-p1-3.pdf"' in ok.headers["Content-Disposition"]
    pdf = PdfReader(io.BytesIO(ok.data))
    assert len(pdf.pages) == 2 and "page 3" in pdf.pages[1].extract_text()


def test_copy_request_validates_pages(client, add_item):
    add_item("item1", pages=3)
    token = csrf_from(text_of(client.get("/items/item1/copy?lang=en")))
    for data, message in (({}, "Choose at least one page"), ({"ranges": "2-9"}, "This item has no page 4"),
                          ({"ranges": "x"}, "is not a page number")):
        response = client.post("/items/item1/copy", data={**data, "csrf_token": token})
        assert response.status_code == 400 and message in text_of(response), data


def test_api_and_oai_posts_are_not_csrf_checked(client):
    from repository.web.csrf import is_exempt

    assert is_exempt("/oai") and is_exempt("/api/search") and not is_exempt("/oaix") and not is_exempt("/items/x/copy")


def test_mirador_is_served_from_node_modules(client):
    response = client.get("/static/mirador/mirador.min.js")
    assert response.status_code == 200 and b"Mirador" in response.data[:5000] or len(response.data) > 100_000
    assert client.get("/static/mirador/../package.json").status_code == 404
