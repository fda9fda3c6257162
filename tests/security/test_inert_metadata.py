"""Metadata with `<script>` and `javascript:` URLs renders inert everywhere it is shown (issue 7).

The hostile values sit in title, description, identifier, relation and rights. HTML pages are parsed:
every `<script>` must be an external file or a JSON island that still parses (no break-out with
`</script>`), no attribute may be an event handler, and no link/src/action may use `javascript:`.
The manifest must carry the values as plain JSON strings; OAI as escaped XML text.
"""
from __future__ import annotations

import html
import json
from html.parser import HTMLParser

import pytest
from lxml import etree

from metadata.dc import DCRecord
from repository.catalog_adapter import RepositoryCatalog
from repository.catalogue import import_files, link_item
from repository.collections import create_collection
from tests.catalogue import records
from tests.repository.conftest import ingested
from tests.security.conftest import ACTOR, CATALOGUE_RECORD, security_app
from tests.staff.conftest import login

TITLE = "<script>alert(1)</script>Evilmarker </script><script>alert(2)</script>"
DESCRIPTION = '<img src=x onerror="alert(3)"><a href="javascript:alert(4)">click</a>'
JS_URLS = ["javascript:alert(1)", "JAVASCRIPT:alert(5)", " javascript:alert(6)", "java\tscript:alert(7)",
           "data:text/html,<script>alert(8)</script>"]
RIGHTS = "javascript:alert(9)"
ITEM = "kzevil0001"
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}


def hostile_record() -> DCRecord:
    return DCRecord.from_json({
        "title": [{"value": TITLE, "lang": "en"}],
        "description": [{"value": DESCRIPTION, "lang": "en"}],
        "identifier": [{"value": v} for v in JS_URLS],
        "relation": [{"value": v} for v in JS_URLS] + [{"value": "https://example.org/a?b=1&c=2"}],
        "rights": [{"value": RIGHTS}],
        "creator": [{"value": "<b onmouseover=alert(10)>Creator</b>"}],
        "date": [{"value": "1928"}], "type": [{"value": "Text"}], "language": [{"value": "en"}],
    })


