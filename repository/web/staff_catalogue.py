"""Staff: link an item to a record of the library's general catalogue by hand, or remove a link.

The links themselves, and their audit events, are `repository.catalogue.link_item` / `unlink_item`;
this module finds the record the staff member typed (its identifier `cat-…` as in the record page's
address, or its control number, MARC 001) and says in the form what is wrong when it cannot be linked.
An automatic link (from the item's catalogue reference) linked again by hand becomes a manual one, so it
stays when the reference or the record changes.
"""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from repository import items
from repository.catalogue import link_item, unlink_item
from repository.errors import BadRequest, NotFound
from repository.models import CatalogueLink, CatalogueRecord
from repository.services import current_services
from repository.web.staff import actor, flash_error
from repository.web.staff_items import LinkForm, render_item

MAX_TYPED = 100  # the longest control number the catalogue stores


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/items/<item_id>/catalogue", view_func=link_catalogue, methods=["POST"])
    bp.add_url_rule("/items/<item_id>/catalogue/unlink", view_func=unlink_catalogue, methods=["POST"])


def find_record(session: Session, typed: str) -> CatalogueRecord | None:
    """The record whose identifier, else whose control number, is `typed`."""
    return session.get(CatalogueRecord, typed) or session.scalar(
        select(CatalogueRecord).where(CatalogueRecord.control_number == typed))


class LinkRefused(BadRequest):
    """The typed record cannot be linked; the message (translated) is shown in the form."""


def link_target(item_id: str, typed: str) -> tuple[str, bool]:
    """The id of the record `typed` names, and whether the item's link to it is an automatic one already."""
    with current_services().db.read() as session:
        items.get_item(session, item_id)  # an unknown item is a 404, not a message in the form
        if not typed:
            raise LinkRefused(_("Enter a catalogue record identifier (such as cat-KZ-001) or a control number."))
        record = find_record(session, typed) if len(typed) <= MAX_TYPED else None
        if record is None:
            raise LinkRefused(_("There is no catalogue record “%(record)s”: check the identifier or the control "
                                "number.", record=typed))
        if record.status != "active":
            raise LinkRefused(_("Catalogue record %(record)s was withdrawn from the catalogue and cannot be linked.",
                                record=record.id))
        link = session.get(CatalogueLink, (record.id, item_id))
        if link is not None and link.how == "manual":
            raise LinkRefused(_("This item is already linked to catalogue record %(record)s.", record=record.id))
        return record.id, link is not None


def link_catalogue(item_id: str) -> Response | tuple[str, int]:
    typed = request.form.get("record", "").strip()
    try:
        record_id, was_automatic = link_target(item_id, typed)
    except LinkRefused as exc:
        return render_item(item_id, status=400, link_form=LinkForm(typed, exc.message))
    link_item(current_services(), actor(), item_id, record_id)
    if was_automatic:  # linked by hand, it stays when the item's reference or the record changes
        flash(_("The automatic link to catalogue record %(record)s is now kept as a manual link.",
                record=record_id), "ok")
    else:
        flash(_("Linked to catalogue record %(record)s.", record=record_id), "ok")
    return _back(item_id)


def unlink_catalogue(item_id: str) -> Response:
    record_id = request.form.get("record_id", "")
    services = current_services()
    with services.db.read() as session:
        items.get_item(session, item_id)
    try:
        unlink_item(services, actor(), item_id, record_id)
    except (BadRequest, NotFound) as exc:  # a stale page (the link is gone already) or a tampered form
        flash_error(exc)
    else:
        flash(_("The link to catalogue record %(record)s was removed.", record=record_id), "ok")
    return _back(item_id)


def _back(item_id: str) -> Response:
    return redirect(url_for("staff.item_page", item_id=item_id, _anchor="catalogue"))
