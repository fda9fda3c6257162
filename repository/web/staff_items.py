"""Staff item pages: list, and one item's editing page with its audit trail.

Every change goes through the item services (`repository.items`), which validate it and write the
audit event in the same transaction; this module only turns forms into calls and shows the outcome.
The Dublin Core form keeps what the user typed when validation fails and shows each problem next to
its field (status 400); other refusals come back as a message above the page.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from metadata.dc import ELEMENTS, DCRecord, LangValue
from metadata.validate import validate
from repository import events, items
from repository.collections import list_collections
from repository.errors import BadRequest, Conflict, InvalidRecord, NotFound
from repository.jobs import enqueue_reocr
from repository.models import ACCESS_LEVELS, STATUSES, CatalogueLink, CatalogueRecord, Item
from repository.services import current_services
from repository.web.display import map_text
from repository.web.i18n import current_locale
from repository.web.listing import thumb_url
from repository.web.staff import actor, flash_error, title_text, with_english
from repository.web.staff_upload import OCR_CHOICES

PER_PAGE = 50
STATUS_ACTIONS: dict[str, Callable[..., Any]] = {
    "publish": items.publish, "withdraw": items.withdraw, "unpublish": items.unpublish,
}
LANG_SUGGESTIONS = ("kk-Cyrl", "kk-Latn", "kk-Arab", "ru", "ru-petr1708", "en", "de", "tr", "mul", "und")
_FIELD = re.compile(r"dc-([A-Za-z]+)-(\d{1,3})-value")
MAX_ROWS = 200  # values per element in one form


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/items", view_func=items_index)
    bp.add_url_rule("/items/<item_id>", view_func=item_page)
    bp.add_url_rule("/items/<item_id>/metadata", view_func=save_metadata, methods=["POST"])
    bp.add_url_rule("/items/<item_id>/pages", view_func=save_pages, methods=["POST"])
    bp.add_url_rule("/items/<item_id>/access", view_func=save_access, methods=["POST"])
    bp.add_url_rule("/items/<item_id>/status", view_func=change_status, methods=["POST"])
    bp.add_url_rule("/items/<item_id>/collection", view_func=save_collection, methods=["POST"])
    bp.add_url_rule("/items/<item_id>/reocr", view_func=reocr, methods=["POST"])


# --- list -------------------------------------------------------------------------------------


def items_index() -> str:
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        raise BadRequest(f"'status' must be one of {', '.join(STATUSES)}")
    page = request.args.get("page", "1")
    page_no = int(page) if page.isascii() and page.isdigit() and 0 < int(page) < 100_000 else 1
    query = select(Item)
    if status:
        query = query.where(Item.status == status)
    with current_services().db.read() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = [(i.id, title_text(i.dc, i.id), i.status, i.access, i.collection_id, i.updated)
                for i in session.scalars(query.order_by(Item.updated.desc(), Item.id)
                                         .offset((page_no - 1) * PER_PAGE).limit(PER_PAGE))]
    pages = max(1, -(-total // PER_PAGE))
    return render_template("staff/items.html", rows=rows, status=status, statuses=STATUSES, total=total,
                           page=page_no, pages=pages)


# --- the Dublin Core form ---------------------------------------------------------------------


@dataclass
class DcRow:
    value: str
    lang: str
    problems: list[str] = field(default_factory=list)


@dataclass
class DcField:
    name: str
    rows: list[DcRow]
    problems: list[str] = field(default_factory=list)  # about the element as a whole (e.g. no title)


def rows_from_record(record: DCRecord) -> dict[str, list[DcRow]]:
    return {name: [DcRow(v.value, v.lang or "") for v in record.get(name)] for name in ELEMENTS}


def rows_from_form(form: Any) -> dict[str, list[DcRow]]:
    """What the user typed, element by element, in the order of the form's row numbers."""
    typed: dict[str, dict[int, DcRow]] = {name: {} for name in ELEMENTS}
    for key in form:
        match = _FIELD.fullmatch(key)
        if match is None:
            continue
        name, n = match.group(1), int(match.group(2))
        if name not in typed:
            raise BadRequest(f"unknown Dublin Core element {name!r}")
        if n >= MAX_ROWS:
            raise BadRequest(f"too many values for {name}")
        typed[name][n] = DcRow(form.get(key, "").strip(), form.get(f"dc-{name}-{n}-lang", "").strip())
    return {name: [row for _, row in sorted(rows.items()) if row.value] for name, rows in typed.items()}


