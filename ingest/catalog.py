"""What the ingest pipeline needs from the application: register a finished item.

The repository implements `Catalog`; ingest never imports the repository.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence

from metadata.dc import DCRecord


@dataclass(frozen=True)
class IngestedPage:
    seq: int  # 1-based order
    label: str
    source_name: str  # file name (and page number for PDFs / multi-page TIFFs) it came from
    master_key: str
    master_sha256: str
    master_mime: str
    master_size: int
    access_key: str  # pyramidal TIFF
    thumb_key: str
    width: int
    height: int
    alto_key: str | None
    text_key: str | None
    pdf_key: str | None
    ocr_confidence: float | None
    ocr_flagged: bool
    ocr_model: str | None
    ocr_evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IngestedItem:
    item_id: str  # derived from the content, so re-ingesting the same files gives the same id
    source_key: str  # sha256 over the pages' master hashes in order
    record: DCRecord
    pages: Sequence[IngestedPage]
    collection_id: str | None
    publish: bool  # staff asked for publication; the repository still refuses an invalid record
    pdf_key: str | None  # searchable PDF of all pages
    text_key: str | None  # plain text of all pages
    ocr_languages: str | None = None
    catalogue_ref: str | None = None  # control number or ISBN of a catalogue record (issue 8)
    access: str | None = None  # public / reading-room / staff from the sheet; None: the repository's default


class Catalog(Protocol):
    def item_status(self, item_id: str) -> str | None:
        """`draft`, `published`, `withdrawn`, or None for an unknown item."""

    def register_item(self, item: IngestedItem) -> str:
        """Create or replace the item and its pages in one transaction; returns the resulting status."""

    def collection_languages(self, collection_id: str) -> str | None:
        """The OCR model the collection forces for its items (its `ocr_languages`), or None when it
        sets none or is unknown. Optional: a catalog without this method forces nothing."""
