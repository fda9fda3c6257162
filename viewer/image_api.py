"""IIIF Image API 3.0, level 2, over HTTP: `register_image_routes` and a standalone app factory.

Routes, relative to where they are registered (the blueprint mounted at `/iiif` uses prefix `/3`):

    GET  /3/<identifier>                     303 to info.json
    GET  /3/<identifier>/info.json           image information (JSON-LD by content negotiation)
    GET  /3/<identifier>/<region>/<size>/<rotation>/<quality>.<format>
    OPTIONS on each of them                  CORS preflight

Order of checks: unknown identifier 404, then the caller's access (403), then syntax (400). Every
answer (errors too) carries `Access-Control-Allow-Origin: *`. Image answers carry a strong ETag made
from the canonical request and the access copy's version; a matching `If-None-Match` gets 304
without touching pixels. A request for exactly one whole stored tile gets that tile's own JPEG
(`ImageBackend.passthrough`, marked `X-Tile-Path: passthrough`; its quality is the pyramid's, not
`jpeg_quality`). Other encoded answers are kept in `TileCache` (memory LRU + bounded disk).
`Cache-Control` is `public` only for an `ImageRef` with `public` set.

Settings come from `viewer.options.ViewerOptions`, where each is declared once.
"""
from __future__ import annotations

import json
import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from flask import Flask, Response, request

from storage.errors import ObjectNotFound
from viewer.contexts import IMAGE_3_CONTEXT
from viewer.errors import Forbidden, NotFound, ViewerError
from viewer.image_backend import ImageBackend, Pyramid
from viewer.image_request import FORMATS, QUALITIES, Limits, Plan, level_factor, parse_request, resolve
from viewer.tile_cache import TileCache, key_digest

if TYPE_CHECKING:
    from storage.base import ObjectStore
    from viewer.options import ViewerOptions
    from viewer.source import ImageRef, Source

PROFILE_URI = "http://iiif.io/api/image/3/level2.json"
JSONLD_TYPE = f'application/ld+json;profile="{IMAGE_3_CONTEXT}"'
# Beyond level 2 (and a few level 1/2 ones restated, so a client need not know the profile tables).
EXTRA_FEATURES = [
    "baseUriRedirect", "canonicalLinkHeader", "cors", "jsonldMediaType", "mirroring",
    "profileLinkHeader", "regionByPct", "regionByPx", "regionSquare", "rotationArbitrary",
    "rotationBy90s", "sizeByConfinedWh", "sizeByH", "sizeByPct", "sizeByW", "sizeByWh", "sizeUpscaling",
]
SIZES_MAX_PIXELS = 1024 * 1024  # info.json `sizes`: the pyramid levels small enough for a thumbnail


