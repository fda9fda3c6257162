"""Errors of the ingest pipeline; every one derives from IngestError.

Messages are written for sector staff: they name the file (as the batch knows it, never a resolved
path outside the batch) and the cause in plain words. Raw tool output (Tesseract, poppler) never goes
into a message, because it can echo the contents of a hostile input file.
"""
from __future__ import annotations

from typing import Sequence


class IngestError(Exception):
    """Root of every ingest failure."""


class SourceError(IngestError):
    """A source (folder, PDF, sheet row, item.yaml) cannot be turned into an item."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class OutsideBatch(SourceError):
    """A path resolves (e.g. through a symlink) outside every batch root."""

    def __init__(self, source: str) -> None:
        super().__init__(source, "points outside the batch folders (symlink or '..'); refused")


class InvalidFile(IngestError):
    """A file failed validation: wrong format, empty, too large, corrupt or truncated."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


class PdfError(InvalidFile):
    """A PDF cannot be read or one of its pages cannot be rendered."""


class PdfEncrypted(PdfError):
    """The PDF needs a user password to open (owner-password-only PDFs open fine)."""

    def __init__(self, file: str) -> None:
        super().__init__(file, "PDF is encrypted with a user password; remove the password and ingest again")


class ToolFailed(IngestError):
    """An external tool (pdftoppm, pdfinfo) failed, timed out or ran out of its memory limit."""

    def __init__(self, tool: str, reason: str) -> None:
        super().__init__(f"{tool}: {reason}")
        self.tool = tool
        self.reason = reason


class PageFailed(IngestError):
    """One page could not be ingested; its item fails with this message."""

    def __init__(self, file: str, cause: str) -> None:
        super().__init__(f"{file}: {cause}")
        self.file = file
        self.cause = cause


class SheetError(IngestError):
    """The metadata sheet as a whole is unusable (problems not tied to one row)."""

    def __init__(self, sheet: str, problems: Sequence[str]) -> None:
        super().__init__(f"{sheet}: " + "; ".join(problems))
        self.sheet = sheet
        self.problems = list(problems)

