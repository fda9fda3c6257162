"""The viewer package's one exception root; every IIIF error carries the HTTP status it means.

Image API 3.0 §7.3 fixes the meaning of the codes: 400 the request's syntax is wrong, 403 the caller
may not see this image, 404 no such image, 501 a valid request for a feature we do not implement.
"""
from __future__ import annotations


class ViewerError(Exception):
    """Root of every error raised by `viewer/`; `status` is the HTTP status to answer with."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(ViewerError):
    status = 400


class Forbidden(ViewerError):
    status = 403


class NotFound(ViewerError):
    status = 404


class NotImplementedFeature(ViewerError):
    status = 501
