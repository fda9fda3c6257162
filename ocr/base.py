"""The OCR engine interface, its result types and the package's exception root.

Backends live beside this module (``ocr/tesseract.py``) and are chosen by name in
``ocr/registry.py``. Nothing here runs at import time.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for annotations; alto.py imports this module
    from ocr.alto import PageText


class OcrError(Exception):
    """Root of every error raised by the ocr package."""


class OcrTimeout(OcrError):
    """The engine did not finish within the allowed time."""


class OcrFailed(OcrError):
    """OCR could not produce a result.

    The message is a clean cause written by us. It must never carry the tool's
    stderr: Tesseract echoes file contents in some errors (see input-pitfalls.md).
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Component:
    """One thing the OCR engine needs, as reported by ``olketanu check``."""

    name: str
    version: str | None
    ok: bool
    detail: str
    fix: str | None = None


@dataclass(frozen=True)
class OcrResult:
    """Everything one page's OCR yields; ``alto`` is ALTO v4 XML (UTF-8)."""

    alto: bytes
    text: str
    pdf: bytes
    mean_confidence: float | None  # 0-100; None when the page has no words
    word_count: int
    languages: str


class OcrEngine(ABC):
    @abstractmethod
    def recognise(self, image_path: Path, languages: str, timeout_s: int, psm: int = 3) -> OcrResult:
        """Full pass: ALTO, plain text and a one-page searchable PDF in one run."""

    @abstractmethod
    def read_layout(self, image_path: Path, languages: str, timeout_s: int, psm: int = 3) -> "PageText":
        """Light pass (ALTO only, parsed), used by model selection on a reduced image."""

    @abstractmethod
    def check(self) -> list[Component]:
        """Report the binary and every model the pipeline relies on."""

    def close(self) -> None:  # noqa: B027 - optional hook, most engines hold nothing between pages
        """Release what the engine keeps between pages (helper processes)."""
