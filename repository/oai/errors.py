"""OAI-PMH errors: each carries the protocol's error code, rendered as `<error code="…">`.

They are part of the protocol, not failures of the server: the response is HTTP 200 with the error
element (OAI-PMH 2.0 section 3.6), so the blueprint renders them itself.
"""
from __future__ import annotations

from repository.errors import RepositoryError

CODES = (
    "badArgument", "badResumptionToken", "badVerb", "cannotDisseminateFormat", "idDoesNotExist",
    "noRecordsMatch", "noMetadataFormats", "noSetHierarchy",
)
# With these two the request was not understood, so the `request` element must not echo its arguments.
UNECHOED = ("badVerb", "badArgument")


class OAIError(RepositoryError):
    status = 200

    def __init__(self, code: str, message: str):
        if code not in CODES:
            raise ValueError(f"not an OAI-PMH error code: {code!r}")
        super().__init__(message)
        self.code = code

    @property
    def echoes_arguments(self) -> bool:
        return self.code not in UNECHOED
