"""CSRF protection for every HTML form, checked in one place.

A random token lives in the (signed) session; forms carry it in a hidden `csrf_token` field
(`{{ csrf_field() }}` in templates) and a `before_request` hook refuses any unsafe request without the
matching token. Exempt: the JSON API under /api (no cookie-authenticated forms post there) and OAI-PMH,
whose POST is public, read-only and sent by harvesters that never saw our pages.

The staff UI reuses this module unchanged: its forms add `{{ csrf_field() }}` and are protected.
"""
from __future__ import annotations

import hmac
import secrets

from flask import Flask, request, session
from markupsafe import Markup, escape

from repository.errors import RepositoryError

SESSION_KEY = "csrf_token"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
EXEMPT_PREFIXES = ("/api", "/oai")


class CsrfError(RepositoryError):
    """The form came without the token this session gave out (stale page, or a forged request)."""

    status = 400


def csrf_token() -> str:
    """This session's token, created on first use."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def csrf_field() -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, escape(csrf_token()))


def is_exempt(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in EXEMPT_PREFIXES)


def check_request() -> None:
    """The before_request hook: unsafe methods outside the exempt paths need the session's token."""
    if request.method in SAFE_METHODS or is_exempt(request.path):
        return
    expected = session.get(SESSION_KEY)
    given = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    if not isinstance(expected, str) or not hmac.compare_digest(expected.encode(), given.encode()):
        raise CsrfError("the form has expired or did not come from this site; reload the page and try again")


def init_csrf(app: Flask) -> None:
    app.before_request(check_request)
    app.jinja_env.globals.update(csrf_token=csrf_token, csrf_field=csrf_field)
