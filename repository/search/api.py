"""`GET /api/search`: JSON hits, facets, total and paging; its OpenAPI description is `OPENAPI_PATHS`.

Query syntax errors and bad parameters are typed RepositoryErrors, so the app's error handler answers
400 with the message (never 500). What the caller may see comes from repository.access via auth.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from repository.search.base import FACETS, MAX_PER_PAGE, SORTS, Filters, Hit, SearchRequest, SearchResult, Visibility
from repository.search.errors import BadSearchParameter
from repository.search.query import parse

DEFAULT_PER_PAGE = 20
FILTER_PARAMS = ("collection", "type", "language", "decade", "subject", "place", "creator", "source")
_TRUE, _FALSE = ("1", "yes", "true", "on"), ("0", "no", "false", "off")


def make_blueprint() -> Blueprint:
    bp = Blueprint("search_api", __name__)
    bp.add_url_rule("/search", view_func=search)
    return bp


def caller_visibility() -> Visibility:
    from repository.access import is_staff
    from repository.auth import current_user, in_reading_room

    if is_staff(current_user()):
        return Visibility.staff()
    return Visibility.anonymous(in_reading_room())


def search() -> Any:
    from repository.search.service import current_search

    search_request = request_from_args(request.args, caller_visibility())
    result = current_search().search(search_request)
    return jsonify(result_json(search_request, result))


def _int(args: Any, name: str, default: int, low: int, high: int | None = None) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadSearchParameter(f"{name} must be a whole number, got {raw!r}") from None
    if value < low or (high is not None and value > high):
        raise BadSearchParameter(f"{name} must be between {low} and {high}" if high else f"{name} must be at least {low}")
    return value


def _year(args: Any, name: str) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return int(raw[:5] if raw.startswith("-") else raw[:4])
    except ValueError:
        raise BadSearchParameter(f"{name} must be a year such as 1916, got {raw!r}") from None


def request_from_args(args: Any, visibility: Visibility) -> SearchRequest:
    """The SearchRequest for these query-string parameters (repeat a filter for alternatives)."""
    values: dict[str, tuple[str, ...]] = {}
    for name in FILTER_PARAMS:
        given = tuple(v.strip() for v in args.getlist(name) if v.strip())
        if given:
            values[name] = given
    fulltext = (args.get("fulltext") or "").strip().lower()
    if fulltext in _TRUE:
        values["fulltext"] = ("yes",)
    elif fulltext in _FALSE:
        values["fulltext"] = ("no",)
    elif fulltext:
        raise BadSearchParameter(f"fulltext must be 1 or 0, got {fulltext!r}")
    text = args.get("q", "")
    return SearchRequest(
        query=parse(text), text=text,
        filters=Filters(values, _year(args, "date_from"), _year(args, "date_to")),
        visibility=visibility,
        sort=args.get("sort") or "relevance",
        page=_int(args, "page", 1, 1),
        per_page=_int(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
    )


def hit_json(hit: Hit) -> dict[str, Any]:
    return {
        "id": hit.id, "source": hit.source, "score": hit.score, "title": hit.title, "title_html": hit.title_html,
        "dates": list(hit.dates), "year_from": hit.year_from, "year_to": hit.year_to,
        "collections": list(hit.collections), "pages": list(hit.pages),
        "snippets": [{"field": s.field, "page": s.page, "html": s.html} for s in hit.snippets],
    }


def result_json(search_request: SearchRequest, result: SearchResult) -> dict[str, Any]:
    return {
        "query": search_request.text,
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "pages": result.pages,
        "sort": search_request.sort,
        "filters": {k: list(v) for k, v in search_request.filters.active().items()},
        "hits": [hit_json(h) for h in result.hits],
        "facets": {name: [{"value": f.value, "count": f.count} for f in values]
                   for name, values in result.facets.items()},
    }


# --- OpenAPI ------------------------------------------------------------------------------------


def _param(name: str, schema: dict[str, Any], description: str, repeat: bool = False) -> dict[str, Any]:
    if repeat:
        schema = {"type": "array", "items": schema}
    param = {"name": name, "in": "query", "required": False, "schema": schema, "description": description}
    if repeat:
        param.update(style="form", explode=True)
    return param


OPENAPI_PATHS: dict[str, dict[str, Any]] = {
    "/api/search": {"get": {
        "summary": "Search archive items and catalogue records (metadata and full text), with facets",
        "tags": ["search"],
        "parameters": [
            _param("q", {"type": "string"}, "Query: words, \"phrases\", AND/OR/NOT, -word, prefix*, "
                   "title: creator: subject: place: date:1916 or date:1910-1920. Any script or Kazakh "
                   "alphabet; pre-1918 Russian spelling is found by modern spelling."),
            *[_param(name, {"type": "string"}, f"Only results with this {name} (repeat for alternatives).", True)
              for name in FILTER_PARAMS if name != "decade"],
            _param("decade", {"type": "integer"}, "Only results dated in this decade, e.g. 1910 (repeatable).", True),
            _param("date_from", {"type": "integer"}, "Only results dated in or after this year."),
            _param("date_to", {"type": "integer"}, "Only results dated in or before this year."),
            _param("fulltext", {"type": "string", "enum": ["1", "0"]}, "1: only results with full text; 0: only without."),
            _param("sort", {"type": "string", "enum": list(SORTS), "default": "relevance"}, "Order of the hits."),
            _param("page", {"type": "integer", "minimum": 1, "default": 1}, "Result page."),
            _param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                                "default": DEFAULT_PER_PAGE}, "Hits per page."),
        ],
        "responses": {
            "200": {"description": "Hits, facets and paging",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SearchResult"}}}},
            "400": {"description": "Query syntax error or bad parameter (the message says which)",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            "503": {"description": "The search engine is unreachable",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        },
    }},
}

_FACET_LIST = {"type": "array", "items": {"type": "object", "properties": {
    "value": {"type": "string"}, "count": {"type": "integer"}}}}

OPENAPI_SCHEMAS: dict[str, dict[str, Any]] = {
    "SearchHit": {"type": "object", "properties": {
        "id": {"type": "string"}, "source": {"type": "string", "enum": ["archive", "catalogue"]},
        "score": {"type": "number"}, "title": {"type": "string"},
        "title_html": {"type": "string", "description": "Escaped title with matched words in <mark>"},
        "dates": {"type": "array", "items": {"type": "string"}},
        "year_from": {"type": "integer", "nullable": True}, "year_to": {"type": "integer", "nullable": True},
        "collections": {"type": "array", "items": {"type": "string"}},
        "pages": {"type": "array", "items": {"type": "integer"}, "description": "Pages whose text matched"},
        "snippets": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "page": {"type": "integer", "nullable": True},
            "html": {"type": "string", "description": "Escaped text with matched words in <mark>"}}}}}},
    "SearchResult": {"type": "object", "properties": {
        "query": {"type": "string"}, "total": {"type": "integer"}, "page": {"type": "integer"},
        "per_page": {"type": "integer"}, "pages": {"type": "integer"}, "sort": {"type": "string"},
        "filters": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        "hits": {"type": "array", "items": {"$ref": "#/components/schemas/SearchHit"}},
        "facets": {"type": "object", "properties": {name: _FACET_LIST for name in FACETS}}}},
}
