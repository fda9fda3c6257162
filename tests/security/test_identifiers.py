"""Hostile identifiers (`../`, `%2e%2e`, `%2F`, NUL bytes) are rejected with 400/404 and never reach a
file: on item pages, IIIF image ids, manifests, Content Search, the REST API, collections and the
catalogue (issue 7). A spy on the object store records every key read while the request runs.
"""
from __future__ import annotations

import pytest

from tests.staff.conftest import login

HOSTILE_IDS = [
    "..", "%2e%2e", "%2E%2E", "..%2F..%2Fconfig.yaml", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%5C..%5Cconfig.yaml",
    "a%00b", "%00", "{public}%00", "{public}%2F..%2F..%2Fconfig.yaml", "%252e%252e%252fconfig.yaml",
    "..%c0%af..%c0%afetc", "items%2F{public}",
]
HOSTILE_IMAGES = ["..~1", "%2e%2e~1", "..%2F..%2Fconfig.yaml", "{public}~1%00", "{public}~..%2F1", "a%00b~1",
                  "{public}~1%2F..%2F..", "%2e%2e%2fitems%2f{public}~1", "{public}~%2e%2e"]
ITEM_TEMPLATES = ["/items/{}", "/items/{}/cite.txt", "/items/{}/copy", "/iiif/manifest/{}", "/iiif/viewer/{}",
                  "/iiif/search/1/{}?q=a", "/iiif/search/2/{}?q=a", "/api/items/{}", "/api/items/{}/pdf",
                  "/api/items/{}/text", "/api/items/{}/dc.xml", "/api/items/{}/pages/1/text",
                  "/api/items/{}/pages/1/alto", "/collections/{}", "/api/collections/{}", "/iiif/collection/{}",
                  "/catalogue/{}", "/api/catalogue/{}"]
IMAGE_TEMPLATES = ["/iiif/3/{}/info.json", "/iiif/3/{}/full/max/0/default.jpg", "/iiif/3/{}"]
STATIC = ["/static/..%2F..%2Fconfig.py", "/static/%2e%2e/%2e%2e/config.py", "/static/mirador/..%2F..%2Fpackage.json",
          "/static/mirador/%2e%2e%2f%2e%2e%2fpackage.json", "/iiif/static/..%2F..%2Fmanifest.py",
          "/static/css%00.css"]
# What a read file would show: the repository's config (`repository:`), /etc/passwd, Python source.
FILE_MARKERS = ("root:x:0:0", "base_url:", "import ", "\"dependencies\"")

CASES = ([pytest.param(t.format(i), id=f"{t.split('{')[0]}{i}") for t in ITEM_TEMPLATES for i in HOSTILE_IDS]
         + [pytest.param(t.format(i), id=f"iiif-image:{i}:{t.rsplit('}', 1)[-1] or 'base'}")
            for t in IMAGE_TEMPLATES for i in HOSTILE_IMAGES]
         + [pytest.param(p, id=p) for p in STATIC])


@pytest.fixture
def store_reads(site, monkeypatch) -> list[str]:
    """Every key the site's object store is asked to read, open or check."""
    store = site.app.extensions["olketanu"].store
    seen: list[str] = []
    for name in ("open", "get_bytes", "stat", "exists"):
        original = getattr(store, name)

        def spy(key, *args, _original=original, **kwargs):
            seen.append(key)
            return _original(key, *args, **kwargs)

        monkeypatch.setattr(store, name, spy)
    return seen


@pytest.mark.parametrize("path", CASES)
def test_hostile_identifiers_are_rejected(site, anonymous, store_reads, path):
    path = path.replace("{public}", site.public.item_id)
    response = anonymous.get(path)
    assert response.status_code in (400, 404), (path, response.status_code)
    text = response.get_data().decode("utf-8", "replace")
    assert "Traceback" not in text and not any(m in text for m in FILE_MARKERS), text[:300]
    assert store_reads == [], f"{path} reached the store: {store_reads}"


@pytest.mark.parametrize("item_id", HOSTILE_IDS)
def test_hostile_identifiers_are_rejected_for_staff_too(site, item_id):
    client = site.app.test_client()
    assert login(client, "staff").status_code == 302
    item_id = item_id.replace("{public}", site.public.item_id)
    for path in (f"/staff/items/{item_id}", f"/staff/jobs/{item_id}", f"/api/jobs/{item_id}",
                 f"/staff/collections/{item_id}", f"/items/{item_id}", f"/api/items/{item_id}/pdf",
                 f"/iiif/manifest/{item_id}"):
        response = client.get(path)
        assert response.status_code in (400, 404), (path, response.status_code)


def test_a_real_identifier_passes_the_same_routes(site, anonymous, store_reads):
    """The control: the public item's id goes through the routes above and reaches the store."""
    item_id = site.public.item_id
    for path in (f"/items/{item_id}", f"/api/items/{item_id}/pdf", f"/iiif/3/{item_id}~1/info.json"):
        assert anonymous.get(path).status_code == 200, path
    assert store_reads
