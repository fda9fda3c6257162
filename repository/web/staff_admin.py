"""Staff pages for collections (staff), and for users and settings (admins only, see the guard).

Collection titles and descriptions are language maps: one input per language tag (the usual ones,
plus any tag the collection already has); empty inputs drop that language.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from repository import collections as colls
from repository.config import SETTINGS
from repository.errors import BadRequest, Conflict, NotFound
from repository.models import ROLES
from repository.services import current_services
from repository.users import create_user, is_disabled, list_users, set_disabled
from repository.web.display import map_text
from repository.web.i18n import current_locale
from repository.web.staff import actor, flash_error, refusal

MAP_LANGS = ("kk-Cyrl", "kk-Latn", "ru", "en")
SECRET_KEYS = frozenset({("server", "secret_key"), ("storage", "s3_secret_key"), ("storage", "s3_access_key")})


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/collections", view_func=collections_index)
    bp.add_url_rule("/collections/new", view_func=collection_new, methods=["GET", "POST"])
    bp.add_url_rule("/collections/<collection_id>", view_func=collection_edit, methods=["GET", "POST"])
    bp.add_url_rule("/users", view_func=users, methods=["GET"])
    bp.add_url_rule("/users", view_func=user_add, methods=["POST"], endpoint="user_add")
    bp.add_url_rule("/users/<username>/disabled", view_func=user_disable, methods=["POST"])
    bp.add_url_rule("/settings", view_func=settings)


# --- collections ------------------------------------------------------------------------------


def collections_index() -> str:
    locale = current_locale()
    with current_services().db.read() as session:
        rows = [(c.id, map_text(c.title, locale)[0] or c.id, c.parent_id, c.sort) for c in colls.list_collections(session)]
    return render_template("staff/collections.html", rows=rows)


def _map_from_form(prefix: str) -> dict[str, list[str]]:
    """`title-kk-Cyrl`, `title-ru`, … → {"kk-Cyrl": ["…"], …} (empty inputs left out)."""
    result: dict[str, list[str]] = {}
    for key, value in request.form.items():
        if key.startswith(prefix + "-") and value.strip():
            result[key[len(prefix) + 1:]] = [value.strip()]
    return result


def _form_from_collection(collection: Any | None) -> dict[str, Any]:
    if collection is None:
        return {"id": "", "parent": "", "title": {}, "description": {}, "ocr_languages": "", "sort": "0"}
    first = lambda m: {lang: texts[0] for lang, texts in (m or {}).items() if texts}  # noqa: E731
    return {"id": collection.id, "parent": collection.parent_id or "", "title": first(collection.title),
            "description": first(collection.description), "ocr_languages": collection.ocr_languages or "",
            "sort": str(collection.sort)}


def _form_from_request(collection_id: str) -> dict[str, Any]:
    first = lambda m: {lang: texts[0] for lang, texts in m.items()}  # noqa: E731
    return {"id": collection_id, "parent": request.form.get("parent", ""),
            "title": first(_map_from_form("title")), "description": first(_map_from_form("description")),
            "ocr_languages": request.form.get("ocr_languages", "").strip(), "sort": request.form.get("sort", "0")}


def _render_collection(form: dict[str, Any], is_new: bool, error: str | Markup | None = None,
                       status: int = 200) -> tuple[str, int]:
    locale = current_locale()
    with current_services().db.read() as session:
        parents = [(c.id, map_text(c.title, locale)[0] or c.id) for c in colls.list_collections(session)
                   if c.id != form["id"]]
    langs = list(dict.fromkeys([*MAP_LANGS, *form["title"], *form["description"]]))
    return render_template("staff/collection_form.html", form=form, is_new=is_new, error=error, parents=parents,
                           langs=langs), status


def _sort_value(raw: str) -> int:
    text = raw.strip() or "0"
    if not text.lstrip("-").isdigit() or len(text) > 9:
        raise BadRequest(f"sort must be a whole number, not {raw!r}")
    return int(text)


def collection_new() -> Response | tuple[str, int]:
    if request.method == "GET":
        return _render_collection(_form_from_collection(None), is_new=True)
    collection_id = request.form.get("id", "").strip()
    form = _form_from_request(collection_id)
    try:
        colls.create_collection(
            current_services(), actor(), collection_id, _map_from_form("title"),
            parent_id=form["parent"] or None, description=_map_from_form("description") or None,
            ocr_languages=form["ocr_languages"] or None, sort=_sort_value(form["sort"]),
        )
    except (BadRequest, Conflict, NotFound) as exc:
        return _render_collection(form, is_new=True, error=refusal(exc), status=400)
    flash(_("Collection created."), "ok")
    return redirect(url_for("staff.collection_edit", collection_id=collection_id))


def collection_edit(collection_id: str) -> Response | tuple[str, int]:
    services = current_services()
    if request.method == "GET":
        with services.db.read() as session:
            form = _form_from_collection(colls.get_collection(session, collection_id))
        return _render_collection(form, is_new=False)
    with services.db.read() as session:
        colls.get_collection(session, collection_id)  # 404 for an unknown one, before reading the form
    form = _form_from_request(collection_id)
    try:
        colls.update_collection(
            services, actor(), collection_id, title=_map_from_form("title"),
            description=_map_from_form("description") or None, parent_id=form["parent"] or None,
            ocr_languages=form["ocr_languages"] or None, sort=_sort_value(form["sort"]),
        )
    except (BadRequest, Conflict, NotFound) as exc:
        return _render_collection(form, is_new=False, error=refusal(exc), status=400)
    flash(_("Collection saved."), "ok")
    return redirect(url_for("staff.collection_edit", collection_id=collection_id))


# --- users and settings (admins) --------------------------------------------------------------


def _render_users(error: str | Markup | None = None, form: dict[str, str] | None = None,
                  status: int = 200) -> tuple[str, int]:
    with current_services().db.read() as session:
        rows = [(u.username, u.role, is_disabled(u), u.locked_until if not is_disabled(u) else None, u.created)
                for u in list_users(session)]
    return render_template("staff/users.html", rows=rows, roles=ROLES, error=error,
                           form=form or {"username": "", "role": "staff"}), status


def users() -> tuple[str, int]:
    return _render_users()


def user_add() -> Response | tuple[str, int]:
    form = {"username": request.form.get("username", "").strip(), "role": request.form.get("role", "staff")}
    password = request.form.get("password", "")
    if password != request.form.get("password2", ""):
        return _render_users(_("The two passwords differ."), form, 400)
    try:
        create_user(current_services(), actor(), form["username"], password, form["role"])
    except (BadRequest, Conflict) as exc:
        return _render_users(refusal(exc), form, 400)
    flash(_("User %(name)s created.", name=form["username"]), "ok")
    return redirect(url_for("staff.users"))


def user_disable(username: str) -> Response:
    disabled = request.form.get("disabled") == "1"
    try:
        set_disabled(current_services(), actor(), username, disabled)
    except BadRequest as exc:
        flash_error(exc)
    else:
        flash(_("User %(name)s disabled.", name=username) if disabled else _("User %(name)s enabled.", name=username),
              "ok")
    return redirect(url_for("staff.users"))


def settings() -> str:
    config = current_services().config
    rows = []
    for s in SETTINGS:
        value = config.get(s.section, s.key)
        if (s.section, s.key) in SECRET_KEYS and value:
            value = "••••••"  # set, but not shown
        elif s.section == "database" and s.key == "url" and "@" in str(value):
            value = "…@" + str(value).rsplit("@", 1)[1]  # the password is in the part before '@'
        elif s.section == "queue" and s.key == "redis_url" and "@" in str(value):
            value = "redis://…@" + str(value).rsplit("@", 1)[1]
        rows.append((s.dotted, value, s.default, s.help))
    return render_template("staff/settings.html", rows=rows, source=config.source)
