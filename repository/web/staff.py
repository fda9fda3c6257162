"""The staff side of the web UI, mounted at /staff: login, dashboard, and the guard every page passes.

- Who may enter: one `before_request` hook of the blueprint. Anonymous requests go to the login page
  (302), logged-in users who are not staff get 403, and the endpoints in `ADMIN_ENDPOINTS` need the
  `admin` role (403 for `staff`). Access to items themselves is still decided by `repository.access`.
- Login: argon2 through `users.authenticate` (which locks an account after `web.login_max_failures`),
  plus an in-memory per-address limiter (`web.login_ip_max_failures` failures per `web.login_ip_window_s`)
  so one address cannot try many user names. Forms carry the public side's CSRF token.
- The other staff pages live beside this module: `staff_upload` (upload, jobs), `staff_items` (items),
  `staff_catalogue` (an item's links to the general catalogue), `staff_admin` (collections, users,
  settings); each adds its routes to the one blueprint.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import deque
from datetime import timedelta
from typing import Any

from flask import (Blueprint, Flask, Response, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select

from metadata.dc import DCRecord
from repository import events
from repository.access import is_staff
from repository.auth import current_user, login_user, logout_user
from repository.errors import Forbidden, RepositoryError
from repository.models import Item, Page
from repository.services import current_services
from repository.users import authenticate

log = logging.getLogger(__name__)

LIMITER = "olketanu.staff.login_limiter"
SESSION_LIFETIME = timedelta(hours=12)  # a staff login lasts a working day, not Flask's default month
OPEN_ENDPOINTS = frozenset({"staff.login", "staff.login_submit"})
ADMIN_ENDPOINTS = frozenset({"staff.users", "staff.user_add", "staff.user_disable", "staff.settings"})
DASHBOARD_ROWS = 15


class TooManyAttempts(RepositoryError):
    status = 429


class LoginLimiter:
    """Failed logins per client address in a sliding window (memory of this process only)."""

    def __init__(self, max_failures: int, window_s: float) -> None:
        self.max_failures, self.window_s = max_failures, window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float]:
        times = self._failures.setdefault(address, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times

    def retry_after(self, address: str) -> float | None:
        """Seconds this address must wait before trying again, or None."""
        now = time.monotonic()
        with self._lock:
            times = self._recent(address, now)
            if len(times) < self.max_failures:
                if not times:
                    self._failures.pop(address, None)  # keep the table from growing with old addresses
                return None
            return max(times[0] + self.window_s - now, 1.0)

    def failed(self, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent(address, now).append(now)


def init_staff(app: Flask) -> None:
    """Register the staff blueprint and what it needs on the app (called once by create_app)."""
    from repository.web import staff_admin, staff_catalogue, staff_items, staff_upload

    config = app.extensions["olketanu"].config
    app.extensions[LIMITER] = LoginLimiter(config.get("web", "login_ip_max_failures"),
                                           config.get("web", "login_ip_window_s"))
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", SESSION_LIFETIME)
    app.config["PERMANENT_SESSION_LIFETIME"] = min(app.config["PERMANENT_SESSION_LIFETIME"], SESSION_LIFETIME)
    # Uploads are the largest requests the app takes; a zip may also be this large once unpacked.
    app.config["MAX_CONTENT_LENGTH"] = config.get("web", "upload_max_mb") * 1024 * 1024 + 1024 * 1024
    bp = Blueprint("staff", __name__, url_prefix="/staff")
    bp.before_request(guard)
    bp.after_request(no_store)
    bp.add_url_rule("/login", view_func=login, methods=["GET"])
    bp.add_url_rule("/login", view_func=login_submit, methods=["POST"], endpoint="login_submit")
    bp.add_url_rule("/logout", view_func=logout, methods=["POST"])
    bp.add_url_rule("/", view_func=dashboard)
    staff_upload.register(bp)
    staff_items.register(bp)
    staff_catalogue.register(bp)
    staff_admin.register(bp)
    bp.app_context_processor(staff_context)
    app.register_blueprint(bp)


def staff_context() -> dict[str, Any]:
    """`staff_user` in every template (the footer link and the staff menu use it)."""
    user = current_user()
    return {"staff_user": user if is_staff(user) else None}


# --- the guard --------------------------------------------------------------------------------


def guard() -> Response | None:
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    user = current_user()
    if user is None:
        return redirect(url_for("staff.login", next=_local_path(request.full_path)))
    if not is_staff(user):
        raise Forbidden("this page is for library staff")
    if request.endpoint in ADMIN_ENDPOINTS and user.role != "admin":
        raise Forbidden("this page is for administrators")
    return None


def no_store(response: Response) -> Response:
    # Staff pages show drafts and restricted items: no shared or back-button caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def actor() -> str:
    """The user name audit events are recorded under (the guard made sure there is one)."""
    user = current_user()
    assert user is not None
    return user.username


def _local_path(target: str | None) -> str:
    """`target` if it is a path on this site (no scheme, no host, not `//host`); else the dashboard."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target.rstrip("?") or "/staff/"
    return url_for("staff.dashboard")


