"""A restricted item is refused through every channel when anonymous, and served to staff (issue 7).

The items are real (ingest pipeline, OCR'd pages; see conftest.py) in four restricted states: access
`staff`, access `reading-room` (the request comes from outside the reading-room networks), a draft and
a withdrawn item. Every channel is a separate test id, for each state and for both callers:

- direct channels (the item page, its citations and copy form, IIIF image info/tiles, the manifest and
  viewer page, Content Search, downloads, the REST API record) must answer 403/404 and the body must
  carry neither the item's title nor its OCR text;
- listing channels (search page and API, the REST list, IIIF collections, home, collection page, the
  catalogue record page and API) must not mention the item at all (no id, so no thumbnail either).

OAI-PMH has no logged-in callers; what it promises (`oai.restricted_metadata`) is checked in
test_oai_exposure below and in test_oai.py.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.security.conftest import CATALOGUE_RECORD, INSIDE_READING_ROOM, RESTRICTED, Secret, Site
from tests.web.conftest import csrf_from

Fetch = Callable[[FlaskClient, Secret, Site], list[TestResponse]]
ALL = frozenset(RESTRICTED)
SERVED = (200, 303)  # 303: the IIIF image base URI sends an allowed caller on to its info.json
PUBLISHED = frozenset({"staff", "reading-room"})  # restricted states that are still published


@dataclass(frozen=True)
class Channel:
    name: str
    fetch: Fetch
    listing: bool = False  # True: the item must be absent from the answer; False: the answer is refused
    staff_states: frozenset[str] = ALL  # states in which staff are served through this channel
    title_shown: bool = True  # whether a served (direct) answer carries the title


def image(secret: Secret) -> str:
    return f"/iiif/3/{secret.item_id}~1"


def _copy_post(client: FlaskClient, secret: Secret, site: Site) -> TestResponse:
    # A valid token from the public item's form: the refusal must come from the access rule, not CSRF.
    token = csrf_from(client.get(f"/items/{site.public.item_id}/copy").get_data(as_text=True))
    return client.post(f"/items/{secret.item_id}/copy", data={"pages": ["1"], "csrf_token": token})


CHANNELS = [
    # (1) the item web page, citations, copy of pages
    Channel("item-page", lambda c, s, _: [c.get(f"/items/{s.item_id}"),
                                          c.get(f"/items/{s.item_id}?page=1&q={s.ocr_word}")]),
    Channel("item-cite", lambda c, s, _: [c.get(f"/items/{s.item_id}/cite.{f}") for f in ("txt", "bib", "ris")]),
    Channel("item-copy-form", lambda c, s, _: [c.get(f"/items/{s.item_id}/copy")]),
    Channel("item-copy-request", lambda c, s, site: [_copy_post(c, s, site)], title_shown=False),
    # (2) IIIF images: info.json, a tile, the thumbnail
    Channel("iiif-info", lambda c, s, _: [c.get(f"{image(s)}/info.json"), c.get(image(s))], title_shown=False),
    Channel("iiif-tile", lambda c, s, _: [c.get(f"{image(s)}/0,0,256,256/256,/0/default.jpg")], title_shown=False),
    Channel("iiif-thumbnail", lambda c, s, _: [c.get(f"{image(s)}/full/!200,200/0/default.jpg")], title_shown=False),
    # (3) the manifest and the IIIF viewer page; IIIF collections must not list the item
    Channel("iiif-manifest", lambda c, s, _: [c.get(f"/iiif/manifest/{s.item_id}")]),
    Channel("iiif-viewer", lambda c, s, _: [c.get(f"/iiif/viewer/{s.item_id}")], title_shown=False),
    Channel("iiif-collections", lambda c, s, _: [c.get("/iiif/collection/top"), c.get("/iiif/collection/papers")],
            listing=True, staff_states=PUBLISHED),
    # (4) search results and snippets; IIIF Content Search inside the item
    Channel("search-page", lambda c, s, _: [c.get(f"/search?q={s.ocr_word}"), c.get(f"/search?q={s.title_marker}"),
                                            c.get("/search?q=chronicle")], listing=True, staff_states=PUBLISHED),
    Channel("search-api", lambda c, s, _: [c.get(f"/api/search?q={s.ocr_word}"),
                                           c.get(f"/api/search?q={s.title_marker}"),
                                           c.get("/api/search?q=chronicle")], listing=True, staff_states=PUBLISHED),
    Channel("content-search-1", lambda c, s, _: [c.get(f"/iiif/search/1/{s.item_id}?q={s.ocr_word}")],
            title_shown=False),
    Channel("content-search-2", lambda c, s, _: [c.get(f"/iiif/search/2/{s.item_id}?q={s.ocr_word}")],
            title_shown=False),
    # (6) downloads
    Channel("download-pdf", lambda c, s, _: [c.get(f"/api/items/{s.item_id}/pdf")], title_shown=False),
    Channel("download-text", lambda c, s, _: [c.get(f"/api/items/{s.item_id}/text")], title_shown=False),
    Channel("download-page-text", lambda c, s, _: [c.get(f"/api/items/{s.item_id}/pages/1/text")], title_shown=False),
    Channel("download-page-alto", lambda c, s, _: [c.get(f"/api/items/{s.item_id}/pages/1/alto")], title_shown=False),
    Channel("download-dc-xml", lambda c, s, _: [c.get(f"/api/items/{s.item_id}/dc.xml")]),
    # (7) the REST API
    Channel("api-item", lambda c, s, _: [c.get(f"/api/items/{s.item_id}")]),
    Channel("api-list", lambda c, s, _: [c.get("/api/items"), c.get("/api/items?collection=papers&per_page=200")],
            listing=True),
    # the places that list items beside the seven channels: home, collection page, catalogue record
    Channel("home-page", lambda c, s, _: [c.get("/")], listing=True, staff_states=PUBLISHED),
    Channel("collection-page", lambda c, s, _: [c.get("/collections/papers")], listing=True, staff_states=PUBLISHED),
    Channel("catalogue-page", lambda c, s, _: [c.get(f"/catalogue/{CATALOGUE_RECORD}")], listing=True),
    Channel("catalogue-api", lambda c, s, _: [c.get(f"/api/catalogue/{CATALOGUE_RECORD}")], listing=True),
]
IDS = [c.name for c in CHANNELS]


def body(response: TestResponse) -> str:
    return response.get_data().decode("utf-8", "replace").lower()


def assert_nothing_about(secret: Secret, response: TestResponse, *, with_id: bool) -> None:
    text = body(response)
    for echoed in response.request.args.values():  # the reader's own query, echoed (search box, links)
        text = text.replace(echoed.lower(), "")
    for marker in secret.markers + ((secret.item_id.lower(),) if with_id else ()):
        assert marker not in text, f"{marker!r} leaked in {response.request.path}: {text[:300]}"


@pytest.mark.parametrize("state", RESTRICTED)
@pytest.mark.parametrize("channel", CHANNELS, ids=IDS)
def test_anonymous_is_refused(anonymous, site, channel, state):
    secret = site.items[state]
    for response in channel.fetch(anonymous, secret, site):
        path = response.request.path
        if channel.listing:
            assert response.status_code == 200, path
            assert_nothing_about(secret, response, with_id=True)
        else:
            assert response.status_code in (403, 404), (path, response.status_code)
            # An error page (IIIF Image errors are plain text, §7.3), never the image, PDF or XML asked for.
            assert response.mimetype in ("text/html", "application/json", "text/plain"), path
            assert_nothing_about(secret, response, with_id=False)
            assert "/iiif/3/" not in body(response), path  # no thumbnail or image link


# Listings of published items (search, IIIF collections, home, collection pages) hold no draft or
# withdrawn item for staff either: staff find those in /staff and the REST API.
STAFF_CASES = [pytest.param(c, state, id=f"{c.name}-{state}") for c in CHANNELS for state in RESTRICTED
               if state in c.staff_states]


@pytest.mark.parametrize(("channel", "state"), STAFF_CASES)
def test_staff_is_served(staff_client, site, channel, state):
    secret = site.items[state]
    responses = channel.fetch(staff_client, secret, site)
    for response in responses:
        assert response.status_code in SERVED, (response.request.path, response.status_code)
    if channel.listing:
        assert any(secret.item_id.lower() in body(r) for r in responses), channel.name
    elif channel.title_shown:
        assert secret.title_marker.lower() in body(responses[0]), channel.name


def test_the_public_control_item_is_served_anonymously(anonymous, site):
    """The same fetches work for the public item: the refusals above are about access, not broken URLs."""
    public = site.public
    for channel in CHANNELS:
        responses = channel.fetch(anonymous, public, site)
        assert all(r.status_code in SERVED for r in responses), channel.name
        if channel.listing:
            assert any(public.item_id.lower() in body(r) for r in responses), channel.name
    assert anonymous.get(f"{image(public)}/full/!200,200/0/default.jpg").mimetype == "image/jpeg"


def test_served_images_and_hits_are_real(staff_client, site):
    secret = site.items["staff"]
    tile = staff_client.get(f"{image(secret)}/0,0,256,256/256,/0/default.jpg")
    assert tile.mimetype == "image/jpeg" and tile.data[:2] == b"\xff\xd8"
    assert tile.headers["Cache-Control"].startswith("private")  # a restricted image is never cached publicly
    hits = staff_client.get(f"/iiif/search/2/{secret.item_id}?q={secret.ocr_word}").get_json()
    assert hits["items"], hits
    found = staff_client.get(f"/api/search?q={secret.ocr_word}").get_json()
    assert [h["id"] for h in found["hits"]] == [secret.item_id]
    assert "<mark>" in staff_client.get(f"/search?q={secret.ocr_word}").get_data(as_text=True)


def test_refusal_is_the_same_as_for_a_missing_item(anonymous, site):
    """Public pages and the API answer a restricted item exactly like one that does not exist."""
    for state in RESTRICTED:
        item_id = site.items[state].item_id
        for template in ("/items/{}", "/items/{}/cite.txt", "/items/{}/copy", "/api/items/{}", "/api/items/{}/pdf"):
            hidden, missing = anonymous.get(template.format(item_id)), anonymous.get(template.format("kznothing000"))
            assert hidden.status_code == missing.status_code == 404, template
            assert body(hidden).replace(item_id.lower(), "ID") == body(missing).replace("kznothing000", "ID"), template


def test_collection_counts_count_only_what_the_caller_may_see(anonymous, staff_client):
    def count(client: FlaskClient) -> int:
        (papers,) = [c for c in client.get("/api/collections").get_json()["collections"] if c["id"] == "papers"]
        return papers["item_count"]

    assert count(anonymous) == 1 and count(staff_client) == 5


def test_listing_other_statuses_needs_staff(anonymous, staff_client, site):
    for status in ("draft", "withdrawn"):
        assert anonymous.get(f"/api/items?status={status}").status_code == 403
        listed = [i["id"] for i in staff_client.get(f"/api/items?status={status}").get_json()["items"]]
        assert listed == [site.items[status].item_id]


@pytest.mark.parametrize("url", ["/items/{}", "/iiif/manifest/{}", "/iiif/3/{}~1/info.json", "/api/items/{}/pdf",
                                 "/api/items/{}", "/iiif/search/2/{}?q=telescope"])
def test_the_reading_room_sees_reading_room_items(site, url):
    """Inside `web.reading_room_networks` an anonymous reader gets reading-room items, still not staff ones."""
    inside = site.app.test_client()
    inside.environ_base["REMOTE_ADDR"] = INSIDE_READING_ROOM
    assert inside.get(url.format(site.items["reading-room"].item_id)).status_code == 200
    assert inside.get(url.format(site.items["staff"].item_id)).status_code in (403, 404)
    found = [h["id"] for h in inside.get("/api/search?q=telescope").get_json()["hits"]]
    assert found == [site.items["reading-room"].item_id]


@pytest.mark.parametrize("state", RESTRICTED)
def test_a_tile_staff_made_is_not_served_from_the_cache(staff_client, anonymous, site, state):
    """The IIIF tile cache sits behind the access check: what staff viewed stays refused to others."""
    secret = site.items[state]
    for url in (f"{image(secret)}/0,0,256,256/256,/0/default.jpg", f"{image(secret)}/info.json",
                f"{image(secret)}/full/!200,200/0/default.jpg"):
        assert staff_client.get(url).status_code == 200, url
        refused = anonymous.get(url)
        assert refused.status_code in (403, 404) and refused.mimetype == "text/plain", url
        assert refused.headers.get("Cache-Control") == "no-store", url
