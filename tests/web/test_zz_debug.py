import json
from tests.web.test_browser import browser, ARGS  # noqa
def test_dbg(ingested_site, browser):
    page = browser.new_page()
    errs = []
    page.on("console", lambda m: errs.append(m.text[:300]))
    item = ingested_site.items["chronicle"]
    page.goto(f"{ingested_site.url}/items/{item}?page=2&q=ferry")
    page.wait_for_timeout(6000)
    st = page.evaluate("() => { const s = window.olketanuMirador.mirador.store.getState(); return JSON.stringify({search: s.searches, cw: s.companionWindows, win: Object.values(s.windows).map(w => [w.canvasId, w.companionWindowIds, w.sideBarPanel])}); }")
    print(page.locator(".openseadragon-canvas canvas").count(), page.locator(".openseadragon-canvas canvas").first.is_visible() if page.locator(".openseadragon-canvas canvas").count() else None)
    page.screenshot(path="/tmp/web_i18n/dbg.png")
    print([e for e in errs if "targetId" in e or "rror" in e][:5])
