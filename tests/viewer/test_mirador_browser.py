"""Mirador in real headless Chromium against our IIIF server: tiles load, search-within finds a hit.

A small Flask app (only the IIIF blueprint and Mirador's bundle) runs in a thread on a free port,
with a fake Source over a generated 2-page item: page images rendered with Pillow, pyramidal TIFFs
written by libvips (tiffsave, JPEG tiles, 256 px), ALTO from the real `tesseract`. The word is on
page 2 in Latin letters; the test types it in Cyrillic, so folding is proven end to end. Pages carry
the site's Content-Security-Policy (no inline scripts), as the real application sends it.

Chromium, tesseract and node_modules/mirador are installed by setup: their absence fails these tests.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from metadata.dc import DCRecord, LangValue
from viewer.source import ImageRef, ItemView, PageView
from tests import chromium
from tests.viewer.live import live_iiif

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
PAGE_SIZE = (1200, 1600)
PAGES = {
    1: ["Regional library", "archive of the region", "first page"],
    2: ["History of the city", "Oskemen stands on", "the Irtysh river"],
}


def _require_tools() -> None:
    """Fails (never skips): setup installs all three, so a missing one is a broken installation."""
    chromium.require(mirador=True)
    if not shutil.which("tesseract"):
        pytest.fail("tesseract is missing: setup.sh installs it")


def _render_page(path: Path, lines: list[str]) -> None:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", PAGE_SIZE, 255)
    draw = ImageDraw.Draw(image)
    # BASIC layout: once libvips is loaded (it is, by the Image API), Pillow's raqm layout measures
    # text wrongly (a shared-library clash), and rendering fails or produces garbage.
    font = ImageFont.truetype(FONT, 72, layout_engine=ImageFont.Layout.BASIC)
    for n, text in enumerate(lines):
        draw.text((100, 200 + n * 160), text, fill=0, font=font)
    image.save(path)


def _pyramid(src: Path, dest: Path) -> None:
    import pyvips

    pyvips.Image.new_from_file(str(src)).tiffsave(
        str(dest), tile=True, tile_width=256, tile_height=256, pyramid=True, compression="jpeg", Q=85
    )


def _tesseract_alto(src: Path, out_base: Path) -> bytes:
    subprocess.run(
        ["tesseract", str(src), str(out_base), "-l", "eng", "alto"], check=True, capture_output=True, timeout=120
    )
    return out_base.with_suffix(".xml").read_bytes()


class BrowserSource:
    def __init__(self, item: ItemView, access_keys: dict[str, str]) -> None:
        self._item = item
        self._access = access_keys

    def image(self, identifier: str) -> ImageRef | None:
        for page in self._item.pages:
            if page.image_id == identifier:
                return ImageRef(identifier, self._item.id, page.width, page.height, self._access[identifier])
        return None

    def item(self, item_id: str) -> ItemView | None:
        return self._item if item_id == self._item.id else None

    def collection(self, collection_id: str):
        return None

    def top_collection_ids(self):
        return []

    def can_view(self, item_id: str) -> bool:
        return True


@pytest.fixture(scope="module")
def prez_live_server(tmp_path_factory):
    _require_tools()
    from storage.local import LocalStore

    work = tmp_path_factory.mktemp("mirador")
    store = LocalStore(work / "store")
    pages, access = [], {}
    for seq, lines in PAGES.items():
        png = work / f"p{seq}.png"
        _render_page(png, lines)
        tif = work / f"p{seq}.tif"
        _pyramid(png, tif)
        image_id = f"town-p{seq}"
        access[image_id] = f"items/town/pages/{seq:04d}/access.tif"
        store.put_file(access[image_id], tif)
        alto_key = f"items/town/pages/{seq:04d}/alto.xml"
        store.put_bytes(alto_key, _tesseract_alto(png, work / f"p{seq}"))
        pages.append(PageView(seq, str(seq), PAGE_SIZE[0], PAGE_SIZE[1], image_id, alto_key))
    item = ItemView(
        id="town",
        record=DCRecord({"title": [LangValue("Қала тарихы", "kk"), LangValue("История города", "ru"),
                                   LangValue("History of the city", "en")]}),
        pages=pages,
        homepage="/items/town",
    )

    with live_iiif("prez_mirador", BrowserSource(item, access), store, work) as (_app, base, _options):
        yield base


@pytest.fixture(scope="module")
def prez_browser():
    _require_tools()
    with chromium.launched(mirador=True) as browser:
        yield browser


def _yellowish_pixels(png: bytes) -> int:
    """Pixels of Mirador's search highlight (yellow); the page images themselves are grey."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    return sum(1 for r, g, b in image.getdata() if r > 200 and g > 200 and r - b > 50)


def _open(browser):
    """A new page; uncaught script errors and CSP violations go to `page.olk_errors`.

    Other console errors are not collected: Mirador 4.0.0 logs a React 19 deprecation warning as one,
    and the missing favicon is another.
    """
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: "Content Security Policy" in msg.text and errors.append(msg.text))
    page.olk_errors = errors  # type: ignore[attr-defined]
    return page


