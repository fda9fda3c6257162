"""Security headers on every response, and the link rule for metadata values.

The Content-Security-Policy, on every HTML page (the IIIF viewer page under /iiif/ too), allows scripts
only from our own origin: no inline scripts (the viewer's configuration travels in a JSON data island
read by the viewer package's /iiif/static/js/viewer.js). Mirador sets inline styles, so `style-src`
alone allows 'unsafe-inline'. Images, manifests and tiles may come from the configured public base URL
when it differs from the origin a request arrived on (a proxy in front of the app).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app


def origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(base_url: str) -> str:
    sources = " ".join(filter(None, ["'self'", origin_of(base_url)]))
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        f"img-src {sources} data: blob:",
        f"connect-src {sources}",
        "font-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ])


def http_url(value: str) -> str | None:
    """`value` if it is an absolute http(s) URL (only those become links); else None.

    `javascript:`, `data:` and anything else stays plain text. Control characters and spaces inside a
    URL are refused too, since browsers strip some of them before reading the scheme.
    """
    text = value.strip()
    if any(ord(ch) < 33 or ord(ch) == 127 for ch in text):
        return None
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return text


def _add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if response.mimetype == "text/html":
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        base_url = current_app.extensions["olketanu"].config.get("repository", "base_url")
        headers.setdefault("Content-Security-Policy", content_security_policy(base_url))
    return response


def init_security(app: Flask) -> None:
    app.after_request(_add_headers)
