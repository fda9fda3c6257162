"""From an item source to page tasks: file checks, hashes, page counts, the content-derived id.

Runs in the batch's main process and reads headers only (pdfinfo runs as a limited child), so a
bad file fails its item here, before any worker renders or decodes anything.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from storage.base import hash_stream

from ingest import keys
from ingest.errors import InvalidFile
from ingest.options import IngestOptions
from ingest.pdfrender import Limits, pdf_info
from ingest.sources import ItemSource, SourceFile
from ingest.validate import FORMATS, check_file, read_header


@dataclass(frozen=True)
class PageTask:
    """Everything a worker needs for one page (picklable, small: never pixels or PDF bytes)."""
    item_id: str
    seq: int  # 1-based position in the item
    file_path: str
    file_name: str  # as reports show it
    file_sha256: str
    fmt: str  # validate.FORMATS key
    index: int  # 0-based page within the file
    count: int  # pages in the file
    master_key: str
    forced: str | None  # OCR languages/model forced for this item, else None (ocr.select chooses)
    force: bool  # redo derivatives and OCR even when stored results exist
    options: IngestOptions
    reuse_derivatives: bool = False  # access copy and thumbnail are already stored
    forced_by: str | None = None  # which setting forced `forced`, e.g. "collection 'maps'" (for the reason)

    @property
    def source_name(self) -> str:
        return self.file_name if self.count == 1 else f"{self.file_name} p. {self.index + 1}"

    @property
    def fingerprint(self) -> str:
        """What the stored page was made from; a stored page.json is reused only if it matches."""
        return f"{self.file_sha256}#{self.index}"


@dataclass(frozen=True)
class PlannedFile:
    file: SourceFile
    fmt: str
    sha256: str
    size: int
    pages: int
    master_key: str | None  # for multi-page files, stored once by the main process


@dataclass
class ItemPlan:
    source: ItemSource
    item_id: str
    source_key: str
    files: list[PlannedFile]
    tasks: list[PageTask] = field(default_factory=list)


def sha256_file(path: Path) -> tuple[str, int]:
    with open(path, "rb") as fh:
        size, sha256 = hash_stream(fh)
    return sha256, size


def count_pages(sf: SourceFile, fmt: str, options: IngestOptions) -> int:
    if fmt == "pdf":
        return pdf_info(sf.path, sf.name, limits(options)).pages
    header = read_header(sf.path, sf.name, FORMATS[fmt], max_pixels=options.max_pixels,
                         max_png_text=options.max_png_text_kb * 1024)
    return header.pages


def limits(options: IngestOptions) -> Limits:
    return Limits(options.pdf_timeout_s, options.tool_memory_mb)


def plan_item(source: ItemSource, options: IngestOptions, *, forced: str | None, force: bool,
              forced_by: str | None = None) -> ItemPlan:
    """Check and hash every file of the item; raises IngestError naming the first bad file."""
    planned: list[tuple[SourceFile, str, str, int, int]] = []
    for sf in source.files:
        fmt = check_file(sf.path, sf.name, max_bytes=options.max_bytes)
        pages = count_pages(sf, fmt.name, options)
        sha, size = sha256_file(sf.path)
        planned.append((sf, fmt.name, sha, size, pages))
    if not planned:
        raise InvalidFile(source.name, "no pages found")
    refs = [(sha, i, pages) for _, _, sha, _, pages in planned for i in range(pages)]
    skey = keys.source_key(refs)
    item = keys.item_id(skey)
    files: list[PlannedFile] = []
    tasks: list[PageTask] = []
    seq = 0
    for n, (sf, fmt, sha, size, pages) in enumerate(planned, start=1):
        ext = FORMATS[fmt].ext
        multi = keys.source_master(item, n, ext) if pages > 1 or fmt == "pdf" else None
        files.append(PlannedFile(sf, fmt, sha, size, pages, multi))
        for index in range(pages):
            seq += 1
            master = multi or keys.page_master(item, seq, ext)
            tasks.append(PageTask(item, seq, str(sf.path), sf.name, sha, fmt, index, pages, master,
                                  forced, force, options, forced_by=forced_by))
    return ItemPlan(source, item, skey, files, tasks)