def record_from_rows(rows: dict[str, list[DcRow]]) -> DCRecord:
    return DCRecord({name: [LangValue(r.value, r.lang or None) for r in values] for name, values in rows.items()})


def dc_fields(rows: dict[str, list[DcRow]], problems: list[Any]) -> list[DcField]:
    """Rows with their problems attached (by element and value), plus one blank row per element."""
    fields = []
    for name in ELEMENTS:
        element_rows = list(rows.get(name, []))
        own = [p for p in problems if p.field == name]
        field_problems = []
        for p in own:
            row = next((r for r in element_rows if r.value == p.value), None)
            if row is not None:
                row.problems.append(p.message)
            else:
                field_problems.append(p.message)
        fields.append(DcField(name, element_rows + [DcRow("", "")], field_problems))
    return fields


# --- the item page ----------------------------------------------------------------------------


def _event_rows(session: Any, item_id: str) -> list[dict[str, Any]]:
    rows = []
    for event in reversed(events.history(session, "item", item_id)):
        keys = list(dict.fromkeys([*(event.before or {}), *(event.after or {})]))
        changes = [(k, _short((event.before or {}).get(k)), _short((event.after or {}).get(k))) for k in keys]
        rows.append({"at": event.at, "actor": event.actor, "action": event.action, "changes": changes})
    return rows


def _short(value: Any, limit: int = 400) -> str:
    if value is None:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class LinkForm:
    """The catalogue link form as sent back: what was typed, and why it was refused."""
    typed: str = ""
    problem: str | None = None


def _catalogue_links(session: Any, item_id: str) -> list[dict[str, Any]]:
    """The catalogue records the item is linked to, with how (`auto` from its sheet, or `manual`)."""
    rows = session.execute(
        select(CatalogueRecord, CatalogueLink.how).join(CatalogueLink, CatalogueLink.record_id == CatalogueRecord.id)
        .where(CatalogueLink.item_id == item_id).order_by(CatalogueRecord.id))
    return [_catalogue_link(record, how) for record, how in rows]


def _catalogue_link(record: CatalogueRecord, how: str) -> dict[str, Any]:
    titles = DCRecord.from_json(record.dc).get("title")
    return {"id": record.id, "title": titles[0].value if titles else record.id,
            "lang": (titles[0].lang or "") if titles else "", "control_number": record.control_number, "how": how,
            "active": record.status == "active"}


def _ocr_evidence(evidence: dict[str, Any] | None) -> dict[str, Any]:
    """Why the page got its model and what to check: reason, restored pre-1918 letters, doubtful years."""
    evidence = evidence or {}
    restored = evidence.get("restored_pre1918")
    doubtful = evidence.get("doubtful_years")
    return {
        "reason": evidence.get("reason"),
        "restored": sum(restored.values()) if isinstance(restored, dict) else 0,
        "doubtful": [d for d in doubtful if isinstance(d, dict) and d.get("token")] if isinstance(doubtful, list) else [],
    }


def render_item(item_id: str, dc_rows: dict[str, list[DcRow]] | None = None, problems: list[Any] | None = None,
                status: int = 200, link_form: LinkForm | None = None) -> tuple[str, int]:
    locale = current_locale()
    with current_services().db.read() as session:
        item = items.get_item(session, item_id)
        record = DCRecord.from_json(item.dc)
        pages = [{"seq": p.seq, "label": p.label, "source": p.source_name, "thumb": thumb_url(item_id, p.seq),
                  "confidence": p.ocr_confidence, "flagged": p.ocr_flagged, "model": p.ocr_model,
                  **_ocr_evidence(p.ocr_evidence)} for p in item.pages]
        collections = [(c.id, map_text(c.title, locale)[0] or c.id) for c in list_collections(session)]
        history = _event_rows(session, item_id)
        catalogue_links = _catalogue_links(session, item_id)
        info = {"id": item.id, "status": item.status, "access": item.access, "collection": item.collection_id,
                "ocr_languages": item.ocr_languages, "created": item.created, "updated": item.updated,
                "title": record.first("title") or item.id, "catalogue_ref": item.catalogue_ref}
    if dc_rows is None:
        dc_rows = rows_from_record(record)
        problems = validate(record)  # a draft from ingest may be incomplete: say so before publishing
    return render_template(
        "staff/item.html", item=info, fields=dc_fields(dc_rows, problems or []), pages=pages,
        collections=collections, access_levels=ACCESS_LEVELS, history=history, lang_suggestions=LANG_SUGGESTIONS,
        ocr_choices=OCR_CHOICES, catalogue_links=catalogue_links, link_form=link_form or LinkForm(),
    ), status


