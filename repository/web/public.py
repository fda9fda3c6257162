"""The public pages: home, search results, collections, item pages with the viewer, citations, copies.

Every item the pages show passes `access.may_view` (or `visible_items_query`); an item the reader may
not see is answered exactly like a missing one: the same 404 page, nothing about it in the body.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Blueprint, Response, abort, render_template, request, send_from_directory, url_for
from sqlalchemy.orm import Session

from metadata.dc import DCRecord
from metadata.edtf import parse_edtf
from metadata.errors import MetadataError
from repository.access import may_view
from repository.auth import current_user, in_reading_room
from repository.collections import get_collection
from repository.errors import BadRequest, NotFound
from repository.hierarchy import ancestor_ids
from repository.items import get_item
from repository.models import Item
from repository.services import current_services
from repository.viewer_adapter import RepositorySource, image_id, viewer_options
from repository.web import citations, delivery
from repository.web.display import best_value, map_text, shown_fields, title_of
from repository.web.i18n import current_locale
from repository.web.listing import collection_cards, collection_titles, image_url, items_in_collection, recent_items
from repository.web.search_page import results_page
from viewer.viewer_page import canvas_index

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MIRADOR_DIST = PROJECT_ROOT / "node_modules" / "mirador" / "dist"
COLLECTION_PER_PAGE = 24
PAGE_SIZES = (("800,", "800"), ("1600,", "1600"), ("max", "max"))  # (IIIF size, label) of page JPEGs
MAX_PAGE_ARG = 100_000


def make_blueprint() -> Blueprint:
    bp = Blueprint("web", __name__)
    bp.add_url_rule("/", view_func=home)
    bp.add_url_rule("/search", view_func=search)
    bp.add_url_rule("/collections", view_func=collections_index)
    bp.add_url_rule("/collections/<collection_id>", view_func=collection)
    bp.add_url_rule("/items/<item_id>", view_func=item)
    bp.add_url_rule("/items/<item_id>/cite.<fmt>", view_func=cite)
    bp.add_url_rule("/items/<item_id>/copy", view_func=copy_form, methods=["GET"])
    bp.add_url_rule("/items/<item_id>/copy", view_func=copy_request, methods=["POST"], endpoint="copy_request")
    # Mirador's bundle from node_modules (installed by setup, never committed); more specific than /static.
    bp.add_url_rule("/static/mirador/<path:filename>", view_func=mirador_static)
    bp.app_context_processor(site_context)
    return bp


def site_context() -> dict:
    """`site.name` and `site.attribution` for every template (error pages included)."""
    config = current_services().config
    return {"site": {"name": config.get("repository", "name"),
                     "attribution": config.get("repository", "attribution")}}


# --- helpers ----------------------------------------------------------------------------------


def _page_arg(name: str, default: int = 1) -> int:
    raw = request.args.get(name, "")
    if raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_ARG:
        raise BadRequest(f"'{name}' must be a page number, got {raw!r}")
    return int(raw)


def _visible_item(session: Session, item_id: str) -> Item:
    """The item if this reader may see it; otherwise the NotFound a missing item gets."""
    found = get_item(session, item_id)  # rejects ../, %2e%2e, NUL and other non-identifiers (400)
    if not may_view(current_user(), found, in_reading_room()):
        raise NotFound(f"no item {item_id!r}")
    return found


def _year(record: DCRecord) -> int | None:
    for name in ("date", "created", "issued"):
        for value in record.values(name):
            try:
                return parse_edtf(value, name).lower_year
            except MetadataError:
                continue  # an uncatalogued form of date: the citation just has no year
    return None


# --- pages ------------------------------------------------------------------------------------


def home() -> str:
    locale = current_locale()
    with current_services().db.read() as session:
        collections = collection_cards(session, None, locale)
        recent = recent_items(session, locale)
    return render_template("home.html", collections=collections, recent=recent)


def search() -> tuple[str, int]:
    return results_page()


def collections_index() -> str:
    with current_services().db.read() as session:
        cards = collection_cards(session, None, current_locale())
    return render_template("collections.html", collections=cards)


def collection(collection_id: str) -> str:
    locale = current_locale()
    page = _page_arg("page")
    with current_services().db.read() as session:
        found = get_collection(session, collection_id)
        title, title_lang = map_text(found.title, locale)
        description, description_lang = map_text(found.description, locale)
        path = ancestor_ids(session, collection_id)[:-1]
        crumbs = collection_titles(session, path, locale)
        breadcrumbs = [(cid, *crumbs.get(cid, (cid, ""))) for cid in path]
        children = collection_cards(session, collection_id, locale)
        total, items = items_in_collection(session, collection_id, locale, page, COLLECTION_PER_PAGE)
    pages = max(1, -(-total // COLLECTION_PER_PAGE))
    if page > pages:
        raise NotFound(f"collection {collection_id!r} has no page {page}")
    first = (page - 1) * COLLECTION_PER_PAGE + 1  # 1-based positions of this page's items in the collection
    return render_template(
        "collection.html", collection_id=collection_id, title=title or collection_id, title_lang=title_lang,
        description=description, description_lang=description_lang, breadcrumbs=breadcrumbs,
        children=children, items=items, total=total, page=page, pages=pages,
        first=first, last=first + len(items) - 1,
    )


def item(item_id: str) -> str:
    services = current_services()
    locale = current_locale()
    page = _page_arg("page")
    query = (request.args.get("q") or "").strip()[:500] or None
    with services.db.read() as session:
        found = _visible_item(session, item_id)
        record = DCRecord.from_json(found.dc)
        page_rows = [(p.seq, p.label or str(p.seq)) for p in found.pages]
        collection_path = ancestor_ids(session, found.collection_id) if found.collection_id else []
        crumbs = collection_titles(session, collection_path, locale)
        has_pdf, has_text = found.pdf_key is not None, found.text_key is not None
        created = found.created
        from repository.web.catalogue_page import catalogue_links  # issue 8: "catalogue record" on the page

        catalogue_records = catalogue_links(session, item_id, locale)
    view = RepositorySource(services).item(item_id)
    if view is None:  # deleted between the two reads
        raise NotFound(f"no item {item_id!r}")
    options = viewer_options(services.config)
    seq = canvas_index(view, page) + 1 if page_rows else None
    manifest = options.manifest_url(item_id)
    oai_prefix = services.config.get("repository", "oai_identifier")
    return render_template(
        "item.html",
        item_id=item_id,
        title=title_of(record, locale, item_id),
        fields=shown_fields(record, locale),
        pages=page_rows,
        page=seq,
        query=query,
        mirador=bool(page_rows),
        breadcrumbs=[(cid, *crumbs.get(cid, (cid, ""))) for cid in collection_path],
        downloads={
            "pdf": url_for("api.item_pdf", item_id=item_id) if has_pdf else None,
            "text": url_for("api.item_text", item_id=item_id) if has_text else None,
            "images": [(label, image_url(item_id, seq, size)) for size, label in PAGE_SIZES] if seq else [],
        },
        manifest=manifest,
        manifest_link=f"{manifest}?manifest={manifest}",
        oai_identifier=f"oai:{oai_prefix}:{item_id}",
        created=created,
        max_copy=delivery.MAX_PAGES,
        image_id=image_id(item_id, seq) if seq else None,
        catalogue_records=catalogue_records,
    )


def _citation(item_id: str) -> citations.Citation:
    services = current_services()
    locale = current_locale()
    with services.db.read() as session:
        found = _visible_item(session, item_id)
        record = DCRecord.from_json(found.dc)
    first = lambda name: (best_value(record, name, locale).value if record.get(name) else None)  # noqa: E731
    return citations.Citation(
        item_id=item_id,
        title=title_of(record, locale, item_id).value,
        url=f"{services.config.get('repository', 'base_url')}/items/{item_id}",
        repository=services.config.get("repository", "name"),
        accessed=date.today(),
        creators=tuple(record.values("creator")),
        date=first("date") or first("created") or first("issued"),
        year=_year(record),
        publisher=first("publisher"),
        place=first("spatial"),
        type=first("type"),
        language=first("language"),
    )


def cite(item_id: str, fmt: str) -> Response:
    if fmt not in citations.FORMATS:
        abort(404)
    build, mimetype = citations.FORMATS[fmt]
    body = build(_citation(item_id))
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{item_id}.{fmt}"'
    return response


def _copy_context(session: Session, item_id: str) -> dict:
    found = _visible_item(session, item_id)
    record = DCRecord.from_json(found.dc)
    return {"item_id": item_id, "title": title_of(record, current_locale(), item_id),
            "pages": [(p.seq, p.label or str(p.seq)) for p in found.pages], "max_copy": delivery.MAX_PAGES}


def copy_form(item_id: str) -> str:
    with current_services().db.read() as session:
        context = _copy_context(session, item_id)
    return render_template("copy.html", error=None, chosen=set(), ranges="", **context)


def copy_request(item_id: str) -> Response | tuple[str, int]:
    services = current_services()
    checked = request.form.getlist("pages")
    ranges = request.form.get("ranges", "")
    with services.db.read() as session:
        context = _copy_context(session, item_id)
        found = session.get(Item, item_id)
        try:
            chosen = delivery.parse_pages(checked, ranges, len(context["pages"]))
        except delivery.CopyRequestError as exc:
            # Shown on the form again, with what the reader chose, rather than as a bare error page.
            wanted = {int(v) for v in checked if v.isascii() and v.isdigit()}
            return render_template("copy.html", error=exc.message, chosen=wanted, ranges=ranges, **context), 400
        # Page numbers are positions in the item (1-based), the same as the viewer's page numbers.
        pages = [found.pages[n - 1] for n in chosen]
        pdf = delivery.build_copy(services.store, pages)
    name = f"{item_id}-p{chosen[0]}" + (f"-{chosen[-1]}" if len(chosen) > 1 else "") + ".pdf"
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def mirador_static(filename: str) -> Response:
    return send_from_directory(MIRADOR_DIST, filename, max_age=86400)
