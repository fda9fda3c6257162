"""`GET /api/catalogue/<record_id>`: a catalogue record's Dublin Core and its digitised copies.

Catalogue records are public metadata. Linked items are listed only when the caller may see them
(a draft or restricted copy is left out, exactly as the item API would answer 404 for it).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import Response, jsonify
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from metadata.dc import DCRecord
from repository.access import may_view
from repository.auth import current_user, in_reading_room
from repository.catalogue import get_record, linked_items
from repository.models import CatalogueRecord, Item, Page
from repository.services import current_services
from repository.viewer_adapter import image_id, item_homepage

THUMB_SIZE = "!200,200"


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def thumbnail_url(base: str, session: Session, item_id: str) -> str | None:
    seq = session.scalar(select(func.min(Page.seq)).where(Page.item_id == item_id))
    return None if seq is None else f"{base}/iiif/3/{image_id(item_id, seq)}/full/{THUMB_SIZE}/0/default.jpg"


def visible_copies(session: Session, record_id: str, base: str) -> list[dict[str, Any]]:
    """The record's digitised copies the current caller may see: id, title, links, thumbnail."""
    user, reading_room = current_user(), in_reading_room()
    copies = []
    for item in linked_items(session, record_id):
        if not may_view(user, item, reading_room):
            continue
        copies.append(copy_json(session, item, base))
    return copies


def copy_json(session: Session, item: Item, base: str) -> dict[str, Any]:
    return {
        "id": item.id,
        "title": DCRecord.from_json(item.dc).first("title"),
        "url": f"{base}/api/items/{item.id}",
        "homepage": item_homepage(base, item.id),
        "thumbnail": thumbnail_url(base, session, item.id),
    }


def record_json(session: Session, record: CatalogueRecord, base: str, oai_id: str) -> dict[str, Any]:
    withdrawn = record.status == "withdrawn"
    return {
        "id": record.id,
        "source": "catalogue",
        "control_number": record.control_number,
        "format": record.format,
        "status": record.status,
        "title": None if withdrawn else DCRecord.from_json(record.dc).first("title"),
        "dc": {} if withdrawn else record.dc,
        "isbns": list(record.isbns or []),
        "created": _time(record.created),
        "updated": _time(record.updated),
        "datestamp": _time(record.datestamp),
        "withdrawn_at": _time(record.withdrawn_at),
        "oai_identifier": f"oai:{oai_id}:catalogue/{record.id}",
        "homepage": f"{base}/catalogue/{record.id}",
        "digitised": [] if withdrawn else visible_copies(session, record.id, base),
    }


def show_catalogue_record(record_id: str) -> Response:
    services = current_services()
    base = services.config.get("repository", "base_url")
    with services.db.read() as session:
        record = get_record(session, record_id)
        body = record_json(session, record, base, services.config.get("repository", "oai_identifier"))
    return jsonify(body)


NULLABLE_TIME = {"type": "string", "format": "date-time", "nullable": True}
OPENAPI_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "string"}, "source": {"type": "string", "enum": ["catalogue"]},
    "control_number": {"type": "string", "nullable": True},
    "format": {"type": "string", "enum": ["marc21", "unimarc"]},
    "status": {"type": "string", "enum": ["active", "withdrawn"],
               "description": "withdrawn: deleted in the catalogue; the record stays as a tombstone with empty dc"},
    "title": {"type": "string", "nullable": True}, "dc": {"$ref": "#/components/schemas/DC"},
    "isbns": {"type": "array", "items": {"type": "string"}, "description": "ISBN-13s"},
    "created": {"type": "string", "format": "date-time"}, "updated": {"type": "string", "format": "date-time"},
    "datestamp": {"type": "string", "format": "date-time"}, "withdrawn_at": NULLABLE_TIME,
    "oai_identifier": {"type": "string"}, "homepage": {"type": "string", "format": "uri"},
    "digitised": {"type": "array", "description": "Digitised copies the caller may see", "items": {
        "type": "object", "properties": {
            "id": {"type": "string"}, "title": {"type": "string", "nullable": True},
            "url": {"type": "string", "format": "uri"}, "homepage": {"type": "string", "format": "uri"},
            "thumbnail": {"type": "string", "format": "uri", "nullable": True}}}},
}}