class ImageService:
    """State shared by the routes: the backend, the caches, the settings."""

    def __init__(self, source: "Source", store: "ObjectStore", options: "ViewerOptions") -> None:
        self.source = source
        self.store = store
        # An empty base_url: ids are built from the request's own host (see service_id).
        self.base_url = options.base_url.rstrip("/")
        self.mount = options.mount.rstrip("/")
        self.jpeg_quality = options.jpeg_quality
        self.limits = Limits(max_area=options.max_area)
        self.image_max_age = options.image_max_age_s
        self.info_max_age = options.info_max_age_s
        self.stat_ttl = options.stat_ttl_s
        self.backend = ImageBackend(self.jpeg_quality, options.max_open_images)
        self.cache = TileCache(options.tile_cache_dir, options.tile_cache_max_mb, options.tile_memory_mb)
        self._versions: dict[str, tuple[float, str]] = {}
        self._versions_lock = threading.Lock()
        self._prefixes: dict[str, str] = {}

    # --- lookups ----------------------------------------------------------------------------------
    def visible_image(self, identifier: str) -> "ImageRef":
        ref = self.source.image(identifier)
        if ref is None:
            raise NotFound(f"no image {identifier!r}")
        if not self.source.can_view(ref.item_id):
            raise Forbidden(f"image {identifier!r} is not available to you")
        return ref

    def version(self, key: str) -> str:
        """The access copy's version (sha256, else size+mtime), re-checked every `stat_ttl` s."""
        now = time.monotonic()
        with self._versions_lock:
            known = self._versions.get(key)
        if known is not None and known[0] > now:
            return known[1]
        try:
            info = self.store.stat(key)
        except ObjectNotFound:
            raise NotFound(f"the image file {key!r} is missing") from None
        version = info.sha256 or f"{info.size}-{info.modified.timestamp()}"
        with self._versions_lock:
            if len(self._versions) > 10000:
                self._versions.clear()  # a crude bound; entries are cheap to recompute
            self._versions[key] = (now + self.stat_ttl, version)
        return version

    def pyramid(self, ref: "ImageRef") -> tuple[Pyramid, str]:
        version = self.version(ref.access_key)
        return self.backend.pyramid(ref.access_key, version, self.store.local_path), version

    def service_id(self, identifier: str) -> str:
        if self.base_url:
            base = self.base_url + self._prefix()
        else:
            base = request.host_url.rstrip("/") + request.script_root + self._prefix()
        return f"{base}/{quote(identifier, safe='')}"

    def _prefix(self) -> str:
        # The URL path before "/<identifier>", taken from the matched rule, so that the same code
        # serves a blueprint mounted anywhere and the standalone app.
        rule = request.url_rule.rule if request.url_rule else ""
        prefix = self._prefixes.get(rule)
        if prefix is None:
            prefix = rule.split("/<identifier>", 1)[0]
            self._prefixes[rule] = prefix
        return prefix

    # --- responses --------------------------------------------------------------------------------
    def info_json(self, identifier: str) -> Response:
        ref = self.visible_image(identifier)
        pyramid, _ = self.pyramid(ref)
        body = json.dumps(self.info_document(ref, pyramid), ensure_ascii=False).encode("utf-8")
        accept = request.headers.get("Accept")
        # §5.1: JSON-LD when asked for, or when nothing was asked; plain JSON for the rest.
        content_type = JSONLD_TYPE if not accept or "application/ld+json" in accept else "application/json"
        headers = {
            "Content-Type": content_type,
            "Cache-Control": self._cache_control(ref, self.info_max_age),
            "Vary": "Accept",
            "Link": f'<{PROFILE_URI}>;rel="profile"',
        }
        return _response(body, 200, headers)

    def info_document(self, ref: "ImageRef", pyramid: Pyramid) -> dict[str, Any]:
        width, height = pyramid.full
        page = pyramid.pages[0]
        factors = sorted({int(f) for f in (level_factor(pyramid.full, s) for s in pyramid.level_sizes)
                          if f == int(f)})
        sizes = sorted((s for s in pyramid.level_sizes[1:] if s[0] * s[1] <= SIZES_MAX_PIXELS))
        info: dict[str, Any] = {
            "@context": IMAGE_3_CONTEXT,
            "id": self.service_id(ref.identifier),
            "type": "ImageService3",
            "protocol": "http://iiif.io/api/image",
            "profile": "level2",
            "width": width,
            "height": height,
        }
        if self.limits.max_area:
            info["maxArea"] = self.limits.max_area
        if sizes:
            info["sizes"] = [{"width": w, "height": h} for w, h in sizes]
        tile_w, tile_h = page.tile_width or 256, page.tile_height or 256
        info["tiles"] = [{"width": tile_w, "height": tile_h, "scaleFactors": factors}]
        info["extraFormats"] = [f for f in FORMATS if f != "jpg"]
        info["extraQualities"] = [q for q in QUALITIES if q != "default"]
        info["extraFeatures"] = EXTRA_FEATURES
        rights = getattr(ref, "rights", None)
        if rights and rights.startswith(("http://", "https://")):
            info["rights"] = rights
        return info

    def image(self, identifier: str, region: str, size: str, rotation: str, quality_format: str) -> Response:
        ref = self.visible_image(identifier)
        parsed = parse_request(region, size, rotation, quality_format)
        pyramid, version = self.pyramid(ref)
        plan = resolve(parsed, pyramid.full[0], pyramid.full[1], self.limits)
        key = f"{ref.access_key}\n{version}\n{plan.canonical}\nq{self.jpeg_quality}"
        etag = f'"{key_digest(key)[:32]}"'
        service = self.service_id(identifier)
        headers = {
            "ETag": etag,
            "Cache-Control": self._cache_control(ref, self.image_max_age),
            "Link": f'<{service}/{plan.canonical}>;rel="canonical", <{PROFILE_URI}>;rel="profile"',
        }
        if _etag_matches(request.headers.get("If-None-Match"), etag):
            return _response(b"", 304, headers)
        # A whole stored tile costs one pread: cheaper than a cache lookup on disk, and caching it
        # would only copy the pyramid's bytes into the cache and crowd out rendered answers.
        body = self.backend.passthrough(pyramid, plan)
        if body is not None:
            headers["X-Tile-Path"] = "passthrough"
        else:
            body = self._rendered(key, pyramid, plan)
        headers["Content-Type"] = FORMATS[plan.format]
        return _response(body, 200, headers)

    def _rendered(self, key: str, pyramid: Pyramid, plan: Plan) -> bytes:
        body = self.cache.get(key)
        if body is None:
            body = self.render(pyramid, plan)
            self.cache.put(key, body)
        return body

    def render(self, pyramid: Pyramid, plan: Plan) -> bytes:
        return self.backend.render(pyramid, plan)

    def base_redirect(self, identifier: str) -> Response:
        self.visible_image(identifier)
        location = self.service_id(identifier) + "/info.json"
        return _response(b"", 303, {"Location": location})

    def _cache_control(self, ref: "ImageRef", max_age: int) -> str:
        # Only an image anyone may see can sit in shared caches (proxies, CDNs).
        return f"{'public' if ref.public else 'private'}, max-age={max_age}"


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def _response(body: bytes, status: int, headers: dict[str, str]) -> Response:
    response = Response(body, status=status, headers=headers)
    response.headers["Access-Control-Allow-Origin"] = "*"
    if status == 304:
        # werkzeug would otherwise announce the empty body's length
        response.headers.pop("Content-Length", None)
    return response


