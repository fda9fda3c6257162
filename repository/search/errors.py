"""The search package's typed errors (all under the application's RepositoryError root).

The web layer renders RepositoryErrors in one place with their `status`, so a bad query is a 400
with the parser's message and an unreachable engine a 503 — never a bare 500.
"""
from __future__ import annotations

from repository.errors import RepositoryError


class SearchError(RepositoryError):
    """Root of the search errors."""

    status = 500


class QuerySyntaxError(SearchError):
    """The query text cannot be parsed; `position` is the 0-based character offset of the problem."""

    status = 400

    def __init__(self, message: str, position: int | None = None):
        where = f" (at character {position + 1})" if position is not None else ""
        super().__init__(f"query syntax: {message}{where}")
        self.position = position

    def details(self) -> dict:
        return {"position": self.position}


class BadSearchParameter(SearchError):
    """A filter, sort or paging parameter has a value the search does not accept."""

    status = 400


class BackendUnavailable(SearchError):
    """The search engine could not be reached or refused the request."""

    status = 503


class UnknownBackend(SearchError):
    """The configured backend name is not in the registry."""
