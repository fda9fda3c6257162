"""The Mirador page and embed fragment: configuration, escaping, access (no browser needed)."""
from __future__ import annotations

import json
import re

from tests.viewer.conftest import PREZ_BASE

ISLAND = re.compile(r'<script type="application/json" id="mirador-config">(.*?)</script>', re.S)


def _island(html: str) -> dict:
    """The JSON data island the static viewer.js reads: {"config": Mirador's config, "search": …}."""
    match = ISLAND.search(html)
    assert match, html
    return json.loads(match.group(1))


def _config(html: str) -> dict:
    return _island(html)["config"]


def test_viewer_page_opens_manifest_at_page_with_search(prez_client):
    response = prez_client.get("/iiif/viewer/book1", query_string={"page": 2, "q": "Өскемен"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    html = response.get_data(as_text=True)
    assert '<script src="/static/mirador/mirador.min.js" defer></script>' in html
    assert '<script src="/iiif/static/js/viewer.js" data-config="mirador-config" defer></script>' in html
    assert "<title>Шығыс Қазақстан тарихы</title>" in html
    data = _island(html)
    config = data["config"]
    (window,) = config["windows"]
    assert window["manifestId"] == f"{PREZ_BASE}/iiif/manifest/book1"
    assert window["canvasIndex"] == 1
    # Mirador 4.0.0 crashes the window on defaultSearchQuery: viewer.js starts the search itself.
    assert "defaultSearchQuery" not in window
    assert data["search"] == {"url": f"{PREZ_BASE}/iiif/search/1/book1", "query": "Өскемен"}
    assert config["window"]["sideBarOpen"] is True
    assert config["window"]["sideBarPanel"] == "search"
    assert config["window"]["panels"]["search"] is True
    assert config["id"] == "mirador" and 'id="mirador"' in html


def test_no_inline_script(prez_client):
    # The site's CSP forbids inline scripts: every <script> is either a src or a JSON island.
    html = prez_client.get("/iiif/viewer/book1?q=x").get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>", html)
    assert len(scripts) == 3
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts), scripts


def test_viewer_script_is_served_by_the_blueprint(prez_client):
    response = prez_client.get("/iiif/static/js/viewer.js")
    assert response.status_code == 200 and "javascript" in response.mimetype
    assert "Mirador.viewer(data.config)" in response.get_data(as_text=True)


def test_page_is_clamped_and_optional(prez_client):
    config = _config(prez_client.get("/iiif/viewer/book1?page=99").get_data(as_text=True))
    assert config["windows"][0]["canvasIndex"] == 2
    data = _island(prez_client.get("/iiif/viewer/book1").get_data(as_text=True))
    assert data["config"]["windows"][0]["canvasIndex"] == 0 and data["search"] is None
    assert prez_client.get("/iiif/viewer/book1?page=0").status_code == 400


def test_item_without_text_has_no_search_panel(prez_client):
    data = _island(prez_client.get("/iiif/viewer/photo1?q=x").get_data(as_text=True))
    assert data["config"]["window"]["panels"]["search"] is False
    assert data["config"]["window"]["sideBarPanel"] == "info"
    assert data["search"] is None


def test_query_cannot_break_out_of_the_island(prez_client):
    html = prez_client.get("/iiif/viewer/book1", query_string={"q": "</script><script>alert(1)//"}).get_data(
        as_text=True
    )
    assert "</script><script>alert(1)" not in html
    assert _island(html)["search"]["query"] == "</script><script>alert(1)//"


def test_embed_fragment_for_the_web_ui(prez_app, prez_source):
    # the web UI's item page calls {{ mirador_embed(item, page, q) }} registered by the blueprint
    with prez_app.test_request_context("/items/book1"):
        template = prez_app.jinja_env.from_string("<main>{{ mirador_embed(item, 3, 'Oskemen') }}</main>")
        html = template.render(item=prez_source.item("book1"))
    assert html.startswith('<main><div id="mirador"')
    data = _island(html)
    assert data["config"]["windows"][0]["canvasIndex"] == 2
    assert data["search"]["query"] == "Oskemen"


def test_embed_accepts_an_item_id(prez_app):
    with prez_app.test_request_context("/items/book1"):
        render = prez_app.jinja_env.from_string("{{ mirador_embed(item_id, 2) }}").render
        assert _config(render(item_id="book1"))["windows"][0]["canvasIndex"] == 1
        assert render(item_id="no-such-item") == ""
