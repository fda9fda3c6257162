"""The OpenAPI 3.0 description of /api, kept as data next to the routes (repository/api.py).

A test checks that every /api route in the app's URL map is described here and vice versa; a new
route (e.g. /api/search) adds its entry to PATHS.
"""
from __future__ import annotations

from typing import Any

from repository.catalogue_api import OPENAPI_SCHEMA as CATALOGUE_RECORD_SCHEMA

VERSION = "1.0.0"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _param(name: str, where: str, schema: dict[str, Any], description: str, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required or where == "path", "schema": schema,
            "description": description}


ITEM_ID = _param("item_id", "path", {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"}, "Item id.")
SEQ = _param("seq", "path", {"type": "integer", "minimum": 1}, "Page number (1-based order).")
COLLECTION_ID = _param("collection_id", "path", {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,99}$"},
                       "Collection id.")
ERRORS = {
    "400": {"description": "Bad parameter or identifier", "content": {"application/json": {"schema": _ref("Error")}}},
    "404": {"description": "Unknown, or not visible to the caller",
            "content": {"application/json": {"schema": _ref("Error")}}},
}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _file(description: str, mime: str) -> dict[str, Any]:
    return {"description": description, "content": {mime: {"schema": {"type": "string", "format": "binary"}}}}


def _get(summary: str, responses: dict[str, Any], parameters: list[dict[str, Any]] | None = None,
         tag: str = "items") -> dict[str, Any]:
    return {"get": {"summary": summary, "tags": [tag], "parameters": parameters or [],
                    "responses": {**responses, **ERRORS}}}


PATHS: dict[str, dict[str, Any]] = {
    "/api/items": _get("Items the caller may see, oldest datestamp first", {"200": _json("A page of items", _ref("ItemList"))}, [
        _param("page", "query", {"type": "integer", "minimum": 1, "default": 1}, "Page number (ignored with cursor)."),
        _param("per_page", "query", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}, "Items per page."),
        _param("cursor", "query", {"type": "string"}, "`next_cursor` of the previous response (keyset paging)."),
        _param("collection", "query", {"type": "string"}, "Only items in this collection or below it."),
        _param("status", "query", {"type": "string", "enum": ["draft", "published", "withdrawn"]},
               "Only items with this status; other than `published` needs a staff login (403)."),
        _param("changed_since", "query", {"type": "string", "format": "date-time"},
               "Only items whose datestamp is at or after this time (UTC if no zone given)."),
    ]),
    "/api/items/{item_id}": _get("One item: Dublin Core, access, pages and their IIIF/text/ALTO links",
                                 {"200": _json("The item", _ref("Item"))}, [ITEM_ID]),
    "/api/items/{item_id}/pages/{seq}/alto": _get("ALTO XML of one page", {"200": _file("ALTO v4", "application/xml")},
                                                  [ITEM_ID, SEQ]),
    "/api/items/{item_id}/pages/{seq}/text": _get("Plain text of one page", {"200": _file("UTF-8 text", "text/plain")},
                                                  [ITEM_ID, SEQ]),
    "/api/items/{item_id}/pdf": _get("Searchable PDF of the whole item", {"200": _file("PDF", "application/pdf")}, [ITEM_ID]),
    "/api/items/{item_id}/text": _get("Plain text of the whole item", {"200": _file("UTF-8 text", "text/plain")}, [ITEM_ID]),
    "/api/items/{item_id}/dc.xml": _get("The record as oai_dc XML", {"200": _file("oai_dc", "application/xml")}, [ITEM_ID]),
    "/api/collections": _get("Every collection with its set spec and visible item count",
                             {"200": _json("Collections", {"type": "object", "properties": {
                                 "collections": {"type": "array", "items": _ref("Collection")}}})}, tag="collections"),
    "/api/collections/{collection_id}": _get("One collection", {"200": _json("The collection", _ref("Collection"))},
                                             [COLLECTION_ID], tag="collections"),
    "/api/jobs/{job_id}": _get("State of a background ingest job (staff only)", {
        "200": _json("Job state", {"type": "object", "additionalProperties": True}),
        "403": _json("Not logged in as staff", _ref("Error")),
    }, [_param("job_id", "path", {"type": "string"}, "Job id.")], tag="jobs"),
    "/api/health": _get("Status of each component", {
        "200": _json("Everything works", _ref("Health")),
        "503": _json("A required component fails", _ref("Health")),
    }, tag="meta"),
    "/api/openapi.json": _get("This document", {"200": _json("OpenAPI 3.0", {"type": "object"})}, tag="meta"),
    "/api/catalogue/{record_id}": _get(
        "One general-catalogue record: Dublin Core and links to its digitised copies (with thumbnails)",
        {"200": _json("The catalogue record", _ref("CatalogueRecord"))},
        [_param("record_id", "path", {"type": "string", "pattern": "^cat-[A-Za-z0-9_-]{1,60}$"},
                "Catalogue record id (`cat-<control number>`).")], tag="catalogue"),
}

LANGUAGE_MAP = {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}
NULLABLE_URL = {"type": "string", "format": "uri", "nullable": True}

SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["status", "message"], "properties": {
            "status": {"type": "integer"}, "message": {"type": "string"},
            "problems": {"type": "array", "items": {"type": "object"}}}}}},
    "DC": {"type": "object", "description": "Dublin Core: element name → values with optional BCP 47 tags",
           "additionalProperties": {"type": "array", "items": {"type": "object", "required": ["value"], "properties": {
               "value": {"type": "string"}, "lang": {"type": "string", "nullable": True}}}}},
    "ItemSummary": {"type": "object", "properties": {
        "id": {"type": "string"}, "title": {"type": "string", "nullable": True},
        "status": {"type": "string", "enum": ["draft", "published", "withdrawn"]},
        "access": {"type": "string", "enum": ["public", "reading-room", "staff"]},
        "collection": {"type": "string", "nullable": True}, "datestamp": {"type": "string", "format": "date-time"},
        "thumbnail": NULLABLE_URL, "url": {"type": "string", "format": "uri"}}},
    "ItemList": {"type": "object", "properties": {
        "items": {"type": "array", "items": _ref("ItemSummary")}, "total": {"type": "integer"},
        "per_page": {"type": "integer"}, "page": {"type": "integer", "nullable": True},
        "next_cursor": {"type": "string", "nullable": True}}},
    "Page": {"type": "object", "properties": {
        "seq": {"type": "integer"}, "label": {"type": "string"}, "width": {"type": "integer"},
        "height": {"type": "integer"}, "image_service": {"type": "string", "format": "uri"},
        "thumbnail": {"type": "string", "format": "uri"}, "text": NULLABLE_URL, "alto": NULLABLE_URL,
        "ocr": {"type": "object", "properties": {"confidence": {"type": "number", "nullable": True},
                                                 "flagged": {"type": "boolean"},
                                                 "model": {"type": "string", "nullable": True}}}}},
    "Item": {"type": "object", "properties": {
        "id": {"type": "string"}, "status": {"type": "string"}, "access": {"type": "string"}, "dc": _ref("DC"),
        "title": {"type": "string", "nullable": True},
        "collection": {"type": "object", "nullable": True, "properties": {
            "id": {"type": "string"}, "set_spec": {"type": "string"}}},
        "created": {"type": "string", "format": "date-time"}, "updated": {"type": "string", "format": "date-time"},
        "datestamp": {"type": "string", "format": "date-time"},
        "withdrawn_at": {"type": "string", "format": "date-time", "nullable": True},
        "oai_identifier": {"type": "string"}, "homepage": {"type": "string", "format": "uri"},
        "manifest": {"type": "string", "format": "uri"}, "dc_xml": {"type": "string", "format": "uri"},
        "pdf": NULLABLE_URL, "text": NULLABLE_URL, "pages": {"type": "array", "items": _ref("Page")}}},
    "Collection": {"type": "object", "properties": {
        "id": {"type": "string"}, "parent": {"type": "string", "nullable": True}, "title": LANGUAGE_MAP,
        "description": {**LANGUAGE_MAP, "nullable": True}, "set_spec": {"type": "string"},
        "children": {"type": "array", "items": {"type": "string"}}, "item_count": {"type": "integer"},
        "url": {"type": "string", "format": "uri"}, "items": {"type": "string", "format": "uri"}}},
    "CatalogueRecord": CATALOGUE_RECORD_SCHEMA,
    "Health": {"type": "object", "properties": {
        "status": {"type": "string", "enum": ["ok", "failing"]},
        "components": {"type": "array", "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "ok": {"type": "boolean"}, "version": {"type": "string"},
            "detail": {"type": "string"}}}}}},
}


def document(base_url: str, name: str) -> dict[str, Any]:
    from repository.search.api import OPENAPI_PATHS, OPENAPI_SCHEMAS  # each API module describes its own routes

    return {
        "openapi": "3.0.3",
        "info": {"title": f"{name} API", "version": VERSION,
                 "description": "Read-only JSON API of the digital archive. Restricted items answer 404."},
        "servers": [{"url": base_url}],
        "paths": {**PATHS, **OPENAPI_PATHS},
        "components": {"schemas": {**SCHEMAS, **OPENAPI_SCHEMAS}},
    }
