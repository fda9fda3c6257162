"""The general catalogue's record page `/catalogue/<record_id>` (issue 8): its Dublin Core and the
digitised copies the reader may see, each with its thumbnail linking to the item page."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from metadata.dc import DCRecord
from repository.access import may_view
from repository.auth import current_user, in_reading_room
from repository.catalogue import get_record, linked_items, records_of_item
from repository.errors import NotFound
from repository.models import Page
from repository.services import current_services
from repository.web.display import shown_fields, title_of
from repository.web.i18n import current_locale
from repository.web.listing import thumb_url


@dataclass(frozen=True)
class Copy:
    item_id: str
    title: str
    lang: str
    thumbnail: str | None


@dataclass(frozen=True)
class RecordLink:
    record_id: str
    title: str
    lang: str


def make_blueprint() -> Blueprint:
    bp = Blueprint("catalogue", __name__)
    bp.add_url_rule("/catalogue/<record_id>", view_func=record, endpoint="record")
    return bp


def record(record_id: str) -> str:
    locale = current_locale()
    with current_services().db.read() as session:
        found = get_record(session, record_id)
        if found.status != "active":
            raise NotFound(f"catalogue record {record_id!r} was withdrawn")
        dc = DCRecord.from_json(found.dc)
        copies = visible_copies(session, found.id, locale)
    return render_template(
        "catalogue.html", record_id=found.id, title=title_of(dc, locale, found.id), fields=shown_fields(dc, locale),
        copies=copies, control_number=found.control_number, marc_format=found.format.upper(),
    )


def visible_copies(session: Session, record_id: str, locale: str) -> list[Copy]:
    user, reading_room = current_user(), in_reading_room()
    copies = []
    for item in linked_items(session, record_id):
        if not may_view(user, item, reading_room):
            continue
        title = title_of(DCRecord.from_json(item.dc), locale, item.id)
        seq = session.scalar(select(func.min(Page.seq)).where(Page.item_id == item.id))
        copies.append(Copy(item.id, title.value, title.lang or "", thumb_url(item.id, seq) if seq else None))
    return copies


def catalogue_links(session: Session, item_id: str, locale: str) -> list[RecordLink]:
    """The active catalogue records an item is a copy of (for the item page)."""
    links = []
    for found in records_of_item(session, item_id):
        if found.status == "active":
            title = title_of(DCRecord.from_json(found.dc), locale, found.id)
            links.append(RecordLink(found.id, title.value, title.lang or ""))
    return links
