"""Ingest settings as plain values; `repository/` fills them from config.yaml (`ingest.*`, `ocr.*`)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IngestOptions:
    workers: int = 0  # page worker processes; 0 = one per CPU core
    max_file_mb: int = 2048  # largest accepted input file
    max_pixels: int = 400_000_000  # largest accepted page (decompression-bomb limit), after PDF rendering too
    pdf_dpi: int = 300
    pdf_timeout_s: int = 120  # one page render (pdftoppm) or pdfinfo call
    tool_memory_mb: int = 2048  # address-space limit for pdftoppm/pdfinfo/pdftotext children
    max_png_text_kb: int = 1024  # total inflated PNG text chunks accepted (text-chunk bombs)
    ocr_timeout_s: int = 300
    ocr_languages: str = "kaz+rus+eng"  # used when model_choice is "fixed" and nothing else is given
    model_choice: str = "auto"  # "auto": ocr.select chooses per page; "fixed": always ocr_languages
    low_confidence: float = 70.0  # pages with mean word confidence below this are flagged
    thumb_size: int = 400  # long side of thumb.jpg, px
    # JPEG Q inside the pyramidal TIFF. 89, not 90: from 90 up libvips stops chroma subsampling, and the
    # 4:4:4 tiles are ~2.8x larger on disk and on the wire (the IIIF server passes stored tiles through).
    access_quality: int = 89
    pdf_render_quality: int = 92  # JPEG Q of rendered PDF pages fed to OCR (kept small in page PDFs)
    keep_pdf_text: bool = True  # store an existing PDF text layer per page as `hint.txt`

    @property
    def max_bytes(self) -> int:
        return self.max_file_mb * 1024 * 1024

    def worker_count(self, cpu_count: int | None) -> int:
        return self.workers if self.workers > 0 else max(1, cpu_count or 1)
