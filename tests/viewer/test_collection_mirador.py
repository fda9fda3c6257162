"""Mirador opens a paged collection in real headless Chromium and walks it down to a Manifest.

A small Flask app (the IIIF blueprint, Mirador's bundle, one test page started by the project's own
js/viewer.js under the site's Content-Security-Policy) serves a fake Source: a newspaper run of five
issues with `ITEMS_PER_PAGE` set to 2, so the collection has three page Collections. Mirador must show
the collection dialog listing the pages, open page 2 and list its two issues, and open the chosen issue
in the window. All issues share one small pyramid, so the canvas really draws.

Chromium and node_modules/mirador are installed by setup: their absence fails these tests.
"""
from __future__ import annotations

import json

import pytest
from flask import Response

from metadata.dc import DCRecord, LangValue
from viewer.source import CollectionView, ImageRef, ItemView, PageView
from tests import chromium
from tests.viewer.live import live_iiif

pytestmark = pytest.mark.browser

ISSUES = [f"issue{n}" for n in range(1, 6)]
SIZE = (600, 800)


class RunSource:
    """One collection, `run`, of five visible issues with one page each."""

    def __init__(self) -> None:
        self.items = {
            item_id: ItemView(
                id=item_id,
                record=DCRecord({"title": [LangValue(f"Irtysh No. {n}", "en"), LangValue(f"Ертіс №{n}", "kk")],
                                 "date": [f"193{n}"]}),
                pages=[PageView(1, "1", SIZE[0], SIZE[1], f"{item_id}-p1")],
                homepage=f"/items/{item_id}",
            )
            for n, item_id in enumerate(ISSUES, start=1)
        }

    def image(self, identifier: str) -> ImageRef | None:
        item_id = identifier.removesuffix("-p1")
        if item_id not in self.items:
            return None
        return ImageRef(identifier, item_id, SIZE[0], SIZE[1], "shared/access.tif", public=True)

    def item(self, item_id: str) -> ItemView | None:
        return self.items.get(item_id)

    def collection(self, collection_id: str) -> CollectionView | None:
        if collection_id != "run":
            return None
        return CollectionView(id="run", label={"en": ["Irtysh newspaper"], "kk": ["Ертіс газеті"]}, summary=None,
                              item_ids=tuple(ISSUES), child_ids=(), homepage="/collections/run")

    def top_collection_ids(self):
        return ["run"]

    def can_view(self, item_id: str) -> bool:
        return item_id in self.items


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>collection</title></head>
<body>
<div id="mirador" style="position: absolute; inset: 0;"></div>
<script type="application/json" id="mirador-config">{config}</script>
<script src="/static/mirador/mirador.min.js" defer></script>
<script src="/iiif/static/js/viewer.js" data-config="mirador-config" defer></script>
</body></html>
"""


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    chromium.require(mirador=True)
    import pyvips
    from storage.local import LocalStore
    from viewer import collections as iiif_collections

    work = tmp_path_factory.mktemp("mirador_collection")
    store = LocalStore(work / "store")
    card = pyvips.Image.xyz(*SIZE)[0].cast("uchar").copy(interpretation="b-w")
    card.tiffsave(str(work / "card.tif"), tile=True, pyramid=True, compression="jpeg", Q=85,
                  tile_width=256, tile_height=256)
    store.put_file("shared/access.tif", work / "card.tif")

    with pytest.MonkeyPatch.context() as patch, live_iiif("collection_mirador", RunSource(), store, work) as (
            app, base, options):
        patch.setattr(iiif_collections, "ITEMS_PER_PAGE", 2)
        config = {"config": {"id": "mirador", "windows": [{"manifestId": options.collection_url("run")}],
                             "window": {"allowClose": False}, "workspaceControlPanel": {"enabled": False}}}
        app.add_url_rule("/", "page", lambda: Response(PAGE.format(config=json.dumps(config)), mimetype="text/html"))
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium.launched(mirador=True) as browser:
        yield browser


def test_mirador_walks_a_paged_collection_to_a_manifest(live_server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: "Content Security Policy" in msg.text and errors.append(msg.text))
    fetched: list[tuple[str, int]] = []
    page.on("response", lambda r: "/iiif/" in r.url and fetched.append((r.url, r.status)))

    page.goto(live_server + "/")
    # Mirador 4.0.0 marks the collection dialog open for a window started on a Collection but draws it
    # only once asked (its container is looked up before the window exists): press "Show collection".
    show = page.get_by_role("button", name="Show collection")
    dialog = page.get_by_role("dialog")
    show.or_(dialog).first.wait_for(timeout=30_000)
    if dialog.count() == 0:
        show.click()
    # the collection: its three pages, labelled with their positions
    dialog.get_by_text("Irtysh newspaper, 5").wait_for(timeout=30_000)
    assert dialog.get_by_text("Irtysh newspaper, 1–2").is_visible()
    dialog.get_by_text("Irtysh newspaper, 3–4").click()
    # page 2: its two issues, nothing from the other pages
    dialog.get_by_text("Irtysh No. 4").wait_for(timeout=30_000)
    assert dialog.get_by_text("Irtysh No. 3").is_visible()
    assert dialog.get_by_text("Irtysh No. 2").count() == 0 and dialog.get_by_text("Irtysh No. 5").count() == 0
    dialog.get_by_text("Irtysh No. 4").click()

    manifest = f"{live_server}/iiif/manifest/issue4"
    page.wait_for_function(
        "m => Object.values(window.olketanuMirador.mirador.store.getState().windows)[0].manifestId === m",
        arg=manifest, timeout=30_000)
    page.wait_for_function(
        "performance.getEntriesByType('resource').some(e => e.name.includes('/iiif/3/issue4-p1/'))", timeout=30_000)
    requested = [url for url, _ in fetched]
    assert f"{live_server}/iiif/collection/run" in requested
    assert f"{live_server}/iiif/collection/run/page/2" in requested and manifest in requested
    assert not [(url, status) for url, status in fetched if status >= 400], fetched
    assert errors == []
    page.close()