def _error_response(error: ViewerError) -> Response:
    # §7.3 recommends a human-readable body in plain text or HTML.
    body = f"{error.status} {error.message}\n".encode("utf-8")
    return _response(body, error.status, {"Content-Type": "text/plain; charset=utf-8",
                                          "Cache-Control": "no-store"})


def _preflight() -> Response:
    headers = {
        "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
        "Access-Control-Allow-Headers": request.headers.get("Access-Control-Request-Headers", "*"),
        "Access-Control-Max-Age": "86400",
        "Allow": "GET, HEAD, OPTIONS",
    }
    return _response(b"", 204, headers)


def register_image_routes(target: Any, source: "Source", store: "ObjectStore", options: "ViewerOptions",
                          prefix: str = "/3") -> ImageService:
    """Add the Image API routes under `prefix` to a Flask app or blueprint; returns the service."""
    service = ImageService(source, store, options)

    def guarded(handler):  # type: ignore[no-untyped-def]
        def view(**kwargs: str) -> Response:
            if request.method == "OPTIONS":
                return _preflight()
            try:
                return handler(**kwargs)
            except ViewerError as error:
                return _error_response(error)
        view.__name__ = f"iiif_image_{handler.__name__}"
        return view

    methods = ["GET", "HEAD", "OPTIONS"]
    target.add_url_rule(f"{prefix}/<identifier>", endpoint="iiif_image_base",
                        view_func=guarded(service.base_redirect), methods=methods,
                        provide_automatic_options=False)
    target.add_url_rule(f"{prefix}/<identifier>/info.json", endpoint="iiif_image_info",
                        view_func=guarded(service.info_json), methods=methods,
                        provide_automatic_options=False)
    target.add_url_rule(f"{prefix}/<identifier>/<region>/<size>/<rotation>/<quality_format>",
                        endpoint="iiif_image_request", view_func=guarded(service.image), methods=methods,
                        provide_automatic_options=False)
    return service


def make_image_app(source: "Source", store: "ObjectStore", options: "ViewerOptions") -> Flask:
    """A Flask app serving only the Image API at `<mount>/3/…` (for tests and the benchmark)."""
    app = Flask(__name__)
    mount = options.mount.rstrip("/")
    app.extensions["iiif_image_service"] = register_image_routes(app, source, store, options,
                                                                 prefix=f"{mount}/3")
    return app