class Inspector(HTMLParser):
    """Collects what would run in a browser: scripts, event-handler attributes, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._script: dict[str, str | None] | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and value is not None:
                squeezed = "".join(ch for ch in value if ord(ch) > 32).lower()  # browsers drop these
                if squeezed.startswith(("javascript:", "vbscript:", "data:text/html")):
                    self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            self._script, self._script_text = dict(attrs), []

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag != "script" or self._script is None:
            return
        text = "".join(self._script_text)
        if self._script.get("type") == "application/json":
            try:
                json.loads(text)
            except ValueError:
                self.problems.append(f"a JSON island that no longer parses: {text[:80]!r}")
        elif not self._script.get("src") or text.strip():
            self.problems.append(f"an inline script: {text[:80]!r}")
        self._script = None


def assert_inert(html: str, where: str) -> None:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    assert inspector.problems == [], where


@pytest.fixture(scope="module")
def evil(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("evil")
    app = security_app(tmp_path)
    services = app.extensions["olketanu"]
    create_collection(services, ACTOR, "papers", {"en": ["Newspapers"]})
    RepositoryCatalog(services).register_item(ingested(ITEM, pages=2, publish=True, collection_id="papers",
                                                       store=services.store, record_=hostile_record()))
    import_files(services, ACTOR, [records.write(tmp_path / "cat.mrc", records.kazakh_book().as_marc())])
    link_item(services, ACTOR, ITEM, CATALOGUE_RECORD)
    yield app
    services.close()


PUBLIC_PAGES = ["/items/{id}", "/items/{id}?page=2&q=Evilmarker", "/items/{id}/copy", "/search?q=Evilmarker",
                "/search?q=alert", "/", "/collections/papers", "/collections", f"/catalogue/{CATALOGUE_RECORD}",
                "/iiif/viewer/{id}"]
STAFF_PAGES = ["/staff/", "/staff/items", "/staff/items/{id}"]


@pytest.mark.parametrize("path", PUBLIC_PAGES + STAFF_PAGES)
def test_html_pages_are_inert(evil, path):
    client = evil.test_client()
    if path.startswith("/staff"):
        assert login(client, "staff").status_code == 302
    response = client.get(path.format(id=ITEM))
    assert response.status_code == 200 and response.mimetype == "text/html", response.status_code
    html = response.get_data(as_text=True)
    if path not in ("/collections", "/staff/"):  # these list collections and jobs, not items
        assert "evilmarker" in html.lower(), "the item is on the page (or the check proves nothing)"
    assert_inert(html, path)


def test_item_page_shows_the_values_as_text(evil):
    html = evil.test_client().get(f"/items/{ITEM}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Evilmarker" in html
    assert "&lt;img src=x onerror=" in html
    assert 'href="https://example.org/a?b=1&amp;c=2"' in html  # a real http(s) URL stays a link


def test_citations_are_plain_text(evil):
    client = evil.test_client()
    for fmt in ("txt", "bib", "ris"):
        response = client.get(f"/items/{ITEM}/cite.{fmt}")
        assert response.status_code == 200 and response.mimetype != "text/html", fmt
        assert "attachment" in response.headers["Content-Disposition"]


def test_manifest_carries_plain_strings(evil):
    """Plain JSON strings that no IIIF client takes for HTML.

    IIIF clients treat a string that starts with `<` as HTML (Presentation 3, §4.4); the manifest
    escapes exactly those values, so a viewer shows them as text. Other values are verbatim.
    """
    response = evil.test_client().get(f"/iiif/manifest/{ITEM}")
    assert response.status_code == 200 and response.mimetype == "application/json"
    manifest = response.get_json()
    strings = list(_strings(manifest))
    assert manifest["label"] == {"en": [html.escape(TITLE, quote=False)]}
    assert html.escape(DESCRIPTION, quote=False) in strings
    assert all(not s.lstrip().startswith("<") for s in strings), [s for s in strings if s.lstrip().startswith("<")]
    assert "javascript:alert(1)" in strings  # a non-HTML value stays as it was: text, not a link
    for link in _links(manifest):
        assert link.strip().lower().startswith(("http://", "https://")), link


def test_api_and_search_json_carry_plain_strings(evil):
    client = evil.test_client()
    item = client.get(f"/api/items/{ITEM}")
    assert item.mimetype == "application/json" and item.get_json()["title"] == TITLE
    hits = client.get("/api/search?q=Evilmarker").get_json()["hits"]
    assert [h["id"] for h in hits] == [ITEM]
    dc_xml = client.get(f"/api/items/{ITEM}/dc.xml")
    assert dc_xml.mimetype == "application/xml"
    assert etree.fromstring(dc_xml.data).findtext("{http://purl.org/dc/elements/1.1/}title") == TITLE


@pytest.mark.parametrize("prefix", ["oai_dc", "mods"])
def test_oai_escapes_the_values(evil, prefix):
    response = evil.test_client().get("/oai", query_string={
        "verb": "GetRecord", "identifier": f"oai:olketanu.kz:{ITEM}", "metadataPrefix": prefix})
    assert response.status_code == 200
    raw = response.get_data(as_text=True)
    assert "<script>" not in raw and "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    root = etree.fromstring(response.data)  # well-formed: the values did not break the XML
    texts = {(el.text or "") for el in root.iter() if isinstance(el.tag, str)}
    assert TITLE in texts and DESCRIPTION in texts


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _links(value):
    """Every `id` of a linking resource (homepage, seeAlso, rendering, service …) in the manifest."""
    if isinstance(value, dict):
        if isinstance(value.get("id"), str):
            yield value["id"]
        for v in value.values():
            yield from _links(v)
    elif isinstance(value, list):
        for v in value:
            yield from _links(v)
