"""OCR backends by name (explicit; no plugin discovery)."""
from __future__ import annotations

from ocr.base import OcrEngine, OcrError
from ocr.tesseract import TesseractEngine

ENGINES: dict[str, type[OcrEngine]] = {"tesseract": TesseractEngine}


class UnknownEngine(OcrError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown OCR engine {name!r}; known: {', '.join(sorted(ENGINES))}")
        self.name = name


def get_engine(name: str, **options: object) -> OcrEngine:
    try:
        cls = ENGINES[name]
    except KeyError:
        raise UnknownEngine(name) from None
    return cls(**options)