# --- login ------------------------------------------------------------------------------------


def login() -> str:
    if is_staff(current_user()):
        return redirect(_local_path(request.args.get("next")))  # type: ignore[return-value]
    return render_template("staff/login.html", error=None, username="", next=request.args.get("next", ""))


def login_submit() -> Response | tuple[str, int]:
    services = current_services()
    limiter: LoginLimiter = current_app.extensions[LIMITER]
    address = request.remote_addr or "unknown"
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    next_path = request.form.get("next", "")
    wait = limiter.retry_after(address)
    if wait is not None:
        error = TooManyAttempts(_("There have been too many failed logins from this address; try again in "
                                  "%(seconds)s s.", seconds=int(wait)))
        return render_template("staff/login.html", error=error.message, username=username, next=next_path), 429
    try:
        user = authenticate(services, username, password)
    except Forbidden as exc:
        limiter.failed(address)
        refused = with_english(_("Not logged in: %(reason)s"), reason=exc.message)
        return render_template("staff/login.html", error=refused, username=username, next=next_path), 403
    login_user(user)
    with services.db.transaction() as session:
        events.record(session, user.username, "login", "user", user.username, None, {"address": address})
    return redirect(_local_path(next_path))


def logout() -> Response:
    user = current_user()
    if user is not None:
        with current_services().db.transaction() as session:
            events.record(session, user.username, "logout", "user", user.username)
    logout_user()
    return redirect(url_for("web.home"))


# --- dashboard --------------------------------------------------------------------------------


def title_text(dc: dict[str, Any], fallback: str) -> str:
    return DCRecord.from_json(dc).first("title") or fallback


def dashboard() -> str:
    services = current_services()
    with services.db.read() as session:
        drafts = [(i.id, title_text(i.dc, i.id), i.updated) for i in session.scalars(
            select(Item).where(Item.status == "draft").order_by(Item.updated.desc()).limit(DASHBOARD_ROWS))]
        flagged = [(p.item_id, p.seq, p.ocr_confidence, p.ocr_model) for p in session.scalars(
            select(Page).join(Item).where(Page.ocr_flagged.is_(True))
            .order_by(Item.updated.desc(), Page.item_id, Page.seq).limit(DASHBOARD_ROWS * 2))]
    jobs, queue_error = recent_jobs(DASHBOARD_ROWS)
    return render_template("staff/dashboard.html", drafts=drafts, flagged=flagged, jobs=jobs,
                           queue_error=queue_error)


def recent_jobs(limit: int) -> tuple[list[Any], str | None]:
    """The newest jobs, or the reason the queue cannot be read (shown on the page, and logged)."""
    from ingest.queue import QueueError

    try:
        return current_services().open_queue().list(limit=limit), None
    except QueueError as exc:
        log.error("job queue unreachable: %s", exc)
        return [], str(exc)


# --- messages ---------------------------------------------------------------------------------
# Staff messages are written in the interface language with `_()` (tests/staff/test_messages.py checks
# that every flashed one is in the kk and ru catalogs). Reasons given by the services stay English.


def english(text: str) -> Markup:
    """Text from the services (a refusal's reason, a validator's message) is English whatever the
    interface language: marked so, a screen reader on a Russian page still pronounces it right."""
    return Markup('<span lang="en">{}</span>').format(text)


def with_english(message: str, **parts: str) -> Markup:
    """A translated `message` (from `_()` without arguments) whose %(placeholders)s are English `parts`."""
    return escape(message) % {name: english(text) for name, text in parts.items()}


def refusal(exc: RepositoryError) -> Markup:
    """A service's refusal, said in the interface language around its English reason."""
    return with_english(_("Not done: %(reason)s"), reason=exc.message)


def flash_error(exc: RepositoryError) -> None:
    flash(refusal(exc), "error")
