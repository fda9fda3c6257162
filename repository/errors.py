"""The repository package's exception root and its typed errors.

Each error carries the HTTP status it is rendered with; the web layer renders them in one place
(`repository/web/errors.py`), the CLI prints their message.
"""
from __future__ import annotations


class RepositoryError(Exception):
    """Root of every error the application raises on purpose."""

    status = 500

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def details(self) -> dict:
        """Extra machine-readable fields the web layer adds to the error response."""
        return {}


class ConfigError(RepositoryError):
    """A setting is unknown or has a bad value; start-up stops."""


class NotFound(RepositoryError):
    status = 404


class Forbidden(RepositoryError):
    status = 403


class BadRequest(RepositoryError):
    status = 400


class Conflict(RepositoryError):
    status = 409


class InvalidRecord(BadRequest):
    """A Dublin Core record failed validation; `problems` lists each field, value and message."""

    def __init__(self, message: str, problems: list[dict]):
        super().__init__(message)
        self.problems = problems

    def details(self) -> dict:
        return {"problems": self.problems}


class SchemaOutOfDate(RepositoryError):
    """The database schema is not at the revision this code needs; `olketanu init` upgrades it."""

    status = 503
