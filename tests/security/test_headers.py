"""Security headers on every HTML page (public, staff, IIIF viewer, error pages), and nosniff on the rest:
a Content-Security-Policy whose scripts come from our origin only (no 'unsafe-inline', no 'unsafe-eval'),
`frame-ancestors`, `object-src 'none'`, `X-Content-Type-Options: nosniff`."""
from __future__ import annotations

import pytest

from tests.security.conftest import CATALOGUE_RECORD
from tests.staff.conftest import login

PUBLIC_HTML = ["/", "/?lang=ru", "/search?q=lighthouse", "/collections", "/collections/papers", "/items/{public}",
               "/items/{public}/copy", f"/catalogue/{CATALOGUE_RECORD}", "/iiif/viewer/{public}", "/staff/login",
               "/items/kznothing000", "/no/such/page", "/search?q=%22", "/collections/papers?page=x"]
STAFF_HTML = ["/staff/", "/staff/items", "/staff/items/{public}", "/staff/upload", "/staff/jobs", "/staff/collections"]
OTHER = ["/api/items", "/api/items/{public}/pdf", "/iiif/manifest/{public}", "/iiif/3/{public}~1/info.json",
         "/iiif/3/{public}~1/full/!200,200/0/default.jpg", "/oai?verb=Identify", "/api/items/kznothing000",
         "/static/css/site.css"]


def directives(csp: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            found[words[0].lower()] = words[1:]
    return found


def check_html_headers(response, path: str) -> None:
    assert response.mimetype == "text/html", path
    policy = directives(response.headers.get("Content-Security-Policy", ""))
    scripts = policy.get("script-src", policy.get("default-src"))
    assert scripts, f"{path}: no script-src / default-src"
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts and "*" not in scripts, path
    assert all(s == "'self'" or s.startswith(("http://", "https://")) for s in scripts), scripts
    assert policy.get("object-src") == ["'none'"], path
    assert policy.get("frame-ancestors") and "*" not in policy["frame-ancestors"], path
    assert policy.get("base-uri") == ["'self'"], path
    assert response.headers.get("X-Content-Type-Options") == "nosniff", path
    assert response.headers.get("X-Frame-Options") in ("SAMEORIGIN", "DENY"), path


@pytest.mark.parametrize("path", PUBLIC_HTML)
def test_public_html_pages(site, anonymous, path):
    response = anonymous.get(path.format(public=site.public.item_id))
    check_html_headers(response, path)


@pytest.mark.parametrize("path", STAFF_HTML)
def test_staff_html_pages(site, path):
    client = site.app.test_client()
    assert login(client, "staff").status_code == 302
    response = client.get(path.format(public=site.public.item_id))
    assert response.status_code == 200, path
    check_html_headers(response, path)


def test_refusals_carry_the_headers_too(site, anonymous):
    restricted = site.items["staff"].item_id
    for path in (f"/items/{restricted}", f"/iiif/viewer/{restricted}"):
        response = anonymous.get(path)
        assert response.status_code in (403, 404)
        assert response.headers.get("X-Content-Type-Options") == "nosniff", path
    check_html_headers(anonymous.get(f"/items/{restricted}"), "refused item page")
    csrf = anonymous.post("/staff/login", data={"username": "x", "password": "y"})
    assert csrf.status_code == 400
    check_html_headers(csrf, "CSRF refusal")


@pytest.mark.parametrize("path", OTHER)
def test_other_answers_are_nosniff(site, anonymous, path):
    response = anonymous.get(path.format(public=site.public.item_id))
    assert response.status_code in (200, 404), path
    assert response.headers.get("X-Content-Type-Options") == "nosniff", path


def test_downloads_are_not_rendered_as_pages(site, anonymous):
    """Stored files come with their own type, never text/html (they could carry markup otherwise)."""
    item_id = site.public.item_id
    for path, mimetype in ((f"/api/items/{item_id}/pdf", "application/pdf"),
                           (f"/api/items/{item_id}/text", "text/plain"),
                           (f"/api/items/{item_id}/pages/1/alto", "application/xml"),
                           (f"/items/{item_id}/cite.bib", "application/x-bibtex")):
        response = anonymous.get(path)
        assert response.status_code == 200 and response.mimetype == mimetype, path
