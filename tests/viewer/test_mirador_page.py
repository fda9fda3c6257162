"""The Mirador page and embed fragment: configuration, escaping, access (no browser needed)."""
from __future__ import annotations

import json
import re

from tests.viewer.conftest import PREZ_BASE


def _config(html: str) -> dict:
    match = re.search(r"var config = (\{.*?\});\n", html, re.S)
    assert match, html
    return json.loads(match.group(1))


def test_viewer_page_opens_manifest_at_page_with_search(prez_client):
    response = prez_client.get("/iiif/viewer/book1", query_string={"page": 2, "q": "Өскемен"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    html = response.get_data(as_text=True)
    assert '<script src="/static/mirador/mirador.min.js"></script>' in html
    assert "<title>Шығыс Қазақстан тарихы</title>" in html
    config = _config(html)
    (window,) = config["windows"]
    assert window["manifestId"] == f"{PREZ_BASE}/iiif/manifest/book1"
    assert window["canvasIndex"] == 1
    assert window["defaultSearchQuery"] == "Өскемен"
    assert config["window"]["sideBarOpen"] is True
    assert config["window"]["sideBarPanel"] == "search"
    assert config["window"]["panels"]["search"] is True
    assert config["id"] == "mirador" and 'id="mirador"' in html


def test_page_is_clamped_and_optional(prez_client):
    config = _config(prez_client.get("/iiif/viewer/book1?page=99").get_data(as_text=True))
    assert config["windows"][0]["canvasIndex"] == 2
    config = _config(prez_client.get("/iiif/viewer/book1").get_data(as_text=True))
    assert config["windows"][0]["canvasIndex"] == 0 and "defaultSearchQuery" not in config["windows"][0]
    assert prez_client.get("/iiif/viewer/book1?page=0").status_code == 400


def test_item_without_text_has_no_search_panel(prez_client):
    config = _config(prez_client.get("/iiif/viewer/photo1?q=x").get_data(as_text=True))
    assert config["window"]["panels"]["search"] is False
    assert config["window"]["sideBarPanel"] == "info"
    assert "defaultSearchQuery" not in config["windows"][0]


def test_query_cannot_break_out_of_the_script(prez_client):
    html = prez_client.get("/iiif/viewer/book1", query_string={"q": "</script><script>alert(1)//"}).get_data(
        as_text=True
    )
    assert "</script><script>alert(1)" not in html
    assert _config(html)["windows"][0]["defaultSearchQuery"] == "</script><script>alert(1)//"


def test_embed_fragment_for_the_web_ui(prez_app, prez_source):
    # the web UI's item page calls {{ mirador_embed(item, page, q) }} registered by the blueprint
    with prez_app.test_request_context("/items/book1"):
        template = prez_app.jinja_env.from_string("<main>{{ mirador_embed(item, 3, 'Oskemen') }}</main>")
        html = template.render(item=prez_source.item("book1"))
    assert html.startswith("<main><div id=\"mirador\"")
    config = _config(html)
    assert config["windows"][0]["canvasIndex"] == 2
    assert config["windows"][0]["defaultSearchQuery"] == "Oskemen"
