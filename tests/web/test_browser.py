"""The public site in real headless Chromium on a live server, with items made by the real ingest.

search → facet → item → the viewer shows the hit page; the interface switches to Russian and English;
screenshots of home, results and item page in kk, ru and en go to tests/artifacts/ (git-ignored).
Chromium and node_modules/mirador are installed by setup: their absence fails these tests.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests import chromium

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="module")
def browser():
    with chromium.launched(mirador=True) as browser:
        yield browser


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.olk_errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.olk_errors.append(str(exc)))  # type: ignore[attr-defined]
    page.on("console", lambda msg: msg.type == "error" and page.olk_errors.append(msg.text))  # type: ignore[attr-defined]
    yield page
    context.close()


def wait_for_viewer(page) -> None:
    """Until OpenSeadragon draws its canvas; the page's script errors are the failure message."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.locator(".openseadragon-canvas canvas").first.wait_for(timeout=30_000)
    except PlaywrightTimeout:
        pytest.fail(f"the viewer did not draw a page; script errors: {page.olk_errors}")


def current_canvas(page) -> str:
    return page.evaluate("""() => {
        const viewer = window.olketanuMirador && window.olketanuMirador.mirador;
        if (!viewer) return '';
        const windows = Object.values(viewer.store.getState().windows);
        return windows.length ? (windows[0].canvasId || '') : '';
    }""")


def test_search_facet_item_viewer_shows_the_hit_page(ingested_site, page):
    site = ingested_site
    page.goto(site.url + "/?lang=en")
    page.get_by_label("Search the archive").first.fill("ferry")
    page.get_by_role("button", name="Search").first.click()
    page.wait_for_url("**/search?**")
    results = page.locator("ol.hits > li")
    assert results.count() == 2, page.content()

    # Facet: only the Newspapers collection (the album is in Photographs).
    page.locator("fieldset.facet", has_text="Collection").get_by_label("Newspapers").check()
    page.wait_for_url("**collection=papers**")  # search.js applies a checked facet at once
    assert page.locator("ol.hits > li").count() == 1
    hit = page.locator("ol.hits > li").first
    assert "Library chronicle" in hit.inner_text() or "Кітапхана" in hit.inner_text()
    assert hit.locator("mark").first.inner_text().lower() == "ferry"
    page_link = hit.locator(".hit-pages a").first
    assert page_link.inner_text() == "2"  # "ferry" is printed on page 2 only

    page_link.click()
    page.wait_for_url(f"**/items/{site.items['chronicle']}?page=2&q=ferry")
    wait_for_viewer(page)
    canvas = current_canvas(page)
    assert canvas.endswith(f"/iiif/manifest/{site.items['chronicle']}/canvas/2"), canvas
    # The tiles Mirador loads are page 2's.
    assert page.evaluate("() => performance.getEntriesByType('resource').some(e => e.name.includes('~2/'))")
    assert not [e for e in page.olk_errors if "Content Security Policy" in e], page.olk_errors


def test_interface_switches_language_and_screenshots(ingested_site, page):
    site = ingested_site
    ARTIFACTS.mkdir(exist_ok=True)
    item = site.items["chronicle"]
    expected = {"kk": ("Іздеу", "Жинақтар"), "ru": ("Поиск", "Коллекции"), "en": ("Search", "Collections")}
    for lang, (search_word, collections_word) in expected.items():
        page.goto(f"{site.url}/?lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        nav = page.get_by_role("navigation", name={"kk": "Негізгі мәзір", "ru": "Главное меню",
                                                   "en": "Main menu"}[lang])
        assert collections_word in nav.inner_text() and search_word in nav.inner_text()
        page.screenshot(path=str(ARTIFACTS / f"web_home_{lang}.png"), full_page=True)
        page.goto(f"{site.url}/search?q=ferry")  # the cookie keeps the language
        assert page.locator("html").get_attribute("lang") == lang
        page.screenshot(path=str(ARTIFACTS / f"web_results_{lang}.png"), full_page=True)
        page.goto(f"{site.url}/items/{item}?page=2&q=ferry")
        wait_for_viewer(page)
        page.wait_for_timeout(1500)  # tiles and the search highlight settle
        title = page.locator("#item-title")
        assert title.inner_text() == {"kk": "Кітапхана шежіресі", "ru": "Летопись библиотеки",
                                      "en": "Library chronicle"}[lang]
        assert title.get_attribute("lang") == {"kk": "kk-Cyrl", "ru": "ru", "en": "en"}[lang]
        # The viewer speaks the page's language: its own words, and the manifest label's value in it.
        viewer = page.locator(".mirador-container")
        viewer.get_by_label({"kk": "Терезе: Кітапхана шежіресі", "ru": "Окно: Летопись библиотеки",
                             "en": "Window: Library chronicle"}[lang], exact=True).wait_for(timeout=10_000)
        viewer.get_by_label({"kk": "іздеу сөздері", "ru": "слова для поиска", "en": "search terms"}[lang],
                            exact=True).wait_for(timeout=10_000)
        page.screenshot(path=str(ARTIFACTS / f"web_item_{lang}.png"), full_page=True)
    assert not [e for e in page.olk_errors if "Content Security Policy" in e], page.olk_errors


def test_phone_width_has_no_horizontal_scroll(ingested_site, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1)
    page = context.new_page()
    try:
        for path in ("/?lang=kk", "/search?q=ferry", f"/items/{ingested_site.items['chronicle']}", "/collections"):
            page.goto(ingested_site.url + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, f"{path} is {width}px wide at 360px"
        page.goto(ingested_site.url + "/search?q=ferry")
        page.screenshot(path=str(ARTIFACTS / "web_results_phone.png"), full_page=True)
    finally:
        context.close()


def test_keyboard_reaches_the_skip_link_first(ingested_site, page):
    page.goto(ingested_site.url + "/?lang=en")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#content"


def test_copy_request_returns_a_pdf_of_the_chosen_pages(ingested_site, page):
    from io import BytesIO

    from pypdf import PdfReader

    page.goto(f"{ingested_site.url}/items/{ingested_site.items['chronicle']}/copy?lang=en")
    page.get_by_label("Page 1").check()
    page.get_by_label("Page 3").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Make PDF").click()
    pdf = PdfReader(BytesIO(Path(download.value.path()).read_bytes()))
    assert len(pdf.pages) == 2
    assert "Schools" in pdf.pages[1].extract_text()  # the text layer of page 3 came along