def _current_canvas(page) -> str:
    return page.evaluate("""() => {
        const state = window.olketanuMirador.mirador.store.getState();
        return Object.values(state.windows)[0].canvasId || '';
    }""")


def _assert_hit_highlighted_on_page_2(page, base: str, screenshot: str) -> None:
    """The search panel has the hit selected, page 2's tiles loaded and a yellow box drawn on them."""
    selected = page.locator("li.windowSelected, .windowSelected").first
    selected.wait_for(timeout=30_000)
    assert "Oskemen" in selected.inner_text()
    page.wait_for_function(
        "performance.getEntriesByType('resource').some(e => e.name.includes('/iiif/3/town-p2/'))", timeout=30_000
    )
    assert _current_canvas(page) == f"{base}/iiif/manifest/town/canvas/2"
    osd = page.locator(".openseadragon-canvas").first
    page.wait_for_timeout(1500)  # the highlight is drawn after the zoom-to-hit animation
    artifacts = ROOT / "tests" / "artifacts"  # git-ignored; kept for a human to look at
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / screenshot))
    assert _yellowish_pixels(osd.screenshot()) > 300, "no highlighted box on the canvas"


def test_mirador_loads_tiles_and_highlights_a_search_hit(prez_live_server, prez_browser):
    page = _open(prez_browser)
    image_responses: list[tuple[str, int]] = []
    page.on("response", lambda r: "/iiif/3/" in r.url and image_responses.append((r.url, r.status)))

    with page.expect_response(lambda r: "/iiif/3/town-p1/" in r.url and r.url.endswith(".jpg") and r.ok,
                              timeout=30_000):
        page.goto(f"{prez_live_server}/iiif/viewer/town?page=1")
    page.wait_for_function("document.querySelector('.openseadragon-canvas canvas') !== null", timeout=30_000)
    assert not [u for u, status in image_responses if status >= 400], image_responses

    search_box = page.get_by_label("search terms")
    search_box.fill("Өскемен")  # the page says "Oskemen": found through folding
    with page.expect_response(lambda r: "/iiif/search/1/town" in r.url, timeout=30_000) as search:
        search_box.press("Enter")
    body = search.value.json()
    assert body["within"]["total"] == 1, body
    assert body["hits"][0]["match"] == "Oskemen"
    assert body["resources"][0]["on"].startswith(f"{prez_live_server}/iiif/manifest/town/canvas/2#xywh=")

    # Mirador selects the first hit, shows it in the panel and switches to page 2 to draw it
    _assert_hit_highlighted_on_page_2(page, prez_live_server, "mirador_search_hit.png")
    assert page.olk_errors == []
    page.close()


def test_viewer_url_with_page_and_query_shows_the_hit(prez_live_server, prez_browser):
    # The query in the URL starts Content Search once page 2 is shown (not Mirador's
    # defaultSearchQuery, which crashes the whole window in Mirador 4.0.0).
    page = _open(prez_browser)
    with page.expect_response(lambda r: "/iiif/search/1/town?q=" in r.url and r.ok, timeout=30_000) as search:
        page.goto(f"{prez_live_server}/iiif/viewer/town?page=2&q=Өскемен")
    assert search.value.json()["within"]["total"] == 1
    _assert_hit_highlighted_on_page_2(page, prez_live_server, "mirador_viewer_url_hit.png")
    assert page.olk_errors == []
    page.close()


# Per language: (window's aria-label with the manifest label, side bar tab, search box, info panel title,
# page counter, zoom button), all from viewer/mirador_translations.py except the label (the manifest's).
SPOKEN = {
    "kk": ("Терезе: Қала тарихы", "Ақпарат", "іздеу сөздері", "Материал туралы", "2 / 2", "Үлкейту"),
    "ru": ("Окно: История города", "Информация", "слова для поиска", "О материале", "2 из 2", "Увеличить"),
}


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_viewer_speaks_the_page_language(prez_live_server, prez_browser, lang):
    # ?lang= (without Flask-Babel; in the web app its locale) becomes Mirador's `language`: the interface
    # in Kazakh or Russian and the manifest label's value in that language; search still works.
    window_label, info_tab, search_label, info_title, counter, zoom_in = SPOKEN[lang]
    page = _open(prez_browser)
    with page.expect_response(lambda r: "/iiif/search/1/town?q=" in r.url and r.ok, timeout=30_000) as search:
        page.goto(f"{prez_live_server}/iiif/viewer/town?page=2&q=Өскемен&lang={lang}")
    assert search.value.json()["within"]["total"] == 1
    assert page.locator("html").get_attribute("lang") == lang
    page.get_by_label(window_label, exact=True).wait_for(timeout=30_000)
    assert page.get_by_label(search_label, exact=True).input_value() == "Өскемен"
    page.get_by_role("button", name=zoom_in, exact=True).wait_for(timeout=10_000)
    page.get_by_text(counter, exact=False).first.wait_for(timeout=10_000)
    page.get_by_role("tab", name=info_tab, exact=True).click()
    page.get_by_text(info_title, exact=True).wait_for(timeout=10_000)
    artifacts = ROOT / "tests" / "artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / f"mirador_{lang}.png"))
    assert page.olk_errors == []
    page.close()
