"""Fixtures for the ingest tests: a local store, a dict catalog, the real Tesseract engine,
and small generated pages (800×1100, English text: fast to OCR with the forced `eng` model)."""
from __future__ import annotations

# First, before anything loads libvips (see ingest/samplepages.py: FreeType clash).
from ingest.samplepages import PageSpec, category_page, make_pdf, make_tiff, write_page  # isort: skip

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from ingest.catalog import IngestedItem
from ingest.options import IngestOptions
from ocr.registry import get_engine
from storage.registry import open_store

SHARED_SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"
FAST = "eng"  # forced OCR model for speed; the model choice itself is ocr/'s tests


class DictCatalog:
    """The Catalog protocol on a dict (the repository's adapter is tested in tests/repository)."""

    def __init__(self) -> None:
        self.items: dict[str, IngestedItem] = {}
        self.status: dict[str, str] = {}
        self.registrations: list[str] = []

    def item_status(self, item_id: str) -> str | None:
        return self.status.get(item_id)

    def register_item(self, item: IngestedItem) -> str:
        self.items[item.item_id] = item
        self.status[item.item_id] = "published" if item.publish else "draft"
        self.registrations.append(item.item_id)
        return self.status[item.item_id]


@pytest.fixture
def store(tmp_path):
    s = open_store("local", root=tmp_path / "store")
    s.ensure()
    return s


@pytest.fixture
def catalog():
    return DictCatalog()


@pytest.fixture(scope="session")
def engine():
    return get_engine("tesseract")


@pytest.fixture
def options():
    # PDFs made at 100 dpi and rendered at 100 dpi: 800×1100 pages, quick to OCR.
    return IngestOptions(workers=2, pdf_timeout_s=30, ocr_timeout_s=60, pdf_dpi=100)


def spec(seed: int) -> PageSpec:
    return PageSpec(seed=seed, rotation=0.3 if seed % 2 else -0.3)


def page(path: Path, seed: int = 1, category: str = "en") -> Path:
    return write_page(path, category, spec(seed))


def pdf(path: Path, pages: int, category: str = "en") -> Path:
    return make_pdf([category_page(category, spec(n))[0] for n in range(pages)], path, dpi=100)


def tiff(path: Path, pages: int, category: str = "en") -> Path:
    return make_tiff([category_page(category, spec(n))[0] for n in range(pages)], path)


def png_chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body) & 0xFFFFFFFF)


def png_declaring(path: Path, width: int, height: int) -> Path:
    """A tiny PNG whose header declares width×height pixels (nothing of that size is allocated)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
                     + png_chunk(b"IEND", b""))
    return path


def png_text_bomb(path: Path, inflated: int = 50_000_000) -> Path:
    small = io.BytesIO()
    Image.new("L", (16, 16), 255).save(small, "PNG")
    data = small.getvalue()
    bomb = png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"A" * inflated, 9))
    path.write_bytes(data[:33] + bomb + data[33:])
    return path


def truncated_jpeg(path: Path, seed: int = 3) -> Path:
    page(path.with_name("whole-" + path.name), seed)
    whole = path.with_name("whole-" + path.name)
    data = whole.read_bytes()
    whole.unlink()
    whole.with_suffix(".txt").unlink()
    path.write_bytes(data[: len(data) // 2])
    return path


def encrypted_pdf(path: Path, source: Path, *, user_password: str) -> Path:
    from pypdf import PdfReader, PdfWriter
    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-128")
    with open(path, "wb") as fh:
        writer.write(fh)
    return path


def broken_xref_pdf(path: Path, source: Path) -> Path:
    """Junk inserted after the header: every xref offset is wrong, the rest is intact."""
    data = source.read_bytes()
    cut = data.index(b"\n") + 1
    path.write_bytes(data[:cut] + b"%" + b"x" * 700 + b"\n" + data[cut:])
    return path


def stored_keys(store) -> dict[str, tuple[int, object]]:
    return {info.key: (info.size, info.modified) for info in store.list("")}
