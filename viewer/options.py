"""Settings of the IIIF layer and the one place where its public URLs are spelled.

`repository/` builds a `ViewerOptions` from its configuration and passes it to
`viewer.blueprint.make_blueprint`; nothing in `viewer/` reads configuration itself.

Stable URL forms (all under the blueprint's mount point, `/iiif` by default):

    /iiif/3/<image_id>[/…]                 Image API 3.0 (viewer/image_api.py)
    /iiif/manifest/<item_id>               Presentation 3 Manifest
    /iiif/collection/top                   the top Collection ("top" is reserved)
    /iiif/collection/<collection_id>       one repository collection
    /iiif/collection/<collection_id>/page/<n>   its items n*100-99..n*100, when it has more than 100
    /iiif/search/1/<item_id>?q=…&page=N    Content Search 1.0 (what Mirador reads), page 0-based
    /iiif/search/2/<item_id>?q=…&page=N    Content Search 2.0
    /iiif/viewer/<item_id>?page=N&q=…      standalone Mirador page, page 1-based

Per-page ALTO, the searchable PDF, the plain text and the DC record are served by the REST API
(`/api/items/<id>/…`); the manifest links there rather than duplicating those routes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping
from urllib.parse import quote

def _seg(value: str) -> str:
    # Identifiers are URL-safe by convention; quoting anyway keeps a stray "/" or "?" from
    # silently changing which route a URL reaches.
    return quote(str(value), safe="")


@dataclass(frozen=True)
class ViewerOptions:
    base_url: str  # public origin, e.g. "https://archive.example.kz" (no trailing slash needed)
    repository_name: str = "Ölketanu"
    # requiredStatement value per language, e.g. {"kk": "…", "ru": "…", "en": "…"}; empty = the name
    attribution: Mapping[str, str] = field(default_factory=dict)
    # provider (the library): label per language (empty = repository_name), homepage, logo image URL
    provider_label: Mapping[str, str] = field(default_factory=dict)
    provider_homepage: str | None = None
    provider_logo: str | None = None
    mount: str = "/iiif"  # where the app mounts the blueprint
    api_prefix: str = "/api"  # where the REST API serves ALTO, PDF, text and dc.xml
    mirador_url: str = "/static/mirador/mirador.min.js"
    # Image API (viewer/image_api.py) settings
    tile_cache_dir: str | None = None  # None: no on-disk tile cache
    tile_cache_max_mb: int = 1024
    tile_memory_mb: int = 64  # in-memory LRU of encoded hot tiles
    jpeg_quality: int = 90
    max_area: int | None = 20_000_000  # largest output image in pixels (width × height); None: no limit
    image_max_age_s: int = 86400  # Cache-Control max-age of image responses
    info_max_age_s: int = 3600  # Cache-Control max-age of info.json
    stat_ttl_s: float = 10.0  # how long a pyramid file's version (for ETags) is trusted before re-checking
    max_open_images: int = 64  # pyramid files kept open
    # Content Search settings
    search_page_size: int = 100  # hits per response page
    alto_cache_items: int = 32  # items whose parsed ALTO stays in memory (LRU)
    alto_cache_ttl_s: float = 300.0  # re-read ALTO after this long, so a re-run OCR shows up
    thumbnail_width: int = 200

    # --- URLs -----------------------------------------------------------------------------------
    @property
    def iiif_base(self) -> str:
        return self.base_url.rstrip("/") + self.mount

    @property
    def api_base(self) -> str:
        return self.base_url.rstrip("/") + self.api_prefix

    def absolute(self, url: str) -> str:
        """`url` made absolute against base_url (Source may hand out site-relative paths)."""
        if url.startswith(("http://", "https://")):
            return url
        return self.base_url.rstrip("/") + "/" + url.lstrip("/")

    def image_service_url(self, image_id: str) -> str:
        return f"{self.iiif_base}/3/{_seg(image_id)}"

    def manifest_url(self, item_id: str) -> str:
        return f"{self.iiif_base}/manifest/{_seg(item_id)}"

    def canvas_url(self, item_id: str, seq: int) -> str:
        return f"{self.manifest_url(item_id)}/canvas/{seq}"

    def collection_url(self, collection_id: str) -> str:
        return f"{self.iiif_base}/collection/{_seg(collection_id)}"

    def top_collection_url(self) -> str:
        return f"{self.iiif_base}/collection/top"

    def search1_url(self, item_id: str) -> str:
        return f"{self.iiif_base}/search/1/{_seg(item_id)}"

    def search2_url(self, item_id: str) -> str:
        return f"{self.iiif_base}/search/2/{_seg(item_id)}"

    def viewer_url(self, item_id: str) -> str:
        return f"{self.iiif_base}/viewer/{_seg(item_id)}"

    def api_item_url(self, item_id: str, tail: str) -> str:
        return f"{self.api_base}/items/{_seg(item_id)}/{tail}"

    def alto_url(self, item_id: str, seq: int) -> str:
        return self.api_item_url(item_id, f"pages/{seq}/alto")

    def page_text_url(self, item_id: str, seq: int) -> str:
        return self.api_item_url(item_id, f"pages/{seq}/text")
