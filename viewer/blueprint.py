"""The Flask blueprint serving everything IIIF; the application mounts it at `/iiif`.

URL forms are listed (and built) in `viewer.options`. Every JSON answer carries CORS `*` (viewers on
other sites load our manifests) and is `application/ld+json` with the right profile when the client
asks for JSON-LD. Errors are `viewer.errors.ViewerError` subclasses and become their HTTP status.

Access: an item the caller may not see (`source.can_view` False) answers 403 for its manifest, its
Content Search and its viewer page, before anything about the item is built.

The blueprint's static folder (`/iiif/static/`) holds the viewer's own small JS (js/viewer.js, which
starts Mirador); Mirador's bundle itself is served by the application (`options.mirador_url`).
"""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, request
from markupsafe import Markup

from storage.base import ObjectStore
from viewer.collections import build_collection, build_collection_page, build_top_collection, parse_page_number
from viewer.content_search import AltoCache, ResultPage, search1_response, search2_response, search_item
from viewer.contexts import PRESENTATION_3_CONTEXT, SEARCH_1_CONTEXT, SEARCH_2_CONTEXT
from viewer.errors import BadRequest, Forbidden, NotFound, ViewerError
from viewer.image_api import register_image_routes
from viewer.manifest import build_manifest
from viewer.options import ViewerOptions
from viewer.source import ItemView, Source
from viewer.viewer_page import embed_html, viewer_page_html

__all__ = ["make_blueprint", "ViewerOptions"]


def _wants_json_ld() -> bool:
    return "application/ld+json" in request.headers.get("Accept", "")


def json_response(data: dict[str, Any], profile: str, status: int = 200) -> Response:
    """JSON, or JSON-LD with `profile` when the client asked for it (IIIF content negotiation)."""
    mimetype = f'application/ld+json;profile="{profile}"' if _wants_json_ld() else "application/json"
    response = Response(json.dumps(data, ensure_ascii=False), status=status, content_type=mimetype)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _visible_item(source: Source, item_id: str) -> ItemView:
    item = source.item(item_id)
    if item is None:
        raise NotFound(f"no item {item_id!r}")
    if not source.can_view(item_id):
        raise Forbidden(f"item {item_id!r} is not available to you")
    return item


def _page_arg(name: str, default: int, minimum: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an integer, not {raw!r}") from None
    if value < minimum:
        raise BadRequest(f"{name} must be at least {minimum}")
    return value


def make_blueprint(source: Source, store: ObjectStore, options: ViewerOptions) -> Blueprint:
    """All IIIF routes (Image API, manifests, collections, Content Search, viewer page) on one blueprint."""
    # The name "iiif" is also spelled in templates/viewer/_mirador_embed.html (url_for of the static JS).
    bp = Blueprint("iiif", __name__, template_folder="templates", static_folder="static")
    alto_cache = AltoCache(options.alto_cache_items, options.alto_cache_ttl_s)

    @bp.errorhandler(ViewerError)
    def _viewer_error(error: ViewerError) -> Response:
        response = Response(
            json.dumps({"error": error.message, "status": error.status}, ensure_ascii=False),
            status=error.status,
            content_type="application/json",
        )
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    @bp.after_request
    def _cors(response: Response) -> Response:
        response.headers.setdefault("Access-Control-Allow-Origin", "*")
        return response

    @bp.get("/manifest/<item_id>")
    def manifest(item_id: str) -> Response:
        return json_response(build_manifest(_visible_item(source, item_id), options), PRESENTATION_3_CONTEXT)

    @bp.get("/collection/top")
    def top_collection() -> Response:
        return json_response(build_top_collection(source, options), PRESENTATION_3_CONTEXT)

    @bp.get("/collection/<collection_id>")
    def collection(collection_id: str) -> Response:
        view = source.collection(collection_id)
        if view is None:
            raise NotFound(f"no collection {collection_id!r}")
        return json_response(build_collection(view, source, options), PRESENTATION_3_CONTEXT)

    @bp.get("/collection/<collection_id>/page/<page>")
    def collection_page(collection_id: str, page: str) -> Response:
        # A large collection's items, one page per document (see viewer/collections.py): 400 for a page
        # that is not a number from 1, 404 for an unknown collection or a page past the last.
        number = parse_page_number(page)
        view = source.collection(collection_id)
        if view is None:
            raise NotFound(f"no collection {collection_id!r}")
        return json_response(build_collection_page(view, source, options, number), PRESENTATION_3_CONTEXT)

    def _search(item_id: str) -> tuple[str, ResultPage]:
        item = _visible_item(source, item_id)
        q = request.args.get("q", "")
        page = _page_arg("page", 0, 0)
        return q, search_item(alto_cache, item, store, q, page, options.search_page_size)

    @bp.get("/search/1/<item_id>")
    def search1(item_id: str) -> Response:
        q, result = _search(item_id)
        return json_response(search1_response(item_id, q, result, options), SEARCH_1_CONTEXT)

    @bp.get("/search/2/<item_id>")
    def search2(item_id: str) -> Response:
        q, result = _search(item_id)
        return json_response(search2_response(item_id, q, result, options), SEARCH_2_CONTEXT)

    @bp.get("/viewer/<item_id>")
    def viewer(item_id: str) -> Response:
        item = _visible_item(source, item_id)
        page = _page_arg("page", 1, 1)
        html = viewer_page_html(options, item, page=page, query=request.args.get("q") or None)
        return Response(html, content_type="text/html; charset=utf-8")

    def mirador_embed(item: ItemView | str, page: int = 1, q: str | None = None) -> Markup:
        """`{{ mirador_embed(item, page, q) }}` in any template of the app; `item` may be its id.

        The caller has already checked the reader may see the item (the web UI's item page does).
        """
        view = source.item(item) if isinstance(item, str) else item
        return embed_html(options, view, page, q) if view is not None else Markup("")

    bp.add_app_template_global(mirador_embed, "mirador_embed")

    # Image API 3.0 under /3/<identifier>/… — implemented in viewer/image_api.py (image engineer).
    register_image_routes(bp, source, store, options)
    return bp
