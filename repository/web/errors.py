"""Error rendering, in one place: typed RepositoryErrors and HTTP errors become responses.

Under /api the body is JSON `{"error": {"status": …, "message": …, …details}}`; elsewhere a minimal
HTML page for now (the web UI replaces `_html` with its templates).
"""
from __future__ import annotations

from flask import Flask, Response, jsonify, request
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from repository.errors import RepositoryError


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(RepositoryError, _repository_error)
    # Also receives InternalServerError wrapping any unexpected exception (Flask logs it first).
    app.register_error_handler(HTTPException, _http_error)


def _wants_json() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def _repository_error(error: RepositoryError) -> Response:
    return render_error(error.status, error.message, error.details())


def _http_error(error: HTTPException) -> Response:
    if not _wants_json():
        return error.get_response()
    status = error.code or 500
    response = render_error(status, error.description or error.name, {})
    allowed = getattr(error, "valid_methods", None)  # set on 405 Method Not Allowed
    if allowed:
        response.headers["Allow"] = ", ".join(allowed)
    return response


def render_error(status: int, message: str, details: dict) -> Response:
    if _wants_json():
        response = jsonify({"error": {"status": status, "message": message, **details}})
    else:
        response = Response(_html(status, message), mimetype="text/html")
    response.status_code = status
    return response


def _html(status: int, message: str) -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{status}</title></head>"
        f"<body><h1>{status}</h1><p>{escape(message)}</p></body></html>"
    )
