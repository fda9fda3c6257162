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


def test_page_language_goes_to_mirador(prez_client):
    config = _config(prez_client.get("/iiif/viewer/book1?lang=ru").get_data(as_text=True))
    assert config["language"] == "ru"
    assert config["availableLanguages"]["kk"] == "Қазақша" and config["availableLanguages"]["ru"] == "Русский"
    assert config["translations"]["ru"]["searchTitle"] == "Поиск"
    assert list(config["translations"]) == ["ru"]  # only the language shown travels in the island
    html = prez_client.get("/iiif/viewer/book1?lang=kk").get_data(as_text=True)
    assert _config(html)["translations"]["kk"]["aboutThisItem"] == "Материал туралы"
    assert '<html lang="kk">' in html
    english = _config(prez_client.get("/iiif/viewer/book1?lang=en").get_data(as_text=True))
    assert english["language"] == "en" and "translations" not in english


def test_no_language_without_a_locale(prez_client):
    # No Flask-Babel in this app and no ?lang=: Mirador keeps its default, the title stays Kazakh-first.
    html = prez_client.get("/iiif/viewer/book1?lang=xx").get_data(as_text=True)
    assert "language" not in _config(html) and "translations" not in _config(html)
    assert "<html>" in html and "<title>Шығыс Қазақстан тарихы</title>" in html


def _mirador_english() -> dict[str, str]:
    """Mirador's English resource object, read from the bundle setup installs."""
    from pathlib import Path

    bundle = (Path(__file__).resolve().parents[2] / "node_modules/mirador/dist/mirador.min.js").read_text()
    at = bundle.index('searchSubmitAria:"Submit search"')
    start = bundle.rindex("translation:{", 0, at) + len("translation:")
    depth, end = 0, start
    for end in range(start, len(bundle)):
        depth += {"{": 1, "}": -1}.get(bundle[end], 0)
        if depth == 0:
            break
    # key: "text" or 'text' (the minifier picks the quote the text does not contain)
    pairs = re.findall(r"""(?:"([^"]+)"|([\w$]+)):(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""",
                       bundle[start:end + 1])
    return {quoted or bare: double or single for quoted, bare, double, single in pairs}


def test_translations_match_miradors_keys_and_placeholders():
    from viewer.mirador_translations import TRANSLATIONS

    english = _mirador_english()
    assert len(english) > 150 and english["searchTitle"] == "Search"
    placeholders = re.compile(r"\{\{\s*(\w+)\s*\}\}")
    for lang, strings in TRANSLATIONS.items():
        for key, text in strings.items():
            base = re.sub(r"_(one|few|many|other)$", "", key)
            source = english.get(key) or english.get(f"{base}_other")
            assert source is not None, f"{lang}: {key} is not one of Mirador's keys"
            assert set(placeholders.findall(text)) == set(placeholders.findall(source)), (lang, key, text)
        for key in ("searchTitle", "searchSubmitAria", "clearSearch", "searchNoResults", "aboutThisItem",
                    "attributionTitle", "zoomIn", "pagination", "thumbnails", "windowMenu", "more"):
            assert strings.get(key), f"{lang}: {key} untranslated"
