"""Error rendering, in one place: typed RepositoryErrors and HTTP errors become responses.

Under /api the body is JSON `{"error": {"status": …, "message": …, …details}}`; every other path gets
the site's HTML error page (`templates/error.html`, in the reader's language, inside the base layout).
A 5xx page never shows the exception's message: it may name internals.
"""
from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
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
    return render_template("error.html", status=status, message=message if status < 500 else None)
