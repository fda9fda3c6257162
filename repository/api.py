"""The REST API at /api: JSON, read-only for the public; every answer passes access.py.

A restricted, draft or withdrawn item is answered exactly like a missing one (404, no data) for
callers who may not see it.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, Response, jsonify, request, send_file
from lxml import etree
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from metadata.dc import DCRecord
from metadata.oai_dc import to_oai_dc
from repository import openapi
from repository.access import is_staff, may_see_status, may_view, visible_items_query
from repository.auth import current_user, in_reading_room
from repository.catalogue_api import show_catalogue_record
from repository.checks import HEALTH_CHECKS, run_checks
from repository.collections import get_collection, list_collections
from repository.errors import BadRequest, Forbidden, NotFound
from repository.hierarchy import descendant_ids, set_spec
from repository.items import get_item
from repository.models import STATUSES, Collection, Item, Page
from repository.services import Services, current_services
from repository.viewer_adapter import image_id, item_homepage

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
THUMB_SIZE = "!200,200"
_JOB_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def make_blueprint() -> Blueprint:
    bp = Blueprint("api", __name__)
    bp.add_url_rule("/items", view_func=list_items)
    bp.add_url_rule("/items/<item_id>", view_func=show_item)
    bp.add_url_rule("/items/<item_id>/pages/<int:seq>/alto", view_func=page_alto)
    bp.add_url_rule("/items/<item_id>/pages/<int:seq>/text", view_func=page_text)
    bp.add_url_rule("/items/<item_id>/pdf", view_func=item_pdf)
    bp.add_url_rule("/items/<item_id>/text", view_func=item_text)
    bp.add_url_rule("/items/<item_id>/dc.xml", view_func=item_dc_xml)
    bp.add_url_rule("/collections", view_func=collections_index)
    bp.add_url_rule("/collections/<collection_id>", view_func=show_collection)
    bp.add_url_rule("/catalogue/<record_id>", view_func=show_catalogue_record)  # issue 8
    bp.add_url_rule("/jobs/<job_id>", view_func=show_job)
    bp.add_url_rule("/health", view_func=health)
    bp.add_url_rule("/openapi.json", view_func=openapi_document)
    return bp


# --- helpers ----------------------------------------------------------------------------------


def _services() -> Services:
    return current_services()


def _base() -> str:
    return _services().config.get("repository", "base_url")


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _visible_item(session: Session, item_id: str) -> Item:
    """The item if the caller may see it; otherwise the same NotFound as for a missing item."""
    item = get_item(session, item_id)
    if not may_view(current_user(), item, in_reading_room()):
        raise NotFound(f"no item {item_id!r}")
    return item


def _int_arg(name: str, default: int, low: int, high: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit():
        raise BadRequest(f"'{name}' must be a whole number, got {raw!r}")
    value = int(raw)
    if value < low or (high is not None and value > high):
        raise BadRequest(f"'{name}' must be between {low} and {high}" if high else f"'{name}' must be at least {low}")
    return value


def _datetime_arg(name: str) -> datetime | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be an ISO 8601 date or date-time, e.g. 2024-05-01T12:00:00Z") from None
    # A time without zone is read as UTC, the zone of every datestamp.
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _encode_cursor(item: Item) -> str:
    raw = json.dumps([item.datestamp.isoformat(), item.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, item_id = json.loads(raw)
        return datetime.fromisoformat(stamp), str(item_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise BadRequest("'cursor' is not a cursor this API gave out") from None


def _stream(key: str, mimetype: str, download_name: str | None = None) -> Response:
    stream = _services().store.open(key)
    return send_file(stream, mimetype=mimetype, download_name=download_name, as_attachment=False)


def _title(dc: dict[str, Any]) -> str | None:
    return DCRecord.from_json(dc).first("title")


def _page_urls(item_id: str, page: Page, staff: bool = False) -> dict[str, Any]:
    base, image = _base(), image_id(item_id, page.seq)
    # Model, confidence and the flag are harmless for everyone; why the model was chosen and which
    # years look doubtful are working notes for staff (issue 9).
    ocr: dict[str, Any] = {"confidence": page.ocr_confidence, "flagged": page.ocr_flagged, "model": page.ocr_model}
    if staff:
        evidence = page.ocr_evidence or {}
        restored = evidence.get("restored_pre1918")
        ocr.update(reason=evidence.get("reason"), profile=evidence.get("profile"),
                   restored_pre1918=sum(restored.values()) if isinstance(restored, dict) else 0,
                   doubtful_years=[{"token": d.get("token"), "confidence": d.get("confidence"), "box": d.get("box")}
                                   for d in evidence.get("doubtful_years") or [] if isinstance(d, dict)])
    return {
        "seq": page.seq,
        "label": page.label,
        "width": page.width,
        "height": page.height,
        "image_service": f"{base}/iiif/3/{image}",
        "thumbnail": f"{base}/iiif/3/{image}/full/{THUMB_SIZE}/0/default.jpg",
        "text": f"{base}/api/items/{item_id}/pages/{page.seq}/text" if page.text_key else None,
        "alto": f"{base}/api/items/{item_id}/pages/{page.seq}/alto" if page.alto_key else None,
        "ocr": ocr,
    }


# --- items ------------------------------------------------------------------------------------


def list_items() -> Response:
    """Items the caller may see, in (datestamp, id) order; paged by `page` or by `cursor`."""
    user = current_user()
    per_page = _int_arg("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    page = _int_arg("page", 1, 1)
    query = visible_items_query(user, in_reading_room())
    status = request.args.get("status")
    if status is not None:
        if status not in STATUSES:
            raise BadRequest(f"'status' must be one of {', '.join(STATUSES)}")
        if not may_see_status(user, status):
            raise Forbidden(f"listing {status} items needs a staff login")
        query = query.where(Item.status == status)
    changed_since = _datetime_arg("changed_since")
    if changed_since is not None:
        query = query.where(Item.datestamp >= changed_since)
    with _services().db.read() as session:
        collection_id = request.args.get("collection")
        if collection_id is not None:
            get_collection(session, collection_id)
            query = query.where(Item.collection_id.in_(descendant_ids(session, collection_id)))
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        cursor = request.args.get("cursor")
        ordered = query.order_by(Item.datestamp, Item.id).limit(per_page + 1)
        if cursor is not None:
            stamp, after_id = _decode_cursor(cursor)
            ordered = ordered.where(or_(Item.datestamp > stamp, and_(Item.datestamp == stamp, Item.id > after_id)))
        else:
            ordered = ordered.offset((page - 1) * per_page)
        rows = list(session.scalars(ordered))
        more, rows = len(rows) > per_page, rows[:per_page]
        first_pages = _first_pages(session, [item.id for item in rows])
    next_cursor = _encode_cursor(rows[-1]) if more and rows else None
    return jsonify({
        "items": [_summary(item, first_pages.get(item.id)) for item in rows],
        "total": total,
        "per_page": per_page,
        "page": None if cursor is not None else page,
        "next_cursor": next_cursor,
    })


def _first_pages(session: Session, item_ids: list[str]) -> dict[str, int]:
    if not item_ids:
        return {}
    query = select(Page.item_id, func.min(Page.seq)).where(Page.item_id.in_(item_ids)).group_by(Page.item_id)
    return {item_id: seq for item_id, seq in session.execute(query)}


def _summary(item: Item, first_seq: int | None) -> dict[str, Any]:
    base = _base()
    thumbnail = None
    if first_seq is not None:
        thumbnail = f"{base}/iiif/3/{image_id(item.id, first_seq)}/full/{THUMB_SIZE}/0/default.jpg"
    return {
        "id": item.id,
        "title": _title(item.dc),
        "status": item.status,
        "access": item.access,
        "collection": item.collection_id,
        "datestamp": _time(item.datestamp),
        "thumbnail": thumbnail,
        "url": f"{base}/api/items/{item.id}",
    }


def show_item(item_id: str) -> Response:
    services, base = _services(), _base()
    with services.db.read() as session:
        item = _visible_item(session, item_id)
        spec = set_spec(session, item.collection_id) if item.collection_id else None
        staff = is_staff(current_user())
        pages = [_page_urls(item.id, page, staff) for page in item.pages]
    api = f"{base}/api/items/{item.id}"
    oai = services.config.get("repository", "oai_identifier")
    return jsonify({
        "id": item.id,
        "status": item.status,
        "access": item.access,
        "dc": item.dc,
        "title": _title(item.dc),
        "collection": {"id": item.collection_id, "set_spec": spec} if item.collection_id else None,
        "created": _time(item.created),
        "updated": _time(item.updated),
        "datestamp": _time(item.datestamp),
        "withdrawn_at": _time(item.withdrawn_at),
        "oai_identifier": f"oai:{oai}:{item.id}",
        "homepage": item_homepage(base, item.id),
        "manifest": f"{base}/iiif/manifest/{item.id}",
        "dc_xml": f"{api}/dc.xml",
        "pdf": f"{api}/pdf" if item.pdf_key else None,
        "text": f"{api}/text" if item.text_key else None,
        "pages": pages,
    })


def _page(session: Session, item_id: str, seq: int) -> Page:
    item = _visible_item(session, item_id)
    page = next((p for p in item.pages if p.seq == seq), None)
    if page is None:
        raise NotFound(f"item {item_id!r} has no page {seq}")
    return page


def page_alto(item_id: str, seq: int) -> Response:
    with _services().db.read() as session:
        key = _page(session, item_id, seq).alto_key
    if key is None:
        raise NotFound(f"page {seq} of {item_id!r} has no ALTO")
    return _stream(key, "application/xml")


def page_text(item_id: str, seq: int) -> Response:
    with _services().db.read() as session:
        key = _page(session, item_id, seq).text_key
    if key is None:
        raise NotFound(f"page {seq} of {item_id!r} has no text")
    return _stream(key, "text/plain")  # Flask adds "; charset=utf-8"


def item_pdf(item_id: str) -> Response:
    with _services().db.read() as session:
        key = _visible_item(session, item_id).pdf_key
    if key is None:
        raise NotFound(f"item {item_id!r} has no PDF")
    return _stream(key, "application/pdf", f"{item_id}.pdf")


def item_text(item_id: str) -> Response:
    with _services().db.read() as session:
        key = _visible_item(session, item_id).text_key
    if key is None:
        raise NotFound(f"item {item_id!r} has no text")
    return _stream(key, "text/plain")  # Flask adds "; charset=utf-8"


def item_dc_xml(item_id: str) -> Response:
    services = _services()
    with services.db.read() as session:
        item = _visible_item(session, item_id)
    base = _base()
    oai = services.config.get("repository", "oai_identifier")
    element = to_oai_dc(DCRecord.from_json(item.dc), extra_identifiers=(item_homepage(base, item.id),
                                                                       f"oai:{oai}:{item.id}"))
    body = etree.tostring(element, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return Response(body, mimetype="application/xml")


# --- collections ------------------------------------------------------------------------------


def _collection_json(session: Session, collection: Collection, counts: dict[str | None, int]) -> dict[str, Any]:
    base = _base()
    return {
        "id": collection.id,
        "parent": collection.parent_id,
        "title": collection.title,
        "description": collection.description,
        "set_spec": set_spec(session, collection.id),
        "children": [c.id for c in collection.children],
        "item_count": counts.get(collection.id, 0),
        "url": f"{base}/api/collections/{collection.id}",
        "items": f"{base}/api/items?collection={collection.id}",
    }


def _visible_counts(session: Session) -> dict[str | None, int]:
    """Items per collection (direct members) that the caller may see."""
    visible = visible_items_query(current_user(), in_reading_room()).subquery()
    query = select(visible.c.collection_id, func.count()).group_by(visible.c.collection_id)
    return {collection_id: count for collection_id, count in session.execute(query)}


def collections_index() -> Response:
    with _services().db.read() as session:
        counts = _visible_counts(session)
        body = [_collection_json(session, c, counts) for c in list_collections(session)]
    return jsonify({"collections": body})


def show_collection(collection_id: str) -> Response:
    with _services().db.read() as session:
        collection = get_collection(session, collection_id)
        body = _collection_json(session, collection, _visible_counts(session))
    return jsonify(body)


# --- jobs, health, OpenAPI --------------------------------------------------------------------


def show_job(job_id: str) -> Response:
    if not is_staff(current_user()):
        raise Forbidden("job state needs a staff login")
    if _JOB_ID.fullmatch(job_id) is None:
        raise BadRequest(f"not a valid job identifier: {job_id!r}")
    from ingest.queue import JobNotFound  # imported here, like Services.open_queue: only jobs need ingest

    try:
        job = _services().open_queue().get(job_id)
    except JobNotFound:
        raise NotFound(f"no job {job_id!r}") from None
    return jsonify(job.to_json())


def health() -> Response:
    components = run_checks(HEALTH_CHECKS, _services())
    ok = all(c.ok for c in components if c.required)
    # Details name paths and URLs of the installation: staff only.
    staff = is_staff(current_user())
    body = [c.as_json() if staff else {**c.as_json(), "detail": ""} for c in components]
    response = jsonify({"status": "ok" if ok else "failing", "components": body})
    response.status_code = 200 if ok else 503
    return response


def openapi_document() -> Response:
    return jsonify(openapi.document(_base(), _services().config.get("repository", "name")))