def item_page(item_id: str) -> tuple[str, int]:
    return render_item(item_id)


def _back(item_id: str) -> Response:
    return redirect(url_for("staff.item_page", item_id=item_id))


def _attempt(item_id: str, done: str, change: Callable[[], Any]) -> Response:
    """Run a change; a refusal (bad value, conflict) is shown on the item page, not as an error page."""
    try:
        change()
    except (BadRequest, Conflict) as exc:
        flash_error(exc)
    else:
        flash(done, "ok")
    return _back(item_id)


def save_metadata(item_id: str) -> Response | tuple[str, int]:
    rows = rows_from_form(request.form)
    record = record_from_rows(rows)
    problems = validate(record)
    if problems:
        return render_item(item_id, rows, problems, status=400)
    try:
        items.update_metadata(current_services(), actor(), item_id, record)
    except InvalidRecord:
        # validate() passed, so the service found something else wrong: show its problems the same way.
        return render_item(item_id, rows, validate(record), status=400)
    flash(_("Metadata saved."), "ok")
    return _back(item_id)


def save_pages(item_id: str) -> Response:
    services, who = current_services(), actor()
    with services.db.read() as session:
        current = {p.seq: p.label for p in items.get_item(session, item_id).pages}
    positions: dict[int, int] = {}
    for seq in current:
        raw = request.form.get(f"pos-{seq}", str(seq)).strip()
        if not raw.isascii() or not raw.isdigit():
            flash(_("Page %(seq)s: the position must be a whole number, not “%(value)s”.", seq=seq, value=raw),
                  "error")
            return _back(item_id)
        positions[seq] = int(raw)
    order = sorted(current, key=lambda seq: (positions[seq], seq))

    def change() -> None:
        for seq, label in current.items():  # labels first, while the page numbers are still the old ones
            new = request.form.get(f"label-{seq}")
            if new is not None and new.strip() != label:
                items.relabel_page(services, who, item_id, seq, new)
        if order != sorted(current):
            items.reorder_pages(services, who, item_id, order)

    return _attempt(item_id, _("Pages saved."), change)


def save_access(item_id: str) -> Response:
    access = request.form.get("access", "")
    return _attempt(item_id, _("Access level saved."),
                    lambda: items.set_access(current_services(), actor(), item_id, access))


def change_status(item_id: str) -> Response:
    action = request.form.get("action", "")
    if action not in STATUS_ACTIONS:
        raise BadRequest(f"action must be one of {', '.join(STATUS_ACTIONS)}")
    try:
        STATUS_ACTIONS[action](current_services(), actor(), item_id)
    except InvalidRecord as exc:
        problems = exc.message + ": " + "; ".join(f"{p['field']}: {p['message']}" for p in exc.problems)
        flash(with_english(_("Not published: %(problems)s"), problems=problems), "error")
        return _back(item_id)
    except (BadRequest, Conflict) as exc:
        flash_error(exc)
        return _back(item_id)
    flash({"publish": _("Published."), "withdraw": _("Withdrawn."), "unpublish": _("Back to draft.")}[action], "ok")
    return _back(item_id)


def save_collection(item_id: str) -> Response:
    collection = request.form.get("collection") or None

    def change() -> None:
        try:
            items.set_collection(current_services(), actor(), item_id, collection)
        except NotFound as exc:  # the collection, not the item: a form value, so shown on the page
            raise BadRequest(exc.message) from exc

    return _attempt(item_id, _("Collection saved."), change)


def reocr(item_id: str) -> Response:
    languages = request.form.get("languages", "")
    try:
        job_id = enqueue_reocr(current_services(), actor(), item_id, languages)
    except BadRequest as exc:
        flash_error(exc)
        return _back(item_id)
    flash(_("Re-run of OCR with %(languages)s queued.", languages=languages.strip()), "ok")
    return redirect(url_for("staff.job_page", job_id=job_id))
