"""Storage keys of ingested items (the layout in docs/architecture.md) and content-derived ids."""
from __future__ import annotations

import base64
import hashlib
from typing import Iterable

ID_PREFIX = "kz"
ID_CHARS = 10  # base32 characters: 50 bits, plenty for one library's holdings


def source_key(page_refs: Iterable[tuple[str, int, int]]) -> str:
    """sha256 over the pages' masters in order: (file sha256, page index, pages in that file).

    A single-image page is just its file's hash; a page of a PDF or multi-page TIFF is the file's
    hash with the page number, so the same files in the same order always give the same key.
    """
    h = hashlib.sha256()
    for sha, index, count in page_refs:
        h.update((sha if count == 1 else f"{sha}#{index}").encode("ascii") + b"\n")
    return h.hexdigest()


def item_id(source: str) -> str:
    digest = bytes.fromhex(source)
    return ID_PREFIX + base64.b32encode(digest).decode("ascii").lower()[:ID_CHARS]


def item_prefix(item: str) -> str:
    return f"items/{item}/"


def page_prefix(item: str, seq: int) -> str:
    return f"items/{item}/pages/{seq:04d}/"


def page_master(item: str, seq: int, ext: str) -> str:
    return f"{page_prefix(item, seq)}master.{ext}"


def source_master(item: str, file_index: int, ext: str) -> str:
    """A multi-page source file (PDF, multi-page TIFF) kept once for all its pages (additive key)."""
    return f"items/{item}/source/{file_index:03d}.{ext}"


def page_object(item: str, seq: int, name: str) -> str:
    """access.tif thumb.jpg alto.xml text.txt page.pdf, plus page.json (the page-done marker)
    and hint.txt (a PDF's own text layer) — the last two are additive to the documented layout."""
    return f"{page_prefix(item, seq)}{name}"


def item_object(item: str, name: str) -> str:
    """item.pdf item.txt, and ingest.json (provenance; additive). item.json is written by the repository."""
    return f"items/{item}/{name}"
